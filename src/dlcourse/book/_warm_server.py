"""The warm-kernel server (see :mod:`dlcourse.book.warm`): ``python -m dlcourse.book._warm_server
SOCKET [MODULE ...]``. It imports the standard library and the named modules only, so a kernel
forked from it holds nothing a plain kernel would not (no Sphinx, no build state).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import selectors
import signal
import socket
import sys
import traceback
from pathlib import Path

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def _become_kernel(request: dict, keep_out: list) -> None:
    """In a forked child: turn into an ipykernel kernel as ``python -m ipykernel_launcher``
    would be, in the relay's directory and environment. Never returns."""
    code = 1
    try:
        for thing in keep_out:
            thing.close()
        for signum in (signal.SIGTERM, signal.SIGCHLD, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()  # as jupyter_client starts kernels: Ctrl-C at the terminal does not reach it
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        argv = list(request["argv"])
        if os.environ.get("JPY_PARENT_PID"):
            # ipykernel read this variable when the server imported it, before it was set
            argv.append(f"--IPKernelApp.parent_handle={os.environ['JPY_PARENT_PID']}")
        sys.argv = ["ipykernel_launcher", *argv]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=argv)
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(path: str, preload: list[str]) -> None:
    """Listen at ``path``, import ``preload``, then fork a kernel for every relay that asks."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)  # relays may connect now; they are answered once the imports are done
    parent = os.getppid()
    stop = False

    def terminate(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build's Ctrl-C stops the build, then us
    os.environ.setdefault("MPLBACKEND", INLINE_BACKEND)  # what ipykernel sets before a page runs
    for name in preload:
        with contextlib.suppress(Exception):  # a page that imports it will show the error
            importlib.import_module(name)
    # ipykernel_launcher runs without the current directory on sys.path; IPython adds ''
    if sys.path and Path(sys.path[0] or ".").resolve() == Path.cwd().resolve():
        del sys.path[0]
    importlib.import_module("ipykernel.kernelapp")
    Path(f"{path}.ready").touch()

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    buffers: dict[socket.socket, bytes] = {}
    kernel_of: dict[socket.socket, int] = {}
    relay_of: dict[int, socket.socket] = {}
    while not stop and os.getppid() == parent:
        for key, _ in selector.select(timeout=0.2):
            conn = key.fileobj
            if conn is listener:
                conn, _ = listener.accept()
                selector.register(conn, selectors.EVENT_READ)
                buffers[conn] = b""
                continue
            data = conn.recv(1 << 16)
            if not data:  # the relay is gone: so must its kernel be
                pid = kernel_of.pop(conn, None)
                if pid in relay_of:
                    os.kill(pid, signal.SIGKILL)
                selector.unregister(conn)
                buffers.pop(conn, None)
                conn.close()
                continue
            if conn in kernel_of:
                continue
            buffers[conn] += data
            if b"\n" not in buffers[conn]:
                continue
            request = json.loads(buffers[conn].split(b"\n", 1)[0])
            pid = os.fork()
            if pid == 0:
                selector.close()
                _become_kernel(request, [listener, *buffers])
            kernel_of[conn] = pid
            relay_of[pid] = conn
            conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
        while relay_of:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = relay_of.pop(pid, None)
            if conn is not None:
                kernel_of.pop(conn, None)
                try:
                    code = os.waitstatus_to_exitcode(status)
                    conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
                except OSError:
                    pass
    for pid in relay_of:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    listener.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve warm kernels (the book build starts it).")
    parser.add_argument("socket")
    parser.add_argument("preload", nargs="*")
    args = parser.parse_args(argv)
    serve(args.socket, args.preload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
