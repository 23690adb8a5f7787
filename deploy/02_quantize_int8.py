"""deploy/02_quantize_int8.py: static int8 quantisation of the exported LeNet with onnxruntime.

Quantisation (量化) stores each weight and activation tensor as 8-bit integers plus a scale and a zero
point (real value = scale * (q - zero_point)) instead of 32-bit floats. Static quantisation fixes the
activations' ranges once, before deployment, by running a few hundred calibration images (校准) through
the model. You will pre-process the file (quant_pre_process), quantise it in the QDQ format (the graph
keeps float operators between QuantizeLinear/DequantizeLinear pairs, which onnxruntime fuses into
integer kernels when it loads the file), then put fp32 and int8 side by side: size, accuracy, throughput,
and where the time goes by kind of operator.

Notes: 002's deployment idea (a small model that travels to a browser or a phone); the model is
cnn/04_lenet.py's LeNet-5 as deploy/01_export_onnx.py exported it.
Run:    python deploy/02_quantize_int8.py [--model outputs/deploy/01_export_onnx/lenet.onnx] [--quick]
        (no exported model yet: it runs python deploy/01_export_onnx.py first, into <out>/export/)
Prints: calibration, fp32 vs int8 (file size, test accuracy, predictions that differ, batch-256
        throughput), time per kind of operator, and what the trade bought here.
Saves:  outputs/deploy/02_quantize_int8/{lenet_int8.onnx, metrics.json, fp32_vs_int8.png}
Expect: with cnn/04's default checkpoint the int8 file is 3.3x smaller (79 vs 258 KB) and as accurate (both
        about 99.2%, within 0.3 points of each other); a handful of the 10,000 test predictions change (3 to
        13 in the runs we have seen: int8 rounding flips the digits that sit near a decision boundary, and
        which those are moves with CPU and onnxruntime). It is not faster here: LeNet's time goes to its narrow
        convolutions (1 and 6 input channels), which run slower as int8 than in onnxruntime's tuned float
        kernels, so on the 2-core x86 test CPU (AVX-512, with VNNI) int8 gives about half the fp32 throughput.
        Measure on the hardware you deploy to.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quant_pre_process,
    quantize_static,
)

import lessonkit as lk

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO / "outputs" / "deploy" / "01_export_onnx" / "lenet.onnx"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # the exported model expects inputs normalised as in training


def to_model_input(images: torch.Tensor) -> np.ndarray:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), normalised, as a NumPy array for onnxruntime."""
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1).numpy()


class Calibration(CalibrationDataReader):
    """Feeds calibration batches to the quantiser: get_next() returns {input name: batch}, then None."""

    def __init__(self, images: np.ndarray, batch_size: int = 50):
        self.batches = iter(images[i:i + batch_size] for i in range(0, len(images), batch_size))

    def get_next(self):
        batch = next(self.batches, None)
        return None if batch is None else {"image": batch}


