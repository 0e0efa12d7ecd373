"""Publish every module as a Jupyter notebook with its executed outputs: the page as a learner
takes it in Jupyter or Colab.

The notebooks go to ``<html>/notebooks/<slug>.ipynb``: the module header links there for the
download, and "Open in Colab" opens the same path in the published repository branch. What
:func:`learner_notebook` makes of a page:

- the title, the "Module N of 26" line and a link to the page; an install cell before the first
  code cell that pins the package version the outputs came from (``dlcourse_install``);
- figures with the page's alt text (in the image output's metadata, where nbconvert and
  IPython put it);
- the prose with glued values as their text (a value glued by a cell tagged ``timing`` with
  its place recorded in the cell's metadata, see :func:`_mark_timed`), tips and notes as
  quotes, inline questions with their choices (and the code of a predict-output question)
  and the call that asks them; every link absolute to the published site (``html_baseurl``),
  a module not yet published as text;
- each ``### Exercise N`` as its prompt, an empty cell for the attempt, the check (hidden on
  the page), and the solution folded under a "Solution" heading until opened (Colab's
  ``collapsed_sections``, JupyterLab's ``jp-MarkdownHeadingCollapsed``, and
  ``jupyter.source_hidden``/``outputs_hidden`` on the solution's cells);
- the practice quiz as a cell that asks it (:func:`dlcourse.quiz.ask`), and "Where next".

Cells the page hides (``remove-cell``: claims) are left out, apart from exercise checks.

A notebook is written again only when what it is made of may have changed: its page was read in
this build (its outputs come from the cache, which changes only by running the page, and a page
runs only when it is read), or its quiz data, the export code or the settings changed, or the
file is missing. A rebuild with no change writes none.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import nbformat
from sphinx.application import Sphinx
from sphinx.util import logging

from dlcourse.book.pages import CourseError, module_of

logger = logging.getLogger(__name__)

INSTALL_CELL = """\
# Run this cell first: it installs dlcourse {version}, the version of the course package that
# produced the outputs below, unless that version is installed already (in Colab it is not).
from importlib import metadata

try:
    installed = metadata.version("dlcourse"){extras}
except metadata.PackageNotFoundError:
    installed = None
if installed != {version!r}:
    %pip install --quiet {requirement!r}"""
#: a page's front matter asks for extras of the package with ``extras: [export]``
EXTRAS_CHECK = """
    for needed in {needed!r}:  # what the extra {names} adds, checked too
        metadata.version(needed)"""


def install_requirement(setting: str, version: str) -> str:
    """The pip requirement of the install cell: ``dlcourse_install`` with ``{version}`` filled in.

    >>> install_requirement("dlcourse @ git+https://github.com/o/r@v{version}", "0.1.0")
    'dlcourse @ git+https://github.com/o/r@v0.1.0'
    """
    return setting.replace("{version}", version)


def install_cell(requirement: str, version: str, extras: dict[str, list[str]]) -> str:
    """The install cell's code; ``extras`` maps each extra the page needs to what it installs.

    >>> print(install_cell("dlcourse==0.1.0", "0.1.0", {"export": ["onnx"]}).splitlines()[-1])
        %pip install --quiet 'dlcourse[export]==0.1.0'
    """
    check = ""
    if extras:
        name, rest = re.match(r"([A-Za-z0-9._-]+)(.*)", requirement, re.S).groups()
        requirement = f"{name}[{','.join(extras)}]{rest}"
        needed = sorted({package for packages in extras.values() for package in packages})
        check = EXTRAS_CHECK.format(needed=needed, names=" and ".join(extras))
    return INSTALL_CELL.format(requirement=requirement, version=version, extras=check)


#: the project file of the package the book is built with (a source checkout)
PYPROJECT = Path(__file__).parents[3] / "pyproject.toml"


def package_extras(pyproject: Path = PYPROJECT) -> dict[str, list[str]]:
    """The package's extras (``[project.optional-dependencies]``): the distributions of each.

    >>> package_extras()["export"]
    ['onnx', 'onnxscript', 'onnxruntime']
    """
    import tomllib

    if not pyproject.is_file():
        return {}
    optional = tomllib.loads(pyproject.read_text())["project"].get("optional-dependencies", {})
    name = re.compile(r"[A-Za-z0-9._-]+")
    return {extra: [name.match(r)[0] for r in reqs] for extra, reqs in optional.items()}


def page_extras(
    executed: nbformat.NotebookNode, extras: dict[str, list[str]], slug: str
) -> dict[str, list[str]]:
    """The extras a page's front matter asks for (``extras: [export]``), each with what it adds."""
    wanted = executed.metadata.get("extras", [])
    where = f"docs/modules/{slug}.md: the front matter's `extras`"
    if not isinstance(wanted, list) or not all(isinstance(e, str) for e in wanted):
        raise CourseError(f"{where} must be a list of names, like [export]: {wanted!r}")
    unknown = [e for e in wanted if e not in extras]
    if unknown:
        raise CourseError(
            f"{where} names {unknown}, which pyproject.toml's [project.optional-dependencies] "
            f"does not define (it has {sorted(extras)}): add it there or fix the name"
        )
    return {e: extras[e] for e in wanted}


