"""Numbers that training or a fit produces: asserted over their measured spread, and recorded.

A seed gives the same numbers twice on one machine, not on every machine: PyTorch, oneDNN, MKL and
OpenBLAS pick their kernels by processor and thread count, and the last digits move with them. So a
test never asserts one run's digits. It asserts a range measured over seeds, thread counts and CPU code
paths (benchmarks/spread.py runs that matrix and prints the table), with a margin beyond the extremes:

    measured("test accuracy", metrics["test_accuracy"], 0.83, 0.86)

asserts 0.83 <= value <= 0.86 (either bound may be None, not both) and, where LESSONS_SPREAD_LOG names a file,
first appends the value with the test's name and the run's seed, threads and code path to it as one JSON
line, so that a run which fails still says what it measured. Tests that call it are marked `trained`
automatically (conftest.py), and CI runs them a second time under another code path and one thread.

`SEED` is the seed the tests run lessons with: 0, or LESSONS_TEST_SEED when benchmarks/spread.py sets it.
Lessons whose argv gives no --seed get it as their default (conftest.py); tests that call a lesson's
functions pass `SEED` themselves.
"""

from __future__ import annotations

import json
import math
import os

SEED = int(os.environ.get("LESSONS_TEST_SEED", "0"))


def code_path() -> str:
    """The kernels this process runs: PyTorch's CPU capability (ATEN_CPU_CAPABILITY can lower it)."""
    import torch

    return torch.backends.cpu.get_cpu_capability().lower()


def run_settings() -> dict:
    import torch

    return {"seed": SEED, "threads": torch.get_num_threads(), "code_path": code_path()}


def _record(name: str, value: float, low: float | None, high: float | None) -> None:
    log = os.environ.get("LESSONS_SPREAD_LOG")
    if not log:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").rsplit(" (", 1)[0]
    row = {"test": test, "name": name, "value": value, "low": low, "high": high, **run_settings()}
    with open(log, "a", encoding="utf-8") as f:  # one short line per write: appends do not interleave
        f.write(json.dumps(row) + "\n")


def measured(name: str, value, low: float | None = None, high: float | None = None) -> float:
    """Assert low <= value <= high for a number that training or a fit produced, after recording it."""
    value = float(value.detach() if hasattr(value, "detach") else value)  # a tensor may still carry autograd
    _record(name, value, low, high)
    if low is None and high is None and not os.environ.get("LESSONS_SPREAD_LOG"):
        # Both bounds open is allowed only while benchmarks/spread.py measures a new number: a test that
        # asserts nothing must not pass.
        raise AssertionError(f"{name}: no bounds yet; measure it with benchmarks/spread.py, then set them")
    assert math.isfinite(value), f"{name}: {value} is not a finite number"
    if low is not None:
        assert value >= low, f"{name}: {value:.6g} is below {low:g}, the lowest its measured spread allows"
    if high is not None:
        assert value <= high, f"{name}: {value:.6g} is above {high:g}, the highest its measured spread allows"
    return value
