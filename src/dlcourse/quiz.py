"""Load, validate and use the course's quiz data (``quizzes/*.yaml``); no Sphinx needed.

One YAML file per module (or per page outside ``modules/``) holds its inline questions, placed
in the page by id, and its practice quiz. Every error names the file, the line, the question id
and the field, and says how to fix it. Check all the data with ``python -m dlcourse.quiz check``.

In a notebook (answers are typed in, as they would be by a learner):

>>> quiz = load_quiz("introduction-to-deep-learning")
>>> quiz.question("common-optimizer").kind
'single'
>>> quiz.question("common-optimizer").check(quiz.question("common-optimizer").key)
True

``ask(slug)`` asks the questions one by one; see :func:`ask`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import hashlib
import json
import math
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dlcourse import outline

__all__ = [
    "Choice",
    "Question",
    "Quiz",
    "QuizError",
    "Problem",
    "KINDS",
    "data_dir",
    "load_quiz",
    "load_all",
    "compute_outputs",
    "ask",
    "main",
]

KINDS = ("single", "multiple", "true-false", "numeric", "predict-output")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_COMMON = {"id", "kind", "prompt", "explanation", "section", "code"}
FIELDS: dict[str, frozenset[str]] = {
    "single": frozenset(_COMMON | {"choices"}),
    "multiple": frozenset(_COMMON | {"choices"}),
    "true-false": frozenset(_COMMON | {"answer"}),
    "numeric": frozenset(_COMMON | {"answer", "tolerance", "unit", "examples"}),
    "predict-output": frozenset(_COMMON | {"distractors"}),
}
CHOICE_FIELDS = frozenset({"text", "correct", "feedback"})
TOP_FIELDS = frozenset({"module", "page", "inline", "practice"})


# --- errors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the quiz data, and where."""

    path: str
    line: int | None
    question: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        parts = [where]
        if self.question:
            parts.append(f"question {self.question!r}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ": ".join(parts) + ": " + self.message


class QuizError(ValueError):
    """The quiz data is wrong; ``problems`` lists each error with file, line, id and field."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


# --- the model -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One choice of a choice question."""

    text: str
    correct: bool = False
    feedback: str | None = None
    #: render the text as code (the choices of a predict-output question are printed output)
    is_output: bool = False


@dataclass(frozen=True)
class Question:
    """One question. ``choices`` holds the options of every choice-like kind.

    A true-false question gets the choices "True" and "False"; a predict-output question gets
    its computed output and its distractors once :func:`compute_outputs` has run its code.
    """

    id: str
    kind: str
    prompt: str
    explanation: str
    placement: str  # "inline" or "practice"
    choices: tuple[Choice, ...] = ()
    answer: float | bool | None = None
    tolerance: float = 0.0
    unit: str | None = None
    examples: tuple[float, ...] = ()
    code: str | None = None
    distractors: tuple[str, ...] = ()
    section: str | None = None
    line: int = 0
    #: the printed output of a predict-output question (``None`` until computed)
    output: str | None = None

    @property
    def key(self) -> Any:
        """The correct response: a choice index, a set of indexes, or a number."""
        if self.kind == "numeric":
            return self.answer
        if self.kind == "predict-output" and self.output is None:
            raise ValueError(f"question {self.id!r}: run compute_outputs() first")
        right = [i for i, c in enumerate(self.choices) if c.correct]
        return frozenset(right) if self.kind == "multiple" else right[0]

    def check(self, response: Any) -> bool:
        """Whether ``response`` (index, set of indexes, or number) is right.

        >>> q = Question("q", "numeric", "?", "!", "practice", answer=2.303, tolerance=0.01)
        >>> q.check(2.3), q.check(2.4)
        (True, False)
        """
        if self.kind == "numeric":
            assert isinstance(self.answer, float)
            return within(float(response), self.answer, self.tolerance)
        if self.kind == "multiple":
            return frozenset(response) == self.key
        return response == self.key

    def text(self) -> str:
        """The question as plain text, choices numbered from 1."""
        lines = [self.prompt]
        if self.code:
            lines += ["", *("    " + line for line in self.code.rstrip().splitlines()), ""]
        for i, choice in enumerate(self.choices, 1):
            lines.append(f"  {i}. {_choice_text(choice)}")
        if self.kind == "numeric" and self.unit:
            lines.append(f"  (answer in {self.unit})")
        return "\n".join(lines)


@dataclass(frozen=True)
class Quiz:
    """The questions of one module (or one page): inline ones and the practice quiz."""

    key: str  # the module slug, or the page's docname
    path: Path
    inline: tuple[Question, ...] = ()
    practice: tuple[Question, ...] = ()
    is_module: bool = True

    @property
    def questions(self) -> tuple[Question, ...]:
        return self.inline + self.practice

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def __len__(self) -> int:
        return len(self.questions)

    def question(self, qid: str) -> Question:
        """The question with this id (inline or practice)."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise QuizError([self._unknown(qid, "inline or practice")])

    def inline_question(self, qid: str, where: str | None = None) -> Question:
        """The inline question with this id, as a page places it; ``where`` is the page."""
        for q in self.inline:
            if q.id == qid:
                return q
        problem = self._unknown(qid, "inline")
        if where:
            problem = dataclasses.replace(
                problem, message=f"{where} places it, but {problem.message}"
            )
        raise QuizError([problem])

    def _unknown(self, qid: str, part: str) -> Problem:
        ids = [q.id for q in (self.inline if part == "inline" else self.questions)]
        practice = [q.id for q in self.practice]
        if part == "inline" and qid in practice:
            hint = "it is a practice question; move it under 'inline:' to place it in the page."
        else:
            close = difflib.get_close_matches(qid, ids, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            hint += f"Ids there: {', '.join(ids) or '(none)'}."
        return Problem(
            _display(self.path),
            None,
            qid,
            part.split()[0],
            f"no {part} question with this id in the data. {hint}",
        )


def within(value: float, answer: float, tolerance: float) -> bool:
    """Whether ``value`` is accepted for ``answer`` ± ``tolerance`` (ignoring float dust)."""
    return abs(value - answer) <= tolerance + 1e-9 * max(1.0, abs(answer))


# --- where the data is ------------------------------------------------------------------------


def data_dir() -> Path:
    """The repository's ``quizzes/`` in a source checkout, else the packaged copy."""
    here = Path(__file__).resolve().parent
    checkout = here.parent.parent / "quizzes"
    if (here.parent.parent / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return here / "_quizzes"


def _path_of(slug_or_path: str | os.PathLike[str], directory: Path | None) -> Path:
    text = os.fspath(slug_or_path)
    if text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text:
        return Path(text)
    return (directory or data_dir()) / f"{text}.yaml"


# --- reading YAML with line numbers ---------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line = 0
    lines: dict[str, int]


class _Seq(list):
    """A YAML sequence that remembers the line of itself and of each item."""

    line = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    """Keeps the line of every mapping and sequence (for error messages), notes duplicate keys."""


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The same on libyaml where PyYAML has it: ten times faster, but its syntax errors lack the
    source line and caret, so a file it cannot parse is parsed again with :class:`_Loader`."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append((str(key), line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(n, deep=True) for n in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [n.start_mark.line + 1 for n in node.value]
    return result


for _loader_class in (_Loader, _FastLoader):
    _loader_class.add_constructor("tag:yaml.org,2002:map", _construct_map)
    _loader_class.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _load(loader_class: type, text: str) -> tuple[Any, list[tuple[str, int]]]:
    loader = loader_class(text)
    loader.duplicates = []
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()


def _read_yaml(path: Path) -> tuple[Any, list[tuple[str, int]]]:
    text = path.read_text(encoding="utf-8")
    try:
        return _load(_FastLoader, text)
    except yaml.YAMLError:
        return _load(_Loader, text)  # fails again, now with the source line and a caret


# --- validation -------------------------------------------------------------------------------


class _Checker:
    """Collects the problems of one file while building its model."""

    def __init__(self, path: Path) -> None:
        self.path = _display(path)
        self.problems: list[Problem] = []

    def error(self, line: int | None, qid: str | None, fld: str | None, message: str) -> None:
        self.problems.append(Problem(str(self.path), line, qid, fld, message))

    def unknown_fields(self, data: _Map, allowed: frozenset[str], qid: str | None, what: str):
        for name in data:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                self.error(
                    data.lines.get(name),
                    qid,
                    str(name),
                    f"unknown field in {what}. {hint}Allowed: {', '.join(sorted(allowed))}.",
                )

    def text(self, data: _Map, name: str, qid: str | None, required: bool = True) -> str | None:
        value = data.get(name)
        if value is None:
            if required:
                self.error(data.line, qid, name, f"missing; every question needs a {name}.")
            return None
        if isinstance(value, bool | int | float):
            self.error(
                data.lines.get(name),
                qid,
                name,
                f"must be text, but YAML read {value!r}; put the text in quotes (YAML reads "
                "unquoted yes/no/on/off/true/false as booleans, and digits as numbers).",
            )
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(data.lines.get(name), qid, name, "must be non-empty text.")
            return None
        return value.strip() if name != "code" else value

    def number(self, data: _Map, name: str, qid: str) -> float | None:
        value = data.get(name)
        line = data.lines.get(name, data.line)
        if isinstance(value, str) and _looks_numeric(value):
            self.error(
                line,
                qid,
                name,
                f"must be a number, but YAML reads {value!r} as text: YAML needs a dot in the "
                f"mantissa of a number with an exponent; write {_as_yaml_float(value)} instead.",
            )
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            self.error(line, qid, name, "must be a number.")
            return None
        if math.isinf(value):
            self.error(
                line,
                qid,
                name,
                f"must be a finite number, not {value!r}"
                + (
                    "; an infinite tolerance accepts every answer (and browsers cannot compare "
                    "with it): give a finite margin, or 0 for an exact answer."
                    if name == "tolerance"
                    else "."
                ),
            )
            return None
        return float(value)


def _looks_numeric(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _as_yaml_float(text: str) -> str:
    """``1e-4`` as YAML 1.1 reads a float: ``1.0e-4`` (a dot in the mantissa, a sign)."""
    mantissa, _, exponent = text.strip().lower().partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    if exponent and exponent[0] not in "+-":
        exponent = "+" + exponent
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _check_question(chk: _Checker, data: Any, line: int, placement: str) -> Question | None:
    if not isinstance(data, _Map):
        chk.error(line, None, None, f"each {placement} question must be a mapping (id: ...).")
        return None
    qid = data.get("id")
    if not isinstance(qid, str) or not ID_PATTERN.match(qid):
        msg = "missing" if qid is None else f"{qid!r} is not a valid id"
        chk.error(
            data.lines.get("id", data.line),
            None,
            "id",
            f"{msg}; use lowercase letters, digits and dashes, e.g. 'activation-purpose'.",
        )
        return None
    kind = data.get("kind")
    if kind not in KINDS:
        chk.error(
            data.lines.get("kind", data.line),
            qid,
            "kind",
            f"{'missing' if kind is None else repr(kind) + ' is unknown'}; "
            f"use one of {', '.join(KINDS)}.",
        )
        return None
    before = len(chk.problems)
    if kind == "predict-output" and "answer" in data:
        chk.error(
            data.lines["answer"],
            qid,
            "answer",
            "a predict-output question's answer is computed by running its code; "
            "remove 'answer' (wrong options go in 'distractors').",
        )
        trimmed = _Map((k, v) for k, v in data.items() if k != "answer")
        trimmed.line, trimmed.lines = data.line, data.lines
        data = trimmed
    chk.unknown_fields(data, FIELDS[kind], qid, f"a {kind} question")
    prompt = chk.text(data, "prompt", qid)
    explanation = chk.text(data, "explanation", qid)
    code = chk.text(data, "code", qid, required=kind == "predict-output")
    section = chk.text(data, "section", qid, required=False)
    if section is not None and not re.match(r"^#[A-Za-z0-9][\w-]*$", section):
        chk.error(
            data.lines["section"],
            qid,
            "section",
            f'{section!r} is not a section anchor; write it like "#activation-functions" '
            "(the heading's anchor on the module page).",
        )
    values: dict[str, Any] = {}

    if kind in ("single", "multiple"):
        values["choices"] = _check_choices(chk, data, qid, kind)
    elif kind == "true-false":
        answer = data.get("answer")
        if not isinstance(answer, bool):
            chk.error(
                data.lines.get("answer", data.line),
                qid,
                "answer",
                "missing; a true-false question needs 'answer: true' or 'answer: false'."
                if answer is None
                else "must be true or false.",
            )
        else:
            values["answer"] = answer
            values["choices"] = (Choice("True", answer), Choice("False", not answer))
    elif kind == "numeric":
        if "answer" not in data:
            chk.error(data.line, qid, "answer", "missing; a numeric question needs an answer.")
        answer = chk.number(data, "answer", qid) if "answer" in data else None
        tolerance = 0.0
        if "tolerance" in data:
            tolerance = chk.number(data, "tolerance", qid)
            if tolerance is not None and tolerance < 0:
                chk.error(
                    data.lines["tolerance"],
                    qid,
                    "tolerance",
                    f"{tolerance:g} is negative, so no answer (not even {answer}) is within "
                    "it; use 0 for an exact answer or a positive margin.",
                )
        examples: list[float] = []
        raw = data.get("examples")
        if raw is not None and not isinstance(raw, _Seq):
            chk.error(data.lines.get("examples"), qid, "examples", "must be a list of numbers.")
        for value, line in zip(raw or [], raw.lines if raw else [], strict=True):
            if isinstance(value, bool) or not isinstance(value, int | float):
                chk.error(line, qid, "examples", f"{value!r} is not a number.")
            elif answer is not None and tolerance is not None and tolerance >= 0:
                if not within(float(value), answer, tolerance):
                    chk.error(
                        line,
                        qid,
                        "examples",
                        f"{value} is an accepted example but lies outside the answer's own "
                        f"tolerance ({answer:g} ± {tolerance:g}); widen 'tolerance' or fix "
                        "the example.",
                    )
                examples.append(float(value))
        unit = chk.text(data, "unit", qid, required=False)
        values.update(answer=answer, tolerance=tolerance or 0.0, unit=unit)
        values["examples"] = tuple(examples)
    else:  # predict-output
        raw = data.get("distractors")
        if not isinstance(raw, _Seq) or not raw:
            chk.error(
                data.lines.get("distractors", data.line),
                qid,
                "distractors",
                "missing; a predict-output question needs a list of wrong outputs.",
            )
        else:
            items = []
            for value, line in zip(raw, raw.lines, strict=True):
                if not isinstance(value, str | int | float) or isinstance(value, bool):
                    chk.error(line, qid, "distractors", f"{value!r} must be text.")
                    continue
                text = str(value).strip()
                if text in items:
                    chk.error(line, qid, "distractors", f"{text!r} is listed twice.")
                items.append(text)
            values["distractors"] = tuple(items)

    if len(chk.problems) > before:
        return None
    return Question(
        id=qid,
        kind=kind,
        prompt=prompt or "",
        explanation=explanation or "",
        placement=placement,
        code=code,
        section=section,
        line=data.line,
        **values,
    )


def _check_choices(chk: _Checker, data: _Map, qid: str, kind: str) -> tuple[Choice, ...]:
    raw = data.get("choices")
    if not isinstance(raw, _Seq) or len(raw) < 2:
        chk.error(
            data.lines.get("choices", data.line),
            qid,
            "choices",
            "missing; a choice question needs a list of at least two choices.",
        )
        return ()
    choices: list[Choice] = []
    correct_lines: list[int] = []
    for item, line in zip(raw, raw.lines, strict=True):
        if not isinstance(item, _Map):
            chk.error(
                line, qid, "choices", "each choice is a mapping with 'text:' (and 'correct:')."
            )
            continue
        chk.unknown_fields(item, CHOICE_FIELDS, qid, "a choice")
        text = chk.text(item, "text", qid)
        correct = item.get("correct", False)
        if not isinstance(correct, bool):
            chk.error(item.lines["correct"], qid, "correct", "must be true or false.")
            correct = False
        feedback = chk.text(item, "feedback", qid, required=False)
        if correct:
            correct_lines.append(item.lines["correct"])
        if text in [c.text for c in choices]:
            chk.error(line, qid, "choices", f"the choice {text!r} is listed twice.")
        choices.append(Choice(text or "", correct, feedback))
    if not correct_lines:
        chk.error(
            data.lines["choices"],
            qid,
            "choices",
            "no choice is marked correct (missing answer); add 'correct: true' to the right one.",
        )
    elif kind == "single" and len(correct_lines) > 1:
        chk.error(
            correct_lines[1],
            qid,
            "choices",
            f"{len(correct_lines)} choices are marked correct (lines "
            f"{', '.join(map(str, correct_lines))}) in a single-choice question; keep one, "
            "or use 'kind: multiple'.",
        )
    # authors write the key first; a learner must not learn "pick the first"
    return _shuffled(qid, choices)


def _display(path: Path) -> str:
    """The path as the author knows it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _parse(path: Path) -> Quiz:
    chk = _Checker(path)
    if not path.is_file():
        raise QuizError([Problem(_display(path), None, None, None, "no such quiz file.")])
    try:
        data, duplicates = _read_yaml(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise QuizError(
            [Problem(_display(path), line, None, None, f"not valid YAML: {exc}")]
        ) from None
    for name, line in duplicates:
        chk.error(line, None, name, "this key appears twice in the same mapping.")
    if not isinstance(data, _Map):
        raise QuizError([Problem(chk.path, 1, None, None, "must be a mapping (module: ...).")])
    chk.unknown_fields(data, TOP_FIELDS, None, "a quiz file")

    key, is_module = path.stem, True
    if "module" in data and "page" in data:
        chk.error(data.lines["page"], None, "page", "use 'module' or 'page', not both.")
    if "page" in data:
        key, is_module = str(data["page"]), False
        if key.startswith("modules/") or key in {m.slug for m in outline.MODULES}:
            chk.error(data.lines["page"], None, "page", "a module's quiz uses 'module: SLUG'.")
        elif key != path.stem:
            chk.error(data.lines["page"], None, "page", f"must match the file name {path.stem!r}.")
    elif "module" not in data:
        chk.error(1, None, "module", "missing; say which module this quiz belongs to.")
    else:
        key = str(data["module"])
        try:
            outline.get_module(key)
        except outline.OutlineError as exc:
            chk.error(
                data.lines["module"],
                None,
                "module",
                f"{exc} A quiz must belong to a module of the outline "
                "(or, for another page, use 'page: DOCNAME').",
            )
        else:
            if key != path.stem:
                chk.error(
                    data.lines["module"],
                    None,
                    "module",
                    f"the file of module {key!r} must be named {key}.yaml, not {path.name}.",
                )

    parts: dict[str, list[Question]] = {"inline": [], "practice": []}
    seen: dict[str, tuple[str, int]] = {}
    for placement in parts:
        raw = data.get(placement)
        if raw is None:
            continue
        if not isinstance(raw, _Seq):
            chk.error(data.lines.get(placement), None, placement, "must be a list of questions.")
            continue
        for item, line in zip(raw, raw.lines, strict=True):
            question = _check_question(chk, item, line, placement)
            qid = item.get("id") if isinstance(item, _Map) else None
            if isinstance(qid, str):
                id_line = item.lines.get("id", line)
                if qid in seen:
                    where, first = seen[qid]
                    chk.error(
                        id_line,
                        qid,
                        "id",
                        f"this id is used twice (first in '{where}' at line {first}); "
                        "ids must be unique within the file, inline and practice together.",
                    )
                    continue
                seen[qid] = (placement, id_line)
            if question is not None:
                parts[placement].append(question)
    if chk.problems:
        raise QuizError(chk.problems)
    return Quiz(key, path, tuple(parts["inline"]), tuple(parts["practice"]), is_module)


def load_quiz(
    slug_or_path: str | os.PathLike[str], directory: Path | None = None, *, run: bool = False
) -> Quiz:
    """Load and validate one quiz by module slug (or page name) or by path.

    With ``run=True`` the code of predict-output questions runs (in a subprocess) so that they
    get their choices; without it they carry only their distractors.
    """
    quiz = _parse(_path_of(slug_or_path, directory))
    return compute_outputs([quiz])[0] if run else quiz


def load_all(directory: Path | None = None, *, run: bool = False) -> list[Quiz]:
    """Load every quiz file; raise one :class:`QuizError` listing all problems of all files."""
    quizzes, problems = [], []
    for path in sorted((directory or data_dir()).glob("*.yaml")):
        try:
            quizzes.append(_parse(path))
        except QuizError as exc:
            problems += exc.problems
    if problems:
        raise QuizError(problems)
    return compute_outputs(quizzes) if run else quizzes


# --- predict-output: the key is the code's output --------------------------------------------

#: seconds one predict-output snippet may run (``DLCOURSE_SNIPPET_TIMEOUT`` overrides it)
SNIPPET_TIMEOUT = 20.0

# Reads {"snippets": {key: code}, "timeout": s, "fork": bool}; writes {key: result} to what was
# fd 1 (fd 1 itself then goes to stderr, so that C code printing there cannot corrupt it). With
# "fork", each snippet runs in a child forked after the imports (which cost a second each), so a
# snippet that loops, calls os._exit or crashes the interpreter takes only itself down.
_RUNNER = r"""
import contextlib, io, json, os, random, select, signal, sys, time, traceback
job = json.load(sys.stdin)
snippets, timeout = job["snippets"], job["timeout"]
channel = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
numpy = torch = None
if any("numpy" in c or "torch" in c for c in snippets.values()):
    with contextlib.suppress(ImportError):
        import numpy
if any("torch" in c for c in snippets.values()):
    with contextlib.suppress(ImportError):
        import torch

def run(code):
    random.seed(0)
    if numpy is not None:
        numpy.random.seed(0)
    if torch is not None:
        torch.manual_seed(0)
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, "<quiz>", "exec"), {"__name__": "__quiz__"})
        return {"output": buffer.getvalue().strip()}
    except BaseException:
        return {"error": traceback.format_exc(limit=-1).strip().splitlines()[-1]}

def forked(code):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        os.write(write, json.dumps(run(code)).encode())
        os._exit(0)
    os.close(write)
    chunks, deadline = [], time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([read], [], [], left)[0]:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read)
            return {"failed": f"it did not finish within {timeout:g} s (a loop that never ends?)"}
        chunk = os.read(read, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read)
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(ValueError):
        return json.loads(b"".join(chunks))
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return {"failed": f"its process was killed by {name} (a crash in native code?)"}
    return {"failed": f"its process exited with status {os.WEXITSTATUS(status)} before it "
            "finished (os._exit?)"}

