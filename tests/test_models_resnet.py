"""Tests of dlcourse.models.resnet: ResidualBlock's shortcut and shapes, DigitResNet's training,
eval-mode determinism and export with a dynamic batch dimension."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse.models import DigitResNet, ResidualBlock


def tiny_digits(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    """Two classes of 8×8 images: a bright top half or a bright bottom half, plus noise."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % 2
    X = 0.1 * torch.rand(n, 1, 8, 8, generator=g)
    X[y == 0, :, :4, :] += 0.8
    X[y == 1, :, 4:, :] += 0.8
    return X, y


def test_residual_block_identity_shortcut_adds_the_input() -> None:
    torch.manual_seed(0)
    block = ResidualBlock(4).eval()
    with torch.no_grad():
        for m in block.body:  # zero the body's last BN scale: the body outputs only its shift 0
            if isinstance(m, nn.BatchNorm2d):
                m.weight.zero_()
    x = torch.rand(3, 4, 8, 8)  # non-negative: ReLU(x + 0) = x
    assert isinstance(block.shortcut, nn.Identity)
    assert torch.equal(block(x), x)


@pytest.mark.parametrize(
    ("cin", "cout", "stride", "shape"),
    [(8, None, 1, (2, 8, 8, 8)), (8, 16, 1, (2, 16, 8, 8)), (8, 16, 2, (2, 16, 4, 4))],
)
def test_residual_block_shapes_and_projection_shortcut(cin, cout, stride, shape) -> None:
    block = ResidualBlock(cin, cout, stride=stride)
    assert block(torch.zeros(2, cin, 8, 8)).shape == shape
    projected = not isinstance(block.shortcut, nn.Identity)
    assert projected == (stride != 1 or (cout is not None and cout != cin))
    convs = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
    assert all(c.bias is None for c in convs)  # BN after every conv carries the shift


def test_digit_resnet_shapes_and_parameter_count() -> None:
    model = DigitResNet(channels=(4, 6), num_classes=3)
    x = torch.zeros(7, 1, 8, 8)
    assert model.features(x).shape == (7, 6)
    assert model(x).shape == (7, 3)
    default = DigitResNet()
    assert sum(p.numel() for p in default.parameters()) == 38266
    assert default.head.in_features == 32


def test_digit_resnet_training_on_tiny_data_lowers_the_loss() -> None:
    torch.manual_seed(0)
    X, y = tiny_digits()
    model = DigitResNet(channels=(4, 8), num_classes=2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    model.eval()
    with torch.no_grad():
        first = loss_fn(model(X), y).item()
    model.train()
    for _ in range(30):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        logits = model(X)
    assert loss_fn(logits, y).item() < first / 5
    assert (logits.argmax(1) == y).float().mean().item() == 1.0


def test_eval_mode_does_not_depend_on_the_rest_of_the_batch() -> None:
    torch.manual_seed(0)
    model = DigitResNet()
    model.train()
    model(torch.rand(32, 1, 8, 8))  # update the BN running statistics once
    model.eval()
    X = torch.rand(6, 1, 8, 8)
    with torch.no_grad():
        together = model(X)
        alone = torch.cat([model(X[i : i + 1]) for i in range(6)])
    assert torch.allclose(together, alone, atol=1e-6)


def test_export_with_a_dynamic_batch_matches_eager() -> None:
    torch.manual_seed(0)
    model = DigitResNet().eval()
    batch = torch.export.Dim("batch")
    program = torch.export.export(
        model, (torch.rand(4, 1, 8, 8),), dynamic_shapes={"x": {0: batch}}
    )
    for n in (1, 9):
        x = torch.rand(n, 1, 8, 8)
        with torch.no_grad():
            assert torch.allclose(program.module()(x), model(x), atol=1e-6)


def test_wrong_input_shape_names_the_fix() -> None:
    with pytest.raises(ValueError, match=r"reshape flat digits"):
        DigitResNet()(torch.zeros(2, 64))
