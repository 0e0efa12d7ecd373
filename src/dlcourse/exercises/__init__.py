"""Check a learner's answer to a module's exercise: right, or not yet with a hint.

Each module with checkable exercises has a file here named after its slug
(``loss_functions.py`` for ``loss-functions``) that defines ``EXERCISES``, a tuple of
:class:`Exercise`. A notebook's check cell calls :func:`check` with the module's slug and the
exercise's number; the check reads the learner's answer from the names the exercise asks for,
in the notebook's own variables::

    from dlcourse.exercises import check
    check("loss-functions", 2)

During the build the same cell runs right after the page's solution, so a check that rejects the
solution stops the build; the tests also run every check against the wrong answers its exercise
lists, so a check that accepts a wrong answer fails the tests.

>>> ex = Exercise(1, "Double it", names=("double",),
...               test=lambda double: None if double(3) == 6 else "double(3) should be 6",
...               wrong=({"double": lambda x: x + 2},))
>>> ex.verdict({"double": lambda x: 2 * x})
>>> ex.verdict({"double": lambda x: x + 2})
'double(3) should be 6'
>>> ex.verdict({})
'define `double` first (the exercise asks for it), then run this check again'
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Exercise", "ExerciseCheckError", "check", "exercises_of"]

#: set in every kernel the build runs: a check that fails there stops the build
BUILD_ENV = "DLCOURSE_BUILD"


class ExerciseCheckError(AssertionError):
    """A check rejected what the page's solution computed (raised only during the build)."""


@dataclass(frozen=True)
class Exercise:
    """One checkable exercise of a module.

    ``names`` are the variables (or functions) the exercise asks the learner to define;
    ``test`` takes them as keyword arguments and returns ``None`` when the answer is right, or a
    hint (one sentence that says what is off, without giving the answer away); ``wrong`` lists
    answers the check must reject, each a mapping from the names to values.
    """

    number: int
    title: str
    names: tuple[str, ...]
    test: Callable[..., str | None]
    wrong: tuple[Mapping[str, Any], ...]

    def verdict(self, namespace: Mapping[str, Any]) -> str | None:
        """None when the answer in ``namespace`` is right, else what to do about it."""
        missing = [name for name in self.names if name not in namespace]
        if missing:
            listed = ", ".join(f"`{name}`" for name in missing)
            return f"define {listed} first (the exercise asks for it), then run this check again"
        try:
            return self.test(**{name: namespace[name] for name in self.names})
        except Exception as error:  # a learner's answer of the wrong shape or type
            last = traceback.format_exception_only(error)[-1].strip()
            return f"checking your answer raised {last}"


def _module_name(slug: str) -> str:
    return f"{__name__}.{slug.replace('-', '_')}"


def exercises_of(slug: str) -> dict[int, Exercise]:
    """The checkable exercises of a module, by number.

    >>> exercises_of("loss-functions")[2].names
    ('right', 'wrong')
    """
    try:
        module = importlib.import_module(_module_name(slug))
    except ModuleNotFoundError as error:
        if error.name != _module_name(slug):
            raise
        raise LookupError(
            f"no exercise checks for module {slug!r}: add src/dlcourse/exercises/"
            f"{slug.replace('-', '_')}.py defining EXERCISES"
        ) from None
    return {exercise.number: exercise for exercise in module.EXERCISES}


def check(slug: str, number: int, **answers: Any) -> bool:
    """Say whether the answer to exercise ``number`` of module ``slug`` is right.

    The answer is read from the caller's variables (the notebook's), or from keyword arguments
    named as the exercise asks. Prints the verdict and returns it as a bool.
    """
    exercises = exercises_of(slug)
    if number not in exercises:
        raise LookupError(
            f"module {slug!r} has no checkable exercise {number}: {sorted(exercises)}"
        )
    exercise = exercises[number]
    namespace = {**sys._getframe(1).f_globals, **answers}
    hint = exercise.verdict(namespace)
    if hint is None:
        print(f"Exercise {number} ({exercise.title}): right.")
        return True
    if os.environ.get(BUILD_ENV):
        raise ExerciseCheckError(
            f"the check of exercise {number} of {slug!r} rejects the page's solution: {hint}. "
            f"Fix the solution or the check in src/dlcourse/exercises/{slug.replace('-', '_')}.py"
        )
    print(f"Exercise {number} ({exercise.title}): not yet. {hint}")
    return False