results = {key: (forked if job["fork"] else run)(code) for key, code in snippets.items()}
channel.write(json.dumps(results))
channel.flush()
"""

# forking after `import torch` is safe on Linux; macOS and Windows get one process per snippet
_FORK = sys.platform.startswith("linux")


def _torch_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return "none"


def _code_key(code: str) -> str:
    return hashlib.sha256(f"{_torch_version()}\0{code}".encode()).hexdigest()[:24]


def snippet_timeout() -> float:
    """The time limit of one snippet: ``$DLCOURSE_SNIPPET_TIMEOUT`` seconds, else 20."""
    with contextlib.suppress(KeyError, ValueError):
        return float(os.environ["DLCOURSE_SNIPPET_TIMEOUT"])
    return SNIPPET_TIMEOUT


def _runner(snippets: dict[str, str], timeout: float, fork: bool) -> dict[str, dict[str, str]]:
    """Run ``snippets`` in one runner process; a failure of the runner itself fails them all."""
    limit = timeout * (len(snippets) if fork else 1) + 30  # the imports, and some slack
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _RUNNER],
            input=json.dumps({"snippets": snippets, "timeout": timeout, "fork": fork}),
            capture_output=True,
            text=True,
            timeout=limit if fork else timeout,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    except subprocess.TimeoutExpired:
        return {k: {"failed": f"it did not finish within {timeout:g} s"} for k in snippets}
    try:
        return json.loads(proc.stdout)
    except ValueError:
        if proc.returncode < 0:
            why = f"its process was killed by {signal.Signals(-proc.returncode).name}"
        else:
            why = f"its process exited with status {proc.returncode} before it finished"
        tail = proc.stderr.strip().splitlines()[-1:] or []
        why += f" ({tail[0]})" if tail else ""
        return {k: {"failed": why} for k in snippets}


def run_snippets(
    codes: Sequence[str], cache: Path | None = None, *, timeout: float | None = None
) -> dict[str, dict[str, str]]:
    """Run each snippet (seeded, fresh namespace, its own process); results by code hash.

    A result is ``{"output": ...}``, ``{"error": "ExceptionType: ..."}`` when the code raises,
    or ``{"failed": why}`` when its process ran past ``timeout`` seconds (default
    :func:`snippet_timeout`) or died. Each snippet runs on its own, so one bad snippet never
    takes the others' results with it.

    Outputs and exceptions are cached in the folder ``cache``, one JSON file per snippet named
    by a hash of the code and torch's version: parallel Sphinx readers each add their own files
    and never overwrite what another wrote (one shared file lost entries: the last writer won).
    A failure is not cached: it may come from a busy machine.
    """
    timeout = snippet_timeout() if timeout is None else timeout
    stored: dict[str, dict[str, str]] = {}
    wanted = {_code_key(code): code for code in codes}
    if cache is not None:
        for key in wanted:
            with contextlib.suppress(OSError, ValueError):  # not run yet, or unreadable
                stored[key] = json.loads((cache / f"{key}.json").read_text(encoding="utf-8"))
    todo = {k: c for k, c in wanted.items() if k not in stored}
    fresh: dict[str, dict[str, str]] = {}
    if todo and _FORK:
        fresh = _runner(todo, timeout, fork=True)
    else:
        for key, code in todo.items():
            fresh.update(_runner({key: code}, timeout, fork=False))
    stored.update(fresh)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for key, result in fresh.items():
            if "failed" in result:
                continue
            # atomic, so a parallel reader never sees half a file
            fd, tmp = tempfile.mkstemp(dir=cache, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(result, f, sort_keys=True)
            os.replace(tmp, cache / f"{key}.json")
    return {k: stored[k] for k in wanted}


def _shuffled(qid: str, items: list[Choice]) -> tuple[Choice, ...]:
    """The choices in an order fixed by the question's id alone (the same in every run, on
    every machine: the seed is a SHA-256 of the id, not Python's salted ``hash``), so that the
    page, its no-JS answer, the notebook and :func:`ask` all number them alike."""
    seed = int(hashlib.sha256(qid.encode()).hexdigest()[:16], 16)
    items = list(items)
    random.Random(seed).shuffle(items)
    return tuple(items)


def compute_outputs(
    quizzes: Sequence[Quiz], cache: Path | None = None, *, timeout: float | None = None
) -> list[Quiz]:
    """Give every predict-output question its output and its choices (in a fixed order).

    Raises :class:`QuizError` naming the file and the question when a snippet raises, prints
    nothing, runs past ``timeout`` seconds or kills its process, or a distractor equals the
    real output.
    """
    codes = [q.code or "" for quiz in quizzes for q in quiz if q.kind == "predict-output"]
    if not codes:
        return list(quizzes)
    results = run_snippets(codes, cache, timeout=timeout)
    problems: list[Problem] = []
    done = []
    for quiz in quizzes:
        parts = {}
        for placement in ("inline", "practice"):
            updated = []
            for q in getattr(quiz, placement):
                if q.kind == "predict-output":
                    result = results[_code_key(q.code or "")]
                    wrong = None
                    if "failed" in result:
                        wrong = (
                            f"running the code failed: {result['failed']}. Each snippet runs "
                            "in its own process, within DLCOURSE_SNIPPET_TIMEOUT seconds (now "
                            f"{snippet_timeout() if timeout is None else timeout:g}); make "
                            "it quick, and let it end by itself."
                        )
                    elif "error" in result:
                        wrong = f"the code raises {result['error']}; it must run and print."
                    elif not result["output"]:
                        wrong = (
                            "the code prints nothing, so the right answer would be blank; "
                            "print what the learner should predict, e.g. end with print(...)."
                        )
                    if wrong:
                        problems.append(Problem(_display(quiz.path), q.line, q.id, "code", wrong))
                        continue
                    output = result["output"]
                    if output in q.distractors:
                        problems.append(
                            Problem(
                                _display(quiz.path),
                                q.line,
                                q.id,
                                "distractors",
                                f"{output!r} is what the code really prints; remove it from "
                                "the distractors.",
                            )
                        )
                        continue
                    choices = [Choice(output, True, is_output=True)]
                    choices += [Choice(d, False, is_output=True) for d in q.distractors]
                    q = dataclasses.replace(q, output=output, choices=_shuffled(q.id, choices))
                updated.append(q)
            parts[placement] = tuple(updated)
        done.append(dataclasses.replace(quiz, **parts))
    if problems:
        raise QuizError(problems)
    return done


# --- in a notebook -----------------------------------------------------------------------------


def _parse_response(question: Question, reply: str) -> Any:
    reply = reply.strip()
    if question.kind == "numeric":
        value = float(reply)
        if not math.isfinite(value):
            raise ValueError(reply)
        return value
    numbers = [int(part) - 1 for part in re.split(r"[,\s]+", reply) if part]
    if any(not 0 <= n < len(question.choices) for n in numbers) or not numbers:
        raise ValueError(reply)
    if question.kind != "multiple" and len(numbers) > 1:
        raise ValueError(reply)
    return frozenset(numbers) if question.kind == "multiple" else numbers[0]


def _answer_text(q: Question) -> str:
    """The right answer as the page's "Show the answer" gives it."""
    if q.kind == "numeric":
        unit = f" {q.unit}" if q.unit else ""
        margin = f" (answers within ±{q.tolerance:g} are accepted)" if q.tolerance else ""
        return f"{q.answer:g}{unit}{margin}"
    return "; ".join(_choice_text(c) for c in q.choices if c.correct)


