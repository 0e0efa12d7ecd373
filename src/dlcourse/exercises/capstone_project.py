"""Checks for the exercises of Module 26, Capstone: an End-to-End Digit Reader."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from dlcourse.exercises import Exercise


def _close(a: object, b: float) -> bool:
    try:
        return math.isclose(float(a), b, abs_tol=1e-6)
    except (TypeError, ValueError):
        return False


# --- exercise 1: abstain when unsure ------------------------------------------------------------


def _abstain(
    coverage: float, selective_accuracy: float, probs: torch.Tensor, y_test: torch.Tensor
) -> str | None:
    probs, y_test = torch.as_tensor(probs), torch.as_tensor(y_test)
    confidence, predicted = probs.max(dim=1)
    kept = confidence >= 0.9
    right_coverage = kept.double().mean().item()
    right_accuracy = (predicted[kept] == y_test[kept]).double().mean().item()
    if _close(coverage, float(kept.sum())) and not _close(coverage, right_coverage):
        return "`coverage` is a fraction of the test set, not a count: divide by its size"
    if not _close(coverage, right_coverage):
        return (
            "`coverage` is the share of test digits whose largest probability is at least 0.9 "
            "(the label plays no part in it)"
        )
    all_accuracy = (predicted == y_test).double().mean().item()
    if _close(selective_accuracy, all_accuracy) and not _close(all_accuracy, right_accuracy):
        return "that is the accuracy on every test digit: keep only the ones the reader answers"
    if not _close(selective_accuracy, right_accuracy):
        return "`selective_accuracy` is the accuracy on the kept digits only (confidence ≥ 0.9)"
    return None


def _toy_probs() -> dict[str, torch.Tensor]:
    """Five answers: three confident (two right), two unsure (one right)."""
    probs = torch.tensor(
        [
            [0.95, 0.05, 0.00],
            [0.02, 0.97, 0.01],
            [0.91, 0.09, 0.00],
            [0.50, 0.40, 0.10],
            [0.30, 0.60, 0.10],
        ]
    )
    return {"probs": probs, "y_test": torch.tensor([0, 1, 1, 0, 2])}


# --- exercise 2: a digit moved one pixel --------------------------------------------------------


def _shift_right(X: torch.Tensor) -> torch.Tensor:
    shifted = torch.zeros_like(X)
    shifted[..., 1:] = X[..., :-1]
    return shifted


def _accuracy(
    model: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor, y: torch.Tensor
) -> float:
    if isinstance(model, nn.Module):
        model.eval()
    with torch.no_grad():
        return (model(X).argmax(dim=1) == y).double().mean().item()


def _shifted(
    shifted_accuracy: float, reloaded: nn.Module, X_test: torch.Tensor, y_test: torch.Tensor
) -> str | None:
    right = _accuracy(reloaded, _shift_right(X_test), y_test)
    if _close(shifted_accuracy, right):
        return None
    if _close(shifted_accuracy, _accuracy(reloaded, X_test, y_test)):
        return "that is the accuracy on the digits as they are: move every image one pixel right"
    if _close(shifted_accuracy, _accuracy(reloaded, torch.roll(X_test, 1, dims=-1), y_test)):
        return (
            "torch.roll wraps the last column around to the first: fill the new first column "
            "with zeros instead"
        )
    left = torch.zeros_like(X_test)
    left[..., :-1] = X_test[..., 1:]
    if _close(shifted_accuracy, _accuracy(reloaded, left, y_test)):
        return "that moves the digits left: to the right, column j takes column j − 1's pixels"
    down = torch.zeros_like(X_test)
    down[..., 1:, :] = X_test[..., :-1, :]
    if _close(shifted_accuracy, _accuracy(reloaded, down, y_test)):
        return "that moves the digits down: shift the last dimension (the columns), not the rows"
    return "not the accuracy of `reloaded` on the test digits moved one pixel to the right"


class _LinearReader(nn.Module):
    """A toy classifier: fixed random weights on the 64 pixels, three classes."""

    def __init__(self, weight: torch.Tensor) -> None:
        super().__init__()
        self.weight = weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ self.weight.T


def _toy_shift() -> dict[str, object]:
    """Images and a reader whose accuracy differs for every way of moving the images: right
    1/6, unmoved 5/12, rolled 1/4, left 1/2, down 7/12."""
    g = torch.Generator().manual_seed(10)
    weight = torch.randn(3, 64, generator=g)
    X = torch.rand(12, 1, 8, 8, generator=g)
    y = torch.randint(0, 3, (12,), generator=g)
    return {"reloaded": _LinearReader(weight), "X_test": X, "y_test": y}


# --- exercise 3: read a whole batch -------------------------------------------------------------


def _reference(model: nn.Module, images: np.ndarray, max_value: float) -> torch.Tensor:
    x = torch.as_tensor(images, dtype=torch.float32).unsqueeze(1) / max_value
    model.eval()
    with torch.no_grad():
        return model(x).softmax(dim=1)


def _batch(read_digits: Callable, reloaded: nn.Module) -> str | None:
    g = torch.Generator().manual_seed(0)
    images = torch.randint(0, 17, (6, 8, 8), generator=g).numpy()
    result = read_digits(images)
    if not (isinstance(result, tuple) and len(result) == 2):
        return "`read_digits` should return a pair: (digits, probabilities)"
    digits, probabilities = (torch.as_tensor(r) for r in result)
    if digits.shape != (6,) or probabilities.shape != (6,):
        return "return one digit and one probability per image: two tensors of shape (N,)"
    probs = _reference(reloaded, images, 16)
    if torch.equal(digits.long(), _reference(reloaded, images, 1).argmax(1)) and not torch.equal(
        digits.long(), probs.argmax(1)
    ):
        return "scale the pixels to [0, 1] first: divide by `max_value`, as `read_digit` does"
    if not torch.equal(digits.long(), probs.argmax(1)):
        return "the digits are not the reader's most probable classes for these images"
    if not torch.allclose(probabilities.double(), probs.max(1).values.double(), atol=1e-5):
        return "the probability to return is the one of the predicted digit (the largest)"
    bad = images.copy()
    bad[2, 3, 3] = 40
    try:
        read_digits(bad)
    except ValueError:
        pass
    else:
        return "pixels above `max_value` must raise a ValueError, as in `read_digit`"
    try:
        read_digits(images[0])
    except ValueError:
        return None
    return "a single 8×8 image (2 dimensions) must raise a ValueError: the batch is (N, 8, 8)"


def _toy_model() -> nn.Module:
    """An untrained but fixed DigitResNet: the reference the wrong readers are checked with."""
    from dlcourse.models import DigitResNet

    with torch.random.fork_rng():
        torch.manual_seed(0)
        return DigitResNet().eval()


def _batch_reader(
    model: nn.Module, scale: bool = True, validate: bool = True, which: str = "max"
) -> Callable:
    """A batch reader like the solution's, with one of its steps left out or changed."""

    def read_digits(images, max_value=16):
        x = torch.as_tensor(np.asarray(images, dtype=np.float32))
        if validate and (x.dim() != 3 or x.shape[1:] != (8, 8)):
            raise ValueError("expected (N, 8, 8)")
        if validate and not (x.min().item() >= 0 and x.max().item() <= max_value):
            raise ValueError("out of range")
        x = x / max_value if scale else x
        with torch.no_grad():
            probs = model(x.unsqueeze(1)).softmax(dim=1)
        p, digits = probs.max(dim=1)
        return digits, (probs[:, 0] if which == "class 0" else p)

    return read_digits


