"""Measure the spread of every number the tests assert from training or a fit, and print it beside the bounds.

Not a test: it measures. A seed repeats exactly on one machine, but PyTorch, oneDNN, MKL and OpenBLAS choose
their kernels by processor and thread count, so a learner's machine gives other last digits. This script runs
the `trained` tests (those that call tests/measured.py's measured()) again and again, one setting changed at a
time from the base run (seed 0, this machine's threads, its native code path):

    seeds         LESSONS_TEST_SEED=0..4 (lessons run without --seed take it as their default)
    threads       OMP_NUM_THREADS=1, 2, 4
    code paths    default (no SIMD: ATEN_CPU_CAPABILITY=default, ONEDNN_MAX_CPU_ISA=SSE41,
                  MKL_ENABLE_INSTRUCTIONS=SSE4_2, OPENBLAS_CORETYPE=Prescott), avx2 (the same at AVX2,
                  Haswell) and native (whatever this CPU offers: avx512 and AMX on a recent Xeon)
    and the pair CI runs a second time: the default code path with one thread.

Every measured() call appends its value to a log; the table gives, per number, min and max over the runs,
where they came from, and the bounds the test asserts, marked TIGHT where a bound is within 10% of the
measured range of the extremes (or closer than the margin named by --margin) and FAIL where a run fell outside.

    python benchmarks/spread.py                                # quick tests only (a few minutes a run)
    python benchmarks/spread.py --real-data ../shared/data     # also the real_data ones (a copy is used)
    python benchmarks/spread.py --only tests/test_regression.py --seeds 0-9
    python benchmarks/spread.py --table outputs/spread/spread.jsonl   # re-print a table from a log

The table goes to outputs/spread/spread.md, the raw values to outputs/spread/spread.jsonl and each run's pytest
output (with its 50 slowest tests) to outputs/spread/s<seed>-t<threads>-<path>.log; the latest
table is kept in benchmarks/spread_results.md so that the next change can compare.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CODE_PATHS = {
    "native": {},
    "avx2": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
             "OPENBLAS_CORETYPE": "Haswell"},
    "default": {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
                "OPENBLAS_CORETYPE": "Prescott"},
}


def seeds(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(v) for v in text.split("-"))
        return list(range(first, last + 1))
    return [int(v) for v in text.split(",")]


def matrix(seed_list, thread_list, paths, base_threads) -> list[dict]:
    """One setting changed at a time from the base, plus CI's second pass (default code path, 1 thread)."""
    runs = [{"seed": s, "threads": base_threads, "path": "native"} for s in seed_list]
    runs += [{"seed": seed_list[0], "threads": t, "path": "native"} for t in thread_list if t != base_threads]
    runs += [{"seed": seed_list[0], "threads": base_threads, "path": p} for p in paths if p != "native"]
    if "default" in paths and 1 in thread_list:
        runs.append({"seed": seed_list[0], "threads": 1, "path": "default"})
    unique = []
    for run in runs:
        if run not in unique:
            unique.append(run)
    return unique


def run_tests(run: dict, pytest_args: list[str], log: Path, data: Path | None) -> tuple[int, float]:
    env = {**os.environ, "LESSONS_TEST_SEED": str(run["seed"]), "OMP_NUM_THREADS": str(run["threads"]),
           "MKL_NUM_THREADS": str(run["threads"]), "OPENBLAS_NUM_THREADS": str(run["threads"]),
           "LESSONS_SPREAD_LOG": str(log), **CODE_PATHS[run["path"]]}
    marker = "trained and real_data" if data else "trained and not real_data and not gpu"
    if data:
        env["LESSONS_DATA_DIR"] = str(data)
    # -n 0: no pytest-xdist workers, which would hold every test at one thread (tests/conftest.py)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=50", "-n", "0",
               "-m", marker, *pytest_args]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    (log.parent / f"s{run['seed']}-t{run['threads']}-{run['path']}.log").write_text(result.stdout + result.stderr)
    tail = [line for line in result.stdout.splitlines() if line.strip()][-1:] or ["(no output)"]
    print(f"  {run}: exit {result.returncode}, {time.perf_counter() - started:.0f} s: {tail[0]}", flush=True)
    if result.returncode not in (0, 1, 5):
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
    return result.returncode, time.perf_counter() - started