def _choice_text(choice: Choice) -> str:
    text = choice.text.rstrip()
    return text.replace("\n", "\n     ") if "\n" in text else text


_ASKED: dict[tuple[Path, int], Quiz] = {}


def _asked_quiz(slug: str) -> Quiz:
    """The quiz with its predict-output choices, run once per file version (asking one question
    after another in a notebook does not run the snippets each time)."""
    path = _path_of(slug, None).resolve()
    key = (path, path.stat().st_mtime_ns if path.is_file() else 0)
    if key not in _ASKED:
        _ASKED[key] = load_quiz(slug, run=True)
    return _ASKED[key]


def _questions(quiz: Quiz, which: str) -> tuple[Question, ...]:
    if which == "all":
        return quiz.questions
    if which in ("inline", "practice"):
        return getattr(quiz, which)
    return (quiz.question(which),)  # one question, by id (QuizError names the ids there)


def _no_input(error: BaseException) -> bool:
    """Whether ``error`` says that no answer can be read: the input ended (``EOFError``), or a
    Jupyter kernel has no stdin (IPython's ``StdinNotImplementedError``, when a notebook runs
    in nbclient or ``nbconvert --execute``)."""
    return isinstance(error, EOFError) or type(error).__name__ == "StdinNotImplementedError"


