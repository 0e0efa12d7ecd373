"""Execute the pages that need it before Sphinx reads them: in parallel, longest first.

Sphinx's parallel reader splits the pages into fixed chunks, so a few long pages can end up on
one core while the other idles. Here every notebook page without cached outputs runs in its own
kernel on ``-j N`` workers, longest first (by the run time recorded last time), and its outputs go
into MyST-NB's cache; MyST-NB then reads them from the cache. Each kernel gets one thread and,
with ``dlcourse_warm_kernels`` (the default), starts warm: forked from a process that has already
imported the libraries of ``dlcourse_warm_imports`` that the pages use (:mod:`dlcourse.book.warm`).
A failing cell stops the build with the page, the cell and the traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from dlcourse.book.deps import cache_path, read_notebook, top_level_imports
from dlcourse.book.pages import CourseError
from dlcourse.book.warm import WarmServer

logger = logging.getLogger(__name__)
RUNTIMES = "dlcourse-runtimes.json"
ONE_THREAD = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: Imported once by the warm-kernel server when a page to run uses them. Only libraries whose
#: import does not depend on running inside IPython belong here (not ``tqdm.auto``).
WARM_IMPORTS = ["torch", "numpy", "matplotlib.pyplot", "sklearn.datasets"]


def one_thread_per_kernel(app: Sphinx) -> None:
    """Kernels inherit this environment: one thread each, so parallel pages do not compete."""
    for name in ONE_THREAD:
        os.environ.setdefault(name, "1")


def _execute(notebook, timeout: int | None, manager_class=None):
    from jupyter_cache.executors.utils import single_nb_execution

    extra = {"kernel_manager_class": manager_class} if manager_class else {}
    with tempfile.TemporaryDirectory() as cwd:
        return single_nb_execution(
            notebook, cwd=cwd, allow_errors=False, timeout=timeout, meta_override=True, **extra
        )


def warm_preload(app: Sphinx, sources: list[str]) -> list[str]:
    """The modules of ``dlcourse_warm_imports`` whose package some of ``sources`` imports."""
    used: set[str] = set()
    for source in sources:
        used |= top_level_imports(source, app.config.dlcourse_tracked_packages)
    return [name for name in app.config.dlcourse_warm_imports if name.split(".")[0] in used]


def pre_execute(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Run the uncached notebook pages among ``docnames`` on ``-j`` workers, longest first."""
    config = app.config
    workers = max(1, app.parallel)
    warm = config.dlcourse_warm_kernels
    if config.nb_execution_mode != "cache" or (workers < 2 and not warm):
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(cache_path(app))
    store = cache_path(app) / RUNTIMES
    runtimes: dict[str, float] = json.loads(store.read_text()) if store.is_file() else {}
    todo = []
    for docname in docnames:
        notebook = read_notebook(env, docname)
        if notebook is None or notebook.metadata.get("mystnb", {}).get("execution_mode"):
            continue  # not a notebook, or a page that sets how it runs itself
        path = Path(env.doc2path(docname))
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            todo.append((docname, path, notebook))
    if not todo or (len(todo) < 2 and not warm):
        return  # nothing to gain: MyST-NB runs it as it reads
    # longest first; pages never timed count as long, so they start early
    todo.sort(key=lambda item: -runtimes.get(item[0], float("inf")))
    preload = warm_preload(app, [path.read_text(encoding="utf8") for _, path, _ in todo])
    how = f"warm kernels ({', '.join(preload) or 'nothing'} preloaded)" if warm else "kernels"
    logger.info(f"[dlcourse] executing {len(todo)} pages on {workers} workers, {how}")
    failures = []
    with contextlib.ExitStack() as stack:
        manager_class = None
        if warm:
            try:
                server = stack.enter_context(WarmServer(preload))
            except RuntimeError as error:
                raise CourseError(f"{error}. dlcourse_warm_kernels = False does without.") from None
            logger.info(f"[dlcourse] warm-kernel server ready in {server.ready_seconds:.1f} s")
            manager_class = server.manager_class
        pool = stack.enter_context(ThreadPoolExecutor(max_workers=workers))
        futures = {
            pool.submit(_execute, nb, config.nb_execution_timeout, manager_class): (
                docname,
                path,
                nb,
            )
            for docname, path, nb in todo
        }
        for future in as_completed(futures):
            docname, path, notebook = futures[future]
            result = future.result()
            if result.err is not None:
                failures.append(f"{path}: a cell failed\n{result.exc_string}")
                continue
            runtimes[docname] = round(result.time, 2)
            cache.cache_notebook_bundle(
                CacheBundleIn(notebook, str(path), data={"execution_seconds": result.time}),
                check_validity=False,
                overwrite=True,
            )
            logger.info(f"[dlcourse] {docname}: executed in {result.time:.1f} s")
    store.write_text(json.dumps(runtimes, indent=1, sort_keys=True))
    if failures and config.nb_execution_raise_on_error:
        raise CourseError("\n\n".join(failures))


def setup(app: Sphinx) -> None:
    app.add_config_value("dlcourse_warm_kernels", True, "", bool)
    app.add_config_value("dlcourse_warm_imports", WARM_IMPORTS, "", list)
    app.connect("builder-inited", one_thread_per_kernel)
    # after the module-file check (priority 500), before Sphinx reads anything
    app.connect("env-before-read-docs", pre_execute, priority=600)