def executed_notebook(app: Sphinx, docname: str) -> nbformat.NotebookNode:
    """The page as a notebook, with the outputs of its last execution from the cache."""
    from jupyter_cache import get_cache

    from dlcourse.book.deps import cache_path, read_notebook

    path = app.env.doc2path(docname)
    notebook = read_notebook(app.env, docname)
    if app.config.nb_execution_mode == "cache":
        try:
            _, notebook = get_cache(cache_path(app)).merge_match_into_notebook(notebook)
        except KeyError:
            # never publish a notebook without its outputs
            raise CourseError(
                f"{path}: its executed outputs are not in the cache ({cache_path(app)}), so its "
                "notebook cannot be exported. Build again: the page is executed afresh."
            ) from None
    return notebook


_MODULE_ROLE = re.compile(r"\{module\}`([^`<]*?)\s*(?:<([^`>]+)>)?`")
_GLUE_ROLE = re.compile(r"\{glue:text\}`([^`:]+)(?::([^`]*))?`")
# a block ends at the end of its closing line: the line breaks after it stay, so the block is
# followed by a blank line (a quote that runs into the next line would take that line in)
_QUESTION = re.compile(r"^```\{quiz-question\}[ \t]*(\S+)[ \t]*\n```[ \t]*$", re.M)
_ADMONITION = re.compile(
    r"^(:{3,})\{(tip|note|warning|important)\}[^\n]*\n(.*?)^\1[ \t]*$", re.S | re.M
)
# a Markdown link or image target: [text](target "title")
_LINK = re.compile(r"(\]\()(<[^>\n]*>|[^)\s]+)((?:\s+\"[^\"\n]*\")?\))")
# code that Markdown shows verbatim: fenced blocks, then code spans
_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.S | re.M)
_CODE_SPAN = re.compile(r"(`+)(?:[^`]|(?!\1)`)*?\1(?!`)")


#: where MyST-NB's ``glue(..., display=False)`` puts a value: a MIME type Jupyter cannot render
GLUE_RECORD = "application/papermill.record/"


