"""Sphinx configuration of the course book. Configuration only: the logic is in dlcourse.book."""

from pathlib import Path

from dlcourse import __version__

project = "Deep Learning with PyTorch"
author = "The dlcourse authors"
copyright = "2026, the dlcourse authors"
version = release = __version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "dlcourse.book",
]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
nitpicky = True
# no intersphinx (the build is offline): third-party types are not cross-referenced
nitpick_ignore_regex = [
    (r"py:class", r"(torch|matplotlib|numpy|nn|collections\.abc|nbformat|pathlib)\..*")
]

# --- execution: every code cell runs at build time, cached by its code ---------------------------
nb_execution_mode = "cache"
nb_execution_cache_path = str(Path(__file__).parent / "_build" / ".jupyter_cache")
nb_execution_raise_on_error = True  # a failing cell fails the build, with its traceback
nb_execution_show_tb = True
nb_execution_timeout = 120
nb_execution_in_temp = True
nb_merge_streams = False  # the book merges a cell's streams as printed (dlcourse.book.streams)
myst_enable_extensions = ["colon_fence", "dollarmath", "deflist"]
myst_heading_anchors = 3
# math is typeset when the site is built (KaTeX through node): no script, no CDN, MathML inside
katex_prerender = True
katex_css_path = "katex/katex.min.css"  # shipped in dlcourse/book/static

# --- the course -----------------------------------------------------------------------------------
dlcourse_repository = "dlcourse/dlcourse"  # where the site and notebooks are published
dlcourse_branch = "gh-pages"
# what a notebook's first cell installs: the release the outputs came from ({version} is
# dlcourse.__version__; each release is tagged v<version> in the repository)
dlcourse_install = "dlcourse @ git+https://github.com/dlcourse/dlcourse@v{version}"
# a change to these files re-executes every page
dlcourse_toolchain_files = ["../requirements/build.txt"]
dlcourse_quiz_dir = "../quizzes"

# --- HTML -----------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Deep Learning with PyTorch"
html_baseurl = "https://dlcourse.github.io/dlcourse/"  # the published site
html_static_path: list[str] = []
templates_path = ["_templates"]  # no icon font, logo inside a landmark
html_last_updated_fmt = None
html_theme_options = {
    "repository_url": "https://github.com/dlcourse/dlcourse",
    "use_repository_button": True,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    # pydata-sphinx-theme 0.20 puts a second search field in a bar above the book's own header;
    # the sidebar has one already
    "navbar_persistent": [],
}
autodoc_typehints = "description"
autodoc_inherit_docstrings = False  # torch's docstrings reference torch's own docs
autodoc_member_order = "bysource"
