"""Checks for the exercises of Module 15, Convolutional Neural Networks."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.exercises import Exercise


def _counting(conv_params: int, dense_params: int) -> str | None:
    if conv_params == 16 * 3 * 5 * 5:
        return "`conv_params` misses the biases: one per output channel"
    if conv_params != 16 * (3 * 5 * 5 + 1):
        return "`conv_params`: each of the 16 output channels has a 3×5×5 kernel and a bias"
    if dense_params == (3 * 32 * 32) * (16 * 28 * 28):
        return "`dense_params` misses the biases: one per output value"
    if dense_params != (3 * 32 * 32 + 1) * (16 * 28 * 28):
        return "`dense_params`: every one of the 16·28·28 outputs has a weight per input value"
    return None


def _blur(blur: nn.Module) -> str | None:
    x = torch.rand(2, 1, 6, 6, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = blur(x)
    if out.shape != x.shape:
        return f"the blurred image should keep the shape {tuple(x.shape)}, got {tuple(out.shape)}"
    if torch.allclose(out, 9 * F.avg_pool2d(x, 3, stride=1, padding=1), atol=1e-5):
        return "this is the sum of the 3×3 window, not its mean"
    mean = F.avg_pool2d(x, 3, stride=1, padding=1)
    if torch.allclose(out, mean, atol=1e-5):
        return None
    offset = out - mean
    if torch.allclose(offset, offset.flatten()[0].expand_as(offset), atol=1e-5):
        return "the mean is off by a constant everywhere: that is the bias; use bias=False"
    return "each output pixel should be the mean of the 3×3 window around it (zeros outside)"


def _receptive_field(receptive_field: int) -> str | None:
    if receptive_field == 7:
        return "the layers after a pooling step move in bigger jumps: multiply by the strides"
    if receptive_field != 10:
        return "add (k − 1) · jump for each of the four layers, starting from 1"
    return None


def _conv(weight: float, padding: int = 1, bias: float | None = None) -> nn.Conv2d:
    conv = nn.Conv2d(1, 1, kernel_size=3, padding=padding, bias=bias is not None)
    with torch.no_grad():
        conv.weight.fill_(weight)
        if bias is not None:
            conv.bias.fill_(bias)
    return conv


EXERCISES = (
    Exercise(
        1,
        "Counting parameters",
        names=("conv_params", "dense_params"),
        test=_counting,
        wrong=(
            {"conv_params": 1200, "dense_params": 38_547_712},
            {"conv_params": 416, "dense_params": 38_547_712},
            {"conv_params": 1216, "dense_params": 38_535_168},
        ),
    ),
    Exercise(
        2,
        "A blur filter",
        names=("blur",),
        test=_blur,
        wrong=(
            {"blur": _conv(1.0)},
            {"blur": _conv(1 / 9, padding=0)},
            {"blur": _conv(1 / 9, bias=0.3)},
            {"blur": nn.Identity()},
        ),
    ),
    Exercise(
        3,
        "The receptive field",
        names=("receptive_field",),
        test=_receptive_field,
        wrong=({"receptive_field": 7}, {"receptive_field": 8}, {"receptive_field": 3}),
    ),
)
