"""The quiz loader and validator: the real data loads; each kind of bad data stops with a message
that names the file, the line, the question id and the field."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from dlcourse import quiz
from dlcourse.book.notebooks import plain_markdown, quiz_markdown
from dlcourse.book.quizzes import inline, render_question
from dlcourse.quiz import QuizError, load_all, load_quiz

SLUG = "introduction-to-deep-learning"

GOOD = """\
module: introduction-to-deep-learning
inline:
  - id: first
    kind: single
    prompt: Pick one
    choices:
      - text: right
        correct: true
      - text: wrong
    explanation: Because.
practice:
  - id: second
    kind: true-false
    prompt: Yes?
    answer: true
    explanation: Because.
"""


def more(text: str) -> str:
    """Questions to append under 'practice:' of GOOD."""
    return textwrap.indent(textwrap.dedent(text), "  ")


def write(directory: Path, text: str, name: str = SLUG) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def errors(directory: Path, text: str, name: str = SLUG, run: bool = False) -> str:
    path = write(directory, text, name)
    with pytest.raises(QuizError) as info:
        load_quiz(path, run=run)
    return str(info.value)


def assert_names(message: str, name: str, line: int, qid: str | None, fld: str) -> None:
    assert f"{name}.yaml:{line}:" in message, message
    if qid:
        assert f"question {qid!r}" in message, message
    assert f"field {fld!r}" in message, message


# --- the real data ------------------------------------------------------------------------------


def test_the_course_quiz_data_is_valid_and_predict_output_keys_are_computed():
    quizzes = {q.key: q for q in load_all(run=True)}
    module1 = quizzes[SLUG]
    assert [q.id for q in module1.inline] == ["activation-purpose", "common-optimizer"]
    assert {q.kind for q in module1.practice} >= {"true-false", "predict-output", "numeric"}
    predicted = next(q for q in module1 if q.kind == "predict-output")
    assert predicted.output == "torch.Size([3, 5])"
    assert predicted.choices[predicted.key].text == predicted.output
    assert all(q.explanation for quiz_ in quizzes.values() for q in quiz_)
    assert not quizzes["faq"].is_module


def test_data_dir_is_the_checkout_quizzes_folder():
    assert quiz.data_dir() == Path(__file__).resolve().parents[1] / "quizzes"


def test_a_good_file_loads_into_the_typed_model(tmp_path):
    data = load_quiz(write(tmp_path, GOOD))
    first = data.inline_question("first")
    assert (first.kind, first.key, first.line) == ("single", 0, 3)
    assert first.check(0) and not first.check(1)
    assert data.question("second").choices[0].text == "True"
    assert len(data) == 2


# --- each bad input, with its message -----------------------------------------------------------


def test_unknown_field_names_it_and_suggests_the_right_one(tmp_path):
    message = errors(
        tmp_path,
        GOOD.replace("    explanation: Because.\npractice", "    explaination: Because.\npractice"),
    )
    assert_names(message, SLUG, 10, "first", "explaination")
    assert "did you mean 'explanation'" in message


def test_unknown_field_in_a_choice(tmp_path):
    message = errors(
        tmp_path, GOOD.replace("      - text: wrong", "      - text: wrong\n        hint: no")
    )
    assert_names(message, SLUG, 10, "first", "hint")


def test_unknown_top_level_field(tmp_path):
    message = errors(tmp_path, "title: Module one\n" + GOOD)
    assert_names(message, SLUG, 1, None, "title")


def test_missing_answer_in_a_true_false_question(tmp_path):
    message = errors(tmp_path, GOOD.replace("    answer: true\n", ""))
    assert_names(message, SLUG, 12, "second", "answer")
    assert "missing" in message


def test_missing_answer_in_a_numeric_question(tmp_path):
    text = GOOD + "  - id: third\n    kind: numeric\n    prompt: How much?\n    explanation: So.\n"
    message = errors(tmp_path, text)
    assert_names(message, SLUG, 17, "third", "answer")


def test_no_correct_choice(tmp_path):
    message = errors(tmp_path, GOOD.replace("        correct: true\n", ""))
    assert_names(message, SLUG, 6, "first", "choices")
    assert "no choice is marked correct" in message


def test_two_correct_answers_in_a_single_choice_question(tmp_path):
    message = errors(
        tmp_path, GOOD.replace("      - text: wrong", "      - text: wrong\n        correct: true")
    )
    assert_names(message, SLUG, 10, "first", "choices")
    assert "2 choices are marked correct (lines 8, 10)" in message
    assert "kind: multiple" in message


def test_negative_tolerance_is_outside_the_answer_itself(tmp_path):
    text = GOOD + more("""\
          - id: third
            kind: numeric
            prompt: How much?
            answer: 2.303
            tolerance: -0.01
            explanation: So.
        """)
    message = errors(tmp_path, text)
    assert_names(message, SLUG, 21, "third", "tolerance")
    assert "negative" in message


def test_an_accepted_example_outside_the_tolerance(tmp_path):
    text = GOOD + more("""\
          - id: third
            kind: numeric
            prompt: How much?
            answer: 2.303
            tolerance: 0.01
            examples:
              - 2.3
              - 2.4
            explanation: So.
        """)
    message = errors(tmp_path, text)
    assert_names(message, SLUG, 24, "third", "examples")
    assert "2.4 is an accepted example but lies outside" in message
    assert "2.303 ± 0.01" in message


def test_an_id_used_twice_in_the_same_list(tmp_path):
    message = errors(tmp_path, GOOD.replace("id: second", "id: first"))
    assert_names(message, SLUG, 12, "first", "id")
    assert "used twice (first in 'inline' at line 3)" in message


def test_an_id_used_in_inline_and_practice(tmp_path):
    text = GOOD + "  - id: second\n    kind: true-false\n    prompt: Again?\n    answer: false\n"
    text += "    explanation: So.\n"
    message = errors(tmp_path, text)
    assert_names(message, SLUG, 17, "second", "id")


def test_an_inline_id_the_page_uses_but_the_data_lacks(tmp_path):
    data = load_quiz(write(tmp_path, GOOD))
    with pytest.raises(QuizError) as info:
        data.inline_question("frist", where="docs/modules/x.md:12")
    message = str(info.value)
    assert f"{SLUG}.yaml: question 'frist': field 'inline'" in message
    assert "docs/modules/x.md:12 places it" in message
    assert "did you mean 'first'" in message


def test_placing_a_practice_question_inline_says_to_move_it(tmp_path):
    data = load_quiz(write(tmp_path, GOOD))
    with pytest.raises(QuizError, match="move it under 'inline:'"):
        data.inline_question("second")


def test_a_quiz_for_a_module_not_in_the_outline(tmp_path):
    message = errors(
        tmp_path, GOOD.replace(f"module: {SLUG}", "module: intro-to-dl"), "intro-to-dl"
    )
    assert_names(message, "intro-to-dl", 1, None, "module")
    assert "no module 'intro-to-dl' in the course outline" in message


def test_a_module_quiz_whose_file_name_differs(tmp_path):
    message = errors(tmp_path, GOOD, "module-one")
    assert_names(message, "module-one", 1, None, "module")
    assert f"must be named {SLUG}.yaml" in message


def test_a_page_quiz_must_not_name_a_module(tmp_path):
    message = errors(tmp_path, GOOD.replace(f"module: {SLUG}", f"page: {SLUG}"))
    assert_names(message, SLUG, 1, None, "page")


def test_missing_explanation(tmp_path):
    message = errors(tmp_path, GOOD.replace("    explanation: Because.\npractice", "practice"))
    assert_names(message, SLUG, 3, "first", "explanation")
    assert "every question needs a explanation" in message or "missing" in message


def test_an_unquoted_no_is_text_yaml_reads_as_a_boolean(tmp_path):
    message = errors(tmp_path, GOOD.replace("text: wrong", "text: No"))
    assert_names(message, SLUG, 9, "first", "text")
    assert "put the text in quotes" in message


def test_unknown_kind(tmp_path):
    message = errors(tmp_path, GOOD.replace("kind: true-false", "kind: yes-no"))
    assert_names(message, SLUG, 13, "second", "kind")
    assert "true-false" in message


def test_a_key_written_twice_in_one_mapping(tmp_path):
    message = errors(
        tmp_path, GOOD.replace("    answer: true\n", "    answer: true\n    answer: false\n")
    )
    assert_names(message, SLUG, 16, None, "answer")
    assert "appears twice" in message


def test_invalid_yaml_gives_its_line(tmp_path):
    message = errors(tmp_path, GOOD.replace("prompt: Yes?", "prompt: [Yes?"))
    assert f"{SLUG}.yaml:" in message and "not valid YAML" in message
    assert "prompt: [Yes?\n" in message and "^" in message, "the source line, with a caret"


def with_lines(data):
    """The data with the line of every mapping, key and list item that error messages use."""
    if isinstance(data, dict):
        items = {k: with_lines(v) for k, v in data.items()}
        return {"line": data.line, "lines": data.lines, "items": items}
    if isinstance(data, list):
        return {"line": data.line, "lines": data.lines, "items": [with_lines(v) for v in data]}
    return data


@pytest.mark.parametrize("path", sorted(quiz.data_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_the_fast_yaml_reader_reads_what_the_plain_one_reads(path):
    text = path.read_text(encoding="utf-8")
    fast, fast_duplicates = quiz._load(quiz._FastLoader, text)
    plain, plain_duplicates = quiz._load(quiz._Loader, text)
    assert with_lines(fast) == with_lines(plain) and fast_duplicates == plain_duplicates


def test_all_problems_of_a_file_are_reported_together(tmp_path):
    text = GOOD.replace("kind: true-false", "kind: nope").replace("        correct: true\n", "")
    with pytest.raises(QuizError) as info:
        load_quiz(write(tmp_path, text))
    assert {p.question for p in info.value.problems} == {"first", "second"}


PREDICT = """\
module: introduction-to-deep-learning
practice:
  - id: sum
    kind: predict-output
    prompt: What does this print?
    code: |
      print(sum([1, 2, 3]))
    distractors: ["5", "123"]
    explanation: One plus two plus three.
