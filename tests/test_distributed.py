"""Tests of dlcourse.distributed: launch runs real torchrun jobs (workers that print, fail and
hang) and checksum tells bit-identical models apart from nearly identical ones.

Each launch starts ``python -m torch.distributed.run`` and two workers. The workers here do not
import torch, so a run costs about the launcher's start-up (a few seconds).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import torch
from torch import nn

from dlcourse.distributed import LaunchTimeoutError, WorkerFailedError, checksum, launch


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.is_file():  # a zombie has exited; only its parent has not collected it yet
        with_state = stat.read_text().rsplit(")", 1)[1].split()
        return with_state[0] != "Z"
    return True


def test_launch_returns_and_prints_outputs_in_rank_order(in_tmp: Path, capsys) -> None:
    # rank 0 waits until rank 1 has printed, so rank 1 writes first; the result is in rank order
    (in_tmp / "order.py").write_text(
        "import os, pathlib, sys, time\n"
        "rank = int(os.environ['RANK'])\n"
        "if rank == 0:\n"
        "    while not pathlib.Path('rank1-printed').exists():\n"
        "        time.sleep(0.05)\n"
        "print(f'rank {rank} of {os.environ[\"WORLD_SIZE\"]}, threads', os.environ['OMP_NUM_THREADS'])\n"  # noqa: E501
        "print(f'second line of {rank}')\n"
        "sys.stdout.flush()\n"
        "if rank == 1:\n"
        "    pathlib.Path('rank1-printed').touch()\n"
    )
    outputs = launch("order.py", nproc_per_node=2, timeout=120)
    assert outputs == [
        "rank 0 of 2, threads 1\nsecond line of 0\n",
        "rank 1 of 2, threads 1\nsecond line of 1\n",
    ]
    assert capsys.readouterr().out == (
        "torchrun --standalone --nproc-per-node 2 order.py\n"
        "[rank0]: rank 0 of 2, threads 1\n"
        "[rank0]: second line of 0\n"
        "[rank1]: rank 1 of 2, threads 1\n"
        "[rank1]: second line of 1\n"
    )


def test_launch_passes_arguments_and_runs_in_the_current_directory(in_tmp: Path) -> None:
    (in_tmp / "data.txt").write_text("from the notebook's folder")
    (in_tmp / "args.py").write_text("import sys\nprint(sys.argv[1:], open('data.txt').read())\n")
    outputs = launch("args.py", "--epochs", "3", nproc_per_node=1, timeout=120, show=False)
    assert outputs == ["['--epochs', '3'] from the notebook's folder\n"]


def test_a_failing_worker_raises_with_its_traceback(in_tmp: Path) -> None:
    (in_tmp / "broken.py").write_text(
        "import os, time\n"
        "rank = int(os.environ['RANK'])\n"
        "print('rank', rank, 'started', flush=True)\n"
        "if rank == 1:\n"
        "    raise ValueError('rank 1 cannot read its shard')\n"
        "time.sleep(60)  # rank 0 would wait for rank 1; torchrun must stop it\n"
    )
    start = time.monotonic()
    with pytest.raises(WorkerFailedError) as caught:
        launch("broken.py", nproc_per_node=2, timeout=120, show=False)
    assert time.monotonic() - start < 60, "rank 0 was not stopped when rank 1 failed"
    error = caught.value
    assert error.rank == 1 and error.exitcode == 1
    assert "Traceback (most recent call last)" in error.traceback
    assert error.traceback.strip().endswith("ValueError: rank 1 cannot read its shard")
    assert "rank 1 of broken.py failed (exit code 1)" in str(error)
    assert "ValueError: rank 1 cannot read its shard" in str(error)
    assert error.outputs[1] == "rank 1 started\n"


def test_a_hanging_run_is_killed_at_the_timeout(in_tmp: Path) -> None:
    (in_tmp / "hang.py").write_text(
        "import os, pathlib, time\n"
        "rank = os.environ['RANK']\n"
        "pathlib.Path(f'pid{rank}').write_text(str(os.getpid()))\n"
        "print('rank', rank, 'waiting for a partner', flush=True)\n"
        "time.sleep(600)\n"
    )
    timeout = 25.0  # the launcher and both workers start well within it, even on a busy machine
    start = time.monotonic()
    with pytest.raises(LaunchTimeoutError) as caught:
        launch("hang.py", nproc_per_node=2, timeout=timeout, show=False)
    elapsed = time.monotonic() - start
    assert timeout <= elapsed < timeout + 15, f"took {elapsed:.0f} s to give up"
    error = caught.value
    assert "did not finish within 25 s" in str(error)
    assert error.outputs == ["rank 0 waiting for a partner\n", "rank 1 waiting for a partner\n"]
    assert "rank 1: 'rank 1 waiting for a partner'" in str(error)
    pids = [int((in_tmp / f"pid{rank}").read_text()) for rank in (0, 1)]
    assert not any(_alive(pid) for pid in pids), "a worker survived the timeout"


def test_launch_names_a_missing_script_and_a_bad_process_count(in_tmp: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no script 'nowhere.py'.*%%writefile"):
        launch("nowhere.py")
    (in_tmp / "ok.py").write_text("")
    with pytest.raises(ValueError, match="nproc_per_node must be at least 1, got 0"):
        launch("ok.py", nproc_per_node=0)


def test_checksum_sees_every_bit_of_parameters_and_buffers() -> None:
    torch.manual_seed(0)
    a = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    b = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    assert checksum(a) != checksum(b)
    b.load_state_dict(a.state_dict())
    assert checksum(a) == checksum(b)
    assert len(checksum(a)) == 16 and int(checksum(a), 16) >= 0
    with torch.no_grad():
        w = b[0].weight
        w[0, 0] = torch.nextafter(w[0, 0], torch.tensor(float("inf")))  # one bit, one weight
    assert checksum(a) != checksum(b)
    b.load_state_dict(a.state_dict())
    b[1].running_mean += 1  # a buffer, not a parameter
    assert checksum(a) != checksum(b)


def test_error_messages_say_what_happened() -> None:
    failed = WorkerFailedError("train.py", 0, -9, "", ["", ""])
    assert "rank 0 of train.py failed (exit code -9)" in str(failed)
    assert "(it wrote nothing to stderr)" in str(failed)
    hung = LaunchTimeoutError("train.py", 2.5, [])
    assert "did not finish within 2.5 s" in str(hung) and "(no rank started)" in str(hung)
