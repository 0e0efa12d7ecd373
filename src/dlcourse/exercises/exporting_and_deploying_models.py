"""Checks for the exercises of Module 25, Exporting and Deploying Models."""

from __future__ import annotations

import json
import pickle
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from dlcourse.exercises import Exercise
from dlcourse.models import DigitCNN


class _Lazy(Mapping):
    """A wrong answer whose values are built on first use (exporting a model takes a while)."""

    def __init__(self, label: str, **factories: Callable[[], Any]) -> None:
        self.label, self._factories, self._values = label, factories, {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            self._values[name] = self._factories[name]()
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._factories)

    def __len__(self) -> int:
        return len(self._factories)

    def __repr__(self) -> str:
        return f"<{self.label}>"


def _toy_model() -> DigitCNN:
    """An untrained CNN, the same every time; the caller's random state is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return DigitCNN().eval()


# --- Exercise 1 ------------------------------------------------------------------------------


def _saved(save_for_deployment) -> str | None:
    model = _toy_model()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "deploy.pt"
        save_for_deployment(model, path)
        if not path.is_file():
            return "`save_for_deployment(model, path)` should write a file at `path`"
        try:
            loaded = torch.load(path)  # the defaults, as the exercise asks
        except pickle.UnpicklingError as error:
            refused = str(error).split("Unsupported global: GLOBAL ")[-1].split(" ")[0]
            return (
                f"torch.load with its defaults refuses the file (it would import {refused}): "
                "save the state_dict and plain values, not the model object or your own classes"
            )
    if not isinstance(loaded, dict) or set(loaded) != {"model", "pixel_scale"}:
        return 'save a dictionary with exactly two keys, "model" and "pixel_scale"'
    weights = loaded["model"]
    expected = model.state_dict()
    if not isinstance(weights, Mapping) or list(weights) != list(expected):
        return '"model" should hold the model\'s state_dict: model.state_dict()'
    if not all(torch.equal(weights[k], expected[k]) for k in expected):
        return 'the weights under "model" are not the model\'s: save model.state_dict()'
    if loaded["pixel_scale"] != 16.0 or isinstance(loaded["pixel_scale"], bool):
        return '"pixel_scale" should be the number 16.0, what raw pixels are divided by'
    return None


@dataclass
class _Scale:
    """A class of the learner's own, which the default ``torch.load`` refuses."""

    value: float


# --- Exercise 2 ------------------------------------------------------------------------------


def _accepts(program, batch: int) -> bool:
    try:
        with torch.no_grad():
            out = program.module()(torch.zeros(batch, 1, 8, 8))
    except AssertionError:  # a guard failed: the program refuses this batch
        return False
    return tuple(out.shape) == (batch, 10)


def _range_32(program_32) -> str | None:
    if not isinstance(program_32, torch.export.ExportedProgram):
        return "`program_32` should be what torch.export.export returns, an ExportedProgram"
    if not _accepts(program_32, 32) or not _accepts(program_32, 16):
        return "it refuses a batch of 32 (or 16): declare the batch dimension dynamic with a Dim"
    if not _accepts(program_32, 1):
        return "it refuses a single image: the range of the Dim should start at min=1"
    if any(int(bounds.lower) > 1 for bounds in program_32.range_constraints.values()):
        return (
            "its declared range starts above 1, so a single image is outside it (torch 2.13 "
            "does not check a lower bound of 2 at run time, but the range is the contract): "
            "use min=1"
        )
    if _accepts(program_32, 33):
        return "it accepts 33 images: give the Dim max=32"
    return None


def _exported(example: int = 4, **dim: int) -> Callable[[], torch.export.ExportedProgram]:
    def make() -> torch.export.ExportedProgram:
        shapes = {"x": {0: torch.export.Dim("batch", **dim)}} if dim else None
        example_input = torch.zeros(example, 1, 8, 8)
        return torch.export.export(_toy_model(), (example_input,), dynamic_shapes=shapes)

    return make


# --- Exercise 3 ------------------------------------------------------------------------------


def _raw_digits() -> list[list[int]]:
    """All 1,797 digits in raw pixels: forgetting the scaling changes only a few predictions
    of a trained ReLU network (its logits nearly scale with the input), so use them all."""
    from dlcourse.data import load_digit_images

    X, _ = load_digit_images()
    return (X * 16).round().int().reshape(len(X), 64).tolist()


