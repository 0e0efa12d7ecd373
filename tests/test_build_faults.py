"""Faults planted one at a time in fixture books: each is handled, and each is named."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from bookfixture import Book, notebook, output, quiz_dir
from sitebuild import DOCS, sphinx_build, sphinx_command

INTRO = "modules/introduction-to-deep-learning.md"
FIGURE = (
    "---\nmystnb:\n  image:\n    alt: 'Five random points'\n---\n"
    "import matplotlib.pyplot as plt\nplt.plot([3, 1, 4, 1, 5]);"
)


def module_book(tmp_path: Path, *cells: str, extra: dict[str, str] | None = None) -> Book:
    pages = {INTRO: notebook("Introduction to Deep Learning", *cells), **(extra or {})}
    return Book(tmp_path / "book", pages, quiz_dir(tmp_path))


def exported(book: Book) -> nbformat.NotebookNode:
    return nbformat.read(book.out / "notebooks" / "introduction-to-deep-learning.ipynb", 4)


def test_a_print_split_across_messages_is_published_as_printed(tmp_path):
    book = module_book(
        tmp_path,
        'import sys, time\nsys.stdout.write("loss:"); sys.stdout.flush()\ntime.sleep(0.3)\n'
        'print(" 0.25")',
        'for i in range(3):\n    print(f"\\r{i}", end="", flush=True)\nprint()',
    )
    done = book.build()
    assert done.returncode == 0, output(done)
    cells = [c for c in exported(book).cells if c.cell_type == "code" and c.outputs]
    assert [(o.output_type, o.text) for o in cells[0].outputs] == [("stream", "loss: 0.25\n")]
    assert [o.text for o in cells[1].outputs] == ["2\n"]  # \r handled after the merge
    html = (book.out / INTRO.replace(".md", ".html")).read_text()
    assert re.search(r"<pre><span></span>loss: 0.25\n</pre>", html)


def test_a_long_line_builds_in_seconds_and_a_huge_output_stops_with_the_cap(tmp_path):
    book = module_book(tmp_path, "print('x' * 90_000 + '\\r' + 'y' * 5)", "print(1)")
    start = time.perf_counter()
    done = book.build()
    assert done.returncode == 0, output(done)
    assert time.perf_counter() - start < 60
    huge = module_book(tmp_path / "huge", "x = 1", "print(list(range(200_000)))")
    start = time.perf_counter()
    done = huge.build()
    assert time.perf_counter() - start < 60
    assert done.returncode != 0
    text = output(done)
    assert (
        "introduction-to-deep-learning.md:" in text
        and "code cell 2 shows 1,488,891 characters" in text
    )
    assert "dlcourse_max_output_chars" in text


def test_a_lost_execution_cache_reexecutes_and_publishes_full_notebooks(tmp_path):
    book = module_book(tmp_path, "print('the output')")
    assert book.build().returncode == 0

    def printed() -> list[str]:
        return [o.get("text") for c in exported(book).cells for o in c.get("outputs", [])]

    assert printed() == ["the output\n"]
    (book.src / "_build" / ".jupyter_cache" / "global.db").unlink()
    done = book.build()
    assert done.returncode == 0, output(done)
    assert book.executed() == {"modules/introduction-to-deep-learning"}
    for option in ("html_baseurl=https://example.org/", "html_title=Other"):  # config changes
        done = book.build_with("-D", option)
        assert done.returncode == 0, output(done)
        assert printed() == ["the output\n"]


def test_a_figure_without_alt_text_stops_the_build_naming_page_and_cell(tmp_path):
    book = module_book(
        tmp_path, "print(1)", "import matplotlib.pyplot as plt\nplt.plot([1, 2]);", FIGURE
    )
    done = book.build()
    assert done.returncode != 0
    text = output(done)
    assert "introduction-to-deep-learning.md:" in text
    assert "the figure of code cell 2 has no alt text" in text
    assert "code cell 3" not in text  # the figure with alt text passes


def test_a_removed_page_leaves_nothing_behind(tmp_path):
    book = module_book(tmp_path, FIGURE, extra={"other.md": notebook("Other", "print(2)")})
    assert book.build().returncode == 0
    page, notebook_file = book.out / INTRO.replace(".md", ".html"), book.out / "notebooks"
    images = sorted((book.out / "_images").iterdir())
    assert page.is_file() and images and list(notebook_file.glob("*.ipynb"))
    (book.src / INTRO).unlink()
    index = book.src / "index.md"
    index.write_text(index.read_text().replace("modules/introduction-to-deep-learning\n", ""))
    done = book.build()
    assert done.returncode == 0, output(done)
    assert not page.exists()
    assert not list(notebook_file.glob("*.ipynb"))
    assert not any(path.exists() for path in images)
    assert not list((book.out / "_sources").glob("modules/*"))
    assert (book.out / "other.html").is_file()


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_ctrl_c_stops_a_cold_build_within_seconds_leaving_no_process(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()
    slow = "import os, time\nopen({path!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\nprint(1)"
    pages = {
        f"slow{i}.md": notebook(f"Slow {i}", slow.format(path=str(marks / f"slow{i}")))
        for i in range(4)
    }
    book = Book(tmp_path / "book", pages)
    command = sphinx_command(book.src, book.out, jobs="2")
    process = subprocess.Popen(
        command,
        env={**os.environ, "PYTHONPATH": str(book.lib)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a terminal's Ctrl-C goes to the whole process group
    )
    try:
        deadline = time.monotonic() + 120
        while len(list(marks.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(list(marks.iterdir())) == 2, "two pages started"
        time.sleep(0.5)
        tree = _descendants(process.pid)
        os.killpg(process.pid, signal.SIGINT)
        start = time.monotonic()
        process.wait(timeout=30)
        assert time.monotonic() - start < 5, "the build ends within seconds"
        time.sleep(0.5)
        assert not [pid for pid in tree if _alive(pid)], "no kernel or server is left"
        assert len(list(marks.iterdir())) == 2, "no queued page started after Ctrl-C"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def test_a_kernel_that_dies_is_named_with_its_page_and_cell(tmp_path):
    book = Book(
        tmp_path / "book",
        {
            "dies.md": notebook("Dies", "print(1)", "import os\nos._exit(1)"),
            "fine.md": notebook("Fine", "print('fine')"),
        },
    )
    done = book.build()
    assert done.returncode != 0
    text = output(done)
    assert re.search(r"dies\.md:\d+: code cell 2: the kernel died", text), text[-3000:]
    assert "nox -s page -- " in text


def test_a_cell_that_times_out_is_named_with_its_line_and_what_to_do(tmp_path):
    book = Book(
        tmp_path / "book", {"slow.md": notebook("Slow", "print(1)", "import time\ntime.sleep(30)")}
    )
    done = book.build_with("-D", "nb_execution_timeout=2")
    assert done.returncode != 0
    text = output(done)
    assert re.search(r"slow\.md:\d+: code cell 2 did not finish within 2 s", text), text[-3000:]
    assert "execution_timeout" in text and "nb_execution_timeout" in text
    # the limit the message points to, in the page's own front matter
    page = notebook("Slow", "print(1)", "import time\ntime.sleep(30)")
    book.write("slow.md", page.replace("\n---\n", "\nmystnb:\n  execution_timeout: 1\n---\n", 1))
    done = book.build()
    assert re.search(r"slow\.md:\d+: code cell 2 did not finish within 1 s", output(done))


def test_a_page_that_is_not_utf8_is_named_with_line_and_column(tmp_path):
    book = Book(tmp_path / "book", {"fine.md": notebook("Fine", "print(1)")})
    (book.src / "latin.md").write_bytes(b"# Latin\n\nna\xefve text\n")
    done = book.build()
    assert done.returncode != 0
    assert "latin.md:3:3: byte 0xef is not UTF-8" in output(done)


def test_parallel_errors_show_the_course_message_first_for_every_failing_page(tmp_path):
    book = Book(
        tmp_path / "book",
        {
            "one.md": notebook("One", "print(1)", prose="See {module}`no-such-module`."),
            "two.md": notebook("Two", "import matplotlib.pyplot as plt\nplt.plot([1, 2]);"),
            "three.md": notebook(
                "Three", "print(3)", prose="```{quiz-question} no-such-question\n```\n"
            ),
            **{f"fine{i}.md": notebook(f"Fine {i}", f"print({i})") for i in range(4)},
        },
    )
    done = book.build("2")
    assert done.returncode != 0
    assert done.stderr.lstrip().startswith("The build stopped (dlcourse):"), done.stderr[:2000]
    assert "one.md:" in done.stderr and "{module} role" in done.stderr
    assert "two.md:" in done.stderr and "has no alt text" in done.stderr
    assert "three.md:" in done.stderr and "there is no quiz data for this page" in done.stderr
    assert "3 problems in 3 pages" in done.stderr
    assert "parallel build error" not in done.stderr
    assert "report this error" not in done.stderr


def test_a_claim_its_output_contradicts_stops_the_build_naming_page_cell_and_claim(tmp_path):
    book = Book(
        tmp_path / "book",
        {
            "claims.md": notebook(
                "Claims",
                "from dlcourse.notebook import claim\nsgd, adam = 0.31, 0.42\nprint(sgd, adam)",
                ":tags: [remove-cell]\nclaim(adam < sgd, 'Adam ends lower than SGD')",
                prose="Adam ends lower than SGD.",
            )
        },
    )
    done = book.build()
    assert done.returncode != 0
    text = output(done)
    assert re.search(r"claims\.md:\d+: code cell 2 failed", text)
    assert "ClaimError" in text and "'Adam ends lower than SGD'" in text


def test_the_katex_server_is_connected_to_once_it_listens(tmp_path):
    # its socket file exists before it listens: the first connection used to be refused
    from sphinxcontrib.katex import KaTeXServer

    from dlcourse.book.math import start_server_process

    server = (
        "import socket, sys, time\n"
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
        "s.bind(sys.argv[2]); time.sleep(0.5); s.listen(); s.accept(); time.sleep(5)\n"
    )
    script = tmp_path / "server.py"
    script.write_text(server)

    class Slow(KaTeXServer):
        @classmethod
        def build_command(cls, socket=None, port=None):
            return [sys.executable, str(script), "--socket", str(socket)]

    process, sock = start_server_process(Slow, tmp_path, 10)
    try:
        assert isinstance(sock, socket.socket) and process.poll() is None
    finally:
        sock.close()
        process.kill()
        process.wait()


def test_two_clean_builds_of_the_whole_course_are_identical(tmp_path):
    from dlcourse.book.compare import first_difference

    sites = []
    for name in ("one", "two"):
        out = tmp_path / name / "html"
        cache = f"nb_execution_cache_path={tmp_path / name / 'cache'}"
        done = sphinx_build(DOCS, out, "-D", cache, jobs="auto")
        assert done.returncode == 0, output(done)[-4000:]
        sites.append(out)
    assert first_difference(*sites) is None
