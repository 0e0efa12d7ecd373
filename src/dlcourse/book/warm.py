"""Warm kernels: notebook kernels forked from a process that has already imported torch.

Starting a kernel and importing torch costs about 3 s per notebook, a third of a small page's
run. During a build, a server process imports the heavy libraries once (those of
``dlcourse_warm_imports`` that the pages to run import) and every page's kernel is a fork of it,
so a page starts with those modules loaded. What a page computes does not change: its modules are
the same ones, imported the same way, and every page seeds its generators itself (``setup()``);
the byte-for-byte comparison of two builds checks it.

To a kernel manager a warm kernel looks like any other: the process it starts is a small relay
(``_warm_relay.py``, standard library only) that asks the server for a kernel, forwards signals
to it and exits with its status. A killed relay gets its kernel killed by the server; when the
server goes away its kernels exit (ipykernel watches its parent process). Only ipykernel kernels
of the running Python are warmed; any other kernel starts as usual.

The server's protocol, one JSON line each way: the relay sends ``{"argv", "cwd", "env"}``, the
server answers ``{"pid"}`` once the kernel is forked and ``{"exit"}`` when it ends.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Unicode, default

RELAY = Path(__file__).with_name("_warm_relay.py")


class WarmKernelManager(AsyncKernelManager):
    """Starts ipykernel kernels of this Python as forks of the warm server at ``warm_socket``."""

    warm_socket = Unicode("", help="The warm-kernel server's socket; empty: start as usual.")

    def warmable(self) -> bool:
        """Whether this kernel is an ipykernel of this Python, the kind the server forks."""
        argv = self.kernel_spec.argv if self.kernel_spec else []
        python = ("python", f"python{sys.version_info[0]}", sys.executable)
        return bool(self.warm_socket) and argv[:3] in (
            [name, "-m", "ipykernel_launcher"] for name in python
        )

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc" if self.warmable() else "tcp"  # local sockets: no ports, no TCP warning

    @default("ip")
    def _ip_default(self) -> str:
        if self.transport == "ipc":  # an absolute path: the kernel runs in another directory
            return str(Path(self.warm_socket).parent / f"kernel-{uuid.uuid4().hex[:12]}")
        return super()._ip_default()

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.warmable() and cmd[0] == sys.executable:
            return [sys.executable, "-I", "-S", str(RELAY), self.warm_socket, *cmd[3:]]
        return cmd


class WarmServer:
    """The server process, for a ``with`` block: ``manager_class`` starts kernels from it."""

    def __init__(self, preload: list[str], env: dict[str, str] | None = None) -> None:
        self.preload = preload
        self.env = env
        self.folder = ""
        self.process: subprocess.Popen | None = None
        self.ready_seconds = 0.0

    def __enter__(self) -> WarmServer:
        self.folder = tempfile.mkdtemp(prefix="dlcourse-warm-")
        path = str(Path(self.folder) / "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dlcourse.book._warm_server", path, *self.preload],
            env=self.env,
            stdin=subprocess.DEVNULL,
        )
        self.manager_class = type(
            "BuildKernelManager", (WarmKernelManager,), {"warm_socket": Unicode(path)}
        )
        try:
            self._wait_ready(Path(f"{path}.ready"))
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self, marker: Path, timeout: float = 300.0) -> None:
        """Wait for the server's imports, so that no page's time includes them."""
        start = time.perf_counter()
        while not marker.exists():
            code = self.process.poll()
            if code is not None:
                raise RuntimeError(
                    f"the warm-kernel server stopped while starting (exit status {code}); "
                    "its error is printed above"
                )
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"the warm-kernel server was not ready after {timeout:.0f} s")
            time.sleep(0.02)
        self.ready_seconds = time.perf_counter() - start

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
