"""Diagnostics: look inside tensors and models — storage, parameter counts, gradient norms,
activation statistics and dead units, mostly through hooks that leave the training loop alone."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn

__all__ = [
    "ActivationRecorder",
    "GradNormMonitor",
    "activation_stats",
    "count_parameters",
    "dead_unit_fraction",
    "dead_units",
    "expected_initial_loss",
    "grad_norms_per_layer",
    "shares_storage",
]


def shares_storage(a: Tensor, b: Tensor) -> bool:
    """Whether two tensors look at the same block of memory (the same storage).

    A view (``view``, slicing, ``t()``) shares its storage with the original tensor; a copy
    (``clone``, ``reshape`` of a non-contiguous tensor) does not. Introduced in *Installing
    PyTorch and Tensor Fundamentals*, section "Views vs copies":
    https://dlcourse.github.io/dlcourse/modules/pytorch-setup-and-tensors.html

    >>> x = torch.arange(6)
    >>> shares_storage(x, x.view(2, 3)), shares_storage(x, x.clone())
    (True, False)
    """
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) parameters of ``model``.

    Introduced in *Building Models with nn.Module*:
    https://dlcourse.github.io/dlcourse/modules/building-models-with-nn-module.html

    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def expected_initial_loss(num_classes: int) -> float:
    """Cross-entropy of a classifier that predicts uniform probabilities: ln C.

    A freshly initialized classifier should start close to this value. Introduced in
    *Debugging and Visualizing Training*:
    https://dlcourse.github.io/dlcourse/modules/debugging-and-visualizing-training.html

    >>> round(expected_initial_loss(10), 4)
    2.3026
    """
    return math.log(num_classes)


# --- gradients -------------------------------------------------------------------------------


def grad_norms_per_layer(model: nn.Module) -> list[float]:
    """The L2 norm of the weight gradient of every ``nn.Linear`` layer, input side first.

    Call it after ``loss.backward()``: it reads the gradients of that one backward pass (to
    record them at every step, use :class:`GradNormMonitor`). Introduced in *Activation
    Functions and How to Choose Them*, to show gradients vanishing layer by layer in a deep
    sigmoid network: https://dlcourse.github.io/dlcourse/modules/activation-functions.html

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


class GradNormMonitor:
    """Record the gradient norm of every weight at each backward pass.

    A hook registered with ``Tensor.register_hook`` on each weight runs
    when its gradient is computed and appends the gradient's L2 norm to
    ``history[name]``. Call :meth:`remove` (or use ``with``) when done.
    Introduced in *Debugging and Visualizing Training*:
    https://dlcourse.github.io/dlcourse/modules/debugging-and-visualizing-training.html

    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    >>> with GradNormMonitor(model) as monitor:
    ...     model(torch.ones(2, 3)).sum().backward()
    >>> sorted(monitor.history), len(monitor.history["0.weight"])
    (['0.weight', '2.weight'], 1)
    """

    def __init__(self, model: nn.Module) -> None:
        self.history: dict[str, list[float]] = {}
        self.handles = []
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.requires_grad:
                self.history[name] = []
                hook = self._make_hook(name)
                self.handles.append(p.register_hook(hook))

    def _make_hook(self, name: str) -> Callable[[Tensor], None]:
        def hook(grad: Tensor) -> None:
            self.history[name].append(grad.norm().item())

        return hook

    def remove(self) -> None:
        """Remove every hook."""
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def __enter__(self) -> GradNormMonitor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


# --- activations -----------------------------------------------------------------------------


class ActivationRecorder:
    """Collect the outputs of some modules with forward hooks.

    Each forward pass appends each watched module's output to
    ``outputs``; call :meth:`clear` before each step.
    :meth:`penalty` is the mean squared activation, summed over the
    recorded outputs: added to the loss, it is *activation
    regularization*. As a context manager it removes its hooks on exit.
    Introduced in *Regularization Techniques*:
    https://dlcourse.github.io/dlcourse/modules/regularization-techniques.html

    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
    >>> with ActivationRecorder([model[1]]) as recorder:
    ...     _ = model(torch.ones(5, 3))
    ...     shapes = [tuple(o.shape) for o in recorder.outputs]
    >>> shapes
    [(5, 4)]
    >>> len(model[1]._forward_hooks)  # the hook is gone
    0
    """

    def __init__(self, modules: Iterable[nn.Module]) -> None:
        self.outputs: list[torch.Tensor] = []
        hook = self._hook
        self.handles = [m.register_forward_hook(hook) for m in modules]

    def _hook(self, module: nn.Module, args: tuple, out: Tensor) -> None:
        self.outputs.append(out)  # runs after module.forward

    def clear(self) -> None:
        """Forget the outputs recorded so far."""
        self.outputs.clear()

    def penalty(self) -> torch.Tensor:
        """Mean squared activation, summed over the recorded outputs."""
        squares = (o.pow(2).mean() for o in self.outputs)
        return sum(squares, torch.tensor(0.0))

    def remove(self) -> None:
        """Remove the hooks; the modules run as before."""
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def __enter__(self) -> ActivationRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


def activation_stats(model: nn.Module, x: torch.Tensor, kind: type[nn.Module]) -> list[float]:
    """Standard deviation of the output of every ``kind`` submodule, in forward order.

    Introduced in *Initialization, Normalization and Residual Connections*:
    https://dlcourse.github.io/dlcourse/modules/initialization-and-normalization.html

    >>> torch.manual_seed(0) and None
    >>> model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU())
    >>> stds = activation_stats(model, torch.randn(100, 8), nn.ReLU)
    >>> len(stds), all(s > 0 for s in stds)
    (2, True)
    """
    watched = [m for m in model.modules() if isinstance(m, kind)]
    with ActivationRecorder(watched) as recorder, torch.no_grad():
        model(x)
        return [o.std().item() for o in recorder.outputs]


def dead_units(model: nn.Sequential, X: torch.Tensor) -> list[torch.Tensor]:
    """For each ``nn.ReLU`` in ``model``, a boolean mask of its units that output 0 for all of X.

    Such a unit's own weights get no gradient from X. In the first layer, under plain SGD, that
    is final (momentum or weight decay can still move its weights); a deeper unit can come back
    to life when the layers before it change its input. Introduced in *Activation Functions and
    How to Choose Them*, which counts both:
    https://dlcourse.github.io/dlcourse/modules/activation-functions.html

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

    The fraction of :func:`dead_units`. Introduced in *Activation Functions and How to Choose
    Them*: https://dlcourse.github.io/dlcourse/modules/activation-functions.html

    >>> model = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    >>> with torch.no_grad():
    ...     _ = model[0].weight.copy_(torch.tensor([[1.0], [1.0]]))
    ...     _ = model[0].bias.copy_(torch.tensor([0.0, -10.0]))
    >>> dead_unit_fraction(model, torch.rand(5, 1))  # the second unit never fires
    [0.5]
    """
    return [mask.float().mean().item() for mask in dead_units(model, X)]
