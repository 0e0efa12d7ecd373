"""Checks of the built site: what a reader of the landing page and of a module page relies on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from sitebuild import DOCS

import dlcourse
from dlcourse.outline import MODULES, PARTS, get_module, header_line, next_module, related

PUBLISHED = sorted(p.stem for p in (DOCS / "modules").glob("*.md"))


def page(site: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((site / name).read_text(encoding="utf8"), "html.parser")


def test_the_landing_page_lists_all_26_modules_by_part(built_site):
    soup = page(built_site, "index.html")
    syllabus = soup.select_one(".dl-syllabus")
    assert [h.get_text() for h in syllabus.select("h3")] == list(PARTS)
    items = syllabus.select("li[data-dl-module]")
    assert [li["data-dl-module"] for li in items] == [m.slug for m in MODULES]
    for li in items:
        link = li.select_one("a")
        if li["data-dl-module"] in PUBLISHED:
            assert link is not None and link["href"] == f"modules/{li['data-dl-module']}.html"
        else:
            assert link is None, f"{li['data-dl-module']} is not published but links somewhere"
            assert "not yet published" in li.get_text()


def test_unpublished_modules_get_no_stub_page(built_site):
    for module in MODULES:
        exists = (built_site / "modules" / f"{module.slug}.html").exists()
        assert exists == (module.slug in PUBLISHED), module.slug


SEARCH_SCRIPTS = ("searchindex.js", "searchtools.js", "language_data.js", "sphinx_highlight.js")


def test_only_search_html_loads_the_search_scripts_and_every_page_keeps_its_own(built_site):
    """The search index (46 KB compressed) and the scripts that read or highlight it load on
    search.html only (docs/_templates/layout.html, dlcourse.book.theme); the scripts the theme
    adds to each page stay."""
    for path in sorted(built_site.glob("**/*.html")):
        name = path.relative_to(built_site).as_posix()
        if name.startswith("_"):
            continue
        scripts = [s.get("src", "").split("?")[0] for s in page(built_site, name).select("script")]
        loaded = {n for n in SEARCH_SCRIPTS if any(src.endswith(n) for src in scripts)}
        assert loaded == (set(SEARCH_SCRIPTS) if name == "search.html" else set()), name
        assert "DOCUMENTATION_OPTIONS.pagename" in path.read_text(encoding="utf8"), name


@pytest.mark.parametrize("slug", PUBLISHED)
def test_a_module_page_has_the_whole_anatomy(built_site, slug):
    module = get_module(slug)
    soup = page(built_site, f"modules/{slug}.html")
    main = soup.select_one("article") or soup
    header = main.select_one(".dl-module-header")
    assert header.select_one(".dl-module-line").get_text() == header_line(module)
    assert re.fullmatch(r"Duration: \d+ min", header.select_one(".dl-duration").get_text())
    colab, download = header.select("a.dl-button")
    assert colab["href"].startswith("https://colab.research.google.com/github/")
    assert colab["href"].endswith(f"/notebooks/{slug}.ipynb")
    assert download["href"] == f"../notebooks/{slug}.ipynb"
    assert (built_site / "notebooks" / f"{slug}.ipynb").is_file()
    assert main.select_one("h1").get_text().rstrip("#") == module.title
    figures = main.select(".cell_output img")
    assert figures, "a module page has at least one figure made by code"
    for img in figures:
        assert len(img.get("alt", "")) > 20, f"figure without meaningful alt text: {img}"
    tables = [t for t in main.select("table") if "Concept" in t.select_one("th").get_text()]
    assert tables, "a key-concepts table with a 'Concept' column"
    assert main.select(".admonition.tip"), "at least one tip"
    practice = main.select_one("#practice-quiz")
    assert practice is not None, "the practice quiz"
    inline = [q for q in main.select("form.dl-q") if q not in practice.select("form.dl-q")]
    assert len(inline) >= 2, "at least two inline check questions"
    footer = main.select_one(".dl-module-footer")
    nxt = next_module(module)
    next_text = footer.select_one(".dl-next").get_text()
    if nxt is None:  # the last module
        assert next_text == "You have reached the last module of the course."
    else:
        assert f"Module {nxt.number} · {nxt.title}" in next_text
    assert [li.get_text().split(" (")[0] for li in footer.select(".dl-related li")] == [
        f"Module {m.number} · {m.title}" for m in related(module)
    ]


def text_outputs(notebook: nbformat.NotebookNode) -> list[str]:
    found = []
    for cell in notebook.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                found.append(out["text"])
            elif "text/plain" in out.get("data", {}) and not any(
                k.startswith(("image/", "text/html", "text/markdown")) for k in out["data"]
            ):
                found.append(out["data"]["text/plain"])
    return found


@pytest.mark.parametrize("slug", PUBLISHED)
def test_the_outputs_on_a_page_came_from_its_execution(built_site, slug):
    notebook = nbformat.read(built_site / "notebooks" / f"{slug}.ipynb", as_version=4)
    # the page's cells, after the install cell; a learner's attempt, the exercise checks and the
    # practice quiz are the notebook's own cells, never run by the build
    own = {"attempt", "check"}
    code = [
        c
        for c in notebook.cells
        if c.cell_type == "code"
        and c.metadata.get("dlcourse", {}).get("part") not in own
        and "practice-quiz" not in c.metadata.get("tags", [])
    ][1:]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), (
        "every code cell ran, in order, in one kernel"
    )
    outputs = text_outputs(notebook)
    assert outputs, "the page prints something"
    html = page(built_site, f"modules/{slug}.html")
    shown = "\n".join(pre.get_text() for pre in html.select(".cell_output pre"))
    for text in outputs:
        first = text.strip().splitlines()[0] if text.strip() else ""
        assert first in shown, f"output {first!r} of the executed notebook is not on the page"


def test_module_one_shows_todays_grad_fn_not_the_seeds(built_site):
    shown = page(built_site, "modules/introduction-to-deep-learning.html").get_text()
    assert "grad_fn=<AddmmBackward0>" in shown
    assert "ThAddmmBackward" not in shown


OUTPUT_LIKE = [
    (re.compile(r"\btensor\(\["), "a printed tensor"),
    (re.compile(r"grad_fn=<"), "a printed grad_fn"),
    (
        re.compile(
            r"\b(loss|accuracy|error|MSE|F1)\s*(of|is|was|=|:|reaches|ends at)\s*~?\d", re.I
        ),
        "a typed result",
    ),
    (re.compile(r"^(Out\[\d+\]|>>> )", re.M), "a console transcript"),
]


def prose(source: str) -> str:
    """The Markdown of a page without code cells, fenced blocks, math and inline code."""
    source = re.sub(r"^(`{3,}).*?^\1", "", source, flags=re.S | re.M)
    source = re.sub(r"\$\$.*?\$\$|\$[^$\n]+\$", "", source, flags=re.S)
    source = re.sub(r"^---\n.*?\n---\n", "", source, flags=re.S)
    return re.sub(r"`[^`\n]+`", "", source)


@pytest.mark.parametrize(
    "path", sorted(p for p in DOCS.glob("**/*.md") if "_build" not in p.parts), ids=lambda p: p.name
)
def test_no_page_source_contains_pasted_outputs(path):
    text = prose(path.read_text(encoding="utf8"))
    for pattern, what in OUTPUT_LIKE:
        match = pattern.search(text)
        assert match is None, (
            f"{path.relative_to(DOCS)}: prose contains {what} ({match.group(0)!r}): "
            "show it executed, or glue it"
        )


def test_an_exported_notebook_installs_dlcourse_first_and_keeps_its_outputs(built_site):
    notebook = nbformat.read(
        built_site / "notebooks" / "introduction-to-deep-learning.ipynb", as_version=4
    )
    first, second = [c for c in notebook.cells if c.cell_type == "code"][:2]
    assert "%pip install" in first.source and not first.outputs
    assert f"@v{dlcourse.__version__}'" in first.source  # the release the outputs came from
    assert "setup()" in second.source
    assert any(c.get("outputs") for c in notebook.cells)


def test_the_build_report_lists_every_page_with_code(built_site):
    report = json.loads((built_site / "build-report.json").read_text())
    assert report["torch"].startswith("2.13.0")
    docnames = {p["docname"] for p in report["pages"]}
    assert {f"modules/{slug}" for slug in PUBLISHED} | {"faq", "install"} <= docnames
    for entry in report["pages"]:
        assert entry["status"] == "ok", entry
        assert entry["seconds"] and entry["seconds"] > 0, entry
    over = [f"{p['docname']} ({p['seconds']} s)" for p in report["pages"] if p["over_budget"]]
    assert not over, f"pages over the {report['budget_seconds']} s budget: {', '.join(over)}"
    table = page(built_site, "report.html").select("table.dl-report tbody tr")
    assert len(table) == len(report["pages"])
