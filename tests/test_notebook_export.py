"""The exported notebooks: book-only syntax becomes Markdown that Colab renders, and each
notebook, read as a learner reads it (a CommonMark parser, the links followed, the quiz cell
run as written), holds what its page holds."""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import pytest

from dlcourse.book.notebooks import (
    GLUE_RECORD,
    MissingGlue,
    plain_markdown,
    question_markdown,
)
from dlcourse.quiz import load_quiz

SITE = "https://example.org/course/"


def executed_with(name: str, value: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("glue(...)")
    cell.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"text/plain": value},
            metadata={"scrapbook": {"name": name, "mime_prefix": ""}},
        )
    ]
    notebook.cells = [cell]
    return notebook


def test_module_links_become_links_to_the_published_site():
    text = plain_markdown(
        "See {module}`loss-functions` and {module}`this <embeddings>`.",
        executed_with("x", "1"),
        None,
        SITE,
    )
    assert text == (
        f"See [Loss Functions]({SITE}modules/loss-functions.html) and "
        f"[this]({SITE}modules/embeddings.html)."
    )


def test_an_unpublished_module_is_text_and_anchors_point_at_the_published_page():
    page = f"{SITE}modules/loss-functions.html"
    text = plain_markdown(
        "See {module}`embeddings`, {module}`loss-functions`, [above](#the-picture) and `[x](#y)`.",
        executed_with("x", "1"),
        None,
        SITE,
        published={"loss-functions"},
        page=page,
    )
    assert text == (
        f"See Embeddings *(not yet published)*, [Loss Functions]({page}), "
        f"[above]({page}#the-picture) and `[x](#y)`."
    )


def test_a_glued_name_that_no_cell_glued_is_an_error_not_a_placeholder():
    with pytest.raises(MissingGlue, match="nothing"):
        plain_markdown("{glue:text}`nothing:.2f`", executed_with("x", "1"), None, SITE)


def test_a_predict_output_question_shows_its_code_and_its_printed_choices():
    from dlcourse.quiz import compute_outputs

    quiz = compute_outputs([load_quiz("pytorch-setup-and-tensors")])[0]
    q = next(q for q in quiz if q.kind == "predict-output")
    text = question_markdown(q, quiz.key)
    assert "```python" in text and all(f"> {line}".rstrip() in text for line in q.code.splitlines())
    for choice in q.choices:
        assert choice.text.strip().splitlines()[0] in text


def test_glued_numbers_become_their_values():
    text = plain_markdown(
        "Loss {glue:text}`loss:.3f`, raw {glue:text}`loss`.",
        executed_with("loss", "0.123456"),
        None,
        SITE,
    )
    assert text == "Loss 0.123, raw 0.123456."
    # formatted as MyST-NB formats it on the page: an integer stays one under a ',' spec
    count = plain_markdown(
        "{glue:text}`n:,` of {glue:text}`n`", executed_with("n", "1348"), None, SITE
    )
    assert count == "1,348 of 1348"


def test_tips_become_quotes_and_questions_keep_their_prompt():
    quiz = load_quiz("introduction-to-deep-learning")
    source = (
        ":::{tip}\nNormalize inputs.\nAlways.\n:::\n\n```{quiz-question} activation-purpose\n```\n"
    )
    text = plain_markdown(source, executed_with("x", "1"), quiz, SITE)
    assert "> **Tip:** Normalize inputs.\n> Always." in text
    prompt = quiz.question("activation-purpose").prompt
    assert f"> **Check yourself:** {prompt}" in text
    call = 'dlcourse.quiz.ask("introduction-to-deep-learning", "activation-purpose")'
    assert f"`import dlcourse; {call}`" in text
    assert "{quiz-question}" not in text