def label(row: dict) -> str:
    return f"s{row['seed']}/t{row['threads']}/{row['code_path']}"


def table(rows: list[dict]) -> str:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["test"], row["name"])].append(row)
    lines = ["| test | number | runs | min (run) | max (run) | asserted range | verdict |",
             "|---|---|---|---|---|---|---|"]
    for (test, name), group in sorted(groups.items()):
        low, high = group[-1]["low"], group[-1]["high"]
        values = [r["value"] for r in group]
        smallest, largest = min(group, key=lambda r: r["value"]), max(group, key=lambda r: r["value"])
        width = max(max(values) - min(values), 1e-12)
        if (low is not None and min(values) < low) or (high is not None and max(values) > high):
            verdict = "FAIL"
        elif (low is not None and min(values) - low < 0.1 * width) or (
                high is not None and high - max(values) < 0.1 * width):
            verdict = "TIGHT"
        else:
            verdict = "ok"
        bounds = f"[{'' if low is None else f'{low:.6g}'}, {'' if high is None else f'{high:.6g}'}]"
        lines.append(f"| {test.split('::', 1)[-1]} ({test.split('::')[0].removeprefix('tests/')}) | {name} | "
                     f"{len(group)} | {smallest['value']:.6g} ({label(smallest)}) | {largest['value']:.6g} "
                     f"({label(largest)}) | {bounds} | {verdict} |")
    runs = sorted({label(r) for r in rows})
    return "\n".join(lines) + f"\n\n{len(groups)} numbers over {len(runs)} runs: {', '.join(runs)}\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=seeds, default=seeds("0-4"), help="seeds, as 0-4 or 0,3 (default 0-4)")
    parser.add_argument("--threads", type=lambda t: [int(v) for v in t.split(",")], default=[1, 2, 4],
                        help="thread counts (default 1,2,4)")
    parser.add_argument("--code-paths", type=lambda t: t.split(","), default=list(CODE_PATHS),
                        help=f"code paths (default {','.join(CODE_PATHS)})")
    parser.add_argument("--real-data", type=Path, default=None,
                        help="a data root with the real datasets: measure the real_data tests (on a copy)")
    parser.add_argument("--only", nargs="*", default=[], help="test files or node ids to run (default: all)")
    parser.add_argument("--out", type=Path, default=REPO / "outputs" / "spread")
    parser.add_argument("--table", type=Path, default=None, help="only print the table of an existing log")
    args = parser.parse_args(argv)
    if args.table:
        rows = [json.loads(line) for line in args.table.read_text().splitlines() if line.strip()]
        print(table(rows))
        return 0
    unknown = set(args.code_paths) - set(CODE_PATHS)
    if unknown:
        parser.error(f"unknown code path(s) {sorted(unknown)}; choose from {sorted(CODE_PATHS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "spread.jsonl"
    log.unlink(missing_ok=True)
    import torch

    base_threads = torch.get_num_threads()
    runs = matrix(args.seeds, args.threads, args.code_paths, base_threads)
    print(f"{len(runs)} runs of the trained tests (base: seed {args.seeds[0]}, {base_threads} threads, native "
          f"= {torch.backends.cpu.get_cpu_capability()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="spread-data-") as tmp:
        data = None
        if args.real_data:
            data = Path(tmp) / "data"
            shutil.copytree(args.real_data, data)
            for path in data.rglob("*"):
                path.chmod(path.stat().st_mode | 0o200)
        for run in runs:
            run_tests(run, args.only, log, data)
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()] if log.exists() else []
    text = table(rows)
    (args.out / "spread.md").write_text(text)
    print(text)
    print(f"saved {args.out / 'spread.md'} and {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
