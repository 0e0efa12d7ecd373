"""The build report: how every notebook page executed, and a guard against pages that did not.

At the end of a build, ``<html>/build-report.json`` lists each notebook page with its execution
time, whether it ran in this build or came from the cache, and its status, with the torch and
Python versions and the CPU. The ``{build-report}`` directive renders the same table in the book.
A page with code that shows no sign of having run (no execution record, or code cells without
a single output) stops the build: the guard the PyTorch tutorials use.
"""

from __future__ import annotations

import json
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.writers.html5 import HTML5Translator

from dlcourse.book.pagedata import keep_per_page, page_data
from dlcourse.book.pages import add_html_node, module_of
from dlcourse.book.problems import note

REPORT = "build-report.json"
BUDGET_SECONDS = 60.0
CODE_PAGES = "dlcourse_code_pages"  # {docname: whether its code cells had outputs}
REPORT_DOCNAME = "report"  # re-read on every build: its table changes with every run


def cpu_name() -> str:
    """The CPU's model name, as the kernel reports it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, str]:
    try:
        torch = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch = "not installed"
    return {"torch": torch, "python": platform.python_version(), "cpu": cpu_name()}


def note_start(app: Sphinx) -> None:
    app.env.dlcourse_build_started = time.time()


def pages(env: BuildEnvironment) -> list[dict[str, Any]]:
    """One entry per executed notebook page, in document order."""
    from myst_nb.sphinx_ import NbMetadataCollector

    started = getattr(env, "dlcourse_build_started", 0.0)
    rows = []
    for docname in sorted(env.found_docs):
        data = NbMetadataCollector.get_exec_data(env, docname)
        if not data:
            continue
        module = module_of(docname)
        runtime = data.get("runtime")
        rows.append(
            {
                "docname": docname,
                "module": module.number if module else None,
                "title": module.title if module else env.titles[docname].astext(),
                "seconds": round(runtime, 2) if runtime is not None else None,
                "ran": "this build" if (data.get("mtime") or 0) >= started else "cache",
                "status": "ok" if data.get("succeeded") else f"failed: {data.get('error')}",
                "over_budget": runtime is not None and runtime > BUDGET_SECONDS,
            }
        )
    return rows


def guard(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Stop the build when a page with code did not really execute."""
    from myst_nb.sphinx_ import NbMetadataCollector

    if app.config.nb_execution_mode == "off":
        return []
    for docname in sorted(env.found_docs):
        doctree_has_code = docname in page_data(env, CODE_PAGES)
        if not doctree_has_code:
            continue
        data = NbMetadataCollector.get_exec_data(env, docname)
        path = env.doc2path(docname)
        if not data or data.get("runtime") in (None, 0):
            note(env, f"{path}: the page has code but did not execute.", docname)
        elif not page_data(env, CODE_PAGES)[docname]:
            note(
                env,
                f"{path}: the page executed ({data['runtime']:.2f} s) but none of its code cells "
                "has an output: give at least one cell something to show.",
                docname,
            )
    return [REPORT_DOCNAME] if REPORT_DOCNAME in env.found_docs else []


def note_code(app: Sphinx, doctree: nodes.document) -> None:
    """Remember which pages have code cells, and whether any cell produced an output."""
    cells = [n for n in doctree.findall(nodes.container) if n.get("nb_element") == "cell_code"]
    if cells:
        outputs = any(
            c.get("nb_element") == "cell_code_output"
            for cell in cells
            for c in cell.children
            if isinstance(c, nodes.Element)
        )
        page_data(app.env, CODE_PAGES)[app.env.docname] = outputs


def outdated(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    return [REPORT_DOCNAME] if REPORT_DOCNAME in env.found_docs else []


def write_report(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    rows = pages(app.env)
    report = {**machine(), "budget_seconds": BUDGET_SECONDS, "pages": rows}
    (Path(app.outdir) / REPORT).write_text(json.dumps(report, indent=1) + "\n")


class build_report(nodes.General, nodes.Element):
    """The report table, filled in when the page is written (after every page has run)."""


def visit_build_report(self: HTML5Translator, node: build_report) -> None:
    env = self.builder.env
    info = machine()
    rows = pages(env)
    total = sum(r["seconds"] or 0 for r in rows)
    html = [
        f'<p class="dl-report-machine">torch {self.encode(info["torch"])} · Python '
        f"{self.encode(info['python'])} · {self.encode(info['cpu'])} · budget "
        f"{BUDGET_SECONDS:.0f} s per page · {len(rows)} pages, {total:.1f} s of execution</p>",
        '<table class="table dl-report"><caption>Execution of every page with code</caption>'
        '<thead><tr><th scope="col">Module</th><th scope="col">Page</th>'
        '<th scope="col">Execution time</th><th scope="col">Ran</th>'
        '<th scope="col">Status</th></tr></thead><tbody>',
    ]
    for r in rows:
        link = self.builder.get_relative_uri(self.builder.current_docname, r["docname"])
        seconds = "—" if r["seconds"] is None else f"{r['seconds']:.1f} s"
        if r["over_budget"]:
            seconds += " (over budget)"
        html.append(
            f'<tr><td>{r["module"] or ""}</td><td><a href="{link}">{self.encode(r["title"])}'
            f"</a></td><td>{seconds}</td><td>{r['ran']}</td><td>{self.encode(r['status'])}</td></tr>"
        )
    html.append("</tbody></table>")
    self.body.append("".join(html))
    raise nodes.SkipNode


class BuildReport(Directive):
    """``{build-report}``: the table of every page's execution in this build."""

    def run(self) -> list[nodes.Node]:
        return [build_report()]


def setup(app: Sphinx) -> None:
    add_html_node(app, build_report, visit_build_report)
    app.add_directive("build-report", BuildReport)
    app.connect("builder-inited", note_start)
    keep_per_page(app, CODE_PAGES)
    app.connect("doctree-read", note_code)
    app.connect("env-get-outdated", outdated)
    app.connect("env-updated", guard)
    app.connect("build-finished", write_report)
