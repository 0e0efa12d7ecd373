"""Every exercise check: it rejects the wrong answers its exercise lists, its page calls it after
the solution, and ``check`` reports right, not yet, or (in the build) stops."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dlcourse import outline
from dlcourse.exercises import BUILD_ENV, Exercise, ExerciseCheckError, check, exercises_of

ROOT = Path(__file__).resolve().parents[1]
CHECK_FILES = sorted(
    p for p in (ROOT / "src" / "dlcourse" / "exercises").glob("*.py") if p.stem != "__init__"
)
SLUGS = [p.stem.replace("_", "-") for p in CHECK_FILES]
CHECK_CELL = re.compile(r'check\("([a-z0-9-]+)", (\d+)\)')


def all_exercises() -> list[tuple[str, Exercise]]:
    return [(slug, ex) for slug in SLUGS for ex in exercises_of(slug).values()]


def test_every_check_file_belongs_to_a_module_of_the_outline():
    for slug in SLUGS:
        outline.get_module(slug)  # raises, naming the slug, if there is no such module


@pytest.mark.parametrize(
    ("slug", "exercise"), all_exercises(), ids=lambda v: v if isinstance(v, str) else v.number
)
def test_each_check_rejects_every_wrong_answer_it_lists(slug, exercise):
    assert exercise.wrong, f"{slug} exercise {exercise.number} lists no wrong answer to test"
    for wrong in exercise.wrong:
        hint = exercise.verdict(wrong)
        assert hint, f"{slug} exercise {exercise.number} accepts the wrong answer {wrong!r}"
        assert "Traceback" not in hint
        assert not hint.startswith("checking your answer raised"), (
            f"{slug} exercise {exercise.number}: the check crashes on {wrong!r} ({hint}); "
            "a listed wrong answer deserves a hint written for it"
        )


@pytest.mark.parametrize("slug", SLUGS)
def test_each_page_calls_each_of_its_checks_once_after_a_solution(slug):
    page = (ROOT / "docs" / "modules" / f"{slug}.md").read_text(encoding="utf-8")
    calls = [(s, int(n)) for s, n in CHECK_CELL.findall(page)]
    assert all(s == slug for s, _ in calls), f"{slug}.md checks another module's exercise"
    assert sorted(n for _, n in calls) == sorted(exercises_of(slug)), (
        f"{slug}.md must call check({slug!r}, N) once for each exercise of its check file"
    )
    for _, number in calls:
        before = page[: page.index(f'check("{slug}", {number})')]
        assert before.rfind("solution") > before.rfind(f"### Exercise {number}"), (
            f"{slug}.md: the check of exercise {number} must follow its solution cell"
        )


def test_check_reads_the_callers_names_and_reports_right_or_a_hint(monkeypatch, capsys):
    monkeypatch.delenv(BUILD_ENV, raising=False)
    slug, exercise = all_exercises()[0]
    namespace = dict(exercise.wrong[0])
    code = compile(f"result = check({slug!r}, {exercise.number})", "<cell>", "exec")
    namespace["check"] = check
    exec(code, namespace)
    assert namespace["result"] is False
    assert f"Exercise {exercise.number} ({exercise.title}): not yet." in capsys.readouterr().out
    missing = {"check": check}
    exec(code, missing)
    assert "define `" in capsys.readouterr().out


def test_in_the_build_a_rejected_answer_stops_with_the_file_to_fix(monkeypatch):
    monkeypatch.setenv(BUILD_ENV, "1")
    slug, exercise = all_exercises()[0]
    with pytest.raises(ExerciseCheckError, match=rf"exercise {exercise.number} of '{slug}'"):
        check(slug, exercise.number, **exercise.wrong[0])


def test_an_unknown_module_or_exercise_says_where_checks_live():
    with pytest.raises(LookupError, match="add src/dlcourse/exercises/no_such_module.py"):
        exercises_of("no-such-module")
    with pytest.raises(LookupError, match="has no checkable exercise 99"):
        check(SLUGS[0], 99)
