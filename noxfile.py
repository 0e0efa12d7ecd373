"""Sessions for building, previewing, testing and linting the course.

nox -s docs     build the site into docs/_build/html
nox -s tests    run every test (unit, doctest, a full build, browser checks)
nox -s serve    live-reloading preview for authors
nox -s lint     ruff
nox -s page -- docs/modules/<slug>.md   run one page on its own
nox -s quizzes  check all quiz data
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
sys.path.insert(0, str(ROOT / "tests"))
from findlinks import find_links  # noqa: E402  (the notebook-run test uses it too)

DOCS = ROOT / "docs"
HTML = DOCS / "_build" / "html"
LOCK = ROOT / "requirements" / "build.txt"

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["lint", "tests"]
nox.options.reuse_existing_virtualenvs = True


def install_toolchain(session: nox.Session) -> None:
    """The pinned toolchain, compiled to bytecode (it halves `import torch` in every kernel)."""
    if session.venv_backend == "uv":
        session.install("--compile-bytecode", *find_links(), "-r", str(LOCK))
        session.install("--no-deps", "-e", ".")
    else:
        session.install("-r", str(LOCK))
        session.install("--no-deps", "-e", ".")


def sphinx(session: nox.Session, *extra: str) -> None:
    session.run(
        "sphinx-build",
        "-b",
        "html",
        "-j",
        "auto",
        "-W",
        "--keep-going",
        "-d",
        str(HTML.parent / "doctrees"),  # build state stays outside the published site
        *extra,
        str(DOCS),
        str(HTML),
    )


@nox.session(python="3.11")
def docs(session: nox.Session) -> None:
    """Build the site. Pages re-execute only when their code or what it depends on changed."""
    install_toolchain(session)
    sphinx(session, *session.posargs)
    session.log(f"Site: {HTML / 'index.html'}")


@nox.session(python="3.11")
def serve(session: nox.Session) -> None:
    """Preview while writing: rebuilds and reloads the browser on every save."""
    install_toolchain(session)
    session.run(
        "sphinx-autobuild",
        "-j",
        "auto",
        "--watch",
        "src",
        "--watch",
        "quizzes",
        "--ignore",
        "*/_build/*",
        str(DOCS),
        str(HTML),
        *session.posargs,
    )


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Every test: unit tests, doctests, a full build of the site and checks on it.

    The browser tests need Chromium (Debian: `apt-get install chromium`) and axe-core, which
    this session installs from the npm registry at the version tests/browser/package-lock.json
    pins.
    """
    install_toolchain(session)
    if not (ROOT / "tests" / "browser" / "node_modules" / "axe-core").is_dir():
        session.run(
            "npm", "ci", "--prefix", "tests/browser", "--no-audit", "--no-fund", external=True
        )
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def page(session: nox.Session) -> None:
    """Execute pages on their own, as the build would: `nox -s page -- docs/modules/x.md`."""
    if not session.posargs:
        session.error("name the pages to run: nox -s page -- docs/modules/<slug>.md")
    install_toolchain(session)
    session.run("python", "-m", "dlcourse.book.runpage", *session.posargs)


@nox.session(python="3.11")
def quizzes(session: nox.Session) -> None:
    """Check every quiz file (and compute the predict-the-output answers)."""
    install_toolchain(session)
    session.run("python", "-m", "dlcourse.quiz", "check", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff: lint and format check."""
    session.install(_ruff_pin())
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


def _ruff_pin() -> str:
    """ruff at the version the lock file pins, without installing the whole toolchain."""
    pins = [ln for ln in LOCK.read_text().splitlines() if ln.startswith("ruff==")]
    if not pins:
        raise RuntimeError(f"{LOCK} pins no ruff version")
    return pins[0]


@nox.session(python="3.11")
def linkcheck(session: nox.Session) -> None:
    """Check external links (needs a network); every build already checks internal references."""
    install_toolchain(session)
    session.run(
        "sphinx-build",
        "-b",
        "linkcheck",
        "-j",
        "auto",
        "-W",
        "--keep-going",
        "-D",
        "nb_execution_mode=off",
        str(DOCS),
        str(DOCS / "_build" / "linkcheck"),
        *session.posargs,
    )


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Measure the build: fixed cost per page, cold serial and parallel builds, rebuilds."""
    install_toolchain(session)
    session.run("python", "-m", "dlcourse.book.bench", *session.posargs)