def find_model(args, out: Path, data_dir: Path) -> Path:
    """The fp32 ONNX file; without one, run deploy/01_export_onnx.py first as a learner would."""
    model = Path(args.model).expanduser()
    exported_here = out / "export" / "lenet.onnx"
    if model.is_file():
        return model
    if exported_here.is_file():
        print(f"no model at {model}; using {exported_here}, exported by an earlier run of this lesson")
        return exported_here
    command = [sys.executable, str(REPO / "deploy" / "01_export_onnx.py"), "--device", args.device,
               "--seed", str(args.seed), "--data-dir", str(data_dir), "--out", str(exported_here.parent)]
    command += ["--quick"] if args.quick else []
    print(f"no model at {model}: exporting it first:\n  {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=REPO)
    if result.returncode != 0 or not exported_here.is_file():
        raise lk.LessonError(f"exporting with deploy/01_export_onnx.py failed (exit status {result.returncode}, "
                             "its message is above); fix that, or give an ONNX file with --model")
    return exported_here


def check_fp32_model(path: Path) -> None:
    """A clear error for a file that is not an ONNX model of the kind 01 writes, before quantising it."""
    lk.check_onnx_model(path, {"image": [None, 1, 28, 28]}, {"logits": [None, 10]},
                        expected="LeNet as python deploy/01_export_onnx.py exports it (lenet.onnx)")


def session(path: Path, threads: int, profile_prefix: str | None = None) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    if profile_prefix:
        options.enable_profiling, options.profile_file_prefix = True, profile_prefix
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def logits(sess, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    return np.concatenate([sess.run(["logits"], {"image": x[i:i + batch_size]})[0]
                           for i in range(0, len(x), batch_size)])


def throughput(sess, batch: np.ndarray, calls: int) -> float:
    """Images per second at this batch size: the median of many timed calls, after a warm-up."""
    for _ in range(5):
        sess.run(["logits"], {"image": batch})
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        sess.run(["logits"], {"image": batch})
        times.append(time.perf_counter() - start)
    return len(batch) / float(np.median(times))


def time_by_operator(path: Path, batch: np.ndarray, threads: int, calls: int, folder: str) -> dict[str, float]:
    """Milliseconds per call spent in each kind of operator, from onnxruntime's own profiler."""
    sess = session(path, threads, profile_prefix=str(Path(folder) / path.stem))
    for _ in range(calls):
        sess.run(["logits"], {"image": batch})
    events = json.loads(Path(sess.end_profiling()).read_text())
    totals = Counter()
    for event in events:  # one event per operator per call; the fused int8 ones are QLinearConv, QGemm
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            op = event["args"]["op_name"]
            kind = "convolution" if "Conv" in op else "matmul (Gemm)" if "Gemm" in op else "other"
            totals[kind] += event["dur"] / 1000 / calls  # microseconds -> ms per call
    return {kind: totals[kind] for kind in ("convolution", "matmul (Gemm)", "other")}


def plot_comparison(rows: dict, path, show: bool) -> None:
    names, colors = list(rows), ["tab:blue", "tab:green"]
    panels = [("file_kb", "KB", "File size"), ("accuracy", "test accuracy (%)", "Accuracy"),
              ("throughput_per_s", "images per second", "Throughput, batch 256")]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    for ax, (key, label, title) in zip(axes, panels):
        values = [rows[n][key] * (100 if key == "accuracy" else 1) for n in names]
        bars = ax.bar(names, values, color=colors, width=0.55)
        ax.bar_label(bars, fmt="{:.2f}" if key == "accuracy" else "{:,.0f}")
        ax.set(ylabel=label, title=title)
        if key == "accuracy":
            ax.set_ylim(max(0.0, min(values) - 2), 100)  # the differences are tenths of a point
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("LeNet-5 in onnxruntime: float32 vs static int8 (QDQ)")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--model", default=str(DEFAULT_MODEL),
                        help="fp32 ONNX file from deploy/01_export_onnx.py "
                             "(default: outputs/deploy/01_export_onnx/lenet.onnx)")
    parser.add_argument("--calibration-images", type=lk.positive_int, default=300,
                        help="training images used to find the activation ranges (default: 300)")
    parser.add_argument("--threads", type=lk.positive_int, default=1,
                        help="onnxruntime CPU threads for both models (default: 1)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="onnxruntime runs both models on the CPU")

    mnist = lk.load_mnist(run.data_dir, "MNIST")
    x_test, y_test = to_model_input(mnist.x_test), mnist.y_test.numpy()
    if args.quick:
        x_test, y_test, args.calibration_images = x_test[:1000], y_test[:1000], min(args.calibration_images, 100)
    fp32_path = find_model(args, run.out, run.data_dir)
    check_fp32_model(fp32_path)
    int8_path = run.out / "lenet_int8.onnx"

    # --- calibration data: training images, never test images ---
    # Calibration fits numbers (each activation's range, hence its scale) to the images it sees. Fitted on
    # test images, the test set would no longer be unseen and the int8 accuracy below would be optimistic.
    pick = torch.randperm(len(mnist.x_train), generator=torch.Generator().manual_seed(args.seed))
    calibration = to_model_input(mnist.x_train[pick[:args.calibration_images]])  # (n, 1, 28, 28)
    print(f"calibration: {len(calibration)} random training images (test images stay unseen)")

    # --- quantise: pre-process, then quantize_static in the QDQ format ---
    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "lenet_prepared.onnx"
        # Shape inference and graph clean-up first: the quantiser works best on tensors whose shapes it
        # knows, and it should quantise the graph after onnxruntime's own simplifications, not before.
        quant_pre_process(fp32_path, prepared)
        with lk.atomic_path(int8_path) as tmp:
            quantize_static(prepared, tmp, Calibration(calibration), quant_format=QuantFormat.QDQ,
                            # U8S8: uint8 activations times int8 weights, what x86's int8 dot products
                            # (VPMADDUBSW, VNNI) multiply; onnxruntime's docs name S8S8 (both int8,
                            # quantize_static's default) the first choice, and U8U8 if accuracy drops
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            calibrate_method=CalibrationMethod.MinMax)  # range = [min, max] seen
        int8_ops = Counter(node.op_type for node in onnx.load(int8_path).graph.node)
        print(f"quantised with MinMax calibration -> {int8_path}; its graph: "
              + ", ".join(f"{op} x{n}" for op, n in int8_ops.most_common()))

        # --- fp32 vs int8, side by side ---
        batch = x_test[np.arange(256) % len(x_test)]  # (256, 1, 28, 28)
        calls = 5 if args.quick else 50
        rows, outputs = {}, {}
        for name, path in (("fp32", fp32_path), ("int8", int8_path)):
            sess = session(path, args.threads)
            outputs[name] = logits(sess, x_test)  # (N, 10)
            rows[name] = {"file_kb": path.stat().st_size / 1024,
                          "accuracy": float((outputs[name].argmax(1) == y_test).mean()),
                          "throughput_per_s": throughput(sess, batch, calls),
                          "ms_by_operator": time_by_operator(path, batch, args.threads, calls, scratch)}
    differing = int((outputs["int8"].argmax(1) != outputs["fp32"].argmax(1)).sum())
    change = np.abs(outputs["int8"] - outputs["fp32"])  # (N, 10)
    max_diff, median_diff = float(change.max()), float(np.median(change))
    drop = 100 * (rows["fp32"]["accuracy"] - rows["int8"]["accuracy"])
    size_ratio = rows["fp32"]["file_kb"] / rows["int8"]["file_kb"]
    speed_ratio = rows["int8"]["throughput_per_s"] / rows["fp32"]["throughput_per_s"]

    print(f"\n{len(x_test)} test images, {args.threads} onnxruntime thread(s), {calls} batches of 256:")
    print(f"  {'':<22}{'fp32':>12}{'int8':>12}")
    print(f"  {'file size (KB)':<22}{rows['fp32']['file_kb']:>12.0f}{rows['int8']['file_kb']:>12.0f}")
    print(f"  {'test accuracy (%)':<22}{100 * rows['fp32']['accuracy']:>12.2f}{100 * rows['int8']['accuracy']:>12.2f}")
    print(f"  {'images/s (batch 256)':<22}{rows['fp32']['throughput_per_s']:>12,.0f}"
          f"{rows['int8']['throughput_per_s']:>12,.0f}")
    for kind in rows["fp32"]["ms_by_operator"]:
        print(f"  {'ms in ' + kind:<22}{rows['fp32']['ms_by_operator'][kind]:>12.2f}"
              f"{rows['int8']['ms_by_operator'][kind]:>12.2f}")
    print(f"int8 is {size_ratio:.1f}x smaller, accuracy {-drop:+.2f} points, {differing} of {len(x_test)} "
          f"predictions changed (logits moved by {median_diff:.2f} typically, {max_diff:.2f} at most: a logit "
          f"beyond the range seen in calibration is clipped to it), and {speed_ratio:.2f}x the fp32 throughput")
    # What int8 trades: 256 levels per tensor instead of float32's precision, for 4x smaller weights and
    # integer arithmetic (4 values per 32 bits: more multiply-adds per instruction, less memory traffic).
    # It pays off when the time goes to big matrix multiplications (Linear/Gemm layers, transformers, wide
    # convolutions) on hardware with int8 dot-product instructions (VNNI on x86, dot-product on ARM, NPUs),
    # or when the download or memory size matters (a phone, a web page). Each quantised tensor also costs a
    # QuantizeLinear/DequantizeLinear step, and narrow convolutions have little arithmetic to speed up.
    faster = [k for k in rows["fp32"]["ms_by_operator"]
              if rows["int8"]["ms_by_operator"][k] < rows["fp32"]["ms_by_operator"][k]]
    print(f"int8 was faster in: {', '.join(faster) or 'nothing'}; "
          + ("overall it pays off here" if speed_ratio > 1 else
             "overall it is slower here, so on this CPU int8 buys size, not speed"))
    plot_comparison(rows, run.out / "fp32_vs_int8.png", args.show)

    return run.finish({
        "calibration_images": len(calibration),
        "test_images": len(x_test),
        "fp32_kb": rows["fp32"]["file_kb"],
        "int8_kb": rows["int8"]["file_kb"],
        "size_ratio": size_ratio,
        "fp32_accuracy": rows["fp32"]["accuracy"],
        "int8_accuracy": rows["int8"]["accuracy"],
        "accuracy_drop_points": drop,
        "differing_predictions": differing,
        "max_abs_logit_diff": max_diff,
        "median_abs_logit_diff": median_diff,
        "fp32_throughput_per_s": rows["fp32"]["throughput_per_s"],
        "int8_throughput_per_s": rows["int8"]["throughput_per_s"],
        "int8_speed_ratio": speed_ratio,
        "threads": args.threads,
        "int8_operators": dict(int8_ops),
        "ms_by_operator": {name: row["ms_by_operator"] for name, row in rows.items()},
    })


if __name__ == "__main__":
    main()
