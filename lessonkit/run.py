"""Run setup and wrap-up shared by every lesson.

    run = start_run(__file__, args)     # seed, device, output folder, banner, plotting backend
    ...
    return run.finish({"test_accuracy": acc})   # prints the numbers, writes metrics.json

`run.device` is the torch.device to use, `run.out` the output folder, `run.data_dir` the data root.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from .data import data_root
from .device import get_device
from .errors import LessonError
from .files import atomic_path, ensure_writable_folder, sweep_stale_temporaries


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
        """Print the final numbers, write metrics.json, and return what was written.

        A NaN or infinite number among the metrics is an error (exit status 1), never a result.
        """
        bad = list(_non_finite(metrics))
        if bad:
            shown = ", ".join(f"{k} = {v}" for k, v in bad[:5])
            raise LessonError(
                f"the run produced non-finite results ({shown}); they were not saved as results. "
                "The usual causes are damaged input data (a NaN, an empty cell or an impossible value) or a "
                "diverging loss (try a smaller --lr where the lesson has one)."
            )
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


def _non_finite(value, key: str = ""):
    """(name, value) of every NaN or infinite number inside nested metrics."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _non_finite(v, f"{key}[{i}]")
    elif isinstance(value, (torch.Tensor, np.ndarray)):
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
        if np.issubdtype(array.dtype, np.number) and not np.isfinite(array).all():
            yield key, "nan/inf"
    elif isinstance(value, (float, np.floating)) and not math.isfinite(value):
        yield key, value


def _stop_on_signal(signum, frame):
    """Ctrl-C or a polite kill: one line, then SystemExit, so every `finally` (atomic_path's clean-up of
    half-written temp files included) runs on the way out. Exit status 128 + signal (130 for Ctrl-C)."""
    name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
    print(f"\ninterrupted ({name}): stopped; files being written were discarded, saved ones kept",
          file=sys.stderr, flush=True)
    raise SystemExit(128 + signum)


def handle_interrupts(lesson_path: Path) -> None:
    """Install the interrupt handler when the lesson runs as a script (not when a test imports it)."""
    main_file = getattr(sys.modules.get("__main__"), "__file__", None)
    if main_file is None or Path(main_file).resolve() != lesson_path:
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop_on_signal)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def start_run(lesson_file: str | os.PathLike, args: argparse.Namespace, *, cpu_only: str | None = None) -> Run:
    """Seed, pick the device, make the output folder, choose the plot backend, print the banner.

    A lesson whose work runs on the CPU whatever --device says (NumPy, SciPy, scikit-learn, or tensors
    too small for a GPU to matter) passes `cpu_only="why"`: its run.device is then the CPU and the
    banner says so and why, instead of naming a device that does no work.
    """
    lesson_path = Path(lesson_file).resolve()
    repo_root = lesson_path.parent.parent
    name = lesson_name(lesson_path)
    use_plot_backend(args.show)
    seed_everything(args.seed)
    if cpu_only:
        device = torch.device("cpu")
        ignored = "" if args.device in ("auto", "cpu") else f"; --device {args.device} has no effect here"
        where = f"device cpu ({cpu_only}{ignored})"
    else:
        device = get_device(args.device)
        where = f"device {device}"
    handle_interrupts(lesson_path)
    # --out is checked before any work: a bad folder found after training would lose the run.
    out = ensure_writable_folder(Path(args.out).expanduser() if args.out else repo_root / "outputs" / name)
    run = Run(lesson=name, args=args, device=device, out=out.resolve(),
              data_dir=data_root(args.data_dir, repo_root))
    v = versions()
    print(f"== {name} | Python {v['python']} | torch {v['torch']} | numpy {v['numpy']} | "
          f"{where} | seed {args.seed}{' | quick' if args.quick else ''} ==", file=sys.stdout)
    for stale in sweep_stale_temporaries(out):
        print(f"removed {stale}, a temporary file left by an interrupted run")
    return run