EXERCISES = (
    Exercise(
        1,
        "Abstain when unsure",
        names=("coverage", "selective_accuracy", "probs", "y_test"),
        test=_abstain,
        wrong=(
            {"coverage": 3, "selective_accuracy": 2 / 3, **_toy_probs()},  # a count
            {"coverage": 0.6, "selective_accuracy": 0.6, **_toy_probs()},  # all digits
            {"coverage": 0.4, "selective_accuracy": 1.0, **_toy_probs()},  # p(true) ≥ 0.9
        ),
    ),
    Exercise(
        2,
        "A digit moved one pixel",
        names=("shifted_accuracy", "reloaded", "X_test", "y_test"),
        test=_shifted,
        wrong=(
            {"shifted_accuracy": 5 / 12, **_toy_shift()},  # not moved
            {"shifted_accuracy": 1 / 4, **_toy_shift()},  # torch.roll wraps around
            {"shifted_accuracy": 1 / 2, **_toy_shift()},  # moved left
            {"shifted_accuracy": 7 / 12, **_toy_shift()},  # moved down
            {"shifted_accuracy": 0.9, **_toy_shift()},
        ),
    ),
    Exercise(
        3,
        "Read a whole batch",
        names=("read_digits", "reloaded"),
        test=_batch,
        wrong=(
            {"read_digits": _batch_reader(_toy_model(), scale=False), "reloaded": _toy_model()},
            {"read_digits": _batch_reader(_toy_model(), validate=False), "reloaded": _toy_model()},
            {
                "read_digits": _batch_reader(_toy_model(), which="class 0"),
                "reloaded": _toy_model(),
            },
            {"read_digits": lambda images, max_value=16: 3, "reloaded": _toy_model()},
        ),
    ),
)
