"""Typeset math when the site is built, with KaTeX (``sphinxcontrib.katex``, prerendering).

Pages carry finished HTML with MathML inside: no math script, no CDN, readable offline and by
screen readers. KaTeX runs in a Node.js server that the extension starts on first use and stops
when the process exits. Sphinx would write pages in forked workers, which exit without that
clean-up and leave orphaned servers holding the build's output open, so pages are written in
the main process: one server per build.
"""

from __future__ import annotations

from sphinx.application import Sphinx


def write_in_main_process(app: Sphinx) -> None:
    app.builder.allow_parallel = False


def setup(app: Sphinx) -> None:
    app.setup_extension("sphinxcontrib.katex")
    app.connect("builder-inited", write_in_main_process)
