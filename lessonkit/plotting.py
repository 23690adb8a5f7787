"""Saving figures without leaving half-written files."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def save_figure(fig, path: str | os.PathLike, *, show: bool = False, dpi: int = 120) -> Path:
    """Save a Matplotlib figure atomically; close it unless the learner asked to see windows."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    if not show:
        plt.close(fig)
    print(f"saved {path}")
    return path
