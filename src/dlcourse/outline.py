"""The course outline: the one source of truth for the 26 modules.

Headers, navigation, the landing page, related modules and the progress page are all derived
from :data:`MODULES`. Whether a module is *published* is not recorded here: a module is
published when its page ``docs/modules/<slug>.md`` exists.

>>> get_module("autograd-and-backpropagation").number
3
>>> [m.slug for m in related(get_module("introduction-to-deep-learning"))][:2]
['autograd-and-backpropagation', 'building-models-with-nn-module']
"""

from __future__ import annotations

from dataclasses import dataclass

COURSE_TITLE = "Deep Learning with PyTorch"
LEVEL = "Intermediate"


@dataclass(frozen=True)
class Module:
    """One module of the course."""

    number: int
    slug: str
    title: str
    part: str
    tags: tuple[str, ...]

    @property
    def docname(self) -> str:
        """The Sphinx document name of the module's page."""
        return f"modules/{self.slug}"


PARTS: tuple[str, ...] = (
    "Part I · Foundations",
    "Part II · Training craft",
    "Part III · Architectures",
    "Part IV · Performance and production",
)

_I, _II, _III, _IV = PARTS

#: The 26 modules, in course order.
MODULES: tuple[Module, ...] = (
    Module(
        1,
        "introduction-to-deep-learning",
        "Introduction to Deep Learning",
        _I,
        ("neurons", "training-loop", "activations", "backprop", "nn-module"),
    ),
    Module(
        2,
        "pytorch-setup-and-tensors",
        "Installing PyTorch and Tensor Fundamentals",
        _I,
        ("tensors", "setup", "numpy", "data", "devices"),
    ),
    Module(
        3,
        "autograd-and-backpropagation",
        "Autograd and Backpropagation",
        _I,
        ("backprop", "gradients", "tensors"),
    ),
    Module(
        4,
        "building-models-with-nn-module",
        "Building Models with nn.Module",
        _I,
        ("nn-module", "checkpoints", "mlp"),
    ),
    Module(
        5,
        "activation-functions",
        "Activation Functions and How to Choose Them",
        _I,
        ("activations", "gradients", "mlp"),
    ),
    Module(
        6,
        "loss-functions",
        "Loss Functions",
        _I,
        ("losses", "classification", "numerics", "debugging"),
    ),
    Module(
        7,
        "datasets-and-dataloaders",
        "Datasets and DataLoaders",
        _I,
        ("data", "augmentation", "images", "training-loop"),
    ),
    Module(
        8,
        "gradient-descent-and-optimizers",
        "Gradient Descent and Optimizers",
        _II,
        ("optimizers", "training-loop", "gradients"),
    ),
    Module(
        9,
        "learning-rates-and-schedules",
        "Learning Rates and Schedules",
        _II,
        ("optimizers", "learning-rate", "tuning"),
    ),
    Module(
        10,
        "training-loop-engineering",
        "Training Loop Engineering",
        _II,
        ("training-loop", "checkpoints", "metrics", "reproducibility", "classification"),
    ),
    Module(
        11,
        "regularization-techniques",
        "Regularization Techniques",
        _II,
        ("regularization", "activations", "overfitting"),
    ),
    Module(
        12,
        "initialization-and-normalization",
        "Initialization, Normalization and Residual Connections",
        _II,
        ("initialization", "normalization", "gradients", "mlp"),
    ),
    Module(
        13,
        "debugging-and-visualizing-training",
        "Debugging and Visualizing Training",
        _II,
        ("debugging", "gradients", "training-loop", "losses"),
    ),
    Module(
        14,
        "hyperparameter-tuning",
        "Hyperparameter Tuning",
        _II,
        ("tuning", "learning-rate", "overfitting"),
    ),
    Module(
        15,
        "convolutional-neural-networks",
        "Convolutional Neural Networks",
        _III,
        ("cnn", "images", "classification"),
    ),
    Module(
        16,
        "transfer-learning-and-fine-tuning",
        "Transfer Learning and Fine-Tuning",
        _III,
        ("cnn", "checkpoints", "images"),
    ),
    Module(17, "embeddings", "Embeddings", _III, ("embeddings", "text")),
    Module(
        18,
        "recurrent-neural-networks-and-lstm",
        "Recurrent Neural Networks and LSTMs",
        _III,
        ("sequences", "text", "gradients"),
    ),
    Module(19, "attention-mechanisms", "Attention Mechanisms", _III, ("attention", "sequences")),
    Module(
        20,
        "transformers-from-scratch",
        "Transformers from Scratch",
        _III,
        ("attention", "text", "normalization"),
    ),
    Module(21, "autoencoders-and-vaes", "Autoencoders and VAEs", _III, ("generative", "images")),
    Module(
        22,
        "generative-adversarial-networks-and-diffusion",
        "Generative Adversarial Networks and Diffusion",
        _III,
        ("generative", "images"),
    ),
    Module(
        23,
        "performance-and-mixed-precision",
        "Performance, Mixed Precision and torch.compile",
        _IV,
        ("performance", "devices"),
    ),
    Module(
        24,
        "distributed-data-parallel",
        "Distributed Data Parallel",
        _IV,
        ("performance", "devices", "reproducibility"),
    ),
    Module(
        25,
        "exporting-and-deploying-models",
        "Exporting and Deploying Models",
        _IV,
        ("deployment", "checkpoints"),
    ),
    Module(
        26,
        "capstone-project",
        "Capstone: an End-to-End Digit Reader",
        _IV,
        ("cnn", "deployment", "training-loop", "metrics"),
    ),
)

TOTAL = len(MODULES)


class OutlineError(ValueError):
    """The outline, or a reference to it, is wrong."""


def _check(modules: tuple[Module, ...]) -> None:
    numbers = [m.number for m in modules]
    if numbers != list(range(1, len(modules) + 1)):
        raise OutlineError(f"module numbers must run 1..{len(modules)} in order, got {numbers}")
    seen: set[str] = set()
    for m in modules:
        if m.slug in seen:
            raise OutlineError(f"module slug {m.slug!r} is used twice")
        seen.add(m.slug)
        if m.part not in PARTS:
            raise OutlineError(f"module {m.number} {m.slug!r}: unknown part {m.part!r}")


_check(MODULES)
_BY_SLUG = {m.slug: m for m in MODULES}


def get_module(slug: str) -> Module:
    """Return the module with this slug, or raise :class:`OutlineError` naming the close ones."""
    try:
        return _BY_SLUG[slug]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(slug, _BY_SLUG, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise OutlineError(f"no module {slug!r} in the course outline.{hint}") from None


def next_module(module: Module) -> Module | None:
    """The module after ``module``, or ``None`` for the last one."""
    return MODULES[module.number] if module.number < TOTAL else None


def previous_module(module: Module) -> Module | None:
    """The module before ``module``, or ``None`` for the first one."""
    return MODULES[module.number - 2] if module.number > 1 else None


def related(module: Module, limit: int = 3) -> list[Module]:
    """Modules that share tags with ``module``: most shared tags first, then nearest in order."""
    scored = []
    for other in MODULES:
        shared = len(set(other.tags) & set(module.tags))
        if other is module or shared == 0:
            continue
        scored.append((-shared, abs(other.number - module.number), other.number, other))
    return [entry[-1] for entry in sorted(scored)[:limit]]


def header_line(module: Module) -> str:
    """The line every module page opens with.

    >>> header_line(get_module("loss-functions"))
    'Module 6 of 26 · Deep Learning with PyTorch · Intermediate'
    """
    return f"Module {module.number} of {TOTAL} · {COURSE_TITLE} · {LEVEL}"
