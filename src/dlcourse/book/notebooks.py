"""Publish every module as a Jupyter notebook with its executed outputs.

The notebooks go to ``<html>/notebooks/<slug>.ipynb``: the module header links there for the
download, and "Open in Colab" opens the same path in the published repository branch. The first
cell installs ``dlcourse`` when it is missing (as in a fresh Colab runtime).

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
# Run this cell first: it installs the course package when it is missing (e.g. in Colab).
import importlib.util

if importlib.util.find_spec("dlcourse") is None:
    %pip install --quiet {requirement!r}"""


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


def _drop_glue_records(notebook: nbformat.NotebookNode) -> None:
    """Remove the glue records (outputs Jupyter cannot render); a cell's other outputs stay."""
    for cell in notebook.cells:
        if cell.get("outputs"):
            cell.outputs = [
                output
                for output in cell.outputs
                if not any(mime.startswith(GLUE_RECORD) for mime in output.get("data", {}))
            ]


def _formatted(value: str | None, spec: str | None) -> str:
    if value is None:
        return "(see the site)"
    if spec:
        try:
            return format(float(value), spec)
        except ValueError:
            return value.strip("'\"")
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


def plain_markdown(
    text: str, notebook, quiz, site: str, glued: dict[str, str] | None = None
) -> str:
    """Book-only MyST syntax turned into Markdown that Jupyter and Colab render.

    ``glued`` is the notebook's :func:`glued_values` (taken from ``notebook`` when not given).
    """

    def module_link(match: re.Match[str]) -> str:
        from dlcourse.outline import get_module

        label, slug = match.group(1), match.group(2) or match.group(1)
        module = get_module(slug.strip())
        title = label.strip() if match.group(2) else module.title
        return f"[{title}]({site}modules/{module.slug}.html)"

    def question(match: re.Match[str]) -> str:
        if quiz is None:
            return ""
        q = quiz.question(match.group(1))
        lines = [f"> **Check yourself:** {quiz_markdown(q.prompt)}"]
        lines += [f"> - {quiz_markdown(choice.text)}" for choice in q.choices]
        call = f'import dlcourse; dlcourse.quiz.ask("{quiz.key}", "{q.id}")'
        # the empty quote line ends the list: else the hint joins the last choice
        lines += [">", f"> *(Answer it on the course site, or run `{call}` in a code cell.)*"]
        return "\n".join(lines) + "\n"

    def admonition(match: re.Match[str]) -> str:
        body = match.group(3).strip().splitlines()
        head = [f"> **{match.group(2).capitalize()}:** {body[0]}"]
        return "\n".join(head + [f"> {line}".rstrip() for line in body[1:]]) + "\n"

    glued = glued_values(notebook) if glued is None else glued
    text = _MODULE_ROLE.sub(module_link, text)
    text = _GLUE_ROLE.sub(lambda m: _formatted(glued.get(m.group(1)), m.group(2)), text)
    text = _QUESTION.sub(question, text)
    return _ADMONITION.sub(admonition, text)


EXPORTED = "dlcourse-notebooks.json"  # in the doctree folder: what each notebook was made of
_EXPORT_CODE = (Path(__file__), Path(__file__).parents[1] / "outline.py")


def note_read(app: Sphinx, env, docnames: list[str]) -> None:
    app.dlcourse_read_now = set(docnames)


def _shared_inputs(app: Sphinx) -> bytes:
    """What every notebook is made of: the export code and the settings."""
    h = hashlib.sha256()
    for path in _EXPORT_CODE:
        h.update(path.read_bytes())
    settings = [app.config.dlcourse_install, app.config.html_baseurl]
    h.update(json.dumps([str(s) for s in settings]).encode())
    return h.digest()


def _inputs(app: Sphinx, shared: bytes, docname: str, slug: str) -> str:
    """A hash of what the notebook of ``docname`` is made of, apart from its outputs."""
    from dlcourse.book.quizzes import quiz_dir

    h = hashlib.sha256(shared)
    for path in (Path(app.env.doc2path(docname)), quiz_dir(app) / f"{slug}.yaml"):
        h.update(path.read_bytes() if path.is_file() else b"missing")
    return h.hexdigest()


def export_notebooks(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir) / "notebooks"
    outdir.mkdir(parents=True, exist_ok=True)
    record = Path(app.doctreedir) / EXPORTED
    before = json.loads(record.read_text()) if record.is_file() else {}
    after = {}
    read_now = getattr(app, "dlcourse_read_now", set())
    shared = _shared_inputs(app)
    install = INSTALL_CELL.format(requirement=app.config.dlcourse_install)
    for docname in sorted(app.env.found_docs):
        module = module_of(docname)
        if module is None:
            continue
        target = outdir / f"{module.slug}.ipynb"
        after[docname] = _inputs(app, shared, docname, module.slug)
        if docname not in read_now and before.get(docname) == after[docname] and target.is_file():
            continue
        notebook = executed_notebook(app, docname)
        # values glued in hidden cells are quoted too
        glued = glued_values(notebook)
        _drop_glue_records(notebook)
        # claim checks and other cells the page hides are not part of the lesson
        notebook.cells = [c for c in notebook.cells if "remove-cell" not in _tags(c)]
        _renumber(notebook)
        quiz = _quiz(app, module.slug)
        site = app.config.html_baseurl or ""
        for each in notebook.cells:
            if each.cell_type == "markdown":
                each.source = plain_markdown(each.source, notebook, quiz, site, glued)
        cell = nbformat.v4.new_code_cell(install, id="install-dlcourse")
        notebook.cells.insert(0, cell)
        notebook.metadata.pop("jupytext", None)
        notebook.metadata["colab"] = {"name": f"{module.number:02d}-{module.slug}.ipynb"}
        for i, each in enumerate(notebook.cells):  # stable ids: two builds, same bytes
            each["id"] = each.get("id") if i == 0 else f"cell-{i}"
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


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def _quiz(app: Sphinx, slug: str):
    from dlcourse.book.quizzes import quiz_dir
    from dlcourse.quiz import QuizError, load_quiz

    try:
        return load_quiz(slug, quiz_dir(app))
    except (QuizError, FileNotFoundError):
        return None


def setup(app: Sphinx) -> None:
    app.connect("env-before-read-docs", note_read)
    app.connect("build-finished", export_notebooks)