def test_ask_says_so_where_no_answer_can_be_typed():
    """A notebook run by nbclient has no stdin (IPython raises StdinNotImplementedError): the
    practice-quiz cell ends with a note instead of failing the run."""
    from dlcourse.quiz import ask

    class StdinNotImplementedError(RuntimeError):
        pass

    def no_stdin(prompt):
        raise StdinNotImplementedError(prompt)

    def typed_then_ended(replies):
        def answer(prompt):
            if not replies:
                raise EOFError
            return replies.pop(0)

        return answer

    shown = []
    slug = "introduction-to-deep-learning"
    assert ask(slug, "practice", answer=no_stdin, show=shown.append) == 0
    assert "cannot read answers here" in shown[-2] and shown[-1].startswith("\n0 of ")
    first = load_quiz(slug).practice[0]
    if first.kind == "numeric":
        right = repr(first.answer)
    elif first.kind == "multiple":
        right = ",".join(str(i + 1) for i in sorted(first.key))
    else:
        right = str(first.key + 1)
    shown.clear()
    assert ask(slug, "practice", answer=typed_then_ended([right]), show=shown.append) == 1
    with pytest.raises(ValueError, match="boom"):

        def broken(prompt):
            raise ValueError("boom")

        ask(slug, "practice", answer=broken, show=shown.append)


# --- package extras a page asks for (front matter `extras: [...]`) -------------------------------


def _install_cell_of(extras_wanted, extras) -> str:
    from dlcourse.book.notebooks import learner_notebook
    from dlcourse.outline import get_module

    executed = nbformat.v4.new_notebook(metadata={"extras": extras_wanted} if extras_wanted else {})
    executed.cells = [nbformat.v4.new_markdown_cell("# T"), nbformat.v4.new_code_cell("1 + 1")]
    notebook = learner_notebook(
        executed,
        get_module("exporting-and-deploying-models"),
        None,
        site=SITE,
        published=set(),
        requirement="dlcourse @ git+https://example.org/dlcourse@v0.1.0",
        version="0.1.0",
        extras=extras,
    )
    (cell,) = [c for c in notebook.cells if c.get("id") == "install-dlcourse"]
    return cell.source


def _run_install_cell(source: str, needed: list[str] | None = None) -> list[str]:
    """Run an install cell's code here, its `%pip install` replaced by a record of the call
    (and, if given, the packages it checks replaced by ``needed``): what it would install."""
    installs: list[str] = []
    code = re.sub(r"%pip install --quiet (.+)", r"installs.append(\1)", source)
    if needed is not None:
        code = re.sub(r"for needed in \[[^]]*\]", f"for needed in {needed!r}", code)
    exec(compile(code, "<install cell>", "exec"), {"installs": installs})
    return installs


def test_a_page_that_declares_extras_installs_and_checks_them_in_its_notebook():
    from dlcourse import __version__
    from dlcourse.book.notebooks import package_extras

    extras = package_extras()
    source = _install_cell_of(["export"], extras)
    assert "'dlcourse[export] @ git+https://example.org/dlcourse@v0.1.0'" in source
    for package in extras["export"]:  # onnx, onnxscript, onnxruntime
        assert f"'{package}'" in source
    assert "!= '0.1.0'" in source  # the version check the notebook-run test relies on stays
    # run here: dlcourse and the extra's packages are installed, so it installs nothing...
    source = source.replace("'0.1.0'", repr(__version__))
    assert _run_install_cell(source) == []
    # ...and it installs the package with its extra when one of the extra's packages is missing
    missing = _run_install_cell(source, needed=["onnx", "surely-not-installed-dist"])
    assert missing == ["dlcourse[export] @ git+https://example.org/dlcourse@v0.1.0"]


def test_a_page_without_extras_keeps_the_plain_install_cell():
    from dlcourse.book.notebooks import INSTALL_CELL, package_extras

    source = _install_cell_of(None, package_extras())
    requirement = "dlcourse @ git+https://example.org/dlcourse@v0.1.0"
    assert source == INSTALL_CELL.format(requirement=requirement, version="0.1.0", extras="")
    assert "[" not in source.split("%pip install")[1] and "needed" not in source