"""


def test_predict_output_key_is_derived_and_choices_are_in_a_fixed_order(tmp_path):
    first = load_quiz(write(tmp_path, PREDICT), run=True).question("sum")
    again = load_quiz(write(tmp_path, PREDICT), run=True).question("sum")
    assert first.output == "6"
    assert sorted(c.text for c in first.choices) == ["123", "5", "6"]
    assert first.choices == again.choices
    assert first.choices[first.key].text == "6"


def test_predict_output_answer_cannot_be_typed(tmp_path):
    message = errors(
        tmp_path, PREDICT.replace("    distractors", "    answer: '6'\n    distractors")
    )
    assert_names(message, SLUG, 8, "sum", "answer")
    assert "computed by running its code" in message


def test_predict_output_distractor_equal_to_the_real_output(tmp_path):
    message = errors(tmp_path, PREDICT.replace('["5", "123"]', '["5", "6"]'), run=True)
    assert_names(message, SLUG, 3, "sum", "distractors")
    assert "'6' is what the code really prints" in message


def test_predict_output_code_that_raises(tmp_path):
    message = errors(tmp_path, PREDICT.replace("sum([1, 2, 3])", "1 / 0"), run=True)
    assert_names(message, SLUG, 3, "sum", "code")
    assert "ZeroDivisionError" in message


def test_predict_output_results_are_cached_by_code(tmp_path, monkeypatch):
    cache = tmp_path / "outputs"
    assert quiz.run_snippets(["print(2 * 21)"], cache) == {
        quiz._code_key("print(2 * 21)"): {"output": "42"}
    }

    def no_run(*args, **kwargs):
        raise AssertionError("a cached snippet ran again")

    monkeypatch.setattr(quiz.subprocess, "run", no_run)
    assert list(quiz.run_snippets(["print(2 * 21)"], cache).values()) == [{"output": "42"}]


def test_predict_output_results_of_parallel_readers_are_all_kept(tmp_path, monkeypatch):
    # two Sphinx workers each ran their page's snippets against the same empty cache; a file
    # shared by both kept only what the last one wrote, and the next build ran the rest again
    cache = tmp_path / "outputs"
    real_run = quiz.subprocess.run
    ran: list[str] = []

    def counting_run(*args, **kwargs):
        ran.extend(json.loads(kwargs["input"])["snippets"].values())
        return real_run(*args, **kwargs)

    monkeypatch.setattr(quiz.subprocess, "run", counting_run)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda code: quiz.run_snippets([code], cache), ["print(1)", "print(2)"]))
    assert sorted(ran) == ["print(1)", "print(2)"]
    assert quiz.run_snippets(["print(1)", "print(2)"], cache) == {
        quiz._code_key("print(1)"): {"output": "1"},
        quiz._code_key("print(2)"): {"output": "2"},
    }
    assert sorted(ran) == ["print(1)", "print(2)"], "a cached snippet ran again"


# --- numeric checking, the notebook and the command line ------------------------------------


def test_numeric_check_accepts_the_tolerance_and_no_more(tmp_path):
    text = GOOD + more("""\
          - id: third
            kind: numeric
            prompt: How much?
            answer: 2.303
            tolerance: 0.01
            unit: nats
            explanation: So.
        """)
    q = load_quiz(write(tmp_path, text)).question("third")
    assert q.check(2.313) and q.check(2.293) and not q.check(2.32)
    assert "(answer in nats)" in q.text()


def test_ask_in_a_notebook_counts_right_answers(tmp_path, monkeypatch):
    monkeypatch.setattr(quiz, "data_dir", lambda: tmp_path)
    write(tmp_path, GOOD)
    replies = iter(["9", "1", "2"])  # 9 is not a choice: asked again
    shown: list[str] = []
    score = ask_score = quiz.ask(SLUG, answer=lambda _: next(replies), show=shown.append)
    assert score == ask_score == 1
    assert "Please type the number of a choice" in "\n".join(shown)
    assert shown[-1].strip() == "1 of 2 right first time."


def test_check_command_reports_every_problem_and_fails(tmp_path, capsys):
    write(tmp_path, GOOD.replace("kind: true-false", "kind: nope"))
    assert quiz.main(["check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "question 'second': field 'kind'" in err and "1 problem(s)" in err


def test_check_command_on_the_course_data_runs_in_seconds():
    proc = subprocess.run(
        [sys.executable, "-m", "dlcourse.quiz", "check"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 0, proc.stderr
    assert "questions: OK" in proc.stdout


# --- choice order -------------------------------------------------------------------------------


def test_choices_appear_in_an_order_that_does_not_give_the_key_away():
    # authors write the key first; over the course's data its position must be spread
    questions = [q for quiz_ in load_all() for q in quiz_ if q.kind in ("single", "multiple")]
    single = [q.key for q in questions if q.kind == "single"]
    assert len(single) >= 20
    positions = Counter(single)
    assert len(positions) >= 3, positions
    assert positions[0] <= len(single) / 2, f"the key comes first {positions[0]} times"
    assert max(positions.values()) <= len(single) / 2, positions
    multiple = [q for q in questions if q.kind == "multiple"]
    first_ones = [q.id for q in multiple if q.key == frozenset(range(len(q.key)))]
    assert len(first_ones) <= len(multiple) / 2, f"keys are the first choices in {first_ones}"


def test_the_choice_order_is_fixed_by_the_id_in_every_run_and_everywhere(tmp_path):
    # not Python's hash(): it is salted per process
    script = (
        "from dlcourse.quiz import load_all\n"
        "print([[c.text for c in q.choices] for z in load_all() for q in z])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(runs) == 1
    # the learner API numbers them as the page does
    q = load_quiz(SLUG).question("common-optimizer")
    assert q.text().splitlines()[1:] == [f"  {i}. {c.text}" for i, c in enumerate(q.choices, 1)]
    html = render_question(q, SLUG, 7, "Q")
    labels = re.findall(r'<label for="q-common-optimizer-\d">(.*?)</label>', html)
    assert labels == [inline(c.text) for c in q.choices]
    assert f'data-dl-key="{q.key}"' in html
    assert f"<strong>Answer:</strong> {inline(q.choices[q.key].text)}" in html  # no-JS answer
    # and the exported notebook lists them in the same order
    source = "```{quiz-question} common-optimizer\n```\n"
    text = plain_markdown(source, nbformat.v4.new_notebook(), load_quiz(SLUG), "https://x/")
    assert [line[4:] for line in text.splitlines() if line.startswith("> - ")] == [
        quiz_markdown(c.text) for c in q.choices
    ]


# --- ask(): every kind, as a learner answers in a notebook ----------------------------------------

EVERY_KIND = GOOD + more("""\
    - id: third
      kind: multiple
      prompt: Pick two
      choices:
        - text: yes one
          correct: true
          feedback: One is right.
        - text: yes two
          correct: true
        - text: not this one
          feedback: No is wrong.
      explanation: Two of them.
    - id: fourth
      kind: numeric
      prompt: How much?
      answer: 2.303
      tolerance: 0.01
      unit: nats
      explanation: ln 10.
    - id: fifth
      kind: predict-output
      prompt: What does this print?
      code: |
        print(sum(range(4)))
      distractors: ["10", "4"]
      explanation: 0 + 1 + 2 + 3.