def glued_values(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """The plain-text value of every glued variable in an executed notebook.

    MyST-NB stores a value glued without display under ``application/papermill.record/text/plain``
    (the output's ``scrapbook.mime_prefix``), one glued with ``display=True`` under ``text/plain``.
    """
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            scrapbook = output.get("metadata", {}).get("scrapbook", {})
            name, data = scrapbook.get("name"), output.get("data", {})
            for mime in (scrapbook.get("mime_prefix", "") + "text/plain", "text/plain"):
                if name and mime in data:
                    values[name] = data[mime]
                    break
    return values


def timed_glue(notebook: nbformat.NotebookNode) -> frozenset[str]:
    """The names glued by the cells tagged ``timing`` of an executed notebook: measured values,
    which differ from build to build (the page and the notebook mark them as such)."""
    return frozenset(
        output["metadata"]["scrapbook"]["name"]
        for cell in notebook.cells
        if "timing" in _tags(cell)
        for output in cell.get("outputs", [])
        if "name" in output.get("metadata", {}).get("scrapbook", {})
    )


#: around a measured value in a cell's Markdown until :func:`_mark_timed` records where it is
TIMED = ("\ue000", "\ue001")
_TIMED_VALUE = re.compile(f"{TIMED[0]}(.*?){TIMED[1]}", re.S)


def _mark_timed(cell) -> None:
    """Record where the measured values are in a Markdown cell (``metadata["dlcourse"]["timing"]``,
    ``[start, end]`` character offsets into its source), so that ``dlcourse.book.compare``
    ignores them; the source keeps only the values."""
    if TIMED[0] not in cell.source:
        return
    pieces, spans, at, length = [], [], 0, 0
    for match in _TIMED_VALUE.finditer(cell.source):
        before = cell.source[at : match.start()]
        pieces += [before, match[1]]
        length += len(before)
        spans.append([length, length + len(match[1])])
        length += len(match[1])
        at = match.end()
    cell.source = "".join([*pieces, cell.source[at:]])
    cell.metadata.setdefault("dlcourse", {})["timing"] = spans


def _drop_glue_records(notebook: nbformat.NotebookNode) -> None:
    """Remove the glue records (outputs Jupyter cannot render); a cell's other outputs stay."""
    for cell in notebook.cells:
        if cell.get("outputs"):
            cell.outputs = [
                output
                for output in cell.outputs
                if not any(mime.startswith(GLUE_RECORD) for mime in output.get("data", {}))
            ]


class MissingGlue(KeyError):
    """A ``{glue:text}`` role names a value that no cell of the page glued."""


def _formatted(value: str | None, spec: str | None, name: str = "") -> str:
    """A glued value as the site shows it: MyST-NB's own formatting, so ``:,`` keeps an integer
    an integer (``1,348``, not ``1,348.0``)."""
    from myst_nb.core.variables import format_plain_text

    if value is None:
        raise MissingGlue(name)
    try:
        return format_plain_text(value, spec or "")
    except (TypeError, ValueError):
        return value.strip("'\"")


_QUIZ_CODE = re.compile(r"(`[^`]+`)")
_MARKDOWN_PUNCTUATION = re.compile(r"([\\\[\]!#|~$_{}])")
_LIST_START = re.compile(r"^(?:([-+])|(\d+)([.)]))")


def quiz_markdown(text: str) -> str:
    r"""Quiz text for a notebook, shown as on the site: `code`, **strong** and *em* are markup,
    everything else is literal (HTML escaped, Markdown's links, images, math... backslashed),
    on one line (it sits in a quote).

    >>> print(quiz_markdown('<b>x</b> [a](b) $y$ `a_<b>` **k**'))
    &lt;b&gt;x&lt;/b&gt; \[a\](b) \$y\$ `a_<b>` **k**
    """
    out = []
    for i, part in enumerate(_QUIZ_CODE.split(text)):
        # a code span shows its content verbatim in Markdown as on the site
        out.append(part if i % 2 else _MARKDOWN_PUNCTUATION.sub(r"\\\1", html.escape(part)))
    line = " ".join("".join(out).split())
    return _LIST_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line)