@pytest.mark.parametrize(
    ("wanted", "words"),
    [(["exprot"], "names ['exprot'], which pyproject.toml"), ("export", "must be a list")],
)
def test_an_unknown_or_malformed_extra_stops_the_export_naming_the_page(wanted, words):
    from dlcourse.book.notebooks import package_extras
    from dlcourse.book.pages import CourseError

    with pytest.raises(CourseError, match=re.escape(words)) as error:
        _install_cell_of(wanted, package_extras())
    assert "docs/modules/exporting-and-deploying-models.md" in str(error.value)


# --- the real exported notebooks of the built course ---------------------------------------------


def _exported(site: Path) -> dict[str, nbformat.NotebookNode]:
    paths = sorted((site / "notebooks").glob("*.ipynb"))
    assert paths, f"no notebooks exported to {site / 'notebooks'}"
    return {path.stem: nbformat.read(path, as_version=4) for path in paths}


def _markdown(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


def _pasted(site: Path, slug: str) -> list[str]:
    """The glued values the site's page shows, in page order."""
    page = (site / "modules" / f"{slug}.html").read_text(encoding="utf-8")
    return [html.unescape(v) for v in re.findall(r'<span class="pasted-text">([^<]*)</span>', page)]


@pytest.mark.build
def test_every_glued_value_is_its_text_and_no_glue_record_is_left(built_site: Path):
    restored = {}
    for slug, notebook in _exported(built_site).items():
        text = "\n".join(_markdown(notebook))
        assert "(see the site)" not in text, slug
        assert "{glue" not in text, slug
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                records = [m for m in output.get("data", {}) if m.startswith(GLUE_RECORD)]
                assert not records, f"{slug}: a glue record Jupyter cannot render: {output}"
        # the values the page shows, in the same order in the notebook's Markdown
        at = 0
        for value in _pasted(built_site, slug):
            found = text.find(value, at)
            assert found >= 0, f"{slug}: the glued value {value!r} is not in its Markdown"
            at = found + len(value)
        restored[slug] = len(_pasted(built_site, slug))
    print("glued values per notebook:", restored)
    assert sum(restored.values()) > 100
    # one known number: module 11 quotes the MSE of predicting the centre (22.0 on the page)
    losses = "\n".join(_markdown(_exported(built_site)["loss-functions"]))
    assert "22.0" in _pasted(built_site, "loss-functions")
    assert re.search(r"\b22\.0\b", losses)


def _computed(site: Path, slug: str):
    """The quiz with its predict-output choices, from the snippet cache of the build of ``site``
    (the build ran every snippet; a cache miss runs it)."""
    from dlcourse.quiz import compute_outputs

    return compute_outputs([load_quiz(slug)], site.parent / ".dlcourse_quiz_outputs")[0]


def _blockquotes(source: str):
    """Top-level blockquotes of a Markdown cell as a CommonMark parser sees them:
    (the source lines they span, their tokens)."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(source)
    lines = source.splitlines()
    quotes, depth, start = [], 0, 0
    for i, token in enumerate(tokens):
        if token.type == "blockquote_open":
            if depth == 0:
                start = i
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
            if depth == 0:
                begin, end = tokens[start].map
                quotes.append((lines[begin:end], tokens[start : i + 1]))
    return quotes


@pytest.mark.build
def test_quiz_and_tip_blocks_end_where_they_should_in_a_commonmark_parser(built_site: Path):
    kinds = {"Check yourself": 0, "Tip": 0}
    for slug, notebook in _exported(built_site).items():
        quiz = None
        for source in _markdown(notebook):
            wanted = [line for line in source.splitlines() if re.match(r">( |$)", line)]
            got = []
            for lines, tokens in _blockquotes(source):
                # the quote holds only quoted lines: the paragraph after it stays outside
                outside = [line for line in lines if line.strip() and not line.startswith(">")]
                assert not outside, f"{slug}: pulled into a quote: {outside[0]!r}\n{source}"
                got += [line for line in lines if re.match(r">( |$)", line)]
                head = lines[0]
                for kind in kinds:
                    kinds[kind] += head.startswith(f"> **{kind}:**")
                if head.startswith("> **Check yourself:**"):
                    # the hint is its own paragraph, not part of the last choice
                    in_item, hint_in_item, hints = 0, False, 0
                    for token in tokens:
                        in_item += token.type == "list_item_open"
                        in_item -= token.type == "list_item_close"
                        hint = "Answer it on the course site" in token.content
                        if token.type == "inline" and hint:
                            hints += 1
                            hint_in_item = hint_in_item or in_item > 0
                    assert hints == 1 and not hint_in_item, f"{slug}: {lines}"
                    # the question's choices are the quote's list; its code, a code block
                    quiz = quiz or _computed(built_site, slug)
                    qid = re.search(r'ask\("[^"]+", "([^"]+)"\)', "\n".join(lines)).group(1)
                    q = quiz.question(qid)
                    items = [t for t in tokens if t.type == "list_item_open" and t.level == 2]
                    assert len(items) == len(q.choices), f"{slug}: {qid}: {lines}"
                    fences = [t.content for t in tokens if t.type == "fence"]
                    if q.code:
                        assert fences[0].rstrip() == q.code.rstrip(), f"{slug}: {qid}"
                    outputs = [c.text.rstrip() for c in q.choices if "\n" in c.text.strip()]
                    assert [f.rstrip() for f in fences[1 if q.code else 0 :]] == outputs
            # every quoted line is in a quote, and two blocks never merge into one paragraph
            assert got == wanted, f"{slug}: {source}"
            for lines, _ in _blockquotes(source):
                starts = [line for line in lines if re.match(r"> \*\*(Check yourself|Tip)", line)]
                assert len(starts) <= 1, f"{slug}: two blocks merged: {lines}"
    assert kinds["Check yourself"] > 10 and kinds["Tip"] > 10, kinds


@pytest.mark.build
def test_the_quiz_hint_of_every_notebook_runs_as_typed(built_site: Path):
    """Each "Check yourself" block says which call answers it; typed into a fresh Python, as
    is, with the right answers on stdin, every one asks its question and counts it right."""
    import subprocess
    import sys

    calls = []
    for notebook in _exported(built_site).values():
        for source in _markdown(notebook):
            calls += re.findall(r"or run `(import dlcourse; dlcourse\.quiz\.ask\([^`]*\))`", source)
    assert len(calls) > 10
    replies = [re.search(r'ask\("([^"]+)", "([^"]+)"\)', call).groups() for call in calls]
    keys = {}
    for slug in {s for s, _ in replies}:
        loaded = _computed(built_site, slug)
        keys.update({(slug, q.id): q for q in loaded})

    def right(q) -> str:
        if q.kind == "numeric":
            return repr(q.answer)
        if q.kind == "multiple":
            return ",".join(str(i + 1) for i in sorted(q.key))
        return str(q.key + 1)

    script = "\n".join(calls)  # each line as the notebook prints it
    done = subprocess.run(
        [sys.executable, "-c", script],
        input="".join(right(keys[r]) + "\n" for r in replies),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout.count("1 of 1 right first time.") == len(calls)


# --- what a learner meets in each notebook ---------------------------------------------------


def _tokens(source: str):
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").parse(source)


def _links(notebook: nbformat.NotebookNode) -> list[str]:
    """Every link and image target in the notebook's Markdown, as a CommonMark parser reads it."""
    found = []
    for source in _markdown(notebook):
        for token in _tokens(source):
            for child in token.children or []:
                if child.type == "link_open":
                    found.append(child.attrs["href"])
                elif child.type == "image":
                    found.append(child.attrs["src"])
    return found


@pytest.mark.build
def test_every_link_is_absolute_and_reaches_a_published_page_or_anchor(built_site: Path):
    from urllib.parse import urldefrag

    from sitebuild import conf_value

    site = conf_value("html_baseurl")
    checked = 0
    for slug, notebook in _exported(built_site).items():
        for href in _links(notebook):
            assert re.match(r"https?://", href), f"{slug}: a link that is not absolute: {href!r}"
            if not href.startswith(site):
                continue  # another site (pytorch.org...): checked by `nox -s linkcheck`
            url, anchor = urldefrag(href)
            path = built_site / url[len(site) :]
            assert path.is_file(), f"{slug}: {href} is not a page of the built site"
            if anchor:
                page = path.read_text(encoding="utf-8")
                assert f'id="{anchor}"' in page, f"{slug}: {href}: no such anchor on that page"
            checked += 1
    assert checked > 50, checked


def _first_cells(notebook: nbformat.NotebookNode) -> tuple[list[str], int]:
    sources = [c.source for c in notebook.cells]
    install = next(i for i, c in enumerate(notebook.cells) if c.get("id") == "install-dlcourse")
    return sources, install


@pytest.mark.build
def test_each_notebook_opens_with_its_header_and_ends_with_where_next(built_site: Path):
    from sitebuild import conf_value

    from dlcourse import __version__, outline

    site = conf_value("html_baseurl")
    for slug, notebook in _exported(built_site).items():
        module = outline.get_module(slug)
        sources, install = _first_cells(notebook)
        assert sources[0] == f"# {module.title}", slug
        assert outline.header_line(module) in sources[1], slug
        assert f"({site}modules/{slug}.html)" in sources[1], f"{slug}: no link to its page"
        # the install cell comes before the first code cell and pins this version
        assert all(c.cell_type == "markdown" for c in notebook.cells[:install]), slug
        assert f"v{__version__}" in sources[install] and f"!= '{__version__}'" in sources[install]
        where = sources[-1]
        assert where.startswith("## Where next"), slug
        following = outline.next_module(module)
        if following is not None:
            assert f"Module {following.number} · {following.title}" in where, slug
        # Colab names the file as the page's download does
        page = (built_site / "modules" / f"{slug}.html").read_text(encoding="utf-8")
        downloads = re.findall(r'download="([^"]+)"', page)
        assert downloads == [notebook.metadata["colab"]["name"]] == [f"{slug}.ipynb"], slug


@pytest.mark.build
def test_the_practice_quiz_cell_runs_as_written_and_asks_every_question(built_site: Path):
    """Each notebook's practice-quiz cell, typed into a fresh Python as it is, with a wrong
    answer then (true/false aside) the right one for every question: every question is asked,
    none counts as right first time, and each ends with its explanation."""
    import subprocess
    import sys

    notebooks = _exported(built_site)
    asked = 0
    for slug, notebook in notebooks.items():
        cells = [c for c in notebook.cells if "practice-quiz" in c.metadata.get("tags", [])]
        quiz = _computed(built_site, slug)
        if not quiz.practice:
            assert not cells, slug
            continue
        assert len(cells) == 1, f"{slug}: one practice-quiz cell"
        assert "## Practice quiz" in notebook.cells[notebook.cells.index(cells[0]) - 1].source
        replies = []
        for q in quiz.practice:
            if q.kind == "numeric":
                wrong, right = repr(q.answer + 10 * q.tolerance + 1), repr(q.answer)
            else:
                key = sorted(q.key) if q.kind == "multiple" else [q.key]
                other = next(i for i in range(len(q.choices)) if i not in key)
                wrong, right = str(other + 1), ",".join(str(i + 1) for i in key)
            # a wrong true/false answer settles the question at once: no second try
            replies += [wrong] if q.kind == "true-false" else [wrong, right]
        done = subprocess.run(
            [sys.executable, "-c", cells[0].source],
            input="\n".join(replies) + "\n",
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        n = len(quiz.practice)
        assert f"\n0 of {n} right first time." in done.stdout, done.stdout[-1500:]
        for q in quiz.practice:
            assert q.explanation in done.stdout, f"{slug}: {q.id}'s explanation not shown"
        asked += n
    assert asked > 50, asked


@pytest.mark.build
def test_exercises_are_an_attempt_cell_the_check_and_the_solution_folded(built_site: Path):
    from dlcourse.exercises import exercises_of

    counted = {}
    for slug, notebook in _exported(built_site).items():
        cells = notebook.cells
        folded = set(notebook.metadata["colab"]["collapsed_sections"])
        try:
            checked = set(exercises_of(slug))
        except LookupError:
            checked = set()
        assert not any("claim(" in c.source for c in cells), f"{slug}: a claim cell is left"
        exercises = checks = 0
        for i, cell in enumerate(cells):
            part = cell.metadata.get("dlcourse", {}).get("part")
            if part != "attempt":
                continue
            number = cell.metadata["dlcourse"]["exercise"]
            exercises += 1
            assert cell.cell_type == "code" and not cell.outputs, slug
            assert cell.source.startswith("# ") and "\n" not in cell.source, cell.source
            j = i + 1
            while cells[j].metadata.get("dlcourse", {}).get("part") == "check":
                check = cells[j]
                assert not check.outputs and check.execution_count is None
                assert check.source.endswith(f'check("{slug}", {number});'), check.source
                assert check.source.startswith("from dlcourse.exercises import check\n")
                j += 1
            assert (j > i + 1) == (number in checked), f"{slug}: exercise {number}'s check"
            checks += number in checked
            heading = cells[j]
            assert heading.metadata.get("dlcourse", {}).get("part") == "solution-heading"
            tokens = _tokens(heading.source)  # a heading to a CommonMark parser, then a note
            assert tokens[0].type == "heading_open" and "Solution" in tokens[1].content, slug
            assert heading.metadata["jp-MarkdownHeadingCollapsed"] is True
            assert heading.id == heading.metadata["id"] and heading.id in folded, slug
            level = len(heading.source) - len(heading.source.lstrip("#"))
            solution = []
            for later in cells[j + 1 :]:
                head = re.match(r"(#+) ", later.source) if later.cell_type == "markdown" else None
                if head and len(head.group(1)) <= level:
                    break  # the folded section ends at the next heading of its level or above
                solution.append(later)
            code = [c for c in solution if c.cell_type == "code"]
            assert code, f"{slug}: exercise {number} has no solution code under its heading"
            for c in code:
                assert c.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
            if any("print(" in c.source for c in code):
                assert any(c.outputs for c in code), f"{slug}: the solution lost its outputs"
        counted[slug] = (exercises, checks)
    print("exercises (with checks) per notebook:", counted)
    assert counted["loss-functions"][0] >= 3 and counted["loss-functions"][1] >= 1


@pytest.mark.build
def test_every_figure_keeps_the_alt_text_the_page_gives_it(built_site: Path):
    figures = 0
    for slug, notebook in _exported(built_site).items():
        page = html.unescape((built_site / "modules" / f"{slug}.html").read_text(encoding="utf-8"))
        for cell in notebook.cells:
            for output in cell.get("outputs", []):
                for mime in output.get("data", {}):
                    if not mime.startswith("image/"):
                        continue
                    alt = output.get("metadata", {}).get(mime, {}).get("alt")
                    assert alt, f"{slug}: a figure without alt text: {cell.source[:200]}"
                    assert f'alt="{alt}"' in page, f"{slug}: {alt!r} is not the page's alt text"
                    figures += 1
    assert figures > 20, figures


@pytest.mark.build
def test_each_notebook_installs_the_extras_its_page_declares_and_no_others(built_site: Path):
    import yaml

    from dlcourse.book.notebooks import package_extras

    extras = package_extras()
    declared = {}
    for slug, notebook in _exported(built_site).items():
        page = (Path(__file__).parents[1] / "docs" / "modules" / f"{slug}.md").read_text()
        front = yaml.safe_load(page.split("\n---\n", 1)[0].removeprefix("---\n")) or {}
        wanted = front.get("extras", [])
        sources, install = _first_cells(notebook)
        requirement = re.search(r"%pip install --quiet '([^']+)'", sources[install])[1]
        name = requirement.split(" @ ")[0]
        assert name == (f"dlcourse[{','.join(wanted)}]" if wanted else "dlcourse"), slug
        for extra in wanted:
            assert all(f"'{p}'" in sources[install] for p in extras[extra]), slug
        declared[slug] = wanted
    assert declared["exporting-and-deploying-models"] == ["export"]