def _classify(classify, model) -> str | None:
    rows = _raw_digits()
    with torch.no_grad():
        pixels = torch.tensor(rows, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
        expected = model.eval()(pixels).argmax(dim=1).tolist()
    got = classify(rows)
    if isinstance(got, torch.Tensor) or not isinstance(got, list):
        return "return a plain list of ints (JSON cannot encode a tensor or an array): [int(d) ...]"
    if len(got) != len(rows):
        return f"return one digit per row: {len(rows)} rows gave {len(got)} answers"
    if not all(type(d) is int for d in got):
        return "return the digits as Python ints, one per row, not probabilities or arrays"
    json.dumps(got)
    if got != expected:
        with torch.no_grad():
            unscaled = model(torch.tensor(rows, dtype=torch.float32).reshape(-1, 1, 8, 8))
        if got == unscaled.argmax(dim=1).tolist():
            return "the model was trained on pixels in [0, 1]: divide the raw pixels by 16"
        return "these are not the model's predictions: reshape each row to (1, 8, 8), scale, argmax"
    return None


def _classifier(scale: float, transpose: bool = False, as_list: bool = True) -> Callable:
    def make() -> Callable:
        model = _toy_model()

        def classify(rows):
            pixels = torch.tensor(rows, dtype=torch.float32).reshape(-1, 1, 8, 8) / scale
            if transpose:
                pixels = pixels.transpose(2, 3)
            with torch.no_grad():
                digits = model(pixels).argmax(dim=1)
            return digits.tolist() if as_list else digits

        return classify

    return make


def _probabilities() -> Callable:
    model = _toy_model()

    def classify(rows):
        pixels = torch.tensor(rows, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
        with torch.no_grad():
            return model(pixels).softmax(dim=1).max(dim=1).values.tolist()

    return classify


EXERCISES = (
    Exercise(
        1,
        "A checkpoint the default accepts",
        names=("save_for_deployment",),
        test=_saved,
        wrong=(
            {"save_for_deployment": lambda model, path: torch.save(model, path)},
            {"save_for_deployment": lambda model, path: torch.save(model.state_dict(), path)},
            {
                "save_for_deployment": lambda model, path: torch.save(
                    {"model": model.state_dict(), "pixel_scale": _Scale(16.0)}, path
                )
            },
            {
                "save_for_deployment": lambda model, path: torch.save(
                    {"model": _toy_model().head.state_dict(), "pixel_scale": 16.0}, path
                )
            },
            {
                "save_for_deployment": lambda model, path: torch.save(
                    {
                        "model": {k: torch.zeros_like(v) for k, v in model.state_dict().items()},
                        "pixel_scale": 16.0,
                    },
                    path,
                )
            },
            {
                "save_for_deployment": lambda model, path: torch.save(
                    {"model": model.state_dict(), "pixel_scale": 1 / 16}, path
                )
            },
            {"save_for_deployment": lambda model, path: None},
        ),
    ),
    Exercise(
        2,
        "A smaller batch range",
        names=("program_32",),
        test=_range_32,
        wrong=(
            _Lazy("a static export (batch fixed at 4)", program_32=_exported()),
            _Lazy("max=1024", program_32=_exported(min=1, max=1024)),
            _Lazy("a static export of a batch of 32", program_32=_exported(example=32)),
            _Lazy("max=31", program_32=_exported(min=1, max=31)),
            _Lazy("min=2", program_32=_exported(min=2, max=32)),
            {"program_32": _toy_model()},
        ),
    ),
    Exercise(
        3,
        "An inference function for raw pixels",
        names=("classify", "model"),
        test=_classify,
        wrong=(
            _Lazy("no scaling", classify=_classifier(1.0), model=_toy_model),
            _Lazy("a tensor", classify=_classifier(16.0, as_list=False), model=_toy_model),
            _Lazy("transposed", classify=_classifier(16.0, transpose=True), model=_toy_model),
            _Lazy("probabilities", classify=_probabilities, model=_toy_model),
            _Lazy("one answer", classify=lambda: lambda rows: [0], model=_toy_model),
        ),
    ),
)