def _fence(text: str, info: str = "") -> list[str]:
    """``text`` as a fenced code block whose fence is longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", *text.rstrip().splitlines(), fence]


def _output_choice(text: str) -> list[str]:
    """A printed output as a list item: a code span, or a code block when it spans lines."""
    text = text.rstrip()
    if "\n" not in text and text.strip():
        longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
        ticks = "`" * (longest + 1)
        pad = " " if text.startswith("`") or text.endswith("`") or text != text.strip() else ""
        return [f"- {ticks}{pad}{text}{pad}{ticks}"]
    block = _fence(text)
    return [f"- {block[0]}", *(f"  {line}" for line in block[1:])]


def question_markdown(q, key: str) -> str:
    """An inline question as a quote: its prompt, code, choices and the call that asks it.

    Choices are numbered as :func:`dlcourse.quiz.ask` numbers them (the page's order).
    """
    lines = [f"**Check yourself:** {quiz_markdown(q.prompt)}"]
    if q.code:
        lines += ["", *_fence(q.code, "python")]
    if q.choices:
        lines.append("")
        for choice in q.choices:
            if choice.is_output:
                lines += _output_choice(choice.text)
            else:
                lines.append(f"- {quiz_markdown(choice.text)}")
    elif q.kind == "numeric":
        unit = f" (in {quiz_markdown(q.unit)})" if q.unit else ""
        lines += ["", f"Your answer is a number{unit}."]
    call = f'import dlcourse; dlcourse.quiz.ask("{key}", "{q.id}")'
    # the empty quote line ends the list: else the hint joins the last choice
    lines += ["", f"*(Answer it on the course site, or run `{call}` in a code cell.)*"]
    return "\n".join(f"> {line}".rstrip() for line in lines) + "\n"


def _outside_code(text: str, change) -> str:
    """``change`` applied to the parts of Markdown ``text`` that are not code."""

    def spans(part: str) -> str:
        pieces, at = [], 0
        for match in _CODE_SPAN.finditer(part):
            pieces += [change(part[at : match.start()]), match.group(0)]
            at = match.end()
        return "".join([*pieces, change(part[at:])])

    pieces, at = [], 0
    for match in _FENCE.finditer(text):
        pieces += [spans(text[at : match.start()]), match.group(0)]
        at = match.end()
    return "".join([*pieces, spans(text[at:])])


def absolute_links(text: str, page: str) -> str:
    """Every link target in Markdown ``text`` made absolute against the page's URL ``page``:
    an in-page anchor (``#broadcasting``) becomes the published page's anchor, which exists
    (Jupyter and Colab give headings other ids than Sphinx does).

    >>> print(absolute_links("[a](#x) [b](../faq.html) [c](https://e.org/) `[d](#y)`",
    ...                      "https://s.org/m/p.html"))
    [a](https://s.org/m/p.html#x) [b](https://s.org/faq.html) [c](https://e.org/) `[d](#y)`
    """
    from urllib.parse import urljoin

    def link(match: re.Match[str]) -> str:
        target = match.group(2)
        bare = target[1:-1] if target.startswith("<") else target
        return f"{match.group(1)}{urljoin(page, bare)}{match.group(3)}"

    return _outside_code(text, lambda part: _LINK.sub(link, part))


def plain_markdown(
    text: str,
    notebook=None,
    quiz=None,
    site: str = "",
    glued: dict[str, str] | None = None,
    *,
    published: set[str] | None = None,
    page: str | None = None,
    timed: frozenset[str] = frozenset(),
) -> str:
    """Book-only MyST syntax turned into Markdown that Jupyter and Colab render.

    ``glued`` is the notebook's :func:`glued_values` (taken from ``notebook`` when not given);
    ``published`` the slugs of the published modules (a module not among them is named as
    text, as the site names it; ``None``: all are); ``page`` the page's URL, against which
    relative links and in-page anchors are made absolute (``None``: links stay as written).
    Raises :class:`MissingGlue` for a glued name the notebook lacks. The values of the names in
    ``timed`` (:func:`timed_glue`) are put between the :data:`TIMED` marks.
    """
    from dlcourse.outline import get_module

    def module_link(match: re.Match[str]) -> str:
        label, slug = match.group(1), match.group(2) or match.group(1)
        module = get_module(slug.strip())
        title = label.strip() if match.group(2) else module.title
        if published is not None and module.slug not in published:
            return f"{title} *(not yet published)*"
        return f"[{title}]({site}modules/{module.slug}.html)"

    def question(match: re.Match[str]) -> str:
        if quiz is None:
            return ""
        return question_markdown(quiz.question(match.group(1)), quiz.key)

    def admonition(match: re.Match[str]) -> str:
        body = match.group(3).strip().splitlines()
        head = [f"> **{match.group(2).capitalize()}:** {body[0]}"]
        return "\n".join(head + [f"> {line}".rstrip() for line in body[1:]]) + "\n"

    if glued is None:
        glued = glued_values(notebook) if notebook is not None else {}
    if page is not None:  # before the roles: the links they make are absolute already
        text = absolute_links(text, page)
    text = _MODULE_ROLE.sub(module_link, text)

    def glue(match: re.Match[str]) -> str:
        value = _formatted(glued.get(match.group(1)), match.group(2), match.group(1))
        return f"{TIMED[0]}{value}{TIMED[1]}" if match.group(1) in timed else value

    text = _GLUE_ROLE.sub(glue, text)
    text = _QUESTION.sub(question, text)
    return _ADMONITION.sub(admonition, text)


# --- the notebook a learner opens ---------------------------------------------------------------

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_EXERCISE = re.compile(r"^Exercise\s+(\d+)\b")
#: the tags of the cells the export adds or keeps for exercises and the quiz (tests find them)
ATTEMPT, CHECK, SOLUTION, PRACTICE = (
    "exercise-attempt",
    "exercise-check",
    "solution",
    "practice-quiz",
)


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _is_solution(cell) -> bool:
    """A solution cell: tagged ``solution``, or (the format before exercise subsections) a
    hidden cell whose button says "solution"."""
    if cell.cell_type != "code":
        return False
    if SOLUTION in _tags(cell):
        return True
    prompt = cell.get("metadata", {}).get("mystnb", {}).get("code_prompt_show", "")
    return "hide-cell" in _tags(cell) and "solution" in str(prompt).lower()


def split_at_headings(source: str) -> list[str]:
    """Markdown split before every heading (outside code blocks), so that each heading starts
    a cell: Colab and JupyterLab fold sections by the heading that starts a cell.

    >>> split_at_headings("intro\\n\\n## A\\n\\ntext\\n```\\n# not a heading\\n```\\n### B\\n")
    ['intro', '## A\\n\\ntext\\n```\\n# not a heading\\n```', '### B']
    """
    chunks: list[list[str]] = [[]]
    fence = None
    for line in source.splitlines():
        opening = re.match(r"^(`{3,}|~{3,})", line)
        if fence is None and opening:
            fence = opening.group(1)
        elif fence is not None and line.strip() == fence:
            fence = None
        elif fence is None and _HEADING.match(line) and any(s.strip() for s in chunks[-1]):
            chunks.append([])
        chunks[-1].append(line)
    return ["\n".join(c).strip("\n") for c in chunks if any(s.strip() for s in c)]


def _heading(cell) -> tuple[int, str] | None:
    if cell.cell_type != "markdown":
        return None
    first = cell.source.lstrip("\n").split("\n", 1)[0]
    match = _HEADING.match(first)
    return (len(match.group(1)), match.group(2)) if match else None


def _markdown(source: str, **metadata) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata.update(metadata)
    return cell


CHECK_IMPORT = "from dlcourse.exercises import check"


def _exercise_cells(slug: str, number: int, depth: int, prompt_cells, solution, checks, *,
                    own_section: bool = True, after_fold: bool = False):  # fmt: skip
    """An exercise as a learner meets it: the prompt, an empty cell to try it in, the checks,
    and the solution folded under a heading one level below the exercise's.

    An exercise without its own section (the format before ``### Exercise N``) that follows a
    folded solution (``after_fold``) gets a heading before its attempt cell, so that the fold
    above ends there.
    """
    names: tuple[str, ...] = ()
    if own_section:
        from dlcourse.exercises import exercises_of

        try:
            names = exercises_of(slug)[number].names
        except (LookupError, KeyError):
            names = ()
    level = "#" * min(depth + 1, 6)
    if names:
        listed = " and ".join(", ".join(names).rsplit(", ", 1))
        say = f"# Exercise {number}: your attempt. Define {listed} here, then run the check below."
    elif checks:
        say = f"# Exercise {number}: your attempt. Write it here, then run the check below."
    else:
        say = f"# Exercise {number}: your attempt. Write it here; the solution is below, folded."
    attempt = nbformat.v4.new_code_cell(say)
    attempt.metadata.update(tags=[ATTEMPT], dlcourse={"exercise": number, "part": "attempt"})
    before = [_markdown(f"{level} Exercise {number}: your attempt")] if after_fold else []
    for cell in checks:
        cell.outputs, cell.execution_count = [], None
        # the verdict is printed; the bool check() returns would show again as Out[n]
        lines = cell.source.rstrip().split("\n")
        if CHECK_IMPORT not in cell.source:  # each check runs on its own, in any order
            lines = [CHECK_IMPORT, "", *lines]
        if lines[-1].startswith("check(") and not lines[-1].endswith(";"):
            lines[-1] += ";"
        cell.source = "\n".join(lines)
        cell.metadata["tags"] = [CHECK]
        cell.metadata["dlcourse"] = {"exercise": number, "part": "check"}
    heading = _markdown(
        f"{level} Solution to exercise {number}\n\n"
        "*Try the exercise first: in Jupyter and Colab this section opens folded (the arrow "
        "beside the heading unfolds it).*",
        **{"jp-MarkdownHeadingCollapsed": True, "heading_collapsed": True},
    )
    heading.metadata["dlcourse"] = {"exercise": number, "part": "solution-heading"}
    for cell in solution:
        if cell.cell_type == "code":
            cell.metadata.setdefault("jupyter", {}).update(source_hidden=True, outputs_hidden=True)
            cell.metadata["dlcourse"] = {"exercise": number, "part": "solution"}
    return [*prompt_cells, *before, attempt, *checks, heading, *solution]


def _exercises(cells: list, slug: str) -> list:
    """Rearrange each exercise: prompt, attempt cell, checks, then the folded solution.

    An exercise is a ``### Exercise N`` section (any level); in the format before exercise
    sections, each solution cell is an exercise of its own, numbered in page order.
    """
    out: list = []
    current: dict | None = None  # the exercise being collected
    unsectioned = 0  # solutions outside exercise sections so far
    folded = False  # the last cell is in a folded solution section (without a section of its own)

    def finish() -> None:
        nonlocal current
        if current is not None:
            if current["solution"] or current["checks"]:
                args = (current["prompt"], current["solution"], current["checks"])
                out.extend(_exercise_cells(slug, current["number"], current["depth"], *args))
            else:
                out.extend(current["prompt"])
        current = None

    depth = 1
    for cell in cells:
        heading = _heading(cell)
        if heading is not None and (current is None or heading[0] <= current["depth"]):
            finish()
            depth = heading[0]
            match = _EXERCISE.match(heading[1])
            if match:
                current = {"number": int(match[1]), "depth": depth, "prompt": [cell],
                           "solution": [], "checks": []}  # fmt: skip
                continue
        if current is None:
            if _is_solution(cell):  # an exercise without its own section
                unsectioned += 1
                out += _exercise_cells(
                    slug, unsectioned, depth, [], [cell], [], own_section=False, after_fold=folded
                )
                folded = True
                continue
            numbered = re.match(r"\s*(\d+)[.)]\s", cell.source) if heading is None else None
            if folded and cell.cell_type == "markdown" and numbered:
                # the next item of a numbered list of exercises: a heading ends the fold above
                out.append(_markdown(f"{'#' * min(depth + 1, 6)} Exercise {numbered[1]}"))
                folded = False
            elif heading is not None:
                folded = False
            out.append(cell)
            continue
        if CHECK in _tags(cell):
            current["checks"].append(cell)
        elif _is_solution(cell) or current["solution"]:
            current["solution"].append(cell)  # and what follows it: the solution's discussion
        else:
            current["prompt"].append(cell)
    finish()
    return out


def _alt_text(cell) -> None:
    """Give each image a code cell shows the alt text its author wrote for the page, where
    Jupyter's tools look for it: the output's ``metadata[mime]["alt"]`` (what IPython's
    ``Image(alt=...)`` writes and nbconvert renders as the image's ``alt``)."""
    alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
    if not alt:
        return
    for output in cell.get("outputs", []):
        for mime in output.get("data", {}):
            if mime.startswith("image/"):
                output.setdefault("metadata", {}).setdefault(mime, {})["alt"] = alt


def _page_url(site: str, slug: str) -> str:
    return f"{site}modules/{slug}.html"


def _module_item(module, site: str, published: set[str]) -> str:
    label = f"Module {module.number} · {module.title}"
    if module.slug in published:
        return f"[{label}]({_page_url(site, module.slug)})"
    return f"{label} *(not yet published)*"


def _header(module, site: str) -> str:
    from dlcourse.outline import header_line

    return (
        f"*{header_line(module)}* · {module.part}\n\n"
        f"This is the notebook of [the module's page]({_page_url(site, module.slug)}), with the "
        "outputs the page shows. Run the cells in order; the first code cell installs the "
        "course package."
    )


def _practice(quiz) -> list:
    count = len(quiz.practice)
    intro = _markdown(
        "## Practice quiz\n\n"
        f"{count} question{'s' if count != 1 else ''}, as on the page. Run the cell below and "
        "type the number of your choice (several, separated by commas, when more than one is "
        "right) or a number; each answer gets its feedback, and an empty answer after a wrong "
        "one shows the right one with its explanation."
    )
    call = nbformat.v4.new_code_cell(
        f'import dlcourse.quiz\n\ndlcourse.quiz.ask("{quiz.key}", "practice")'
    )
    call.metadata["tags"] = [PRACTICE]
    return [intro, call]


def _where_next(module, site: str, published: set[str]) -> nbformat.NotebookNode:
    from dlcourse.outline import next_module, related

    lines = ["## Where next", ""]
    following = next_module(module)
    if following is None:
        lines.append("You have reached the last module of the course.")
    else:
        lines.append(f"Next → {_module_item(following, site, published)}")
    others = related(module)
    if others:
        lines += ["", "Related modules:", ""]
        lines += [f"- {_module_item(other, site, published)}" for other in others]
    lines += [
        "",
        f"Back to [this module's page]({_page_url(site, module.slug)}) on the course site.",
    ]
    return _markdown("\n".join(lines))


def learner_notebook(
    executed: nbformat.NotebookNode,
    module,
    quiz,
    *,
    site: str,
    published: set[str],
    requirement: str,
    version: str,
    extras: dict[str, list[str]] | None = None,
) -> nbformat.NotebookNode:
    """The notebook a learner downloads or opens in Colab, made from the page's executed
    notebook (see the module's docstring for what it holds). ``extras`` are the package's
    (:func:`package_extras`): those the page's front matter names are installed too."""
    notebook = nbformat.from_dict(json.loads(json.dumps(executed)))  # leave the cache's alone
    glued = glued_values(notebook)  # values glued in hidden cells are quoted too
    timed = timed_glue(notebook)
    _drop_glue_records(notebook)
    page = _page_url(site, module.slug)
    cells = []
    for cell in notebook.cells:
        tags = _tags(cell)
        if "remove-cell" in tags and CHECK not in tags:
            continue  # claim checks and other cells the page hides are not part of the lesson
        if cell.cell_type == "markdown":
            source = plain_markdown(
                cell.source,
                quiz=quiz,
                site=site,
                glued=glued,
                published=published,
                page=page,
                timed=timed,
            )
            cells += [_markdown(chunk) for chunk in split_at_headings(source)]
        else:
            _alt_text(cell)
            cells.append(cell)
    cells = _exercises(cells, module.slug)
    # the header under the title; the install cell before the first code cell
    title = next((i for i, c in enumerate(cells) if (_heading(c) or (0,))[0] == 1), None)
    if title is not None:
        first, _, rest = cells[title].source.partition("\n")
        cells[title : title + 1] = [_markdown(first), _markdown(_header(module, site))]
        if rest.strip():
            cells.insert(title + 2, _markdown(rest.strip("\n")))
    else:
        cells.insert(0, _markdown(_header(module, site)))
    needs = page_extras(executed, extras or {}, module.slug)
    install = nbformat.v4.new_code_cell(
        install_cell(requirement, version, needs), id="install-dlcourse"
    )
    code = next((i for i, c in enumerate(cells) if c.cell_type == "code"), len(cells))
    cells.insert(code, install)
    if quiz is not None and quiz.practice:
        cells += _practice(quiz)
    cells.append(_where_next(module, site, published))
    notebook.cells = cells
    _renumber(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            _mark_timed(cell)
    folded = []
    for i, cell in enumerate(notebook.cells):  # stable ids: two builds, same bytes
        cell["id"] = "install-dlcourse" if cell is install else f"cell-{i}"
        if cell.metadata.get("jp-MarkdownHeadingCollapsed"):
            cell.metadata["id"] = cell["id"]  # Colab finds a section by its metadata id
            folded.append(cell["id"])
    notebook.metadata.pop("jupytext", None)
    # the name Colab shows is the download's; the solutions' sections start folded
    notebook.metadata["colab"] = {"name": f"{module.slug}.ipynb", "collapsed_sections": folded}
    nbformat.validate(notebook)
    return notebook


EXPORTED = "dlcourse-notebooks.json"  # in the doctree folder: what each notebook was made of
#: the export code as this process loaded it (a file edited during a build is not what ran)
_EXPORT_CODE = hashlib.sha256(
    b"".join(
        (Path(__file__).parents[1] / name).read_bytes()
        for name in ("book/notebooks.py", "outline.py", "quiz.py", "__init__.py")
    )
).digest()


def note_read(app: Sphinx, env, docnames: list[str]) -> None:
    app.dlcourse_read_now = set(docnames)


def _shared_inputs(app: Sphinx) -> bytes:
    """What every notebook is made of: the export code, the settings, the published modules."""
    from dlcourse.book.pages import published

    h = hashlib.sha256(_EXPORT_CODE)
    settings = [app.config.dlcourse_install, app.config.html_baseurl, sorted(published(app.env))]
    settings.append(package_extras())
    h.update(json.dumps([str(s) for s in settings]).encode())
    return h.digest()


def _inputs(app: Sphinx, shared: bytes, docname: str, slug: str) -> str:
    """A hash of what the notebook of ``docname`` is made of, apart from its outputs."""
    from dlcourse.book.quizzes import quiz_dir

    h = hashlib.sha256(shared)
    checks = Path(__file__).parents[1] / "exercises" / f"{slug.replace('-', '_')}.py"
    for path in (Path(app.env.doc2path(docname)), quiz_dir(app) / f"{slug}.yaml", checks):
        h.update(path.read_bytes() if path.is_file() else b"missing")
    return h.hexdigest()


def export_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from dlcourse import __version__
    from dlcourse.book.pages import published

    outdir = Path(app.outdir) / "notebooks"
    outdir.mkdir(parents=True, exist_ok=True)
    record = Path(app.doctreedir) / EXPORTED
    before = json.loads(record.read_text()) if record.is_file() else {}
    after = {}
    read_now = getattr(app, "dlcourse_read_now", set())
    shared = _shared_inputs(app)
    requirement = install_requirement(app.config.dlcourse_install, __version__)
    extras = package_extras()
    site = app.config.html_baseurl or ""
    for docname in sorted(app.env.found_docs):
        module = module_of(docname)
        if module is None:
            continue
        target = outdir / f"{module.slug}.ipynb"
        after[docname] = _inputs(app, shared, docname, module.slug)
        if docname not in read_now and before.get(docname) == after[docname] and target.is_file():
            continue
        try:
            notebook = learner_notebook(
                executed_notebook(app, docname),
                module,
                _quiz(app, module.slug),
                site=site,
                published=published(app.env),
                requirement=requirement,
                version=__version__,
                extras=extras,
            )
        except MissingGlue as missing:
            raise CourseError(
                f"{app.env.doc2path(docname)}: the prose quotes {{glue:text}}`{missing.args[0]}`, "
                "but no cell glued that name; glue it in a cell above (glue(name, value))."
            ) from None
        nbformat.write(notebook, target)
    record.write_text(json.dumps(after, indent=1, sort_keys=True))


def _renumber(notebook: nbformat.NotebookNode) -> None:
    """Execution counts 1, 2, 3... over the cells a learner sees (hidden check cells ran too)."""
    count = 0
    for cell in notebook.cells:
        if cell.cell_type != "code" or cell.get("execution_count") is None:
            continue
        count += 1
        cell.execution_count = count
        for output in cell.get("outputs", []):
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count


def _quiz(app: Sphinx, slug: str):
    """The module's quiz with its predict-output choices, computed as the pages compute them
    (the same snippet cache and time limit as :func:`dlcourse.book.quizzes.load_page_quiz`)."""
    from dlcourse.book.quizzes import quiz_dir
    from dlcourse.quiz import QuizError, compute_outputs, load_quiz

    path = quiz_dir(app) / f"{slug}.yaml"
    if not path.is_file():
        return None
    cache = Path(app.doctreedir).parent / ".dlcourse_quiz_outputs"
    try:
        return compute_outputs(
            [load_quiz(path)], cache, timeout=app.config.dlcourse_snippet_timeout
        )[0]
    except QuizError as error:  # the page that reads it stops the build with the same error
        raise CourseError(f"{error}\n(read for the notebook of {slug})") from None


def setup(app: Sphinx) -> None:
    app.connect("env-before-read-docs", note_read)
    app.connect("build-finished", export_notebooks)
