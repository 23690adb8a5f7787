"""Run the flagship lessons at their default settings on the real data and print a results table.

Not a test: it measures. Each lesson runs in its own process, exactly as a learner types it, and the
table gives its headline number (from the lesson's metrics.json), the floor from COURSE.md, the wall
time of the whole process (Python start-up, imports and data loading included) and its peak memory.

    python benchmarks/benchmark.py --data-dir ../shared/data            # all flagships
    python benchmarks/benchmark.py --data-dir ../shared/data --only cnn/04_lenet --repeat 3

The data root is copied to a temporary folder first (MNIST is unpacked on first use, and the shared
copy must never be written into). Results also go to outputs/benchmark/results.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from lessonkit.run import write_json  # noqa: E402


@dataclass(frozen=True)
class Flagship:
    lesson: str          # folder/stem
    metric: str          # key in metrics.json
    label: str           # how the table names the number
    floor: float | None  # from COURSE.md's accuracy floors
    higher_is_better: bool = True
    data: bool = True    # needs the real data root
    # The number the lesson's docstring promises for its default run, where no test runs the defaults
    # (too long for CI): the benchmark asserts it instead, within `tolerance`.
    expect: float | None = None
    tolerance: float = 0.005


FLAGSHIPS = [
    Flagship("cnn/04_lenet", "test_accuracy", "MNIST test accuracy", 0.99),
    Flagship("cnn/11_resnet", "test_accuracy", "MNIST test accuracy (ResNet-8, 5 epochs)", 0.994,
             expect=0.9955, tolerance=0.002),
    Flagship("cnn/07_alexnet", "test_accuracy", "Fashion-MNIST test accuracy (small AlexNet, 3 epochs)", None,
             expect=0.9018),
    Flagship("cnn/08_vgg", "test_accuracy", "Fashion-MNIST test accuracy (small VGG, 3 epochs)", None,
             expect=0.9169),
    Flagship("cnn/09_nin", "test_accuracy", "Fashion-MNIST test accuracy (small NiN, 3 epochs)", None,
             expect=0.9091),
    Flagship("cnn/10_googlenet", "test_accuracy", "Fashion-MNIST test accuracy (small GoogLeNet, 3 epochs)", None,
             expect=0.9038),
    Flagship("cnn/12_densenet", "test_accuracy", "Fashion-MNIST test accuracy (small DenseNet, 3 epochs)", None,
             expect=0.8988),
    Flagship("cnn/05_training_pipeline", "test_accuracy", "MNIST test accuracy (complete pipeline, best checkpoint)",
             0.99),
    Flagship("classic_ml/01_knn", "test_accuracy", "iris test accuracy", 0.95, data=False),
    Flagship("classic_ml/03_decision_tree", "test_accuracy", "breast cancer test accuracy (depth 4)", 0.93,
             data=False),
    Flagship("classic_ml/04_numpy_neural_network", "test_accuracy", "digits test accuracy (NumPy net)", 0.95,
             data=False),
    Flagship("classification/03_softmax_scratch", "test_accuracy", "Fashion-MNIST test accuracy (softmax, scratch)",
             0.83),
    Flagship("classification/04_softmax_concise", "test_accuracy", "Fashion-MNIST test accuracy (softmax, concise)",
             0.83),
    Flagship("classification/05_mlp_scratch", "test_accuracy", "Fashion-MNIST test accuracy (MLP, scratch)", 0.87),
    Flagship("classification/06_mlp_concise", "test_accuracy", "Fashion-MNIST test accuracy (MLP, concise)", 0.87),
    Flagship("classification/07_mnist_mlp_manual_weights", "test_accuracy", "MNIST test accuracy (w1..w3 MLP)",
             0.97),
    Flagship("rnn/03_gru_name_classifier", "test_accuracy", "names test accuracy (bidirectional GRU)", 0.85),
    Flagship("regression/04_bike_sharing", "val_mse", "bike sharing validation MSE (standardised)",
             0.18, higher_is_better=False),
    Flagship("regression/05_house_prices", "cv_val_log_rmse", "house prices 5-fold log-RMSE", 0.15,
             higher_is_better=False),
]


def run_once(flagship: Flagship, data_dir: Path, device: str, out: Path) -> dict:
    script = REPO / f"{flagship.lesson}.py"
    cmd = [sys.executable, str(script), "--device", device, "--out", str(out)]
    if flagship.data:
        cmd += ["--data-dir", str(data_dir)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)  # rusage of this one child: its own peak memory
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{flagship.lesson} failed with exit status {proc.returncode}:\n{output[-3000:]}")
    metrics = json.loads((out / "metrics.json").read_text())
    peak_mb = usage.ru_maxrss / 1024  # Linux reports kilobytes
    return {"value": metrics["metrics"][flagship.metric], "wall_s": wall, "peak_mb": peak_mb,
            "device": metrics["device"]}


def passes(flagship: Flagship, value: float) -> bool:
    if flagship.expect is not None and abs(value - flagship.expect) > flagship.tolerance:
        return False
    if flagship.floor is None:
        return True
    return value >= flagship.floor if flagship.higher_is_better else value <= flagship.floor


def machine_line() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = f", GPU {torch.cuda.get_device_name()}" if torch.cuda.is_available() else ""
    return (f"{os.cpu_count()} CPU cores ({cpu}){gpu}; Python {platform.python_version()}, "
            f"torch {torch.__version__}; {datetime.date.today().isoformat()}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=os.environ.get("LESSONS_DATA_DIR") or str(REPO / "data"),
                        help="data root holding the real datasets (default: $LESSONS_DATA_DIR, else data/)")
    parser.add_argument("--device", default="cpu", help="device passed to every lesson (default: cpu)")
    parser.add_argument("--only", nargs="+", metavar="LESSON", help="run only these, e.g. cnn/04_lenet")
    parser.add_argument("--repeat", type=int, default=1, help="runs per lesson; the table gives the range")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    chosen = [f for f in FLAGSHIPS if (REPO / f"{f.lesson}.py").is_file()]
    if args.only:
        unknown = set(args.only) - {f.lesson for f in FLAGSHIPS}
        if unknown:
            parser.error(f"not a flagship lesson: {', '.join(sorted(unknown))}")
        chosen = [f for f in chosen if f.lesson in args.only]
    source = Path(args.data_dir).expanduser()
    if any(f.data for f in chosen) and not source.is_dir():
        parser.error(f"--data-dir {source} is not a folder")

    machine = machine_line()
    print(f"benchmark on {machine}\n")
    rows = []
    with tempfile.TemporaryDirectory(prefix="lessons-bench-") as tmp:
        data_copy = Path(tmp) / "data"
        if any(f.data for f in chosen):
            shutil.copytree(source, data_copy, ignore=shutil.ignore_patterns("*-ubyte"))
        for flagship in chosen:
            runs = []
            for i in range(args.repeat):
                result = run_once(flagship, data_copy, args.device, Path(tmp) / "out" / flagship.lesson / str(i))
                runs.append(result)
                print(f"{flagship.lesson}: {flagship.metric}={result['value']:.4f} "
                      f"wall {result['wall_s']:.1f} s, peak {result['peak_mb']:.0f} MB")
            rows.append({"lesson": flagship.lesson, "label": flagship.label, "metric": flagship.metric,
                         "floor": flagship.floor, "expect": flagship.expect,
                         "tolerance": flagship.tolerance, "higher_is_better": flagship.higher_is_better, "runs": runs,
                         "passes": all(passes(flagship, r["value"]) for r in runs)})

    def span(values, fmt):
        lo, hi = fmt.format(min(values)), fmt.format(max(values))
        return lo if lo == hi else f"{lo}-{hi}"

    lines = ["| lesson | result | floor | wall time | peak memory |", "|---|---|---|---|---|"]
    for row in rows:
        values = [r["value"] for r in row["runs"]]
        reference = row["floor"] if row["floor"] is not None else row["expect"]
        pct = row["higher_is_better"] and reference is not None and reference <= 1
        fmt = "{:.2%}" if pct else "{:.4f}"
        floor = "" if row["floor"] is None else ("≥ " if row["higher_is_better"] else "≤ ") + fmt.format(row["floor"])
        if row["expect"] is not None:
            floor += f" expected {fmt.format(row['expect'])} ± {fmt.format(row['tolerance'])}"
        verdict = "(met)" if row["passes"] else "(MISSED)"
        wall = span([r["wall_s"] for r in row["runs"]], "{:.0f}")
        peak = span([r["peak_mb"] for r in row["runs"]], "{:.0f}")
        lines.append(f"| `{row['lesson']}.py` | {row['label']}: {span(values, fmt)} | {floor} {verdict} "
                     f"| {wall} s | {peak} MB |")
    table = "\n".join(lines)
    print(f"\n{table}\n\nmachine: {machine}; device: {args.device}; runs per lesson: {args.repeat}")
    out = REPO / "outputs" / "benchmark"
    write_json({"machine": machine, "device": args.device, "rows": rows}, out / "results.json")
    (out / "results.md").write_text(f"{table}\n\n{machine}; device {args.device}\n", encoding="utf-8")
    return 0 if all(row["passes"] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
