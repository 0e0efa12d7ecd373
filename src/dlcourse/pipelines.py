"""Data pipelines and diagnostics for Part I: datasets, collation, augmentation, gradient norms.

Introduced in the modules *Activation Functions*, *Loss Functions* and *Datasets and
DataLoaders*. Everything works on tensors only (no torchvision) and downloads nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib
import torch
from torch import nn
from torch.utils.data import Dataset

from dlcourse.data import load_digit_images

Transform = Callable[[torch.Tensor], torch.Tensor]


# --- diagnostics (Activation Functions) ------------------------------------------------------


def grad_norms_per_layer(model: nn.Module) -> list[float]:
    """The L2 norm of the weight gradient of every ``nn.Linear`` layer, input side first.

    Call it after ``loss.backward()``. Used in *Activation Functions* to show gradients
    vanishing layer by layer in a deep sigmoid network.

    >>> model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    >>> model(torch.ones(4, 2)).sum().backward()
    >>> norms = grad_norms_per_layer(model)
    >>> len(norms), all(n >= 0 for n in norms)
    (2, True)
    """
    norms = []
    for module in model.modules():
        if isinstance(module, nn.Linear):
            if module.weight.grad is None:
                raise ValueError(
                    "a Linear layer has no gradient yet: call loss.backward() "
                    "before grad_norms_per_layer(model)"
                )
            norms.append(module.weight.grad.norm().item())
    return norms


def dead_units(model: nn.Sequential, X: torch.Tensor) -> list[torch.Tensor]:
    """For each ``nn.ReLU`` in ``model``, a boolean mask of its units that output 0 for all of X.

    Such a unit's own weights get no gradient from X. In the first layer, under plain SGD, that
    is final (momentum or weight decay can still move its weights); a deeper unit can come back
    to life when the layers before it change its input. *Activation Functions* counts both.

    >>> model = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = model[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
    ...     _ = model[0].bias.copy_(torch.tensor([0.0, -10.0]))
    >>> dead_units(model, torch.rand(5, 1))  # the second unit never fires
    [tensor([False,  True])]
    """
    masks = []
    h = X
    with torch.no_grad():
        for layer in model:
            h = layer(h)
            if isinstance(layer, nn.ReLU):
                masks.append(~(h > 0).any(dim=0))
    return masks


def dead_unit_fraction(model: nn.Sequential, X: torch.Tensor) -> list[float]:
    """For each ``nn.ReLU`` in ``model``, the fraction of its units that output 0 for all of X.

    The fraction of :func:`dead_units`; used in *Activation Functions*.

    >>> model = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = model[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
    ...     _ = model[0].bias.copy_(torch.tensor([0.0, -10.0]))
    >>> dead_unit_fraction(model, torch.rand(5, 1))  # the second unit never fires
    [0.5]
    """
    return [mask.float().mean().item() for mask in dead_units(model, X)]


def binary_metrics(logits: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """Accuracy, precision and recall of a binary classifier from its logits (threshold 0).

    Precision is 0 when the model predicts no positives. Used in *Loss Functions* to show
    what ``pos_weight`` changes on an imbalanced data set.

    >>> m = binary_metrics(torch.tensor([2.0, -1.0, 3.0, -2.0]), torch.tensor([1, 1, 0, 0]))
    >>> m["accuracy"], m["precision"], m["recall"]
    (0.5, 0.5, 0.5)
    """
    pred = (logits.detach().reshape(-1) > 0).long()
    y = y.reshape(-1).long()
    tp = int(((pred == 1) & (y == 1)).sum())
    fp = int(((pred == 1) & (y == 0)).sum())
    fn = int(((pred == 0) & (y == 1)).sum())
    return {
        "accuracy": float((pred == y).float().mean()),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
    }


# --- datasets and collation (Datasets and DataLoaders) ---------------------------------------


class DigitsDataset(Dataset):
    """scikit-learn's 8×8 digits as a map-style ``Dataset`` of ``(image, label)`` pairs.

    ``image`` has shape ``(1, 8, 8)`` with values in [0, 1]; ``transform``, if given, is applied
    to the image each time an item is read, so random augmentation can differ on every read. In
    DataLoader workers a transform's private ``torch.Generator`` is copied into each worker as
    it was, so workers (and epochs) repeat each other unless ``worker_init_fn`` reseeds it
    (:doc:`/modules/datasets-and-dataloaders` shows it).

    >>> ds = DigitsDataset()
    >>> len(ds)
    1797
    >>> image, label = ds[0]
    >>> image.shape, label.item()
    (torch.Size([1, 8, 8]), 0)
    """

    def __init__(
        self,
        indices: Sequence[int] | None = None,
        transform: Transform | None = None,
    ) -> None:
        images, labels = load_digit_images()
        if indices is not None:
            index = torch.as_tensor(list(indices), dtype=torch.long)
            images, labels = images[index], labels[index]
        self.images, self.labels = images, labels
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        image = self.images[i]
        if self.transform is not None:
            image = self.transform(image)
        return image, self.labels[i]


def pad_collate(
    batch: Sequence[tuple[torch.Tensor, int | torch.Tensor]], padding_value: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Collate ``(sequence, label)`` pairs of different lengths into one padded batch.

    Returns ``padded`` of shape ``(batch, longest, ...)``, the true ``lengths`` and the
    ``labels``. Pass it as ``DataLoader(..., collate_fn=pad_collate)``.

    >>> batch = [(torch.tensor([1, 2, 3]), 0), (torch.tensor([4]), 1)]
    >>> padded, lengths, labels = pad_collate(batch)
    >>> padded.tolist(), lengths.tolist(), labels.tolist()
    ([[1, 2, 3], [4, 0, 0]], [3, 1], [0, 1])
    """
    sequences = [torch.as_tensor(seq) for seq, _ in batch]
    lengths = torch.tensor([len(seq) for seq in sequences])
    pad = nn.utils.rnn.pad_sequence
    padded = pad(sequences, batch_first=True, padding_value=padding_value)
    labels = torch.as_tensor([int(label) for _, label in batch])
    return padded, lengths, labels


# --- augmentation as tensor ops --------------------------------------------------------------


def random_shift(
    image: torch.Tensor, max_shift: int = 1, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Shift an image ``(C, H, W)`` by up to ``max_shift`` pixels each way, filling with 0.

    >>> image = torch.zeros(1, 3, 3); image[0, 1, 1] = 1.0
    >>> g = torch.Generator().manual_seed(0)
    >>> shifted = random_shift(image, generator=g)
    >>> shifted.shape, shifted.sum().item()  # the pixel moved by at most one step
    (torch.Size([1, 3, 3]), 1.0)
    """
    low, high = -max_shift, max_shift + 1
    dy, dx = torch.randint(low, high, (2,), generator=generator).tolist()
    h, w = image.shape[-2:]
    top, left = max(0, dy), max(0, dx)  # where the kept part lands
    bottom, right = h + min(0, dy), w + min(0, dx)
    out = torch.zeros_like(image)  # pixels shifted in from outside are 0
    src = image[..., top - dy : bottom - dy, left - dx : right - dx]
    out[..., top:bottom, left:right] = src
    return out


def random_flip(
    image: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Mirror an image left to right with probability ``p``.

    >>> image = torch.arange(4.0).reshape(1, 2, 2)
    >>> random_flip(image, p=1.0).tolist()
    [[[1.0, 0.0], [3.0, 2.0]]]
    """
    if torch.rand((), generator=generator).item() < p:
        return image.flip(-1)
    return image


def add_noise(
    image: torch.Tensor, std: float = 0.1, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Add Gaussian noise with standard deviation ``std`` and clip back to [0, 1].

    >>> noisy = add_noise(torch.full((1, 8, 8), 0.5), std=0.1)
    >>> noisy.shape, bool((noisy >= 0).all() and (noisy <= 1).all())
    (torch.Size([1, 8, 8]), True)
    """
    noise = torch.randn(image.shape, generator=generator) * std
    return (image + noise).clamp(0.0, 1.0)


# --- plotting --------------------------------------------------------------------------------


def plot_image_grid(
    images: torch.Tensor,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    ax_size: float = 0.8,
) -> matplotlib.figure.Figure:
    """Show a batch of images ``(N, 1, H, W)`` or ``(N, H, W)`` in a grid, grey scale.

    >>> fig = plot_image_grid(torch.rand(10, 1, 8, 8), ncols=5)
    >>> len(fig.axes)
    10
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import matplotlib.pyplot as plt

    images = images.detach().reshape(len(images), *images.shape[-2:])
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(ncols * ax_size, nrows * ax_size * 1.15), squeeze=False
    )
    for i, ax in enumerate(axes.flat):
        if i >= len(images):
            fig.delaxes(ax)
            continue
        ax.imshow(images[i].numpy(), cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8, pad=2)
    return fig


def init_for_activation(model: nn.Module, activation: type[nn.Module]) -> nn.Module:
    """Re-initialize every ``nn.Linear`` with the scheme suited to ``activation``.

    Kaiming (He) normal for ReLU-like activations, Xavier (Glorot) normal otherwise; biases
    zero. Module *Initialization and Normalization* explains the two schemes.

    >>> model = init_for_activation(nn.Sequential(nn.Linear(4, 3), nn.ReLU()), nn.ReLU)
    >>> model[0].bias.abs().sum().item()
    0.0
    """
    relu_like = activation in (nn.ReLU, nn.LeakyReLU, nn.PReLU)
    for module in model.modules():
        if isinstance(module, nn.Linear):
            if relu_like:
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            else:
                nn.init.xavier_normal_(module.weight)
            nn.init.zeros_(module.bias)
    return model
