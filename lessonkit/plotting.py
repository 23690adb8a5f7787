"""Saving figures without leaving half-written files."""

from __future__ import annotations

import os
from pathlib import Path

from .files import atomic_path


def save_figure(fig, path: str | os.PathLike, *, show: bool = False, dpi: int = 120) -> Path:
    """Save a Matplotlib figure atomically; close it unless the learner asked to see windows."""
    import matplotlib.pyplot as plt

    path = Path(path)
    with atomic_path(path, suffix=path.suffix) as tmp:  # the suffix tells savefig the format
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    if not show:
        plt.close(fig)
    print(f"saved {path}")
    return path
