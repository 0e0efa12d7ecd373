"""Run a training script on several processes with torchrun, from a notebook, and compare replicas.

Workers of a distributed run cannot be started from a notebook's ``__main__``: each must be a
fresh process that runs a script. :func:`launch` writes nothing itself; it runs a script the
notebook wrote under ``torchrun --standalone`` (through ``python -m torch.distributed.run``, the
program behind the ``torchrun`` command), waits for it, and prints what each rank printed, in rank
order, however the processes interleaved their writes. A worker that fails raises
:class:`WorkerFailedError` with its traceback; a run that outlives its ``timeout`` is killed,
launcher and workers together, and raises :class:`LaunchTimeoutError`, so a notebook (or the
book's build) never hangs on it. :func:`checksum` fingerprints a model's parameters, so replicas
can be compared bit for bit.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported only by checksum, so launch stays cheap
    from torch import nn

__all__ = ["LaunchTimeoutError", "WorkerFailedError", "checksum", "launch"]

#: seconds between the polite stop (SIGTERM to torchrun) and the forced one (SIGKILL to all)
GRACE = 5.0


class WorkerFailedError(RuntimeError):
    """A worker of a :func:`launch` run exited with an error.

    ``rank`` is the first rank that failed (torchrun's "root cause"), ``exitcode`` its exit
    status, ``traceback`` what it wrote to stderr (its Python traceback), ``outputs`` what every
    rank wrote to stdout. Introduced in *Distributed Data Parallel* (Module 24,
    https://dlcourse.github.io/dlcourse/modules/distributed-data-parallel.html).

    >>> error = WorkerFailedError("run.py", 1, 1, "Traceback ...\\nValueError: bad shard\\n", [])
    >>> error.rank, error.traceback.splitlines()[-1]
    (1, 'ValueError: bad shard')
    """

    def __init__(
        self, script: str, rank: int, exitcode: int, traceback: str, outputs: list[str]
    ) -> None:
        self.script, self.rank, self.exitcode = script, rank, exitcode
        self.traceback, self.outputs = traceback, outputs
        super().__init__(
            f"rank {rank} of {script} failed (exit code {exitcode}); its traceback:\n"
            f"{traceback.rstrip() or '(it wrote nothing to stderr)'}"
        )


class LaunchTimeoutError(TimeoutError):
    """A :func:`launch` run did not finish within its ``timeout``; it was killed.

    ``outputs`` holds what each rank had printed by then: the last lines show where it stalled.
    Introduced in *Distributed Data Parallel* (Module 24,
    https://dlcourse.github.io/dlcourse/modules/distributed-data-parallel.html).

    >>> error = LaunchTimeoutError("run.py", 5.0, ["waiting at the barrier\\n", ""])
    >>> print(error)  # doctest: +NORMALIZE_WHITESPACE
    run.py did not finish within 5 s: torchrun and its workers were killed. A rank waiting for
    another that never arrives (a collective one rank skips, a crashed peer) hangs; the last
    lines each rank printed: rank 0: 'waiting at the barrier'; rank 1: (nothing)
    """

    def __init__(self, script: str, timeout: float, outputs: list[str]) -> None:
        self.script, self.timeout, self.outputs = script, timeout, outputs
        last = "; ".join(
            f"rank {rank}: {repr(out.rstrip().splitlines()[-1]) if out.strip() else '(nothing)'}"
            for rank, out in enumerate(outputs)
        )
        super().__init__(
            f"{script} did not finish within {timeout:g} s: torchrun and its workers were killed. "
            "A rank waiting for another that never arrives (a collective one rank skips, a "
            f"crashed peer) hangs; the last lines each rank printed: {last or '(no rank started)'}"
        )


def launch(
    script: str | Path,
    *args: str,
    nproc_per_node: int = 2,
    timeout: float = 90.0,
    show: bool = True,
) -> list[str]:
    """Run ``script`` as ``torchrun --standalone --nproc-per-node N script args...``.

    The run starts in the current directory, one CPU thread per process (``OMP_NUM_THREADS=1``).
    Each rank's stdout goes to its own log file, so the outputs come back whole and in rank
    order; with ``show`` they are printed after the command, each line prefixed with its rank as
    ``torchrun --tee 3`` would. Returns the outputs, one string per rank. Raises
    :class:`WorkerFailedError` (with the failing rank's traceback) when a worker fails and
    :class:`LaunchTimeoutError` after killing the run when it takes longer than ``timeout``
    seconds. Introduced in *Distributed Data Parallel* (Module 24,
    https://dlcourse.github.io/dlcourse/modules/distributed-data-parallel.html).

    >>> import tempfile
    >>> from pathlib import Path
    >>> script = Path(tempfile.mkdtemp()) / "hello.py"
    >>> _ = script.write_text("import os\\nprint('I am rank', os.environ['RANK'])\\n")
    >>> outputs = launch(script, show=False)
    >>> outputs
    ['I am rank 0\\n', 'I am rank 1\\n']
    """
    path = Path(script)
    if not path.is_file():
        raise FileNotFoundError(
            f"launch: no script {str(path)!r} (looked in {Path.cwd()}): write it first, e.g. with "
            "%%writefile in a notebook cell, and pass its path"
        )
    if nproc_per_node < 1:
        raise ValueError(f"launch: nproc_per_node must be at least 1, got {nproc_per_node}")
    options = ["--standalone", "--nproc-per-node", str(nproc_per_node)]
    if show:
        print("torchrun", *options, os.fspath(script), *args, flush=True)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="launch-") as logs:
        command = [
            sys.executable, "-m", "torch.distributed.run", *options,
            "--log-dir", logs, "--redirects", "3", os.fspath(script), *args,
        ]  # fmt: skip
        with open(Path(logs) / "torchrun.log", "w+") as launcher_log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=launcher_log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group: killed as one on timeout
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(process)
                raise LaunchTimeoutError(
                    os.fspath(script), timeout, _read_logs(logs, nproc_per_node, "stdout")
                ) from None
            finally:
                if process.poll() is None:  # interrupted (Ctrl-C, a cell timeout): clean up
                    _kill(process)
            launcher_log.seek(0)
            launcher_output = launcher_log.read()
        outputs = _read_logs(logs, nproc_per_node, "stdout")
        if process.returncode != 0:
            errors = _read_logs(logs, nproc_per_node, "stderr")
            rank, exitcode = _root_cause(launcher_output, errors)
            traceback = errors[rank] if rank is not None else launcher_output[-3000:]
            raise WorkerFailedError(
                os.fspath(script),
                -1 if rank is None else rank,
                process.returncode if exitcode is None else exitcode,
                traceback,
                outputs,
            )
    if show:
        for rank, output in enumerate(outputs):
            for line in output.splitlines():
                print(f"[rank{rank}]: {line}")
    return outputs


def _read_logs(logs: str, nproc: int, stream: str) -> list[str]:
    """What each local rank wrote to ``stream`` (torchrun's layout: <run>/attempt_0/<rank>/)."""
    texts = []
    for rank in range(nproc):
        files = sorted(Path(logs).glob(f"*/attempt_*/{rank}/{stream}.log"))
        texts.append(files[-1].read_text(errors="replace") if files else "")
    return texts


def _root_cause(launcher_output: str, errors: Sequence[str]) -> tuple[int | None, int | None]:
    """The rank torchrun names as the first failure, and its exit code; else the first rank
    with a Python traceback."""
    cause = launcher_output.split("Root Cause", 1)[-1]
    rank = re.search(r"rank\s*:\s*(\d+)", cause)
    exitcode = re.search(r"exitcode\s*:\s*(-?\d+)", cause)
    if "Root Cause" in launcher_output and rank:
        return int(rank[1]), int(exitcode[1]) if exitcode else None
    with_traceback = [r for r, text in enumerate(errors) if "Traceback" in text]
    return (with_traceback[0] if with_traceback else None), None


def _descendants(pid: int) -> list[int]:
    """The processes below ``pid`` (Linux /proc; elsewhere none are found)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _signal(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)  # each worker leads its own session (torchrun starts them so)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _kill(process: subprocess.Popen) -> None:
    """Stop torchrun and every worker: SIGTERM first (torchrun then stops its workers), SIGKILL
    to whatever is left after :data:`GRACE` seconds."""
    workers = _descendants(process.pid)
    _signal([process.pid], signal.SIGTERM)
    deadline = time.monotonic() + GRACE
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    _signal([process.pid, *workers, *_descendants(process.pid)], signal.SIGKILL)
    process.wait()


def checksum(model: nn.Module) -> str:
    """A fingerprint of ``model``'s parameters and buffers: equal only when every bit is equal.

    The first 16 hex digits of a SHA-256 over each tensor's name and bytes, in order. Two
    replicas of a data-parallel run print the same checksum when they hold the same weights.
    Introduced in *Distributed Data Parallel* (Module 24,
    https://dlcourse.github.io/dlcourse/modules/distributed-data-parallel.html).

    >>> import torch
    >>> a = torch.nn.Linear(3, 2)
    >>> b = torch.nn.Linear(3, 2)
    >>> _ = b.load_state_dict(a.state_dict())
    >>> checksum(a) == checksum(b)
    True
    >>> with torch.no_grad():
    ...     _ = b.bias.add_(1e-7)
    >>> checksum(a) == checksum(b)
    False
    """
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]
