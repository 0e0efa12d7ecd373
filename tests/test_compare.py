"""The comparison of two builds names the first differing file and line, and ignores only what
a build measures: the outputs of cells tagged ``timing`` and the values they glue into prose."""

from __future__ import annotations

import json

from bookfixture import Book, notebook, output, quiz_dir

from dlcourse.book.compare import first_difference


def site(root, **files: str):
    root.mkdir()
    for name, text in files.items():
        (root / name.replace("_", ".")).write_text(text)
    return root


def test_a_line_that_only_grows_is_found(tmp_path):
    a = site(tmp_path / "a", page_txt="same\nabc\n")
    b = site(tmp_path / "b", page_txt="same\nabc, more\n")
    difference = first_difference(a, b)
    assert difference is not None and difference.startswith("page.txt:2: first difference")


def test_identical_sites_have_no_difference(tmp_path):
    a = site(tmp_path / "a", page_txt="same\n")
    b = site(tmp_path / "b", page_txt="same\n")
    assert first_difference(a, b) is None


def _page(value: str, marked: bool) -> str:
    timing = ' class="pasted-text dl-timing no-search"' if marked else ' class="pasted-text"'
    return f"<html><body><p>It took <span{timing}>{value}</span> ms.</p></body></html>\n"


def test_only_a_value_marked_as_measured_may_differ(tmp_path):
    a = site(tmp_path / "a", page_html=_page("3.1", True))
    b = site(tmp_path / "b", page_html=_page("2.7", True))
    assert first_difference(a, b) is None
    c = site(tmp_path / "c", page_html=_page("3.1", False))
    d = site(tmp_path / "d", page_html=_page("2.7", False))
    assert first_difference(c, d).startswith("page.html:1: first difference")


def _markdown_notebook(source: str, spans: list[list[int]] | None) -> str:
    metadata = {"dlcourse": {"timing": spans}} if spans else {}
    cell = {"cell_type": "markdown", "id": "c", "metadata": metadata, "source": source}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_a_notebook_ignores_the_recorded_places_of_measured_values_and_nothing_else(tmp_path):
    a = site(tmp_path / "a", n_ipynb=_markdown_notebook("took 3.1 ms; 42", [[5, 8]]))
    b = site(tmp_path / "b", n_ipynb=_markdown_notebook("took 12.25 ms; 42", [[5, 10]]))
    assert first_difference(a, b) is None
    c = site(tmp_path / "c", n_ipynb=_markdown_notebook("took 12.25 ms; 43", [[5, 10]]))
    assert first_difference(a, c).startswith("n.ipynb:")


TIMED_FIGURE = """---
tags: [timing]
mystnb:
  image:
    alt: 'A measured time as a bar'
---
import time
import matplotlib.pyplot as plt
glue('took', time.perf_counter_ns())
plt.bar([0], [time.perf_counter_ns() % 1000]);"""

TIMED_PAGE = notebook(
    "Introduction to Deep Learning",
    "from dlcourse.notebook import glue\nglue('fixed', 42)\nprint('fixed')",
    TIMED_FIGURE,
    prose="The clock read {glue:text}`took` ns (measured) and {glue:text}`fixed:d` stays fixed.",
)


def test_two_builds_differ_only_in_what_timing_cells_measured(tmp_path):
    """A real build marks a value glued by a ``timing`` cell in the page (a class) and in the
    notebook (its place in the cell's metadata); compare ignores it and the figure of that cell
    (whose file name changes with its content), and only those."""
    pages = {"modules/introduction-to-deep-learning.md": TIMED_PAGE}
    quizzes = quiz_dir(tmp_path)
    one, two = Book(tmp_path / "one", pages, quizzes), Book(tmp_path / "two", pages, quizzes)
    for book in (one, two):
        done = book.build()
        assert done.returncode == 0, output(done)

    html = (one.out / "modules" / "introduction-to-deep-learning.html").read_text()
    assert '<span class="pasted-text dl-timing no-search">' in html
    assert '<span class="pasted-text">42</span>' in html, "an untimed value is not marked"
    nb = json.loads((one.out / "notebooks" / "introduction-to-deep-learning.ipynb").read_text())
    marked = [c for c in nb["cells"] if c["metadata"].get("dlcourse", {}).get("timing")]
    assert len(marked) == 1
    source = "".join(marked[0]["source"])
    ((start, end),) = marked[0]["metadata"]["dlcourse"]["timing"]
    assert source[start:end].isdigit() and source[end:].startswith(" ns (measured) and 42 ")
    assert "\ue000" not in source and "\ue001" not in source
    # the measured value is not in the search index (it would change it at every build)
    assert source[start:end] not in (one.out / "searchindex.js").read_text()

    page = "modules/introduction-to-deep-learning.html"
    assert (one.out / page).read_text() != (two.out / page).read_text(), "the clock moved"
    figures = [{p.name for p in book.out.glob("_images/*")} for book in (one, two)]
    assert figures[0] and figures[1] and not figures[0] & figures[1], "the plot changed"
    assert first_difference(one.out, two.out) is None
    # the same value from an untagged cell is compared: a change to it is found
    untimed = (two.out / page).read_text().replace(">42</span>", ">43</span>")
    (two.out / page).write_text(untimed)
    assert first_difference(one.out, two.out).startswith(f"{page}:")
