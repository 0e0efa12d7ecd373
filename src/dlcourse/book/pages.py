"""Render the parts of the course that derive from the outline.

- every page under ``modules/`` must be a module of the outline (else the build stops);
- a module page gets its header (the "Module N of 26" line, duration, Colab and notebook
  links) and its ending (practice quiz, "Next →", related modules) without writing them;
- ``{course-syllabus}`` renders the syllabus by part, with the toctrees of published modules;
- ``{module}`slug``` links to a module by slug, or names it as not yet published.
"""

from __future__ import annotations

import math
import posixpath
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from myst_nb.ext.glue.roles import PasteMarkdownRole, PasteRoleAny, PasteTextRole
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import SphinxError
from sphinx.util import logging
from sphinx.writers.html5 import HTML5Translator

from dlcourse import outline
from dlcourse.outline import MODULES, PARTS, Module, OutlineError

logger = logging.getLogger(__name__)
MODULE_DIR = "modules/"


class CourseError(SphinxError):
    """The course's sources are inconsistent; the message names the file and how to fix it."""

    category = "dlcourse error"


def published(env: BuildEnvironment) -> set[str]:
    """Slugs of the modules whose page exists."""
    return {m.slug for m in MODULES if m.docname in env.found_docs}


def module_of(docname: str) -> Module | None:
    """The module a page belongs to, or ``None`` for pages outside ``modules/``."""
    if not docname.startswith(MODULE_DIR):
        return None
    return outline.get_module(docname[len(MODULE_DIR) :])


# --- checks ----------------------------------------------------------------------------------


