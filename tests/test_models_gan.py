"""Tests of dlcourse.models.gan: MLPGenerator, MLPDiscriminator and train_gan."""

from __future__ import annotations

import pytest
import torch

from dlcourse.models import MLPDiscriminator, MLPGenerator, train_gan


def two_blobs(n: int = 128) -> torch.Tensor:
    """Rows of 4 numbers near (0.8, 0.8, 0.2, 0.2) or (0.2, 0.2, 0.8, 0.8)."""
    g = torch.Generator().manual_seed(0)
    centers = torch.tensor([[0.8, 0.8, 0.2, 0.2], [0.2, 0.2, 0.8, 0.8]])
    return centers[torch.arange(n) % 2] + 0.03 * torch.randn(n, 4, generator=g)


def test_shapes_and_ranges() -> None:
    G, D = MLPGenerator(latent_dim=8, hidden=16, out_features=10), MLPDiscriminator(10, 16)
    x = G(torch.randn(5, 8))
    assert x.shape == (5, 10) and x.min() >= 0 and x.max() <= 1
    assert D(x).shape == (5, 1)
    assert D(torch.rand(3, 1, 2, 5)).shape == (3, 1)  # images are flattened


def test_generator_names_the_expected_noise_shape() -> None:
    with pytest.raises(ValueError, match=r"\(N, 8\)"):
        MLPGenerator(latent_dim=8)(torch.randn(5, 4))


def test_training_moves_samples_towards_the_data() -> None:
    torch.manual_seed(0)
    X = two_blobs()
    G, D = MLPGenerator(latent_dim=4, hidden=32, out_features=4), MLPDiscriminator(4, 32)
    z = torch.randn(256, 4, generator=torch.Generator().manual_seed(1))
    history, shots = train_gan(
        G, D, X, 400, lr_g=2e-3, lr_d=1e-3, batch_size=32, snapshot_at=(0, 400), z_fixed=z
    )
    assert len(history["d_loss"]) == len(history["g_loss"]) == 400

    def gap(samples: torch.Tensor) -> float:  # mean distance to the nearest data point
        return torch.cdist(samples, X).min(dim=1).values.mean().item()

    assert gap(shots[400]) < gap(shots[0]) / 2
    # both blobs are drawn: the first coordinate is high for some samples and low for others
    assert (shots[400][:, 0] > 0.5).float().mean().item() > 0.1
    assert (shots[400][:, 0] < 0.5).float().mean().item() > 0.1


def test_runs_repeat_exactly_with_the_same_seeds() -> None:
    X = two_blobs(32)
    results = []
    for _ in range(2):
        torch.manual_seed(0)
        G, D = MLPGenerator(latent_dim=4, hidden=8, out_features=4), MLPDiscriminator(4, 8)
        history, _ = train_gan(G, D, X, 20, batch_size=8, seed=3)
        results.append(history["g_loss"])
    assert results[0] == results[1]


def test_bad_input_is_named() -> None:
    G, D = MLPGenerator(latent_dim=4), MLPDiscriminator()
    with pytest.raises(ValueError, match="flat rows"):
        train_gan(G, D, torch.rand(8, 1, 8, 8), 1)
    with pytest.raises(ValueError, match="z_fixed"):
        train_gan(G, D, torch.rand(8, 64), 1, snapshot_at=(1,))
