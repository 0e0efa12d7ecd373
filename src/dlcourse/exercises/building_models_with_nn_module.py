"""Checks for the exercises of Module 4, Building Models with nn.Module."""

from __future__ import annotations

from dlcourse.exercises import Exercise

#: three Linear layers 13 -> 64 -> 32 -> 3, each with a weight matrix and a bias
PARAMETERS = sum(a * b + b for a, b in ((13, 64), (64, 32), (32, 3)))


def _count_by_hand(by_hand: int) -> str | None:
    if isinstance(by_hand, bool) or not isinstance(by_hand, int):
        return "`by_hand` should be an int: a number of parameters"
    if by_hand == PARAMETERS:
        return None
    if by_hand == sum(a * b for a, b in ((13, 64), (64, 32), (32, 3))):
        return "you counted the weights: each Linear layer also has one bias per output"
    return "count a * b + b for each Linear layer a -> b: ReLU layers have no parameters"


def _plain_list_bug(accuracy: dict) -> str | None:
    if set(accuracy) != {"ListNet", "ModuleListNet"}:
        return "`accuracy` should have two entries, keyed 'ListNet' and 'ModuleListNet'"
    plain, registered = float(accuracy["ListNet"]), float(accuracy["ModuleListNet"])
    if not (0 <= plain <= 1 and 0 <= registered <= 1):
        return "an accuracy is a fraction between 0 and 1"
    if not registered > 0.8:
        return (
            "the ModuleList network should learn the wine classes: is it trained on "
            "standardized data?"
        )
    if not plain < registered - 0.1:
        return (
            "the plain-list network should learn far less: train only what `parameters()` "
            "finds, the registered scale"
        )
    return None


def _why_standardize(raw: dict, curves: dict) -> str | None:
    for name, c in (("raw", raw), ("curves", curves)):
        if not isinstance(c, dict) or "train_loss" not in c or "val_accuracy" not in c:
            return f"`{name}` should be the curves `train_classifier` returns"
    if raw["train_loss"] == curves["train_loss"]:
        return "`raw` is the standardized run: train a new WineNet on the raw `X_train`"
    if not raw["train_loss"][-1] > 2 * curves["train_loss"][-1]:
        return "on raw features the final training loss should be far higher than standardized"
    if not raw["val_accuracy"][-1] < curves["val_accuracy"][-1]:
        return "on raw features the test accuracy should end lower than standardized"
    return None


def _curves(loss: float, accuracy: float) -> dict[str, list[float]]:
    return {"train_loss": [1.1, loss], "val_accuracy": [0.3, accuracy]}


EXERCISES = (
    Exercise(
        1,
        "Count by hand",
        names=("by_hand",),
        test=_count_by_hand,
        wrong=(
            {"by_hand": PARAMETERS - 64 - 32 - 3},  # weights only
            {"by_hand": PARAMETERS - 3},  # forgot the output layer's bias
            {"by_hand": str(PARAMETERS)},  # a string
        ),
    ),
    Exercise(
        2,
        "The plain-list bug in training",
        names=("accuracy",),
        test=_plain_list_bug,
        wrong=(
            {"accuracy": {"ListNet": 0.95, "ModuleListNet": 0.95}},  # both trained fully
            {"accuracy": {"ListNet": 0.97, "ModuleListNet": 0.4}},  # swapped
            {"accuracy": {"ListNet": 40.0, "ModuleListNet": 97.0}},  # percentages
        ),
    ),
    Exercise(
        3,
        "Why standardize?",
        names=("raw", "curves"),
        test=_why_standardize,
        wrong=(
            {"raw": _curves(0.02, 1.0), "curves": _curves(0.02, 1.0)},  # the same run twice
            {"raw": _curves(0.02, 1.0), "curves": _curves(0.9, 0.6)},  # swapped
            {"raw": 0.9, "curves": _curves(0.02, 1.0)},  # only a loss
        ),
    ),
)