""")


def _reply(q, right: bool) -> str:
    """What a learner types: the right answer, or a wrong one."""
    if q.kind == "numeric":
        return repr(q.answer) if right else repr(q.answer + 10 * q.tolerance + 1)
    key = q.key
    if q.kind == "multiple":
        if right:
            return ", ".join(str(i + 1) for i in sorted(key))
        if len(key) > 1:  # wrong: part of the key
            return str(min(key) + 1)
        other = next(i for i in range(len(q.choices)) if i not in key)  # wrong: one too many
        return f"{min(key) + 1}, {other + 1}"
    return str(key + 1) if right else str((key + 1) % len(q.choices) + 1)


def test_ask_takes_every_kind_right_and_wrong_with_the_pages_feedback(tmp_path, monkeypatch):
    monkeypatch.setattr(quiz, "data_dir", lambda: tmp_path)
    write(tmp_path, EVERY_KIND)
    loaded = load_quiz(SLUG, run=True)
    assert sorted(q.kind for q in loaded) == sorted(quiz.KINDS)
    for q in loaded:
        shown: list[str] = []
        replies = iter([_reply(q, True)])
        assert quiz.ask(SLUG, q.id, answer=lambda _, it=replies: next(it), show=shown.append) == 1
        out = "\n".join(shown)
        assert "Correct." in out and q.explanation in out and "1 of 1 right" in out, out
        if q.code:  # predict-the-output shows its code and the printed outputs as choices
            assert "print(sum(range(4)))" in out and "6" in [c.text for c in q.choices]
        # wrong first (after a reply that is no answer), then shown the answer with Enter
        shown = []
        replies = iter(["", "x", _reply(q, False), ""])
        assert quiz.ask(SLUG, q.id, answer=lambda _, it=replies: next(it), show=shown.append) == 0
        out = "\n".join(shown)
        assert "Not quite." in out and q.explanation in out and "0 of 1 right" in out, out
        assert f"Answer: {quiz._answer_text(q)}" in out
        assert next(replies, "unused") == ("unused" if q.kind != "true-false" else "")
    numeric = loaded.question("fourth")
    assert "(answer in nats)" in numeric.text()
    assert quiz._answer_text(numeric) == "2.303 nats (answers within ±0.01 are accepted)"
    # the feedback of the choices picked, as on the page
    third = loaded.question("third")
    shown = []
    pick = [i for i, c in enumerate(third.choices) if c.text in ("yes one", "not this one")]
    replies = iter([",".join(str(i + 1) for i in pick), _reply(third, True)])
    assert quiz.ask(SLUG, "third", answer=lambda _: next(replies), show=shown.append) == 0
    out = "\n".join(shown)
    assert "One is right." in out and "No is wrong." in out and "Try again" in out
    assert "Correct." in out  # right the second time, not first time
    # within the tolerance is right; a second try after a wrong number can be right
    replies = iter(["2.31", "9"])
    assert quiz.ask(SLUG, "fourth", answer=lambda _: next(replies), show=lambda _: None) == 1


def test_ask_answers_every_question_of_the_course(monkeypatch):
    """Every question of every module, right then wrong, through ask() as a learner types."""
    quizzes = {q.key: q for q in load_all(run=True) if q.is_module}
    monkeypatch.setattr(quiz, "_asked_quiz", lambda slug: quizzes[slug])
    for slug, loaded in quizzes.items():
        right = iter([_reply(q, True) for q in loaded])
        shown: list[str] = []
        assert quiz.ask(slug, answer=lambda _, it=right: next(it), show=shown.append) == len(loaded)
        retry = {q.id: [""] * (q.kind != "true-false") for q in loaded}  # Enter: the answer
        wrong = iter([r for q in loaded for r in [_reply(q, False), *retry[q.id]]])
        assert quiz.ask(slug, answer=lambda _, it=wrong: next(it), show=shown.append) == 0, slug
        assert next(wrong, None) is None


def test_import_dlcourse_then_quiz_ask_works_as_the_notebook_hint_is_typed():
    code = (
        "import sys, dlcourse\n"
        "assert 'dlcourse.quiz' not in sys.modules and 'torch' not in sys.modules\n"
        f"print(dlcourse.quiz.ask({SLUG!r}, 'common-optimizer'))\n"
    )
    q = load_quiz(SLUG).question("common-optimizer")
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=f"{q.key + 1}\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("1"), done.stdout
    assert "Correct." in done.stdout
