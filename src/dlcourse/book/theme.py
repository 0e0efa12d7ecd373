"""The course's layer over sphinx-book-theme: icons without Font Awesome, readable colours.

The page template (docs/_templates/layout.html) leaves out the theme's 540 KB icon script;
``static/theme.css`` draws the few icons the theme shows from inline SVG and fixes the colour
contrast the theme fails in light and dark mode.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_css_file("theme.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