def check_module_files(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Stop the build when a page under ``modules/`` is not a module of the outline."""
    for docname in sorted(env.found_docs):
        if docname.startswith(MODULE_DIR):
            try:
                module_of(docname)
            except OutlineError as exc:
                raise CourseError(
                    f"{env.doc2path(docname)}: this module page is not in the course outline: "
                    f"{exc} Add it to MODULES in src/dlcourse/outline.py, or rename the file to "
                    f"an outline slug."
                ) from None


def check_alt_text(app: Sphinx, doctree: nodes.document) -> None:
    """Every image needs alt text its author wrote (Sphinx would fill in the image's path)."""
    from dlcourse.book.problems import line_of, note

    env = app.env
    path = env.doc2path(env.docname)
    cells = [n for n in doctree.findall(nodes.container) if n.get("nb_element") == "cell_code"]
    for image in doctree.findall(nodes.image):
        if str(image.get("alt", "")).strip():
            continue
        line = line_of(image)
        where = f"{path}:{line}" if line else str(path)
        cell = next((c for c in cells if image in c.findall(nodes.image)), None)
        if cell is None:
            note(
                env, f"{where}: an image has no alt text. Say what it shows: ![what it shows](...)"
            )
            continue
        note(
            env,
            f"{where}: the figure of code cell {cells.index(cell) + 1} has no alt text. Say what "
            'it shows in the cell\'s options:\n---\nmystnb:\n  image:\n    alt: "..."\n---',
        )


def outdated_by_outline(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    """When a module is published or withdrawn, re-read the pages that link to modules."""
    now = published(env)
    before = getattr(env, "dlcourse_published", None)
    env.dlcourse_published = now
    if before is None or before == now:
        return []
    return sorted(env.found_docs - set(added) - set(changed))


# --- nodes rendered at write time --------------------------------------------------------------


class module_header(nodes.General, nodes.Element):
    """The header of a module page."""


class module_footer(nodes.General, nodes.Element):
    """ "Next →" and related modules."""


class syllabus(nodes.General, nodes.Element):
    """The syllabus of all modules, by part."""


class module_ref(nodes.Inline, nodes.TextElement):
    """A reference to a module by slug."""


def _uri(self: HTML5Translator, docname: str) -> str:
    return self.builder.get_relative_uri(self.builder.current_docname, docname)


def _is_published(self: HTML5Translator, module: Module) -> bool:
    return module.docname in self.builder.env.found_docs


def _module_link(self: HTML5Translator, module: Module, text: str | None = None) -> str:
    label = self.encode(text or module.title)
    if _is_published(self, module):
        return f'<a href="{_uri(self, module.docname)}">{label}</a>'
    return f'<span class="dl-unpublished">{label} <em>(not yet published)</em></span>'


def visit_module_header(self: HTML5Translator, node: module_header) -> None:
    module = outline.get_module(node["slug"])
    config = self.builder.config
    here = posixpath.dirname(self.builder.get_target_uri(self.builder.current_docname))
    notebook = posixpath.relpath(f"notebooks/{module.slug}.ipynb", here or ".")
    colab = (
        f"https://colab.research.google.com/github/{config.dlcourse_repository}/blob/"
        f"{config.dlcourse_branch}/notebooks/{module.slug}.ipynb"
    )
    minutes = node["minutes"]
    detail = (
        f"{node['reading']} min reading, {node['running']} min running the code"
        if node["computed"]
        else "set by the author"
    )
    self.body.append(
        f'<div class="dl-module-header" data-dl-module="{module.slug}">'
        f'<p class="dl-module-line">{self.encode(outline.header_line(module))}</p>'
        f'<p class="dl-module-meta"><span class="dl-duration">Duration: {minutes} min</span> '
        f'<span class="dl-duration-detail">({self.encode(detail)})</span> · '
        f"{self.encode(module.part)}</p>"
        '<p class="dl-module-actions">'
        f'<a class="dl-button" href="{self.encode(colab)}" rel="noopener">Open in Colab</a> '
        f'<a class="dl-button" href="{notebook}" download="{module.slug}.ipynb">'
        "Download the notebook (.ipynb)</a></p></div>"
    )
    raise nodes.SkipNode


def visit_module_footer(self: HTML5Translator, node: module_footer) -> None:
    module = outline.get_module(node["slug"])
    nxt = outline.next_module(module)
    html = ['<nav class="dl-module-footer" aria-label="Where to go next">']
    if nxt is None:
        html.append('<p class="dl-next">You have reached the last module of the course.</p>')
    else:
        link = _module_link(self, nxt, f"Module {nxt.number} · {nxt.title}")
        html.append(f'<p class="dl-next">Next → {link}</p>')
    related = outline.related(module)
    if related:
        html.append('<p class="dl-related-title">Related modules</p><ul class="dl-related">')
        for other in related:
            html.append(
                f"<li>{_module_link(self, other, f'Module {other.number} · {other.title}')}</li>"
            )
        html.append("</ul>")
    html.append("</nav>")
    self.body.append("".join(html))
    raise nodes.SkipNode


def visit_syllabus(self: HTML5Translator, node: syllabus) -> None:
    html = ['<div class="dl-syllabus">']
    for part in PARTS:
        pid = "syllabus-" + nodes.make_id(part)
        html.append(f'<section aria-labelledby="{pid}"><h3 id="{pid}">{self.encode(part)}</h3>')
        html.append('<ol class="dl-syllabus-list">')
        for m in (m for m in MODULES if m.part == part):
            html.append(
                f'<li value="{m.number}" data-dl-module="{m.slug}">{_module_link(self, m)}'
                f' <span class="dl-progress" data-dl-progress="{m.slug}"></span></li>'
            )
        html.append("</ol></section>")
    html.append("</div>")
    self.body.append("".join(html))
    raise nodes.SkipNode


def visit_module_ref(self: HTML5Translator, node: module_ref) -> None:
    module = outline.get_module(node["slug"])
    self.body.append(_module_link(self, module, node.astext() or None))
    raise nodes.SkipNode


def _skip(self: Any, node: nodes.Node) -> None:
    raise nodes.SkipNode


def add_html_node(app: Sphinx, node: type[nodes.Element], visit, depart=None) -> None:
    """Register a node that only HTML renders; every other builder leaves it out."""
    skip = (_skip, None)
    app.add_node(node, html=(visit, depart), latex=skip, text=skip, man=skip, texinfo=skip)


# --- directives and roles ----------------------------------------------------------------------


class CourseSyllabus(Directive):
    """``{course-syllabus}``: all modules by part, and the toctrees of the published ones."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        env = self.state.document.settings.env
        result: list[nodes.Node] = [syllabus()]
        for part in PARTS:
            entries = [m.docname for m in MODULES if m.part == part and m.docname in env.found_docs]
            if not entries:
                continue
            toc = addnodes.toctree()
            toc["parent"] = env.docname
            toc["entries"] = [(None, d) for d in entries]
            toc["includefiles"] = entries
            for key, value in dict(
                maxdepth=1,
                caption=part,
                glob=False,
                hidden=True,
                includehidden=False,
                numbered=0,
                titlesonly=True,
                rawentries=[],
            ).items():
                toc[key] = value
            wrapper = nodes.compound(classes=["toctree-wrapper"])
            wrapper.append(toc)
            result.append(wrapper)
        return result


def module_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{module}`slug``` or ``{module}`text <slug>```: a link to a module of the outline."""
    label, slug = text, text
    if text.endswith(">") and "<" in text:
        label, slug = text[:-1].split("<", 1)
        label = label.strip()
    else:
        label = ""
    try:
        outline.get_module(slug.strip())
    except OutlineError as exc:
        from dlcourse.book.problems import note

        env = inliner.document.settings.env
        note(env, f"{env.doc2path(env.docname)}:{lineno}: {{module}} role: {exc}")
        return [nodes.literal(rawtext, text)], []
    node = module_ref(rawtext, label, slug=slug.strip())
    return [node], []


# --- module pages ------------------------------------------------------------------------------


def _words(doctree: nodes.document) -> int:
    count = 0
    for node in doctree.findall(nodes.Text):
        parent = node.parent
        inside_output = timed = False
        while parent is not None:
            if "cell_output" in parent.get("classes", []):
                inside_output = True
                break
            timed = timed or TIMED_GLUE[0] in parent.get("classes", [])
            parent = parent.parent
        if not inside_output:
            # a measured value counts as one word: the duration does not change with it
            count += 1 if timed else len(node.astext().split())
    return count


def decorate_module_page(app: Sphinx, doctree: nodes.document) -> None:
    """Give a module page its header and its ending."""
    env = app.env
    module = module_of(env.docname)
    if module is None:
        return
    top = next(iter(doctree.findall(nodes.section)), None)
    if top is None or not isinstance(top[0], nodes.title):
        from dlcourse.book.problems import note

        note(env, f"{env.doc2path(env.docname)}: a module page starts with a '# Title'.")
        return

    words = _words(doctree)
    from myst_nb.sphinx_ import NbMetadataCollector

    exec_data = NbMetadataCollector.get_exec_data(env, env.docname) or {}
    runtime = exec_data.get("runtime") or 0.0
    reading = max(1, math.ceil(words / app.config.dlcourse_words_per_minute))
    # Rounded up to whole minutes: the page does not change when the run time jitters.
    running = max(1, math.ceil(runtime / 60))
    override = env.metadata[env.docname].get("duration")
    header = module_header(
        slug=module.slug,
        minutes=int(override) if override else reading + running,
        reading=reading,
        running=running,
        computed=not override,
    )
    top.insert(1, header)

    from dlcourse.book.quizzes import practice_quiz_section

    quiz = practice_quiz_section(app, env.docname, module.slug)
    if quiz is not None:
        top.append(quiz)
    ending = nodes.section(ids=["where-next"], names=["where next"])
    ending += nodes.title(text="Where next")
    ending += module_footer(slug=module.slug)
    top.append(ending)
    doctree.note_implicit_target(ending)


def unsearchable_timings(app: Sphinx, doctree: nodes.document) -> None:
    """Keep the outputs of cells tagged ``timing`` (measured run times) out of the search index:
    nobody searches for "037us", and the index would change with every build."""
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") == "cell_code" and "tag_timing" in cell["classes"]:
            for part in cell.children:
                if isinstance(part, nodes.Element) and part.get("nb_element") == "cell_code_output":
                    part["classes"].append("no-search")


# --- values glued by cells tagged ``timing`` ----------------------------------------------------

#: the classes of a glued value that a cell tagged ``timing`` computed: ``dlcourse.book.compare``
#: ignores it, as it ignores that cell's outputs, and the search index leaves it out
TIMED_GLUE = ("dl-timing", "no-search")


def timed_glue_names(document: nodes.document) -> frozenset[str]:
    """The names glued by the page's cells tagged ``timing``, read once per page from its
    executed notebook (MyST-NB's notebook has lost the glue outputs by the time roles run)."""
    env = document.settings.env
    if "dlcourse_timed_glue" not in env.temp_data:
        from dlcourse.book.notebooks import executed_notebook, timed_glue

        cells = document["nb_renderer"].renderer.nb_client.notebook.cells
        tagged = any("timing" in c.get("metadata", {}).get("tags", []) for c in cells)
        names = timed_glue(executed_notebook(env.app, env.docname)) if tagged else frozenset()
        env.temp_data["dlcourse_timed_glue"] = names
    return env.temp_data["dlcourse_timed_glue"]


class _MarksTimedGlue:
    """A MyST-NB glue role that gives a value glued by a ``timing`` cell the
    :data:`TIMED_GLUE` classes."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        result, messages = super().run()  # type: ignore[misc]
        key = self.text if isinstance(self, PasteRoleAny) else self.text.rsplit(":", 1)[0]
        if result and "::" not in key and key in timed_glue_names(self.document):
            for node in result:
                if isinstance(node, nodes.Element):
                    node["classes"].extend(TIMED_GLUE)
        return result, messages


class TimedPasteAny(_MarksTimedGlue, PasteRoleAny):
    """``{glue}`` that marks a value measured by the build."""


class TimedPasteText(_MarksTimedGlue, PasteTextRole):
    """``{glue:text}`` that marks a value measured by the build."""


class TimedPasteMarkdown(_MarksTimedGlue, PasteMarkdownRole):
    """``{glue:md}`` that marks a value measured by the build."""


def setup(app: Sphinx) -> None:
    # MyST-NB (loaded first) registered the glue roles; these replace them
    app.add_role("glue", TimedPasteAny(), override=True)
    for name, role in [("", TimedPasteAny), ("any", TimedPasteAny), ("text", TimedPasteText),
                       ("md", TimedPasteMarkdown)]:  # fmt: skip
        app.add_role_to_domain("glue", name, role(), override=True)
    add_html_node(app, module_header, visit_module_header)
    add_html_node(app, module_footer, visit_module_footer)
    add_html_node(app, syllabus, visit_syllabus)
    add_html_node(app, module_ref, visit_module_ref)
    app.add_directive("course-syllabus", CourseSyllabus)
    app.add_role("module", module_role)
    app.connect("env-get-outdated", outdated_by_outline)
    app.connect("env-before-read-docs", check_module_files)
    # before Sphinx's own collectors (priority 500), so the added sections reach the page's TOC
    app.connect("doctree-read", decorate_module_page, priority=400)
    app.connect("doctree-read", unsearchable_timings)
    app.connect("doctree-read", check_alt_text)
