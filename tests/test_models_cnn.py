"""Tests of dlcourse.models.cnn: DigitCNN's shapes and training, and the output-size rule."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse.models import DigitCNN, conv_output_size


def tiny_digits(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Two classes of 8×8 images: a bright left half or a bright right half, plus noise."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 2
    X = 0.1 * torch.rand(n, 1, 8, 8, generator=g)
    X[y == 0, :, :, :4] += 0.8
    X[y == 1, :, :, 4:] += 0.8
    return X, y


def test_shapes_through_features_and_head() -> None:
    model = DigitCNN(channels=(4, 6), num_classes=3)
    x = torch.zeros(7, 1, 8, 8)
    assert model.features(x).shape == (7, 6 * 2 * 2)
    assert model(x).shape == (7, 3)


def test_training_on_tiny_data_lowers_the_loss() -> None:
    torch.manual_seed(0)
    X, y = tiny_digits()
    model = DigitCNN(num_classes=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    with torch.no_grad():
        first = loss_fn(model(X), y).item()
    for _ in range(30):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        last = loss_fn(model(X), y).item()
        accuracy = (model(X).argmax(1) == y).float().mean().item()
    assert last < first / 10
    assert accuracy == 1.0


def test_state_dict_keys_separate_features_and_head() -> None:
    keys = list(DigitCNN().state_dict())
    assert keys == [
        "features.0.weight",
        "features.0.bias",
        "features.3.weight",
        "features.3.bias",
        "head.weight",
        "head.bias",
    ]


def test_wrong_input_shape_names_the_fix() -> None:
    with pytest.raises(ValueError, match=r"reshape flat digits"):
        DigitCNN()(torch.zeros(2, 64))


@pytest.mark.parametrize(
    ("size", "kernel", "padding", "stride", "dilation"),
    [(8, 3, 0, 1, 1), (8, 3, 1, 2, 1), (28, 5, 0, 3, 1), (9, 3, 2, 1, 2), (7, 2, 0, 2, 1)],
)
def test_conv_output_size_matches_conv2d_and_maxpool(size, kernel, padding, stride, dilation):
    x = torch.zeros(1, 1, size, size)
    conv = nn.Conv2d(1, 1, kernel, padding=padding, stride=stride, dilation=dilation)
    expected = conv_output_size(size, kernel, padding=padding, stride=stride, dilation=dilation)
    assert conv(x).shape[-1] == expected
    if padding <= kernel // 2:  # MaxPool2d allows at most half the kernel as padding
        pool = nn.MaxPool2d(kernel, padding=padding, stride=stride, dilation=dilation)
        assert pool(x).shape[-1] == expected


def test_conv_output_size_rejects_a_kernel_that_does_not_fit() -> None:
    with pytest.raises(ValueError, match="does not fit"):
        conv_output_size(4, kernel_size=3, dilation=2)
    with pytest.raises(ValueError, match="at least 1"):
        conv_output_size(8, kernel_size=3, stride=0)
