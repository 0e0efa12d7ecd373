"""Tests for dlcourse.pipelines: datasets, collation, augmentation and diagnostics."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader

from dlcourse.data import make_moons
from dlcourse.models import MLP
from dlcourse.pipelines import (
    DigitsDataset,
    add_noise,
    binary_metrics,
    dead_unit_fraction,
    grad_norms_per_layer,
    init_for_activation,
    pad_collate,
    random_flip,
    random_shift,
)
from dlcourse.training import fit


def test_digits_dataset_batches_and_trains() -> None:
    dataset = DigitsDataset(indices=range(256))
    loader = DataLoader(
        dataset, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0)
    )
    torch.manual_seed(0)
    model = MLP(64, [32], 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(5):
        total = 0.0
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(images.flatten(1)), labels)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / len(loader))
    assert losses[-1] < losses[0] / 2


def test_transform_applied_on_every_read() -> None:
    g = torch.Generator().manual_seed(0)
    dataset = DigitsDataset(transform=lambda im: add_noise(im, generator=g))
    first, second = dataset[0][0], dataset[0][0]
    assert first.shape == (1, 8, 8)
    assert not torch.equal(first, second)


def test_pad_collate_pads_to_longest_and_keeps_lengths() -> None:
    sequences = [(torch.tensor([5, 6]), 1), (torch.tensor([7, 8, 9, 4]), 0)]
    padded, lengths, labels = pad_collate(sequences)
    assert padded.shape == (2, 4)
    assert lengths.tolist() == [2, 4]
    assert labels.tolist() == [1, 0]
    assert padded[0, 2:].tolist() == [0, 0]


def test_random_shift_moves_content_without_wrapping() -> None:
    image = torch.zeros(1, 8, 8)
    image[0, 0, 0] = 1.0  # a corner pixel: some shifts push it out
    totals = {
        random_shift(image, generator=torch.Generator().manual_seed(s)).sum().item()
        for s in range(20)
    }
    assert totals == {0.0, 1.0}  # dropped off the edge or kept, never duplicated


def test_random_flip_and_noise_shapes() -> None:
    image = torch.rand(1, 8, 8)
    assert torch.equal(random_flip(image, p=0.0), image)
    assert torch.equal(random_flip(random_flip(image, p=1.0), p=1.0), image)
    noisy = add_noise(image, std=0.5, generator=torch.Generator().manual_seed(0))
    assert noisy.min() >= 0 and noisy.max() <= 1


def test_sigmoid_gradients_vanish_relu_do_not() -> None:
    X, y = make_moons(n=128)
    ratios = {}
    for activation in (nn.Sigmoid, nn.ReLU):
        torch.manual_seed(0)
        model = init_for_activation(MLP(2, [16] * 8, 2, activation=activation), activation)
        nn.CrossEntropyLoss()(model(X), y).backward()
        norms = grad_norms_per_layer(model)
        assert len(norms) == 9
        ratios[activation] = norms[-1] / norms[0]
    assert ratios[nn.Sigmoid] > 100 * ratios[nn.ReLU]


def test_dead_units_after_negative_bias() -> None:
    torch.manual_seed(0)
    model = MLP(2, [16, 16], 2)
    X, _ = make_moons(n=64)
    assert dead_unit_fraction(model, X)[0] < 0.5
    with torch.no_grad():
        model[0].bias.fill_(-100.0)
    assert dead_unit_fraction(model, X)[0] == 1.0


def test_binary_metrics_with_pos_weight_raises_recall() -> None:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(400, 2, generator=g)
    y = ((X[:, 0] + 0.5 * torch.randn(400, generator=g)) > 1.3).float().unsqueeze(1)
    recalls = []
    for pos_weight in (None, torch.tensor([10.0])):
        torch.manual_seed(0)
        model = nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        losses = fit(model, X, y, nn.BCEWithLogitsLoss(pos_weight=pos_weight), optimizer, 30, 32)
        assert losses[-1] < losses[0]
        recalls.append(binary_metrics(model(X), y)["recall"])
    assert recalls[1] > recalls[0]
