"""Tests of the learner package as a whole: what it promises about itself holds.

Importing any learner module never imports Sphinx; the package's list of submodules is the real
one; every public function and class says which course module introduces it (with a link to a
published page), carries a runnable example, and is named in the test file of its module.
"""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import dlcourse

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dlcourse"
PAGES = ROOT / "docs" / "modules"
#: the learner modules whose public names this test checks (quiz, outline and exercises keep
#: their own contracts and tests)
CONCEPTS = (
    "data",
    "diagnostics",
    "distributed",
    "metrics",
    "models",
    "notebook",
    "plot",
    "serve",
    "surfaces",
    "train",
    "tuning",
)
INTRODUCED = re.compile(
    r"Introduced\s+in\s+\*(?P<title>[^*]+)\*.*?"
    r"https://dlcourse\.github\.io/dlcourse/modules/(?P<slug>[a-z0-9-]+)\.html",
    re.S,
)


def public_callables() -> list[tuple[str, str, object]]:
    found = []
    for name in CONCEPTS:
        module = importlib.import_module(f"dlcourse.{name}")
        names = getattr(module, "__all__", None) or [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
        for public in names:
            obj = getattr(module, public)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                found.append((name, public, obj))
    return found


def test_learner_modules_import_without_sphinx() -> None:
    modules = [*dlcourse.SUBMODULES]
    code = (
        "import sys, importlib\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module('dlcourse.' + name)\n"
        "roots = ('sphinx', 'docutils', 'myst_nb')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "assert not bad, bad\n"
        "assert 'dlcourse.book' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_import_dlcourse_is_cheap_and_submodules_load_on_use() -> None:
    code = (
        "import sys, dlcourse\n"
        "assert 'torch' not in sys.modules and 'dlcourse.train' not in sys.modules\n"
        "dlcourse.train.fit\n"
        "assert 'dlcourse.train' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_submodules_list_is_the_learner_half() -> None:
    on_disk = {p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_")} | {
        p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file() and p.name != "book"
    }
    assert set(dlcourse.SUBMODULES) == on_disk
    for name in dlcourse.SUBMODULES:
        assert f"``{name}``" in dlcourse.__doc__  # the package docstring says what each holds


@pytest.mark.parametrize(
    ("module", "name", "obj"), public_callables(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_public_name_is_introduced_exemplified_and_tested(module: str, name: str, obj) -> None:
    doc = inspect.getdoc(obj) or ""
    match = INTRODUCED.search(doc)
    assert match, f"dlcourse.{module}.{name}: say 'Introduced in *Title*: <page URL>'"
    page = PAGES / f"{match['slug']}.md"
    assert page.is_file(), f"dlcourse.{module}.{name} links to a page that does not exist: {page}"
    titles = {p.read_text().split("\n# ", 1)[1].split("\n", 1)[0] for p in PAGES.glob("*.md")}
    assert " ".join(match["title"].split()) in titles
    assert ">>>" in doc, f"dlcourse.{module}.{name} has no runnable example"
    files = [ROOT / "tests" / f"test_{module}.py", *(ROOT / "tests").glob(f"test_{module}_*.py")]
    tests = "\n".join(f.read_text() for f in files if f.is_file())
    assert re.search(rf"\b{name}\b", tests), f"no tests/test_{module}[_*].py names {name}"


def test_no_two_modules_define_the_same_public_name() -> None:
    seen: dict[str, str] = {}
    for _, name, obj in public_callables():
        owner = f"{obj.__module__}"
        assert seen.setdefault(name, owner) == owner, f"{name} is in {seen[name]} and {owner}"
