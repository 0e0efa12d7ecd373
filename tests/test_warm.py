"""Warm kernels: forked from a server that has already imported torch, otherwise the kernels the
pages would get: same outputs, interruptible, and never left behind."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dlcourse.book.warm import WarmServer

KERNELSPEC = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}


@pytest.fixture(scope="module")
def server():
    with WarmServer(["torch"]) as warm:
        yield warm


@pytest.fixture(autouse=True)
def _mark(monkeypatch):
    monkeypatch.setenv("MARK", "warm")  # the kernel gets the environment its manager gives it


def run(cells: list[str], cwd, manager_class=None, **options) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook(metadata=KERNELSPEC)
    notebook.cells = [nbformat.v4.new_code_cell(code) for code in cells]
    extra = {"kernel_manager_class": manager_class} if manager_class else {}
    resources = {"metadata": {"path": str(cwd)}}
    NotebookClient(notebook, resources=resources, **extra, **options).execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> list[list[dict]]:
    return [[dict(output) for output in cell.outputs] for cell in notebook.cells]


def test_a_warm_kernel_has_the_preloaded_modules_and_runs_where_it_is_asked(server, tmp_path):
    notebook = run(
        ["import os, sys\nprint('torch' in sys.modules, os.getcwd(), os.environ['MARK'])"],
        tmp_path,
        server.manager_class,
    )
    assert notebook.cells[0].outputs[0]["text"] == f"True {tmp_path} warm\n"


def test_a_warm_kernel_shows_what_a_plain_kernel_shows(server, tmp_path):
    cells = [
        "from dlcourse.notebook import setup\nsetup()\nimport torch\nprint(torch.randn(2, 3))",
        "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2]);",
        "torch.tensor([1.0, 2.0], requires_grad=True).sum()",
        "raise ValueError('planted')",
    ]
    warm = run(cells, tmp_path, server.manager_class, allow_errors=True)
    plain = run(cells, tmp_path, allow_errors=True)
    assert outputs(warm) == outputs(plain)
    assert "image/svg+xml" in warm.cells[1].outputs[0]["data"], "the figure is shown inline"
    assert warm.cells[3].outputs[0]["ename"] == "ValueError"


def test_a_cell_past_its_timeout_is_interrupted_and_the_page_goes_on(server, tmp_path):
    start = time.perf_counter()
    notebook = run(
        ["import time\ntime.sleep(120)", "print('after')"],
        tmp_path,
        server.manager_class,
        timeout=3,
        interrupt_on_timeout=True,
        allow_errors=True,
    )
    assert notebook.cells[0].outputs[-1]["ename"] == "KeyboardInterrupt"
    assert notebook.cells[1].outputs[0]["text"] == "after\n"
    assert time.perf_counter() - start < 60


def in_own_loop(make_coroutine):
    """Run a coroutine to its end in a new event loop on a thread of its own.

    The tests' thread may already run a loop (the browser tests' Playwright keeps one).
    """
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


async def start_kernel(manager_class, cwd) -> tuple[object, int]:
    """A kernel started from the server, and its process id (asked of the kernel itself)."""
    manager = manager_class(kernel_name="python3")
    await manager.start_kernel(cwd=str(cwd))
    client = manager.client()
    client.start_channels()
    await client.wait_for_ready(timeout=60)
    texts: list[str] = []

    def keep(message: dict) -> None:
        if message["msg_type"] == "stream":
            texts.append(message["content"]["text"])

    await client.execute_interactive("import os; print(os.getpid())", output_hook=keep)
    client.stop_channels()
    return manager, int("".join(texts))


def test_a_killed_kernel_process_takes_the_warm_kernel_with_it(server, tmp_path):
    async def scenario() -> int:
        manager, pid = await start_kernel(server.manager_class, tmp_path)
        assert manager.provisioner.process.pid != pid, "the manager holds the relay"
        # no shutdown request, just SIGKILL to the relay: the server must end the kernel
        await manager.shutdown_kernel(now=True)
        return pid

    assert gone(in_own_loop(scenario))


def test_warm_kernels_end_with_their_server(tmp_path):
    async def scenario(manager_class) -> tuple[object, int]:
        return await start_kernel(manager_class, tmp_path)

    with WarmServer([]) as warm:
        manager, pid = in_own_loop(lambda: scenario(warm.manager_class))
    assert gone(pid)
    assert manager.provisioner.process.wait(timeout=10) != 0, "the relay reports the loss"
    in_own_loop(manager.cleanup_resources)


def test_a_server_that_cannot_start_says_so():
    server = WarmServer([], env={"PYTHONHOME": "/nonexistent"})  # Python itself cannot start
    with pytest.raises(RuntimeError, match="stopped while starting"):
        server.__enter__()
    assert not Path(server.folder).exists(), "nothing left behind"