def ask(
    slug: str,
    which: str = "all",
    *,
    answer: Callable[[str], str] = input,
    show: Callable[[str], Any] = print,
) -> int:
    """Ask a module's questions one by one and return how many were right first time.

    ``which`` is ``"all"``, ``"inline"``, ``"practice"`` or the id of one question. Type the
    number of your choice (several, separated by commas, when more than one is right), or a
    number. As on the page, each answer gets its verdict and the feedback of the choices you
    picked; a wrong answer may be tried again (an empty answer shows the right one), and the
    explanation comes once the question is settled (a true/false question is settled at once).

    Where no answer can be read (a notebook run by nbclient, or the input ended), it says so
    and returns the score so far instead of failing the cell.

    The choices are numbered as on the site (an order fixed per question, not the data's).
    Answering each inline question of module 1 with its key:

    >>> keys = iter(str(q.key + 1) for q in load_quiz("introduction-to-deep-learning").inline)
    >>> ask("introduction-to-deep-learning", "inline", answer=lambda _: next(keys),
    ...     show=lambda _: None)
    2
    """
    quiz = _asked_quiz(slug)
    questions = _questions(quiz, which)
    score = 0
    for number, q in enumerate(questions, 1):
        show(f"\nQuestion {number} of {len(questions)}\n{q.text()}")
        first = True
        while True:
            try:
                reply = answer("Your answer: ")
            except Exception as error:
                if not _no_input(error):
                    raise
                show(
                    "\nThis cell cannot read answers here (the notebook runs without a way to "
                    "type them, e.g. in nbconvert or nbclient, or the input ended). Run it in "
                    "Jupyter or Colab to take the quiz."
                )
                show(f"\n{score} of {len(questions)} right first time.")
                return score
            if not first and not reply.strip():
                show(f"Answer: {_answer_text(q)}")
                show(q.explanation)
                break
            try:
                response = _parse_response(q, reply)
            except ValueError:
                if q.kind == "numeric":
                    show("Please type a number.")
                elif q.kind == "multiple":
                    show("Please type the numbers of your choices, separated by commas.")
                else:
                    show("Please type the number of a choice.")
                continue
            right = q.check(response)
            score += right and first
            chosen = sorted(response) if q.kind == "multiple" else [response]
            notes = [
                q.choices[i].feedback
                for i in chosen
                if q.kind != "numeric" and q.choices[i].feedback
            ]
            show("\n".join(["Correct." if right else "Not quite.", *notes]))
            if right or q.kind == "true-false":
                if not right:
                    show(f"Answer: {_answer_text(q)}")
                show(q.explanation)
                break
            show("Try again, or press Enter to see the answer.")
            first = False
    show(f"\n{score} of {len(questions)} right first time.")
    return score


# --- command line -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dlcourse.quiz check [DIR] [--no-run]``: validate all quiz data."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m dlcourse.quiz", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate every quiz file (and run predict-output code)")
    check.add_argument("directory", nargs="?", type=Path, default=None)
    check.add_argument("--no-run", action="store_true", help="do not run predict-output code")
    args = parser.parse_args(argv)
    try:
        quizzes = load_all(args.directory, run=not args.no_run)
    except QuizError as exc:
        print(exc, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in the quiz data.", file=sys.stderr)
        return 1
    total = sum(len(q) for q in quizzes)
    print(f"{len(quizzes)} quiz file(s), {total} questions: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
