"""Prepare a notebook the way the book runs it: seeded, one thread, reproducible figures.

Every module page starts with ``from dlcourse.notebook import setup; setup()``. Run locally or in
Colab it gives the same numbers the published page shows (on the same torch version and CPU).
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
from collections.abc import Iterator

DEFAULT_SEED = 0


def seed_everything(seed: int = DEFAULT_SEED) -> None:
    """Seed Python's, NumPy's and torch's random number generators.

    :func:`setup` calls it; reseed with it before each experiment. Introduced in *Introduction to
    Deep Learning*: https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> import torch
    >>> seed_everything(3); a = torch.rand(2)
    >>> seed_everything(3); b = torch.rand(2)
    >>> torch.equal(a, b)
    True
    """
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed: int = DEFAULT_SEED, threads: int = 1) -> None:
    """Seed everything, limit torch to ``threads`` threads and make figures reproducible.

    One thread is the book's setting: small models run fastest that way, and results do not
    depend on how many cores the machine has. Introduced in *Introduction to
    Deep Learning*: https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> setup()
    >>> import torch
    >>> torch.get_num_threads()
    1
    """
    # matplotlib stamps SVGs with the date unless SOURCE_DATE_EPOCH is set
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    import torch

    torch.set_num_threads(threads)
    seed_everything(seed)
    from dlcourse.plot import use_course_style

    use_course_style()


def show_source(obj: object) -> object:
    """Display the source of a ``dlcourse`` object as a highlighted code block.

    Pages import reusable code from ``dlcourse`` and show it where reading it teaches something.
    Introduced in *Introduction to
    Deep Learning*: https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> from dlcourse.models import SimpleNN
    >>> print(show_source(SimpleNN).data.splitlines()[1])
    class SimpleNN(nn.Module):
    """
    import inspect

    from IPython.display import Markdown

    return Markdown(f"```python\n{inspect.getsource(obj).rstrip()}\n```")


#: Values recorded by :func:`glue`, by name.
GLUED: dict[str, object] = {}


def glue(name: str, value: object, display: bool = False) -> None:
    """Record ``value`` under ``name`` so the page's prose can quote it (``{glue:text}`name```).

    In the book this is MyST-NB's ``glue``. Run elsewhere (Colab, plain Jupyter) the value is
    kept in :data:`GLUED` and shown if ``display`` is true. Introduced in *Introduction to
    Deep Learning*: https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> glue("answer", 42)
    >>> GLUED["answer"]
    42
    """
    GLUED[name] = value
    try:
        from IPython import get_ipython
        from myst_nb import glue as myst_glue
    except ImportError:
        myst_glue = None
    if myst_glue is not None and get_ipython() is not None:
        myst_glue(name, value, display=display)
    elif display:
        print(f"{name} = {value!r}")


class ClaimError(AssertionError):
    """A sentence of the page says something its output no longer supports.

    Raised by :func:`claim`. Introduced in *Introduction to
    Deep Learning*: https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> issubclass(ClaimError, AssertionError)
    True
    """


def claim(holds: object, sentence: str) -> None:
    """Back a sentence of the prose with the output it describes: fail loudly if it stops holding.

    A page that says "Adam ends lower than SGD" puts, right after the cell that computes both
    losses, a check cell that the reader never sees (tag ``remove-cell``: hidden on the page and
    left out of the notebook)::

        ```{code-cell} ipython3
        :tags: [remove-cell]
        claim(adam_loss < sgd_loss, "Adam ends lower than SGD")
        ```

    When a change to the code, the data or torch makes the output contradict the sentence, the
    build stops naming the page, the cell and the claim. Introduced in *Introduction to
    Deep Learning*: https://dlcourse.github.io/dlcourse/modules/introduction-to-deep-learning.html

    >>> claim(1 < 2, "one is less than two")
    >>> claim(3 < 2, "three is less than two")
    Traceback (most recent call last):
    ...
    dlcourse.notebook.ClaimError: the output no longer supports the claim 'three is less than two': reword the sentence (and this check) to say what the output shows, or change the code back
    """  # noqa: E501
    if not holds:
        raise ClaimError(
            f"the output no longer supports the claim {sentence!r}: reword the sentence (and this "
            "check) to say what the output shows, or change the code back"
        )


@contextlib.contextmanager
def silence_stderr() -> Iterator[None]:
    """Discard everything written to the process's stderr (file descriptor 2).

    ``torch.profiler`` writes time-stamped start/stop notices from C++ straight to descriptor 2,
    past Python's ``sys.stderr``; this hides them, so a page's output is the same on every run.
    Introduced in *Debugging and Visualizing Training*:
    https://dlcourse.github.io/dlcourse/modules/debugging-and-visualizing-training.html

    >>> with silence_stderr():
    ...     print("hidden", file=sys.stderr)
    >>> print("visible")
    visible
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
