"""Tests of dlcourse.notebook: setup, seeding, glue, claim, show_source, silence_stderr."""

from __future__ import annotations

import pytest
import torch

from dlcourse.notebook import (
    GLUED,
    ClaimError,
    claim,
    glue,
    seed_everything,
    setup,
    show_source,
    silence_stderr,
)


def test_setup_seeds_and_uses_one_thread() -> None:
    threads = torch.get_num_threads()
    try:
        setup(seed=4)
        a = torch.rand(3)
        seed_everything(4)
        assert torch.equal(torch.rand(3), a)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)


def test_glue_records_and_claim_fails_loudly() -> None:
    glue("test_value", 3.5)
    assert GLUED["test_value"] == 3.5
    claim(True, "holds")
    with pytest.raises(ClaimError, match="'two is less than one'"):
        claim(2 < 1, "two is less than one")


def test_show_source_shows_the_code() -> None:
    from dlcourse.metrics import accuracy

    assert "def accuracy(" in show_source(accuracy).data


def test_silence_stderr_hides_profiler_notices(capfd) -> None:
    from torch.profiler import ProfilerActivity, profile

    with silence_stderr(), profile(activities=[ProfilerActivity.CPU]):
        torch.randn(4, 4) @ torch.randn(4, 4)
    assert "profiler_start" not in capfd.readouterr().err
