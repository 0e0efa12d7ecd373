"""Collect what is wrong with the pages while Sphinx reads them; stop the build with all of it.

A problem found while a page is read (in a parallel reader under ``-j``) is noted against the
page instead of raised: raised there, Sphinx would show it as a "parallel build error" with a
version dump and a request to report a Sphinx bug, and only the first one. Once every page has
been read, the main process stops the build with one course error that lists every problem of
every page, each naming its file and line and saying how to fix it. Notes live in the build
environment, so a page keeps its problem until it is fixed, even in a rebuild that does not read it.
"""

from __future__ import annotations

import sys

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxParallelError

from dlcourse.book.pagedata import keep_per_page, page_data
from dlcourse.book.pages import CourseError

PROBLEMS = "dlcourse_problems"  # {docname: [message, ...]} in the environment


def note(env: BuildEnvironment, message: str, docname: str | None = None) -> None:
    """Note a problem of ``docname`` (the page being read); the build stops once all are read."""
    page_data(env, PROBLEMS).setdefault(docname or env.docname, []).append(message)


def line_of(node: nodes.Node) -> int | None:
    """The source line of ``node`` or of the nearest ancestor that knows it."""
    while node is not None:
        if getattr(node, "line", None):
            return node.line
        node = node.parent
    return None


def stop_if_any(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """After reading: one error listing every problem of every page, in page order."""
    problems = {d: m for d, m in page_data(env, PROBLEMS).items() if d in env.found_docs}
    messages = [message for docname in sorted(problems) for message in problems[docname]]
    if messages:
        pages = len(problems)
        head = f"{len(messages)} problem{'s' * (len(messages) > 1)} in {pages} page"
        raise CourseError(f"{head}{'s' * (pages > 1)}:\n\n" + "\n\n".join(messages))
    return []


#: Errors of the course's own making: the message says all; no Sphinx version dump follows.
COURSE_ERRORS = ("CourseError", "QuizBuildError", "QuizError", "OutlineError", "ClaimError")


def course_message(exception: BaseException | None) -> str | None:
    """The course's own message in ``exception``, also when a parallel reader raised it."""
    if isinstance(exception, CourseError) or type(exception).__name__ in COURSE_ERRORS:
        return str(exception)
    if isinstance(exception, SphinxParallelError):
        name, _, message = exception.message.partition(": ")
        if name.rpartition(".")[2] in COURSE_ERRORS:
            return message
    return None


def present(app: Sphinx, exception: Exception | None) -> None:
    """Show a course error as what it is, the author's to fix: the message and nothing else.

    Sphinx would print it after a version dump and a request to report a bug in Sphinx. This
    runs after every other handler of ``build-finished`` (the build's clean-up is done).
    """
    message = course_message(exception)
    if message is None:
        return
    sys.stderr.write(f"\nThe build stopped (dlcourse):\n\n{message.strip()}\n")
    sys.stderr.flush()
    raise SystemExit(2)


def setup(app: Sphinx) -> None:
    keep_per_page(app, PROBLEMS, priority=100)
    app.connect("env-updated", stop_if_any, priority=900)
    app.connect("build-finished", present, priority=10_000)
