"""Weight initialization: the scheme that suits a network's activation function."""

from __future__ import annotations

from torch import nn

__all__ = ["init_for_activation"]


def init_for_activation(model: nn.Module, activation: type[nn.Module]) -> nn.Module:
    """Re-initialize every ``nn.Linear`` with the scheme suited to ``activation``.

    Kaiming (He) normal for ReLU-like activations, Xavier (Glorot) normal otherwise; biases
    zero. Introduced in *Activation Functions and How to Choose Them*; *Initialization,
    Normalization and Residual Connections* explains the two schemes:
    https://dlcourse.github.io/dlcourse/modules/activation-functions.html

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
