"""Keep a dict of per-page values in the build environment: reset when the page is read again,
dropped when the page is removed, merged back from parallel readers."""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment


def page_data(env: BuildEnvironment, attribute: str) -> dict[str, Any]:
    """The environment's ``{docname: value}`` dict named ``attribute`` (created if missing)."""
    if not hasattr(env, attribute):
        setattr(env, attribute, {})
    return getattr(env, attribute)


def keep_per_page(app: Sphinx, attribute: str, priority: int = 500) -> None:
    """Connect the handlers that keep ``env.<attribute>`` in step with the pages it is about."""

    def init(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        data = page_data(env, attribute)
        for docname in docnames:
            data.pop(docname, None)

    def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        page_data(env, attribute).pop(docname, None)

    def merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
        page_data(env, attribute).update(
            {d: v for d, v in page_data(other, attribute).items() if d in docnames}
        )

    app.connect("env-before-read-docs", init, priority=priority)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
