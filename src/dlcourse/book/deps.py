"""Re-execute a page when the ``dlcourse`` code it imports, or the pinned toolchain, changes.

jupyter-cache keys a notebook on its code cells only, so an edit to ``src/dlcourse`` would
otherwise leave stale outputs in place. Each notebook page gets a fingerprint: the hashes of the
``dlcourse`` modules it imports (followed through their own imports) plus the toolchain files
named in ``dlcourse_toolchain_files``, the Python version and the installed torch. The packages
followed are ``dlcourse_tracked_packages`` (``["dlcourse"]`` by default). The
fingerprints live next to the cache (``dlcourse-deps.json``); when a page's fingerprint changes,
its cache record is dropped and Sphinx re-reads it, so MyST-NB executes it afresh.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.util
import json
import platform
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from nbformat import NotebookNode
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

logger = logging.getLogger(__name__)
STORE = "dlcourse-deps.json"
_CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.S | re.M)
TRACKED = ("dlcourse",)


@functools.cache
def package_dir(package: str) -> Path | None:
    """Where a top-level package's source lives, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def module_file(name: str) -> Path | None:
    """The source file of module ``name`` (``package.x.y``) of a tracked package, if any."""
    root, *rest = name.split(".")
    base = package_dir(root)
    if base is None:
        return None
    rel = Path(*rest) if rest else Path()
    for candidate in (base / rel / "__init__.py", (base / rel).with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def cell_code(cell: str) -> str:
    """The Python of a MyST code cell, without its options (a ``---`` block or ``:key:`` lines).

    >>> cell_code("---\\ntags: [timing]\\n---\\nimport torch")
    'import torch'
    >>> cell_code(":tags: [hide-cell]\\nx = 1")
    'x = 1'
    """
    lines = cell.splitlines()
    if lines and lines[0].strip() == "---" and "---" in (line.strip() for line in lines[1:]):
        lines = lines[[line.strip() for line in lines].index("---", 1) + 1 :]
    while lines and lines[0].startswith(":"):
        lines.pop(0)
    return "\n".join(lines)


def _parse(code: str) -> ast.Module:
    """Parse code; if it is not plain Python (IPython magics), parse its import lines alone."""
    lines = [ln for ln in code.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    try:
        return ast.parse("\n".join(lines))
    except SyntaxError:
        imports = [ln.strip() for ln in lines if ln.lstrip().startswith(("import ", "from "))]
        parsed = []
        for line in imports:
            try:
                parsed.extend(ast.parse(line).body)
            except SyntaxError:
                continue
        return ast.Module(body=parsed, type_ignores=[])


def imported_modules(
    code: str, package: str | None = None, tracked: Iterable[str] = TRACKED
) -> set[str]:
    """Names of the modules of ``tracked`` packages that ``code`` imports (anywhere, even in
    functions). ``package`` resolves relative imports inside a tracked package.

    >>> sorted(imported_modules("from dlcourse import models, outline\\nimport torch"))
    ['dlcourse', 'dlcourse.models', 'dlcourse.outline']
    >>> sorted(imported_modules("from dlcourse.models import SimpleNN"))
    ['dlcourse', 'dlcourse.models']
    >>> sorted(imported_modules("%timeit f()\\nx = (\\nfrom dlcourse import data"))
    ['dlcourse', 'dlcourse.data']
    """
    tracked = tuple(tracked)
    if not package and not any(name in code for name in tracked):
        return set()  # an import of a tracked package names it (most cells import nothing)
    tree = _parse(code)
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level and package:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        for name in names:
            if name.split(".")[0] in tracked:
                found.add(name)
    # keep only names that are modules (``from dlcourse.models import MLP`` names a class)
    modules = {n for n in found if module_file(n) is not None}
    for name in list(modules):  # importing a.b.c runs a/__init__ and a/b/__init__ first
        parts = name.split(".")
        modules.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return modules


_CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([a-z0-9-]+)["']""")


def exercise_checks(source: str) -> set[str]:
    """The check modules a page's ``check("<slug>", n)`` cells load when they run.

    >>> sorted(exercise_checks('check("loss-functions", 2)'))
    ['dlcourse.exercises.loss_functions']
    """
    names = {f"dlcourse.exercises.{slug.replace('-', '_')}" for slug in _CHECK_CALL.findall(source)}
    return {name for name in names if module_file(name) is not None}


@functools.lru_cache(maxsize=1024)
def _file_imports(code: str, package: str, tracked: tuple[str, ...]) -> frozenset[str]:
    """:func:`imported_modules` of a module file, parsed once per build for all the pages."""
    return frozenset(imported_modules(code, package, tracked))


def closure(names: Iterable[str], tracked: Iterable[str] = TRACKED) -> set[str]:
    """``names`` and every tracked module they import, transitively."""
    tracked = tuple(tracked)
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = module_file(name)
        if path is None:
            continue
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        todo.extend(_file_imports(path.read_text(encoding="utf8"), package, tracked))
    return seen


def top_level_imports(source: str, tracked: Iterable[str] = TRACKED) -> set[str]:
    """The top-level packages a notebook page's code imports, directly or through the tracked
    modules it imports.

    >>> page = "```{code-cell}\\nimport numpy as np\\nfrom torch import nn\\n```"
    >>> sorted(top_level_imports(page))
    ['numpy', 'torch']
    """
    codes = [cell_code(cell) for cell in _CODE_CELL.findall(source)]
    tracked_modules: set[str] = set()
    for code in codes:
        tracked_modules |= imported_modules(code, tracked=tracked)
    for name in closure(tracked_modules, tracked):
        path = module_file(name)
        if path is not None:
            codes.append(path.read_text(encoding="utf8"))
    found: set[str] = set()
    for code in codes:
        for node in ast.walk(_parse(code)):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def toolchain_fingerprint(files: Iterable[Path]) -> str:
    """Hash of the pinned toolchain: the named files, Python's version and torch's version."""
    h = hashlib.sha256()
    h.update(platform.python_version().encode())
    try:
        h.update(metadata.version("torch").encode())
    except metadata.PackageNotFoundError:
        h.update(b"no torch")
    for path in sorted(files):
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.is_file() else b"missing")
    return h.hexdigest()


def page_fingerprint(
    source: str, toolchain: str, tracked: Iterable[str] = TRACKED
) -> tuple[str, list[str]]:
    """Fingerprint of a notebook page's source, and the tracked modules it depends on."""
    imported: set[str] = set()
    for cell in _CODE_CELL.findall(source):
        imported |= imported_modules(cell_code(cell), tracked=tracked)
    if "dlcourse.exercises" in imported:
        imported |= exercise_checks(source)
    modules = sorted(closure(imported, tracked))
    h = hashlib.sha256(toolchain.encode())
    for name in modules:
        path = module_file(name)
        h.update(name.encode())
        if path is not None:
            h.update(path.read_bytes())
    return h.hexdigest(), modules


def read_source(path: str | Path) -> str:
    """A page's text; a file that is not UTF-8 stops the build naming the file, line and column.

    >>> import tempfile, pathlib
    >>> bad = pathlib.Path(tempfile.mkdtemp()) / "page.md"
    >>> _ = bad.write_bytes(b"# Title\\n\\nna\\xefve\\n")
    >>> read_source(bad)
    Traceback (most recent call last):
    ...
    dlcourse.book.pages.CourseError: .../page.md:3:3: byte 0xef is not UTF-8. Save the file as UTF-8 (in most editors: File > Save with Encoding > UTF-8).
    """  # noqa: E501
    data = Path(path).read_bytes()
    try:
        return data.decode("utf8")
    except UnicodeDecodeError as error:
        from dlcourse.book.pages import CourseError

        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise CourseError(
            f"{path}:{line}:{column}: byte 0x{data[error.start]:02x} is not UTF-8. Save the file "
            "as UTF-8 (in most editors: File > Save with Encoding > UTF-8)."
        ) from None


def is_notebook(source: str) -> bool:
    """Whether a Markdown source is a MyST notebook (it declares a kernel in its front matter)."""
    return source.startswith("---") and "kernelspec:" in source.split("\n---", 1)[0]


def cache_path(app: Sphinx) -> Path:
    return Path(app.config.nb_execution_cache_path or Path(app.outdir).parent / ".jupyter_cache")


def create_cache(app: Sphinx) -> None:
    """Create the cache database before any parallel reader can race to create it."""
    if app.config.nb_execution_mode != "cache":
        return
    from jupyter_cache import get_cache

    get_cache(cache_path(app)).list_cache_records()


def read_notebook(env: BuildEnvironment, docname: str) -> NotebookNode | None:
    """The page as MyST-NB reads it (the notebook its cache is keyed on); ``None`` for pages
    that are not notebooks."""
    from myst_nb.core.read import create_nb_reader

    path = env.doc2path(docname)
    text = read_source(path)
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    return None if reader is None else reader.read(text)


def _drop_cached(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    from jupyter_cache import get_cache

    notebook = read_notebook(env, docname)
    if notebook is None:
        return
    cache = get_cache(cache_path(app))
    try:
        record = cache.match_cache_notebook(notebook)
    except KeyError:
        return
    cache.remove_cache(record.pk)


def _cached(app: Sphinx, env: BuildEnvironment, docname: str) -> bool:
    """Whether the cache holds executed outputs for the page as it is now."""
    from jupyter_cache import get_cache

    notebook = read_notebook(env, docname)
    if notebook is None or notebook.metadata.get("mystnb", {}).get("execution_mode"):
        return True  # not executed from the cache
    try:
        get_cache(cache_path(app)).match_cache_notebook(notebook)
    except KeyError:
        return False
    return True


def outdated_by_dependencies(app: Sphinx, env: BuildEnvironment, added, changed, removed):
    """Pages whose tracked dependencies or toolchain changed since their outputs were cached."""
    if app.config.nb_execution_mode != "cache":
        return []
    confdir = Path(app.confdir)
    files = [confdir / f for f in app.config.dlcourse_toolchain_files]
    # the cache holds outputs as the book merged them: a change to that code re-executes too
    toolchain = toolchain_fingerprint([*files, Path(__file__).with_name("streams.py")])
    store = cache_path(app) / STORE
    before = json.loads(store.read_text()) if store.is_file() else {}
    now: dict[str, str] = {}
    stale: list[str] = []
    for docname in sorted(env.found_docs):
        source = read_source(env.doc2path(docname))
        if not is_notebook(source):
            continue
        now[docname], _ = page_fingerprint(source, toolchain, app.config.dlcourse_tracked_packages)
        if before.get(docname) not in (None, now[docname]):
            logger.info(f"[dlcourse] {docname}: dlcourse code or toolchain changed; re-executing")
            _drop_cached(app, env, docname)
            stale.append(docname)
        elif docname not in before:
            # no fingerprint yet: outputs may predate it, so do not trust them
            _drop_cached(app, env, docname)
            if docname not in added and docname not in changed:
                stale.append(docname)
        elif docname not in added and docname not in changed and not _cached(app, env, docname):
            # the cache lost its record (deleted, or a cache from elsewhere): run the page again
            logger.info(f"[dlcourse] {docname}: no executed outputs in the cache; re-executing")
            stale.append(docname)
    app.env.dlcourse_pending_fingerprints = now
    return stale


def save_fingerprints(app: Sphinx, exception: Exception | None) -> None:
    """Record the fingerprints once the build has succeeded."""
    now = getattr(app.env, "dlcourse_pending_fingerprints", None)
    if exception is None and now is not None and app.config.nb_execution_mode == "cache":
        (cache_path(app) / STORE).write_text(json.dumps(now, indent=1, sort_keys=True))


def setup(app: Sphinx) -> None:
    app.connect("builder-inited", create_cache)
    app.connect("env-get-outdated", outdated_by_dependencies)
    app.connect("build-finished", save_fingerprints)
