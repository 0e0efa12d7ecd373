"""Write a small fixture book: the course's extension, a few pages, its own cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from sitebuild import ROOT, sphinx_build

FRONT_MATTER = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---
"""

CONF = """
extensions = ["myst_nb", "dlcourse.book"]
exclude_patterns = ["_build"]
nb_execution_mode = "cache"
nb_execution_cache_path = {cache!r}
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_in_temp = True
nb_merge_streams = False
dlcourse_toolchain_files = ["toolchain.txt"]
dlcourse_tracked_packages = ["dlcourse", "fixturelib"]
dlcourse_quiz_dir = {quizzes!r}
dlcourse_quiz_subset = True  # a few pages, the course's quiz data (its faq.yaml...)
katex_prerender = True
myst_enable_extensions = ["dollarmath"]
katex_css_path = "katex/katex.min.css"
"""


#: a quiz file with one practice question, for fixture books whose module page needs one
ONE_QUESTION = """module: introduction-to-deep-learning
practice:
  - id: one
    kind: true-false
    prompt: A neuron applies an activation to a weighted sum.
    answer: true
    explanation: That is what a neuron computes.
"""


def quiz_dir(tmp_path: Path) -> Path:
    """``tmp_path/quizzes`` holding :data:`ONE_QUESTION` as Module 1's quiz file."""
    quizzes = tmp_path / "quizzes"
    quizzes.mkdir(parents=True, exist_ok=True)
    (quizzes / "introduction-to-deep-learning.yaml").write_text(ONE_QUESTION)
    return quizzes


def output(done) -> str:
    """What a finished build printed, stdout and stderr together."""
    return done.stdout + done.stderr


def notebook(title: str, *cells: str, prose: str = "Some prose.") -> str:
    """A MyST notebook page with a title, a paragraph and code cells."""
    body = "".join(f"\n```{{code-cell}} ipython3\n{cell}\n```\n" for cell in cells)
    return f"{FRONT_MATTER}\n# {title}\n\n{prose}\n{body}"


class Book:
    """A fixture book in ``root``; ``build()`` returns the finished sphinx-build process."""

    def __init__(self, root: Path, pages: dict[str, str], quizzes: Path | None = None) -> None:
        self.root = root
        self.src = root / "src"
        self.lib = root / "lib"
        self.out = self.src / "_build" / "html"
        self.src.mkdir(parents=True)
        (self.lib / "fixturelib").mkdir(parents=True)
        (self.lib / "fixturelib" / "__init__.py").write_text("")
        (self.lib / "fixturelib" / "a.py").write_text("VALUE = 'a1'\n")
        (self.lib / "fixturelib" / "b.py").write_text("from fixturelib.a import VALUE as A\n")
        (self.lib / "fixturelib" / "c.py").write_text("VALUE = 'c1'\n")
        (self.src / "toolchain.txt").write_text("torch==2.13.0\n")
        cache = self.src / "_build" / ".jupyter_cache"
        (self.src / "conf.py").write_text(
            CONF.format(cache=str(cache), quizzes=str(quizzes or ROOT / "quizzes"))
        )
        toc = "\n".join(sorted(name.removesuffix(".md") for name in pages))
        (self.src / "index.md").write_text(
            f"# Fixture book\n\n```{{toctree}}\n:maxdepth: 1\n\n{toc}\n```\n"
        )
        for name, text in pages.items():
            self.write(name, text)

    def copy(self, root: Path) -> Book:
        """The same book, built state and cache included, in ``root``."""
        shutil.copytree(self.root, root)
        clone = object.__new__(Book)
        clone.root, clone.src, clone.lib = root, root / "src", root / "lib"
        clone.out = clone.src / "_build" / "html"
        conf = clone.src / "conf.py"
        conf.write_text(conf.read_text().replace(str(self.root), str(root)))
        return clone

    def write(self, name: str, text: str) -> None:
        path = self.src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    def build(self, jobs: str = "2"):
        return self.build_with(jobs=jobs)

    def build_with(self, *options: str, jobs: str = "2"):
        """Build with extra sphinx-build options (``-D name=value``)."""
        return sphinx_build(
            self.src, self.out, *options, env={"PYTHONPATH": str(self.lib)}, jobs=jobs
        )

    def executed(self) -> set[str]:
        """The pages that executed in the last build (not taken from the cache)."""
        report = json.loads((self.out / "build-report.json").read_text())
        return {p["docname"] for p in report["pages"] if p["ran"] == "this build"}
