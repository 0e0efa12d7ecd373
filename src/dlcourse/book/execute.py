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
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from dlcourse.book.deps import cache_path, read_notebook, read_source, top_level_imports
from dlcourse.book.pages import CourseError
from dlcourse.book.streams import merge_streams, output_size
from dlcourse.book.warm import WarmServer
from dlcourse.exercises import BUILD_ENV

logger = logging.getLogger(__name__)
RUNTIMES = "dlcourse-runtimes.json"
ONE_THREAD = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: Imported once by the warm-kernel server when a page to run uses them. Only libraries whose
#: import does not depend on running inside IPython belong here (not ``tqdm.auto``).
WARM_IMPORTS = ["torch", "numpy", "matplotlib.pyplot", "sklearn.datasets"]


def one_thread_per_kernel(app: Sphinx) -> None:
    """Kernels inherit this environment: one thread each, so parallel pages do not compete.

    It also marks them as the build's, so an exercise check that rejects a solution stops it.
    """
    for name in ONE_THREAD:
        os.environ.setdefault(name, "1")
    os.environ[BUILD_ENV] = "1"


class _Run:
    """One page's execution in its own kernel; ``stop()`` kills the kernel from another thread."""

    def __init__(self, notebook, timeout: int | None, manager_class=None) -> None:
        self.notebook = notebook
        self.timeout = timeout
        self.manager_class = manager_class
        self.client = None
        self.stopped = False
        self.cell: int | None = None  # the index of the cell running (or that failed)

    def __call__(self) -> tuple[float, BaseException | None]:
        """Execute the notebook in place; the seconds it took and the error that stopped it."""
        from nbclient import NotebookClient

        if self.stopped:
            return 0.0, KeyboardInterrupt()
        extra = {"kernel_manager_class": self.manager_class} if self.manager_class else {}
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as cwd:
            self.client = NotebookClient(
                self.notebook,
                timeout=self.timeout,
                allow_errors=False,
                record_timing=False,  # cell metadata is part of the cache key
                on_cell_execute=self._started,
                resources={"metadata": {"path": cwd}},
                **extra,
            )
            try:
                self.client.execute()
            except Exception as error:  # the page's failure, reported with its page and cell
                return time.perf_counter() - start, error
        return time.perf_counter() - start, None

    def _started(self, cell, cell_index: int) -> None:
        self.cell = cell_index

    def stop(self) -> None:
        self.stopped = True
        manager = getattr(self.client, "km", None)
        process = getattr(getattr(manager, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.kill()


def _where(path: Path, notebook, index: int | None) -> str:
    """``page.md:line: cell N`` for the cell at ``index`` of the page's notebook."""
    if index is None:
        return f"{path}: before its first cell"
    lines = notebook.metadata.get("source_map", [])
    line = f":{lines[index]}" if index < len(lines) else ""
    number = sum(1 for cell in notebook.cells[: index + 1] if cell.cell_type == "code")
    return f"{path}{line}: code cell {number}"


def failure_message(
    path: Path, notebook, cell: int | None, error: BaseException, timeout: int | None
) -> str:
    """What went wrong on a page, where (file, line, cell) and what to do about it."""
    import traceback

    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    where = _where(path, notebook, cell)
    if isinstance(error, CellTimeoutError):
        return (
            f"{where} did not finish within {timeout} s. Make it faster (fewer epochs, less "
            "data: a module runs in under 60 s), or, if it must take longer, raise the limit "
            "for this page in its front matter (mystnb: execution_timeout: SECONDS) or for every "
            f"page with nb_execution_timeout in conf.py. Run the page on its own to time it: "
            f"nox -s page -- {path}"
        )
    if isinstance(error, DeadKernelError):
        return (
            f"{where}: the kernel died while running this cell (a crash such as a segfault, "
            "os._exit, or running out of memory), so the page has no outputs. Run the page on "
            f"its own to see where: nox -s page -- {path}"
        )
    if isinstance(error, CellExecutionError):
        return f"{where} failed\n{error}"
    detail = "".join(traceback.format_exception_only(error)).strip()
    return f"{path}: the page could not be executed ({detail})"


def _oversized(path: Path, notebook, limit: int) -> list[str]:
    """A message for each cell whose outputs show more than ``limit`` characters of text."""
    found = []
    for index, cell in enumerate(notebook.cells):
        size = output_size(cell.get("outputs", []))
        if size > limit:
            found.append(
                f"{_where(path, notebook, index)} shows {size:,} characters of output (the "
                f"limit is {limit:,}). Print a summary or a slice (x[:5], x.shape, a mean); "
                "the limit is dlcourse_max_output_chars in conf.py."
            )
    return found


def warm_preload(app: Sphinx, sources: list[str]) -> list[str]:
    """The modules of ``dlcourse_warm_imports`` whose package some of ``sources`` imports."""
    used: set[str] = set()
    for source in sources:
        used |= top_level_imports(source, app.config.dlcourse_tracked_packages)
    return [name for name in app.config.dlcourse_warm_imports if name.split(".")[0] in used]


def _timeout(config, notebook) -> int | None:
    """The page's own limit (front matter ``mystnb: execution_timeout``), else conf.py's."""
    return notebook.metadata.get("mystnb", {}).get("execution_timeout", config.nb_execution_timeout)


def pre_execute(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Run the uncached notebook pages among ``docnames`` on ``-j`` workers, longest first.

    Every notebook page runs here, not in MyST-NB, so that its streams are merged as printed
    (:mod:`dlcourse.book.streams`) before they are cached, and so that a failing, hanging or
    dying page is named with its line and cell. All pages run; every failure is reported.
    Ctrl-C cancels the pages not started and kills the running kernels at once.
    """
    config = app.config
    if config.nb_execution_mode != "cache":
        return
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    workers = max(1, app.parallel)
    warm = config.dlcourse_warm_kernels
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
    if not todo:
        return
    # longest first; pages never timed count as long, so they start early
    todo.sort(key=lambda item: -runtimes.get(item[0], float("inf")))
    preload = warm_preload(app, [read_source(path) for _, path, _ in todo])
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
        pool = ThreadPoolExecutor(max_workers=workers)
        runs = {}
        for docname, path, notebook in todo:
            run = _Run(notebook, _timeout(config, notebook), manager_class)
            runs[pool.submit(run)] = (docname, path, run)
        try:
            for future in as_completed(runs):
                docname, path, run = runs[future]
                seconds, error = future.result()
                notebook = run.notebook
                if error is not None:
                    failures.append(failure_message(path, notebook, run.cell, error, run.timeout))
                    continue
                for cell in notebook.cells:
                    if cell.get("outputs"):
                        cell.outputs = merge_streams(cell.outputs)
                oversized = _oversized(path, notebook, config.dlcourse_max_output_chars)
                if oversized:
                    failures.extend(oversized)
                    continue
                runtimes[docname] = round(seconds, 2)
                cache.cache_notebook_bundle(
                    CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds}),
                    check_validity=False,
                    overwrite=True,
                )
                logger.info(f"[dlcourse] {docname}: executed in {seconds:.1f} s")
        except BaseException:  # Ctrl-C: nothing more starts, running kernels die now
            pool.shutdown(wait=False, cancel_futures=True)
            for _, _, run in runs.values():
                run.stop()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    store.write_text(json.dumps(runtimes, indent=1, sort_keys=True))
    if failures:
        count = f"{len(failures)} of {len(todo)} pages" if len(todo) > 1 else "the page"
        raise CourseError(f"executing {count} failed:\n\n" + "\n\n".join(failures))


def setup(app: Sphinx) -> None:
    app.add_config_value("dlcourse_warm_kernels", True, "", bool)
    app.add_config_value("dlcourse_warm_imports", WARM_IMPORTS, "", list)
    app.add_config_value("dlcourse_max_output_chars", 100_000, "", int)
    app.connect("builder-inited", one_thread_per_kernel)
    # after the module-file check (priority 500), before Sphinx reads anything
    app.connect("env-before-read-docs", pre_execute, priority=600)
