"""Run setup and wrap-up shared by every lesson.

    run = start_run(__file__, args)     # seed, device, output folder, banner, plotting backend
    ...
    return run.finish({"test_accuracy": acc})   # prints the numbers, writes metrics.json

`run.device` is the torch.device to use, `run.out` the output folder, `run.data_dir` the data root.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .data import data_root
from .device import get_device
from .files import atomic_path


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and PyTorch so a CPU run repeats exactly."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device


def use_plot_backend(show: bool) -> None:
    """Draw off-screen (Agg) unless the learner asked to see windows with --show."""
    import matplotlib

    if not show:
        matplotlib.use("Agg", force=True)


def lesson_name(lesson_file: str | os.PathLike) -> str:
    path = Path(lesson_file).resolve()
    return f"{path.parent.name}/{path.stem}"


def versions() -> dict[str, str]:
    return {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__}


def _json_ready(value):
    """Turn tensors, NumPy scalars and paths into plain JSON values."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, torch.Tensor):
        return _json_ready(value.detach().cpu().tolist())
    if isinstance(value, np.ndarray):
        return _json_ready(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (Path, torch.device)):
        return str(value)
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)  # JSON has no NaN/inf
    return value


def write_json(data: dict, path: str | os.PathLike) -> Path:
    """Write JSON atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        json.dump(_json_ready(data), f, indent=2, ensure_ascii=False)
        f.write("\n")
    return path


@dataclass
class Run:
    lesson: str
    args: argparse.Namespace
    device: torch.device
    out: Path
    data_dir: Path
    started: float = field(default_factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def finish(self, metrics: dict) -> dict:
        """Print the final numbers, write metrics.json, and return what was written."""
        record = {
            "lesson": self.lesson,
            "metrics": _json_ready(metrics),
            "device": str(self.device),
            "seconds": round(self.seconds, 3),
            "args": _json_ready(vars(self.args)),  # tuples become lists, as in the saved file
            "versions": versions(),
        }
        path = write_json(record, self.out / "metrics.json")
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in record["metrics"].items() if not isinstance(v, (list, dict)))
        print(f"done in {record['seconds']:.1f} s on {self.device}: {shown}")
        print(f"saved {path}")
        if self.args.show:
            import matplotlib.pyplot as plt

            plt.show()
        return record


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def start_run(lesson_file: str | os.PathLike, args: argparse.Namespace) -> Run:
    """Seed, pick the device, make the output folder, choose the plot backend, print the banner."""
    lesson_path = Path(lesson_file).resolve()
    repo_root = lesson_path.parent.parent
    name = lesson_name(lesson_path)
    use_plot_backend(args.show)
    seed_everything(args.seed)
    device = get_device(args.device)
    out = Path(args.out).expanduser() if args.out else repo_root / "outputs" / name
    out.mkdir(parents=True, exist_ok=True)
    run = Run(lesson=name, args=args, device=device, out=out.resolve(),
              data_dir=data_root(args.data_dir, repo_root))
    v = versions()
    print(f"== {name} | Python {v['python']} | torch {v['torch']} | numpy {v['numpy']} | "
          f"device {device} | seed {args.seed}{' | quick' if args.quick else ''} ==", file=sys.stdout)
    return run
