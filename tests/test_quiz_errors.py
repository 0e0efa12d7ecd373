"""Quiz data errors stop the build (or ``dlcourse.quiz check``) at the file that has them: each
message names the file and its line or question, and says how to fix it."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from test_quiz_render import build, copy_fixture

from dlcourse import quiz
from dlcourse.quiz import QuizError, load_quiz

SLUG = "introduction-to-deep-learning"

NUMERIC = """\
module: introduction-to-deep-learning
practice:
  - id: how-small
    kind: numeric
    prompt: How small?
    answer: 0.0001
    tolerance: {tolerance}
    explanation: Small.
"""

SNIPPETS = """\
module: introduction-to-deep-learning
practice:
  - id: fine
    kind: predict-output
    prompt: What does this print?
    code: |
      print(6 * 7)
    distractors: ["67"]
    explanation: Times.
  - id: bad
    kind: predict-output
    prompt: What does this print?
    code: |
{code}
    distractors: ["1"]
    explanation: Never mind.
"""


def load_errors(directory: Path, text: str, run: bool = False) -> str:
    path = directory / f"{SLUG}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(QuizError) as info:
        load_quiz(path, run=run)
    return str(info.value)


# --- numbers YAML reads otherwise ---------------------------------------------------------------


def test_an_infinite_tolerance_is_rejected(tmp_path):
    message = load_errors(tmp_path, NUMERIC.format(tolerance=".inf"))
    assert f"{SLUG}.yaml:7: question 'how-small': field 'tolerance'" in message
    assert "must be a finite number" in message and "accepts every answer" in message
    assert "give a finite margin, or 0 for an exact answer" in message


def test_a_tolerance_yaml_reads_as_text_says_so_and_how_to_write_it(tmp_path):
    message = load_errors(tmp_path, NUMERIC.format(tolerance="1e-4"))
    assert f"{SLUG}.yaml:7: question 'how-small': field 'tolerance'" in message
    assert "YAML reads '1e-4' as text" in message
    assert "write 1.0e-4 instead" in message
    # ... and what it suggests is a number indeed
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    (fixed / f"{SLUG}.yaml").write_text(NUMERIC.format(tolerance="1.0e-4"))
    assert load_quiz(fixed / f"{SLUG}.yaml").question("how-small").tolerance == 1e-4


def test_an_answer_written_2e3_gets_the_same_advice(tmp_path):
    text = NUMERIC.format(tolerance="0").replace("answer: 0.0001", "answer: 2e3")
    message = load_errors(tmp_path, text)
    assert "question 'how-small': field 'answer'" in message
    assert "write 2.0e+3 instead" in message


# --- predict-output snippets --------------------------------------------------------------------


def snippet(code: str) -> str:
    return SNIPPETS.format(code=textwrap.indent(textwrap.dedent(code), "      "))


def test_a_snippet_that_prints_nothing_is_rejected(tmp_path):
    message = load_errors(tmp_path, snippet("x = 1"), run=True)
    assert f"{SLUG}.yaml:10: question 'bad': field 'code'" in message
    assert "prints nothing" in message and "print(...)" in message
    assert "'fine'" not in message


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("while True:\n    pass", "did not finish within 2 s"),
        ("import os\nos._exit(0)", "exited with status 0 before it finished"),
        ("import ctypes\nctypes.string_at(0)", "killed by SIGSEGV"),
    ],
    ids=["loop", "os-exit", "segfault"],
)
def test_a_snippet_that_loops_or_kills_its_process_is_named_and_the_others_still_run(
    tmp_path, monkeypatch, code, why
):
    monkeypatch.setenv("DLCOURSE_SNIPPET_TIMEOUT", "2")
    start = time.monotonic()
    message = load_errors(tmp_path, snippet(code), run=True)
    assert time.monotonic() - start < 30
    assert f"{SLUG}.yaml:10: question 'bad': field 'code'" in message
    assert why in message and "DLCOURSE_SNIPPET_TIMEOUT" in message
    assert "'fine'" not in message  # its own process: the good snippet is unharmed
    good = quiz.run_snippets(["print(6 * 7)", code], timeout=2)
    assert list(good.values())[0] == {"output": "42"}


def test_without_fork_each_snippet_still_runs_in_its_own_process(tmp_path, monkeypatch):
    # macOS and Windows: one process per snippet
    monkeypatch.setattr(quiz, "_FORK", False)
    results = quiz.run_snippets(
        ["print(6 * 7)", "import os\nos._exit(3)", "while 1: pass"], timeout=2
    )
    assert list(results.values()) == [
        {"output": "42"},
        {"failed": "its process exited with status 3 before it finished"},
        {"failed": "it did not finish within 2 s"},
    ]


def test_a_failed_snippet_is_not_cached(tmp_path):
    cache = tmp_path / "cache"
    quiz.run_snippets(["print(1)", "while 1: pass"], cache, timeout=1)
    assert [p.name for p in cache.iterdir()] == [f"{quiz._code_key('print(1)')}.json"]


# --- files no page reads: the build checks them all ---------------------------------------------


def test_a_quiz_file_for_a_module_not_in_the_outline_stops_the_build(tmp_path):
    project = copy_fixture(tmp_path)
    (project / "quizzes" / "not-a-module.yaml").write_text(
        "module: not-a-module\npractice:\n  - id: q\n    kind: true-false\n    prompt: P\n"
        "    answer: true\n    explanation: E\n"
    )
    proc = build(project)
    assert proc.returncode != 0
    assert "quizzes/not-a-module.yaml:1: field 'module'" in proc.stderr, proc.stderr
    assert "A quiz must belong to a module of the outline" in proc.stderr
    assert "use 'page: DOCNAME'" in proc.stderr


def test_a_page_key_for_a_page_that_does_not_exist_stops_the_build(tmp_path):
    project = copy_fixture(tmp_path)
    (project / "quizzes" / "fqa.yaml").write_text(
        (project / "quizzes" / "faq.yaml").read_text().replace("page: faq", "page: fqa")
    )
    proc = build(project)
    assert proc.returncode != 0
    assert "quizzes/fqa.yaml:1: field 'page': no page 'fqa' in this book" in proc.stderr
    assert "fqa.md does not exist" in proc.stderr
    assert "or delete the file" in proc.stderr


def test_a_loop_in_a_page_snippet_fails_the_build_in_seconds_naming_the_question(tmp_path):
    project = copy_fixture(tmp_path)
    data = project / "quizzes" / f"{SLUG}.yaml"
    data.write_text(data.read_text().replace('print("<b>" * 2)', "while True:\n        pass"))
    conf = project / "conf.py"
    conf.write_text(conf.read_text() + "dlcourse_snippet_timeout = 2\n")
    start = time.monotonic()
    proc = build(project)
    assert proc.returncode != 0
    assert time.monotonic() - start < 120
    assert f"{SLUG}.yaml:21: question 'printed': field 'code'" in proc.stderr, proc.stderr
    assert "did not finish within 2 s" in proc.stderr
