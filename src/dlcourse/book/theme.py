"""The course's layer over sphinx-book-theme: icons without Font Awesome, readable colours.

The page template (docs/_templates/layout.html) leaves out the theme's 540 KB icon script;
``static/theme.css`` draws the few icons the theme shows from inline SVG and fixes the colour
contrast the theme fails in light and dark mode. A cell's "Show the solution" toggle is named
by its visible text (WCAG 2.5.3, label in name), not MyST-NB's "Toggle hidden content".
Search terms are not highlighted on the page a search leads to (:func:`no_search_highlight`).
"""

from __future__ import annotations

from html import escape
from typing import Any

from sphinx.application import Sphinx


def visit_hidden_cell(self: Any, node: Any) -> None:
    """MyST-NB's ``<details>`` around a hidden cell, without the ``aria-label`` that named every
    toggle "Toggle hidden content": the summary's name is now its visible text ("Show the
    solution", or "Hide the solution" once open), which a voice-control user can say."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    self.body.append(f'<p class="collapsed admonition-title">{escape(node["prompt_show"])}</p>\n')
    self.body.append(f'<p class="expanded admonition-title">{escape(node["prompt_hide"])}</p>\n')
    self.body.append("</summary>\n")


def no_search_highlight(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Leave Sphinx's ``sphinx_highlight.js`` out of every page but search.html, which needs it.

    It marks the last search's terms everywhere in a page, the navigation included, with a
    colour that fails contrast in dark mode. The theme used to switch it off by loading the
    search tools on every page; the page template no longer loads them (no search index to
    download), so the switch is made here.
    """
    if pagename != "search":
        # in place: it is the list the builder renders, and handlers after this one (the
        # theme's) add the page's own scripts to it
        scripts = context["script_files"]
        scripts[:] = [
            js for js in scripts if getattr(js, "filename", js) != "_static/sphinx_highlight.js"
        ]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_css_file("theme.css")
    app.connect("html-page-context", no_search_highlight)
    if "myst_nb" in app.extensions:
        from myst_nb.sphinx_ import HideCodeCellNode, depart_HideCellInput

        app.add_node(
            HideCodeCellNode, override=True, html=(visit_hidden_cell, depart_HideCellInput)
        )
    return {"parallel_read_safe": True, "parallel_write_safe": True}
