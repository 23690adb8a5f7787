"""One argument parser for every lesson: the common flags, each lesson adding its own.

    parser = make_parser(__doc__, epochs=3, batch_size=128, lr=0.01)
    parser.add_argument("--hidden", type=positive_int, default=256)
    args = parser.parse_args(argv)

`--epochs`, `--batch-size` and `--lr` exist only in lessons that train (those that pass a default),
so no lesson shows a flag that does nothing. Bad values are argparse errors (exit status 2).
"""

from __future__ import annotations

import argparse

from .device import DEVICE_PATTERN


def _whole_number(text: str, minimum: int, requirement: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be {requirement}, got {value}")
    return value


def positive_int(text: str) -> int:
    return _whole_number(text, 1, "positive")


def non_negative_int(text: str) -> int:
    return _whole_number(text, 0, "zero or more")


# NumPy's global seeding (np.random.seed) and scikit-learn's random_state take 0 .. 2**32 - 1.
SEED_LIMIT = 2**32


def seed_value(text: str) -> int:
    """A random seed: a whole number from 0 to 2**32 - 1 (larger ones are usage errors, not NumPy tracebacks)."""
    value = _whole_number(text, 0, "zero or more")
    if value >= SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"must be below 2**32 = {SEED_LIMIT} (NumPy and scikit-learn take 32-bit "
                                         f"seeds), got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


def device_name(text: str) -> str:
    name = text.strip().lower()
    if not DEVICE_PATTERN.match(name):
        raise argparse.ArgumentTypeError(f"expected auto, cpu, cuda, cuda:N or mps, got {text!r}")
    return name


def make_parser(
    doc: str | None,
    *,
    epochs: int | None = None,
    batch_size: int | None = None,
    lr: float | None = None,
) -> argparse.ArgumentParser:
    """A parser with the common flags; the lesson's docstring becomes its --help text."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    common = parser.add_argument_group("common flags")
    common.add_argument("--device", type=device_name, default="auto",
                        help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps (default: auto)")
    common.add_argument("--seed", type=seed_value, default=0,
                        help="random seed, 0 to 2**32 - 1; the same seed gives the same numbers on the same "
                             "machine and thread count (default: 0)")
    if epochs is not None:
        common.add_argument("--epochs", type=positive_int, default=epochs,
                            help=f"passes over the training data (default: {epochs})")
    if batch_size is not None:
        common.add_argument("--batch-size", type=positive_int, default=batch_size,
                            help=f"examples per optimisation step (default: {batch_size})")
    if lr is not None:
        common.add_argument("--lr", type=positive_float, default=lr, help=f"learning rate (default: {lr})")
    common.add_argument("--quick", action="store_true",
                        help="a tiny run that takes seconds: for smoke tests and impatient readers")
    common.add_argument("--data-dir", default=None,
                        help="data root (default: $LESSONS_DATA_DIR, else <repo>/data)")
    common.add_argument("--out", default=None,
                        help="where figures, metrics.json and checkpoints go "
                             "(default: outputs/<folder>/<lesson>/)")
    common.add_argument("--show", action="store_true",
                        help="also open figure windows (default: only save PNG files)")
    return parser
