"""Checks for the exercises of Module 24, Distributed Data Parallel."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DistributedSampler

from dlcourse.exercises import Exercise

#: (n, world_size) cases: even, uneven by one, padding that wraps past the start, more ranks
#: than items (the padding repeats the whole list)
_SHARD_CASES = ((10, 2), (11, 2), (10, 3), (7, 4), (3, 5), (1, 2))


def _shards(shard_indices) -> str | None:
    for n, world_size in _SHARD_CASES:
        for rank in range(world_size):
            right = list(DistributedSampler(range(n), world_size, rank, shuffle=False))
            mine = shard_indices(n, world_size, rank)
            if not isinstance(mine, list | tuple) or not all(isinstance(i, int) for i in mine):
                return "`shard_indices` should return a list of ints"
            mine = list(mine)
            if mine == right:
                continue
            if len(mine) != len(right):
                return (
                    f"for n={n} on {world_size} ranks, rank {rank} should get {len(right)} "
                    f"indices, not {len(mine)}: pad to a multiple of world_size, do not drop"
                )
            if sorted(mine) == sorted(right):
                return (
                    f"for n={n} on {world_size} ranks, rank {rank}: the right indices in the "
                    "wrong order: keep the order in which they are dealt"
                )
            return (
                f"for n={n} on {world_size} ranks, rank {rank} gets the wrong indices: deal "
                "every world_size-th index starting at position rank, after padding with "
                "indices from the start (0, 1, ...)"
            )
    return None


def _contiguous(n: int, world_size: int, rank: int) -> list[int]:
    per_rank = -(-n // world_size)
    return [i % n for i in range(rank * per_rank, (rank + 1) * per_rank)]


def _pad_with_last(n: int, world_size: int, rank: int) -> list[int]:
    total = -(-n // world_size) * world_size
    return [min(i, n - 1) for i in range(total)][rank::world_size]


def _accumulate(accumulate) -> str | None:
    g = torch.Generator().manual_seed(0)
    X, y = torch.randn(24, 5, generator=g), torch.randint(0, 3, (24,), generator=g)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3))
    loss_fn = nn.CrossEntropyLoss()
    loss_fn(model(X), y).backward()
    right = [p.grad.clone() for p in model.parameters()]
    for p in model.parameters():  # stale gradients: accumulate must start from zero itself
        p.grad = torch.ones_like(p)
    micro_batches = [(X[i : i + 6], y[i : i + 6]) for i in range(0, 24, 6)]
    result = accumulate(model, loss_fn, micro_batches)
    if result is not None:
        return "`accumulate` should return nothing: it leaves the gradients in each `.grad`"
    grads = [p.grad for p in model.parameters()]
    if any(g is None for g in grads):
        return "some parameters have no gradient afterwards: call backward() on each micro-batch"
    if all(torch.allclose(g, r, atol=1e-6) for g, r in zip(grads, right, strict=True)):
        return None
    if all(torch.allclose(g - 1, r, atol=1e-6) for g, r in zip(grads, right, strict=True)):
        return "the gradients from before were kept: zero them once, before the first micro-batch"
    if all(torch.allclose(g, 4 * r, atol=1e-6) for g, r in zip(grads, right, strict=True)):
        return (
            "the gradient is 4 times too large with 4 micro-batches: divide each micro-batch's "
            "loss by their number"
        )
    model.zero_grad()
    loss_fn(model(X[18:]), y[18:]).backward()
    last = [p.grad.clone() / 4 for p in model.parameters()]
    if all(torch.allclose(g, r, atol=1e-6) for g, r in zip(grads, last, strict=True)):
        return (
            "only the last micro-batch's gradient is left: zero the gradients once before the "
            "loop, not inside it"
        )
    return "the gradients do not equal the gradient of the mean loss over all the examples"


def _accumulate_no_division(model, loss_fn, micro_batches) -> None:
    model.zero_grad()
    for X, y in micro_batches:
        loss_fn(model(X), y).backward()


def _accumulate_zero_inside(model, loss_fn, micro_batches) -> None:
    for X, y in micro_batches:
        model.zero_grad()
        (loss_fn(model(X), y) / len(micro_batches)).backward()


def _accumulate_no_zero(model, loss_fn, micro_batches) -> None:
    for X, y in micro_batches:
        (loss_fn(model(X), y) / len(micro_batches)).backward()


def _memory(ddp_bytes, fsdp_bytes) -> str | None:
    n, world_size = 10**9, 8
    if ddp_bytes == n * 8:
        return "`ddp_bytes`: weights and gradients are there, but Adam's two states are missing"
    if ddp_bytes == n * 12:
        return "`ddp_bytes`: Adam keeps two numbers per parameter (two moments), not one"
    if ddp_bytes == n * 4:
        return "`ddp_bytes`: count the gradients and Adam's state too, not only the weights"
    if ddp_bytes != n * 16:
        return "`ddp_bytes`: 4 bytes each for the weight, its gradient and Adam's two states"
    if fsdp_bytes == n * 16:
        return "`fsdp_bytes`: FSDP stores only each rank's shard, 1/8 of everything"
    if fsdp_bytes == n * 4 + n * 12 // world_size:
        return "`fsdp_bytes`: FSDP shards the weights too, not only gradients and optimizer state"
    if fsdp_bytes != n * 16 // world_size:
        return "`fsdp_bytes`: the same 16 bytes per parameter as DDP, divided among the 8 ranks"
    return None


EXERCISES = (
    Exercise(
        1,
        "Shards by hand",
        names=("shard_indices",),
        test=_shards,
        wrong=(
            {"shard_indices": _contiguous},
            {"shard_indices": lambda n, world_size, rank: list(range(n))[rank::world_size]},
            {"shard_indices": _pad_with_last},
            {"shard_indices": lambda n, world_size, rank: range(rank, n, world_size)},
        ),
    ),
    Exercise(
        2,
        "Accumulating gradients",
        names=("accumulate",),
        test=_accumulate,
        wrong=(
            {"accumulate": _accumulate_no_division},
            {"accumulate": _accumulate_zero_inside},
            {"accumulate": _accumulate_no_zero},
        ),
    ),
    Exercise(
        3,
        "Memory per rank, DDP against FSDP",
        names=("ddp_bytes", "fsdp_bytes"),
        test=_memory,
        wrong=(
            {"ddp_bytes": 8 * 10**9, "fsdp_bytes": 10**9},
            {"ddp_bytes": 12 * 10**9, "fsdp_bytes": 12 * 10**9 // 8},
            {"ddp_bytes": 16 * 10**9, "fsdp_bytes": 16 * 10**9},
            {"ddp_bytes": 16 * 10**9, "fsdp_bytes": 4 * 10**9 + 12 * 10**9 // 8},
            {"ddp_bytes": 4 * 10**9, "fsdp_bytes": 5 * 10**8},
        ),
    ),
)
