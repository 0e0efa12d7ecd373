"""Stand-in for a kernel process: asks the warm-kernel server for a kernel and waits for it.

Run as ``python -I -S _warm_relay.py SOCKET KERNEL-ARGS...`` by :mod:`dlcourse.book.warm`; it
imports only the standard library, so it starts in milliseconds. The kernel manager treats this
process as the kernel: signals sent to it are forwarded to the kernel, and it exits with the
kernel's exit status. If it is killed, the server notices the closed connection and kills the
kernel.
"""

import contextlib
import json
import os
import signal
import socket
import sys
import time


def connect(path: str, wait: float = 60.0) -> socket.socket:
    deadline = time.monotonic() + wait
    while True:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(path)
            return client
        except OSError:
            client.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def main() -> int:
    path, *argv = sys.argv[1:]
    client = connect(path)
    request = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    client.sendall(json.dumps(request).encode() + b"\n")
    stream = client.makefile("rb")
    reply = json.loads(stream.readline() or b"{}")
    if "pid" not in reply:
        print(f"warm kernel server refused the kernel: {reply}", file=sys.stderr)
        return 1
    pid = reply["pid"]

    def forward(signum: int, frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    line = stream.readline()
    if not line:  # the server went away; so does its kernel
        return 1
    return int(json.loads(line).get("exit", 1))


if __name__ == "__main__":
    sys.exit(main())
