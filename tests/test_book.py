"""The book machinery on small fixture books: errors that stop the build, and what re-executes."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from bookfixture import ONE_QUESTION, Book, notebook, output, quiz_dir


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_cell_stops_the_build_naming_page_cell_and_error(tmp_path, jobs):
    book = Book(
        tmp_path,
        {
            "broken.md": notebook(
                "Broken", "x = 1", "values = [1, 2, 3]\nvalues[10]  # planted bug", "print('never')"
            ),
            "fine.md": notebook("Fine", "print('fine')"),
        },
    )
    done = book.build(jobs)
    assert done.returncode != 0
    text = output(done)
    assert "broken.md" in text
    assert "values[10]  # planted bug" in text  # the cell
    assert "IndexError" in text and "list index out of range" in text  # the error


def test_a_module_page_not_in_the_outline_stops_the_build_naming_the_file(tmp_path):
    book = Book(tmp_path, {"modules/intro-to-everything.md": "# Intro to everything\n"})
    done = book.build()
    assert done.returncode != 0
    text = output(done)
    assert "modules/intro-to-everything.md" in text
    assert "not in the course outline" in text


def test_a_link_to_a_module_missing_from_the_outline_stops_the_build(tmp_path):
    book = Book(
        tmp_path, {"page.md": "# Page\n\nFirst line.\n\nSee {module}`convolutional-nets`.\n"}
    )
    done = book.build()
    assert done.returncode != 0
    text = output(done)
    assert "page.md:5" in text
    assert "no module 'convolutional-nets' in the course outline" in text
    assert "convolutional-neural-networks" in text  # the suggestion


def test_a_link_to_an_unpublished_module_renders_as_text(tmp_path):
    book = Book(tmp_path, {"page.md": "# Page\n\nSee {module}`capstone-project`.\n"})
    done = book.build()
    assert done.returncode == 0, output(done)
    html = (book.out / "page.html").read_text()
    assert "Capstone: an End-to-End Digit Reader <em>(not yet published)</em>" in html


@pytest.fixture(scope="session")
def built_pages(tmp_path_factory) -> Book:
    """Pages importing fixturelib.a, fixturelib.b (which imports a), .c and nothing, built."""
    book = Book(
        tmp_path_factory.mktemp("pages") / "book",
        {
            "uses_a.md": notebook(
                "Uses a",
                "---\ntags: [hide-input]\n---\nfrom fixturelib.a import VALUE\nprint(VALUE)",
            ),
            "uses_b.md": notebook("Uses b", "import fixturelib.b\nprint(fixturelib.b.A)"),
            "uses_c.md": notebook(
                "Uses c", ":tags: [hide-input]\nfrom fixturelib import c\nprint(c.VALUE)"
            ),
            "plain.md": notebook("Plain", "print(1 + 1)"),
        },
    )
    done = book.build()
    assert done.returncode == 0, output(done)
    assert book.executed() == {"uses_a", "uses_b", "uses_c", "plain"}
    return book


@pytest.fixture
def three_pages(built_pages, tmp_path) -> Book:
    """A fresh copy of the built fixture book, for one test to change."""
    return built_pages.copy(tmp_path / "book")


def test_a_rebuild_without_changes_executes_nothing(three_pages):
    assert three_pages.build().returncode == 0
    assert three_pages.executed() == set()


def test_a_prose_edit_executes_nothing(three_pages):
    three_pages.write("plain.md", notebook("Plain", "print(1 + 1)", prose="Other prose."))
    done = three_pages.build()
    assert done.returncode == 0, output(done)
    assert three_pages.executed() == set()
    assert "Other prose." in (three_pages.out / "plain.html").read_text()


def test_a_code_edit_executes_that_page_only(three_pages):
    three_pages.write("plain.md", notebook("Plain", "print(2 + 2)"))
    done = three_pages.build()
    assert done.returncode == 0, output(done)
    assert three_pages.executed() == {"plain"}
    assert "4" in (three_pages.out / "plain.html").read_text()


def test_a_library_edit_executes_the_pages_that_import_it_directly_or_not(three_pages):
    (three_pages.lib / "fixturelib" / "a.py").write_text("VALUE = 'a2'\n")
    done = three_pages.build()
    assert done.returncode == 0, output(done)
    assert three_pages.executed() == {"uses_a", "uses_b"}  # b imports a
    assert "a2" in (three_pages.out / "uses_a.html").read_text()


def test_an_edit_to_a_module_imported_in_a_cell_with_options_executes_its_page(three_pages):
    (three_pages.lib / "fixturelib" / "c.py").write_text("VALUE = 'c2'\n")
    done = three_pages.build()
    assert done.returncode == 0, output(done)
    assert three_pages.executed() == {"uses_c"}


def test_a_toolchain_change_executes_every_page(three_pages):
    (three_pages.src / "toolchain.txt").write_text("torch==2.14.0\n")
    done = three_pages.build()
    assert done.returncode == 0, output(done)
    assert three_pages.executed() == {"uses_a", "uses_b", "uses_c", "plain"}


def test_a_change_to_dlcourse_code_writes_every_page_again_and_executes_none(three_pages):
    """Sphinx does not see an extension's code as an input; dlcourse.book's ``env_version``
    (a hash of the package's code) makes it read and write every page again after a change,
    while the outputs still come from the cache. The build imports a copy of the package put
    first on its path; built again unchanged, it writes nothing; then the copy is edited."""
    import dlcourse

    package = three_pages.lib / "dlcourse"
    shutil.copytree(
        Path(dlcourse.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    special = {"genindex.html", "search.html"}  # Sphinx writes these in every build
    pages = sorted(p for p in three_pages.out.glob("*.html") if p.name not in special)

    def written() -> dict[str, int]:
        return {page.name: page.stat().st_mtime_ns for page in pages}

    assert three_pages.build().returncode == 0  # the package's static files moved: all written
    before = written()
    assert three_pages.build().returncode == 0
    assert written() == before, "the same code: no page is written again"
    with (package / "book" / "theme.py").open("a") as theme:
        theme.write("# an edit to the book's code\n")
    done = three_pages.build()
    assert done.returncode == 0, output(done)
    after = written()
    assert [page for page in after if after[page] == before[page]] == []
    assert three_pages.executed() == set()


FIGURE = (
    "---\nmystnb:\n  image:\n    alt: 'Five random values'\n---\n"
    "from dlcourse.notebook import setup\nsetup()\nimport matplotlib.pyplot as plt\n"
    "import torch\nplt.plot(torch.rand(5).tolist());"
)


def test_two_clean_builds_give_identical_pages_images_and_notebooks(tmp_path):
    from dlcourse.book.compare import first_difference

    pages = {
        "figure.md": notebook(
            "Figure",
            FIGURE,
            "print(torch.randn(2, 3))",
            prose="Math typeset at build time: $\\sigma(w x + b)$.",
        ),
        "timed.md": notebook(
            "Timed", ":tags: [timing]\nimport time\nprint(f'{time.perf_counter_ns()}ns')"
        ),
    }
    one, two = Book(tmp_path / "one", pages), Book(tmp_path / "two", pages)
    for book in (one, two):
        done = book.build()
        assert done.returncode == 0, output(done)
        assert "warm kernels (torch, numpy, matplotlib.pyplot preloaded)" in done.stdout
    assert list(one.out.glob("_images/*.svg")), "the figure is in the site"
    assert '<span class="katex">' in (one.out / "figure.html").read_text(), "math typeset"
    assert first_difference(one.out, two.out) is None
    # kernels started the usual way (no warm kernels) give the very same pages
    plain = Book(tmp_path / "plain", pages)
    done = plain.build_with("-D", "dlcourse_warm_kernels=0")
    assert done.returncode == 0, output(done)
    assert "warm kernels" not in done.stdout
    assert first_difference(one.out, plain.out) is None


def test_a_page_that_prints_the_clock_is_named_with_its_line(tmp_path):
    from dlcourse.book.compare import first_difference

    pages = {"clock.md": notebook("Clock", "import time\nprint(time.perf_counter_ns())")}
    one, two = Book(tmp_path / "one", pages), Book(tmp_path / "two", pages)
    for book in (one, two):
        assert book.build().returncode == 0
    difference = first_difference(one.out, two.out)
    assert difference is not None and difference.startswith("clock.html:")


def test_a_page_whose_code_shows_nothing_stops_the_build(tmp_path):
    book = Book(
        tmp_path,
        {
            "silent.md": notebook("Silent", "x = 1", "y = x + 1"),
            "fine.md": notebook("Fine", "print('fine')"),
        },
    )
    done = book.build()
    assert done.returncode != 0
    assert "silent.md: the page executed" in output(done)
    assert "none of its code cells has an output" in output(done)


@pytest.mark.parametrize(
    ("front_matter", "shown"),
    [
        ("", "Duration: 2 min (1 min reading, 1 min running the code)"),
        ("duration: 25\n", "Duration: 25 min (set by the author)"),
    ],
)
def test_a_module_page_gets_its_header_with_a_computed_or_set_duration(
    tmp_path, front_matter, shown
):
    quizzes = quiz_dir(tmp_path)
    source = notebook("Introduction to Deep Learning", "print('hello')")
    source = source.replace("\n---\n", f"\n{front_matter}---\n", 1)
    book = Book(tmp_path / "book", {"modules/introduction-to-deep-learning.md": source}, quizzes)
    done = book.build()
    assert done.returncode == 0, output(done)
    html = (book.out / "modules" / "introduction-to-deep-learning.html").read_text()
    text = re.sub(r"<[^>]+>", "", html)
    assert "Module 1 of 26 · Deep Learning with PyTorch · Intermediate" in text
    assert shown in text
    assert (
        "Next → Module 2 · Installing PyTorch and Tensor Fundamentals (not yet published)" in text
    )


def test_a_printout_split_across_messages_is_one_output_in_the_page_and_the_notebook(tmp_path):
    # how a kernel splits a printout into messages depends on timing; what is published must not
    quizzes = quiz_dir(tmp_path)
    source = notebook(
        "Introduction to Deep Learning",
        "import time\nprint('one', flush=True)\ntime.sleep(0.5)\nprint('two')",
    )
    book = Book(tmp_path / "book", {"modules/introduction-to-deep-learning.md": source}, quizzes)
    done = book.build()
    assert done.returncode == 0, output(done)
    exported = nbformat.read(
        book.out / "notebooks" / "introduction-to-deep-learning.ipynb", as_version=4
    )
    printed = [cell.outputs for cell in exported.cells if "sleep" in cell.source][0]
    assert [(o.output_type, o.text) for o in printed] == [("stream", "one\ntwo\n")]
    html = (book.out / "modules" / "introduction-to-deep-learning.html").read_text()
    assert re.search(r"output stream[^>]*><div[^>]*><pre><span></span>one\ntwo\n</pre>", html)


INLINE = """inline:
  - id: check
    kind: true-false
    prompt: Is it checked?
    answer: true
    explanation: It is.
"""


def test_notebooks_are_written_again_only_when_what_they_are_made_of_changed(tmp_path):
    quizzes = quiz_dir(tmp_path)
    quiz = quizzes / "pytorch-setup-and-tensors.yaml"
    quiz.write_text(ONE_QUESTION.replace("introduction-to-deep-learning", quiz.stem) + INLINE)
    intro = "modules/introduction-to-deep-learning.md"
    tensors = "modules/pytorch-setup-and-tensors.md"
    book = Book(
        tmp_path / "book",
        {
            intro: notebook("Introduction to Deep Learning", "print('first')"),
            tensors: notebook(
                "Installing PyTorch and Tensor Fundamentals",
                "print(2)",
                prose="Check:\n\n```{quiz-question} check\n```\n",
            ),
        },
        quizzes,
    )
    assert book.build().returncode == 0
    files = {
        page: book.out / "notebooks" / Path(page).with_suffix(".ipynb").name
        for page in (intro, tensors)
    }

    def rewritten() -> set[str]:
        before = {p: path.stat().st_mtime_ns if path.exists() else 0 for p, path in files.items()}
        time.sleep(0.01)
        done = book.build()
        assert done.returncode == 0, output(done)
        return {page for page, path in files.items() if path.stat().st_mtime_ns != before[page]}

    assert rewritten() == set(), "no change, no notebook written"
    book.write(intro, notebook("Introduction to Deep Learning", "print('second')"))
    assert rewritten() == {intro}
    assert "second" in files[intro].read_text()
    quiz.write_text(quiz.read_text().replace("Is it checked?", "Is it checked again?"))
    assert rewritten() == {tensors}
    assert "Is it checked again?" in files[tensors].read_text()
    files[intro].unlink()
    assert rewritten() == {intro}, "a missing notebook is written again"
