"""Checks for the exercises of Module 23, Performance, Mixed Precision and torch.compile."""

from __future__ import annotations

import time
from typing import Any

import torch
from torch import nn

from dlcourse.exercises import Exercise


def _standardize(Standardize: Any) -> str | None:
    mean, std = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([2.0, 0.5, 4.0])
    if not (isinstance(Standardize, type) and issubclass(Standardize, nn.Module)):
        return "`Standardize` should be a class that subclasses `nn.Module`"
    module = Standardize(mean, std)
    x = torch.tensor([[3.0, -1.0, 4.5], [1.0, -2.0, 0.5]])
    out = module(x)
    if not torch.allclose(out, (x - mean) / std):
        return "the forward pass should return (x - mean) / std"
    if list(module.parameters()):
        return "mean and std are not trained: register them as buffers, not nn.Parameter"
    saved = module.state_dict()
    if len(saved) != 2 or not all(isinstance(v, torch.Tensor) for v in saved.values()):
        return "register mean and std with `self.register_buffer(name, tensor)`"
    moved = module.to("meta")
    stayed = [name for name, value in vars(moved).items()
              if isinstance(value, torch.Tensor) and value.device.type != "meta"]  # fmt: skip
    if stayed or any(b.device.type != "meta" for b in moved.buffers()):
        return "a tensor stayed behind after .to(): register mean and std as buffers"
    return None


class _PlainStandardize(nn.Module):
    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.mean, self.std = mean, std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std


class _ParameterStandardize(_PlainStandardize):
    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        nn.Module.__init__(self)
        self.mean, self.std = nn.Parameter(mean.clone()), nn.Parameter(std.clone())


class _InverseStandardize(nn.Module):
    def __init__(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean


class _SlowFirstCall:
    """Sleeps 0.2 s at its first call and 2 ms at every later one."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1
        time.sleep(0.2 if self.calls == 1 else 0.002)


def _median(median_ms: Any) -> str | None:
    result = median_ms(_SlowFirstCall())
    if not isinstance(result, float):
        return f"`median_ms(fn)` should return a float, not {type(result).__name__}"
    if result < 0.5:
        return "a call sleeping 2 ms measured under 0.5: return milliseconds, not seconds"
    if result > 20:
        return (
            "a call sleeping 2 ms after a slow first call measured over 20 ms: the first call "
            "is in your result; let torch.utils.benchmark warm up and take the median"
        )
    return None


def _first_call_ms(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def _median_seconds(fn: Any) -> float:
    import torch.utils.benchmark as benchmark

    return benchmark.Timer("fn()", globals={"fn": fn}).blocked_autorange(min_run_time=0.1).median


def _clip(x: torch.Tensor) -> torch.Tensor:
    biggest = x.abs().max()
    if biggest > 1:
        x = x / biggest
    return 2 * x


def _nobreak(clip_to_unit_nobreak: Any) -> str | None:
    import torch._dynamo

    g = torch.Generator().manual_seed(0)
    for scale in (0.1, 0.5, 3.0, 40.0):
        x = scale * torch.randn(7, generator=g)
        got = clip_to_unit_nobreak(x.clone())
        if not isinstance(got, torch.Tensor) or not torch.allclose(got, _clip(x)):
            return (
                f"for an input whose largest entry is {x.abs().max():.2f} the result differs "
                "from clip_to_unit's: it must match for small and large inputs alike"
            )
    torch._dynamo.reset()
    breaks = torch._dynamo.explain(clip_to_unit_nobreak)(torch.randn(5, generator=g))
    if breaks.graph_break_count:
        return (
            "same results, but it still breaks the graph: replace the Python `if` on a tensor's "
            "value with tensor operations (torch.where, torch.clamp)"
        )
    return None


EXERCISES = (
    Exercise(
        1,
        "Constants that travel with the model",
        names=("Standardize",),
        test=_standardize,
        wrong=(
            {"Standardize": _PlainStandardize},
            {"Standardize": _ParameterStandardize},
            {"Standardize": _InverseStandardize},
            {"Standardize": lambda mean, std: (mean, std)},
        ),
    ),
    Exercise(
        2,
        "A median you can trust",
        names=("median_ms",),
        test=_median,
        wrong=(
            {"median_ms": _first_call_ms},
            {"median_ms": _median_seconds},
            {"median_ms": lambda fn: round(_median_seconds(fn) * 1e3)},
        ),
    ),
    Exercise(
        3,
        "Remove a graph break",
        names=("clip_to_unit_nobreak",),
        test=_nobreak,
        wrong=(
            {"clip_to_unit_nobreak": _clip},
            {"clip_to_unit_nobreak": lambda x: 2 * x / x.abs().max()},
            {"clip_to_unit_nobreak": lambda x: 2 * torch.clamp(x, -1, 1)},
        ),
    ),
)
