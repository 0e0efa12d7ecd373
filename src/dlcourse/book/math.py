"""Typeset math when the site is built, with KaTeX (``sphinxcontrib.katex``, prerendering).

Pages carry finished HTML with MathML inside: no math script, no CDN, readable offline and by
screen readers. KaTeX runs in a Node.js server that the extension starts on first use and stops
when the process exits. Sphinx would write pages in forked workers, which exit without that
clean-up and leave orphaned servers holding the build's output open, so pages are written in
the main process: one server per build.

The extension connects to the server as soon as its socket file exists, which can be before the
server listens on it: under load the first connection is refused, the build fails and the server
is left running. :func:`start_server_process` retries until the server listens (or the start-up
timeout passes, and then stops the server it started).
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

from sphinx.application import Sphinx


def write_in_main_process(app: Sphinx) -> None:
    app.builder.allow_parallel = False


def start_server_process(cls, rundir: Path, timeout: float):
    """Start the KaTeX server and connect to its Unix socket, waiting until it listens."""
    socket_path = rundir / "katex.sock"
    process = subprocess.Popen(
        cls.build_command(socket=socket_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        cwd=rundir,
    )
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            sock.connect(str(socket_path))
            sock.settimeout(None)
            return process, sock
        except (FileNotFoundError, ConnectionRefusedError, TimeoutError):
            sock.close()
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                raise cls.timeout_error(timeout) from None
            time.sleep(0.01)


def setup(app: Sphinx) -> None:
    app.setup_extension("sphinxcontrib.katex")
    from sphinxcontrib.katex import KaTeXServer

    KaTeXServer.start_server_process = classmethod(start_server_process)
    app.connect("builder-inited", write_in_main_process)
