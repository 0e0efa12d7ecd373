"""Tests of dlcourse.data: synthetic and bundled sets, the digits Dataset, augmentation,
collation, splitting and standardization."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from dlcourse.data import (
    DigitsDataset,
    add_noise,
    load_digit_images,
    load_tabular,
    make_line,
    make_moons,
    make_regression,
    pad_collate,
    random_flip,
    random_shift,
    standardize,
    train_test_split,
)
from dlcourse.models import MLP


def test_make_line_is_deterministic_and_noisy() -> None:
    X, y = make_line(n=50, noise=0.5, seed=1)
    X2, y2 = make_line(n=50, noise=0.5, seed=1)
    assert torch.equal(X, X2) and torch.equal(y, y2)
    assert X.min() >= -1 and X.max() <= 1
    assert not torch.allclose(y, 3 * X + 2)


def test_make_regression_is_private_and_bends() -> None:
    state = torch.get_rng_state()
    X, y = make_regression(n=64, frequency=2.0)
    assert torch.equal(torch.get_rng_state(), state)  # the global generator is untouched
    assert X.shape == (64, 10) and y.shape == (64, 1)
    # a least-squares line leaves much of the variance: the target is not linear
    A = torch.cat([X, torch.ones(64, 1)], dim=1)
    residual = y - A @ torch.linalg.lstsq(A, y).solution
    assert residual.var() > 0.05 * y.var()


def test_make_moons_is_balanced_and_seeded() -> None:
    X, y = make_moons(n=100, seed=3)
    assert X.dtype == torch.float32 and y.dtype == torch.int64
    assert int(y.sum()) == 50
    assert torch.equal(make_moons(n=100, seed=3)[0], X)


@pytest.mark.parametrize(
    ("name", "shape", "classes"),
    [
        ("iris", (150, 4), 3),
        ("wine", (178, 13), 3),
        ("breast_cancer", (569, 30), 2),
        ("digits", (1797, 64), 10),
    ],
)
def test_load_tabular_shapes(name: str, shape: tuple[int, int], classes: int) -> None:
    X, y = load_tabular(name)
    assert tuple(X.shape) == shape and len(y) == shape[0]
    assert int(y.max()) + 1 == classes


def test_load_tabular_names_the_choices() -> None:
    with pytest.raises(ValueError, match="choose from breast_cancer, digits, iris, wine"):
        load_tabular("mnist")


def test_load_digit_images_are_the_flat_digits_rescaled() -> None:
    images, labels = load_digit_images()
    flat, flat_labels = load_tabular("digits")
    assert images.shape == (1797, 1, 8, 8) and float(images.max()) == 1.0
    assert torch.equal(images.flatten(1) * 16, flat) and torch.equal(labels, flat_labels)


def test_train_test_split_partitions_and_rejects_bad_input() -> None:
    X, y = torch.arange(20.0).unsqueeze(1), torch.arange(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.25, seed=1)
    assert len(X_test) == 5 and torch.equal(X_train.squeeze(1).long(), y_train)
    assert sorted(torch.cat([y_train, y_test]).tolist()) == list(range(20))
    with pytest.raises(ValueError, match="differ in length"):
        train_test_split(X, y[:5])
    with pytest.raises(ValueError, match="test_fraction"):
        train_test_split(X, y, test_fraction=1.0)


def test_standardize_uses_training_statistics_only() -> None:
    X_train = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
    a, b = standardize(X_train, torch.tensor([[5.0, 50.0]]))
    assert torch.allclose(a.mean(dim=0), torch.zeros(2))
    assert torch.allclose(b, (torch.tensor([[5.0, 50.0]]) - X_train.mean(0)) / X_train.std(0))


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
