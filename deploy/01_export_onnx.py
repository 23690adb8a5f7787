"""deploy/01_export_onnx.py: from trained PyTorch weights to one ONNX file that runs without PyTorch.

You will export the LeNet-5 that cnn/04_lenet.py trained with torch.onnx.export (the current exporter,
built on torch.export) with a dynamic batch dimension, check the file with onnx.checker and look inside
(opset, operators: BatchNorm is gone, folded into the convolutions), run it with onnxruntime on the whole
MNIST test set next to torch, watch a model exported with a fixed batch size refuse another batch size,
and time both engines side by side on the same number of CPU threads (模型部署 / 推理引擎).

Notes: 002 ends with running a trained network in the browser (ONNX.js then, onnxruntime-web today: see
deploy/03_web_demo.py); the model is 002's LeNet-5 as cnn/04_lenet.py trains it (001 lecture 10, 000 LeNet).
Run:    python deploy/01_export_onnx.py [--checkpoint outputs/cnn/04_lenet/lenet.pt] [--threads 2] [--quick]
        (no checkpoint yet: it first runs python cnn/04_lenet.py [--quick], into <out>/lenet/)
Prints: the opset, operators and size of the file; torch vs onnxruntime on the test set (max logit
        difference, differing predictions, both accuracies); the fixed-batch failure; a speed table.
Saves:  outputs/deploy/01_export_onnx/{lenet.onnx, metrics.json, speed.png}
Expect: a 258 KB file, opset 20, 12 operators (Conv, Relu, MaxPool, Reshape, Gemm); on the 10,000 test
        images both engines give 99.2% with cnn/04's default checkpoint, logits within 1e-4 of each other
        (about 1e-5), 0 predictions differ. One thread each: onnxruntime answers one image several times
        (>= 2x) faster than torch (less overhead per call) and is faster at batch 256 too.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnxruntime.capi.onnxruntime_pybind11_state import InvalidArgument
from torch import nn

import lessonkit as lk

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CHECKPOINT = REPO / "outputs" / "cnn" / "04_lenet" / "lenet.pt"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # the training set's statistics, exactly as cnn/04_lenet.py uses them


class LeNet5(nn.Module):
    """cnn/04_lenet.py's model, written again (lessons never import each other). The parameter names
    (features.0.weight, ...) must match the saved state_dict's, so the layers sit in the same order."""

    def __init__(self, num_classes: int = 10, batch_norm: bool = True):
        super().__init__()

        def norm2d(channels):
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2, bias=not batch_norm), norm2d(6), nn.ReLU(),
            nn.MaxPool2d(2),                                                  # (B, 6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5, bias=not batch_norm), norm2d(16), nn.ReLU(),
            nn.MaxPool2d(2),                                                  # (B, 16, 5, 5)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),                                       # (B, 10) logits
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def to_model_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28), normalised: the exported file expects exactly this."""
    return ((images.float() / 255.0 - MNIST_MEAN) / MNIST_STD).unsqueeze(1)


def find_checkpoint(args, out: Path, data_dir: Path) -> Path:
    """The checkpoint to export; without one, train it first by running cnn/04_lenet.py as a learner would."""
    checkpoint = Path(args.checkpoint).expanduser()
    trained_here = out / "lenet" / "lenet.pt"
    if checkpoint.is_file():
        return checkpoint
    if trained_here.is_file():
        print(f"no checkpoint at {checkpoint}; using {trained_here}, trained by an earlier run of this lesson")
        return trained_here
    command = [sys.executable, str(REPO / "cnn" / "04_lenet.py"), "--device", args.device, "--seed", str(args.seed),
               "--data-dir", str(data_dir), "--out", str(trained_here.parent)] + (["--quick"] if args.quick else [])
    took = "seconds" if args.quick else "about 20 s on a 2-core CPU"
    print(f"no checkpoint at {checkpoint}: training LeNet first ({took}):\n  {' '.join(command)}", flush=True)
    result = subprocess.run(command, cwd=REPO)
    if result.returncode != 0 or not trained_here.is_file():
        raise lk.LessonError(f"training LeNet with cnn/04_lenet.py failed (exit status {result.returncode}, "
                             "its message is above); fix that, or give a checkpoint with --checkpoint")
    return trained_here


def load_lenet(path: Path) -> LeNet5:
    state = lk.load_checkpoint(path)  # weights_only=True; a file that is not a checkpoint is a DataError
    batch_norm = isinstance(state, dict) and "features.1.running_mean" in state  # --no-batchnorm saves no BN
    model = LeNet5(batch_norm=batch_norm)
    # Names, shapes and finite values, before any export: a diverged checkpoint (NaN weights) must not become
    # a lenet.onnx that deploy/02 and 03 then pick up.
    lk.check_state_dict(state, model, path, expected="a LeNet-5 checkpoint of cnn/04_lenet.py (its lenet.pt)")
    model.load_state_dict(state)
    return model.eval()  # BatchNorm must use its running statistics: export what inference computes


def export(model: nn.Module, path: Path | None, dynamic_batch: bool = True):
    """torch.onnx.export: torch.export traces the model into a graph, which is translated to ONNX operators.

    dynamic_shapes marks axis 0 of the input as a symbol ("batch"); without it every shape is fixed at the
    example's. The exporter's default (external_data=True) puts the weights in a separate lenet.onnx.data
    file: that is the right form for big models (a protobuf file cannot exceed 2 GB, and separate weights
    can be memory-mapped). A small model that must travel as one download, like the web page's, is one
    self-contained file: external_data=False.
    """
    # Only shapes and dtypes of the example are traced, not its values. A single example image is the
    # usual way to end up with a model that takes batches of exactly 1.
    example = torch.zeros(2 if dynamic_batch else 1, 1, 28, 28)
    dynamic = ({0: torch.export.Dim("batch")},) if dynamic_batch else None  # one entry per input
    settings = dict(dynamo=True, input_names=["image"], output_names=["logits"], dynamic_shapes=dynamic,
                    verbose=False)
    if path is None:
        return torch.onnx.export(model, (example,), **settings)  # an ONNXProgram held in memory
    with lk.atomic_path(path) as tmp:  # written under a temporary name, renamed when complete
        torch.onnx.export(model, (example,), tmp, external_data=False, **settings)
    return path


def ort_session(model, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # threads inside one operator, like torch.set_num_threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def seconds_per_call(fn, calls: int, warmup: int = 5) -> np.ndarray:
    for _ in range(warmup):  # first calls allocate buffers and pick kernels: not what a server sees
        fn()
    times = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        fn()
        times[i] = time.perf_counter() - start
    return times


def plot_speed(table: dict, threads: int, path, show: bool) -> None:
    engines, colors = list(table), ["tab:orange", "tab:blue"]
    fig, (ax_lat, ax_thr) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    x = np.arange(len(engines))
    for shift, key, alpha in ((-0.2, "latency_median_ms", 1.0), (0.2, "latency_p95_ms", 0.45)):
        bars = ax_lat.bar(x + shift, [table[e][key] for e in engines], 0.4, color=colors, alpha=alpha)
        ax_lat.bar_label(bars, fmt="%.3f")
    ax_lat.set(yscale="log", ylabel="milliseconds per call (log scale)",
               title="Latency, one image: median, p95 (pale)")
    bars = ax_thr.bar(x, [table[e]["throughput_per_s"] for e in engines], 0.5, color=colors)
    ax_thr.bar_label(bars, fmt="{:,.0f}")
    ax_thr.set(ylabel="images per second", title="Throughput, batch 256 (higher is better)")
    for ax in (ax_lat, ax_thr):
        ax.set_xticks(x, engines)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"LeNet-5 on the CPU, {threads} thread{'s' if threads > 1 else ''} each")
    lk.save_figure(fig, path, show=show)


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--checkpoint", default=str(DEFAULT_CHECKPOINT),
                        help="LeNet state_dict saved by cnn/04_lenet.py (default: outputs/cnn/04_lenet/lenet.pt)")
    parser.add_argument("--threads", type=lk.positive_int, default=1,
                        help="CPU threads for torch and for onnxruntime alike (default: 1, one model per core)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="onnxruntime runs on the CPU here, and torch is compared and "
                                                "timed beside it on the same CPU threads")

    # --- data first (a missing dataset is reported before any training), then the trained model ---
    mnist = lk.load_mnist(run.data_dir, "MNIST")
    x_test, y_test = to_model_input(mnist.x_test), mnist.y_test
    if args.quick:
        x_test, y_test = x_test[:1000], y_test[:1000]
    checkpoint = find_checkpoint(args, run.out, run.data_dir)
    model = load_lenet(checkpoint)
    print(f"model: LeNet-5 from {checkpoint}")

    # --- export, then check and look inside the file ---
    onnx_path = export(model, run.out / "lenet.onnx")
    proto = lk.check_onnx_model(onnx_path, {"image": [None, 1, 28, 28]}, {"logits": [None, 10]},
                                expected="LeNet exported with a dynamic batch")  # what 02 and 03 will check
    onnx.checker.check_model(proto, full_check=True)  # valid graph, known operators, consistent shapes
    opset = next(o.version for o in proto.opset_import if o.domain in ("", "ai.onnx"))
    operators = Counter(node.op_type for node in proto.graph.node)
    size_kb = onnx_path.stat().st_size / 1024
    print(f"exported {onnx_path} ({size_kb:.0f} KB, one self-contained file); onnx.checker: valid")
    print(f"opset {opset}; {sum(operators.values())} operators: "
          + ", ".join(f"{name} x{n}" for name, n in operators.most_common()))
    # In eval mode BatchNorm is a fixed per-channel scale and shift, so the exporter folds it into the
    # convolution before it (new weights and a bias): no BatchNormalization node is left to compute.
    print("no BatchNormalization node: in eval mode it is a fixed scale and shift, folded into each Conv")
    session = ort_session(str(onnx_path), args.threads)
    for kind, values in (("input", session.get_inputs()), ("output", session.get_outputs())):
        print(f"{kind}: {values[0].name} {values[0].shape} {values[0].type}")

    # --- the same inputs through both engines ---
    x_np = x_test.numpy()  # onnxruntime speaks NumPy; .numpy() shares the memory, no copy
    torch_logits = lk.predict(model, x_test).numpy()
    onnx_logits = np.concatenate([session.run(["logits"], {"image": x_np[i:i + 1000]})[0]  # (N, 10)
                                  for i in range(0, len(x_np), 1000)])
    max_diff = float(np.abs(torch_logits - onnx_logits).max())
    differing = int((torch_logits.argmax(1) != onnx_logits.argmax(1)).sum())
    torch_acc = float((torch_logits.argmax(1) == y_test.numpy()).mean())
    onnx_acc = float((onnx_logits.argmax(1) == y_test.numpy()).mean())
    print(f"{len(x_np)} test images: max |logit difference| {max_diff:.1e} (float32 sums in another order), "
          f"{differing} predictions differ; accuracy torch {100 * torch_acc:.2f}%, onnxruntime {100 * onnx_acc:.2f}%")

    # --- a model exported without the dynamic axis accepts only the batch size it was traced with ---
    fixed = ort_session(export(model, None, dynamic_batch=False).model_proto.SerializeToString(), args.threads)
    print(f"fixed-batch export: input shape {fixed.get_inputs()[0].shape}; feeding it a batch of 3:")
    fixed_batch_failed = False
    try:
        fixed.run(["logits"], {"image": x_np[:3]})
        print("  it ran: this onnxruntime did not check the input shape")
    except InvalidArgument as err:  # onnxruntime checks every input against the shapes in the file
        fixed_batch_failed = True
        print("  refused: " + " ".join(str(err).split()))
        print(f"  the file promises input {fixed.get_inputs()[0].shape} and onnxruntime holds it to that: "
              "export with dynamic_shapes to accept any batch size")

    # --- speed: same inputs, same thread count, many calls ---
    # One image is ~0.4 M multiply-adds: its time is mostly per-call overhead (torch dispatches each layer from
    # Python; onnxruntime runs the whole graph in one C++ call). At batch 256 the arithmetic dominates.
    calls, batch_calls = (30, 5) if args.quick else (500, 50)
    one, batch = x_test[:1], x_test[torch.arange(256) % len(x_test)]  # (1, 1, 28, 28), (256, 1, 28, 28)
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        with torch.inference_mode():
            runners = {"torch": lambda x: model(x), "onnxruntime": lambda x: session.run(["logits"], {"image": x})}
            inputs = {"torch": (one, batch), "onnxruntime": (one.numpy(), batch.numpy())}
            table = {}
            for engine, fn in runners.items():
                latency = seconds_per_call(lambda: fn(inputs[engine][0]), calls) * 1000  # ms
                per_batch = np.median(seconds_per_call(lambda: fn(inputs[engine][1]), batch_calls))
                table[engine] = {"latency_median_ms": float(np.median(latency)),
                                 "latency_p95_ms": float(np.percentile(latency, 95)),
                                 "throughput_per_s": 256 / float(per_batch)}
    finally:
        torch.set_num_threads(torch_threads)  # leave the process as we found it
    print(f"speed on {args.threads} CPU thread(s), {calls} one-image calls and {batch_calls} batches of 256:")
    print(f"  {'engine':<12} {'latency median':>15} {'p95':>9} {'throughput (batch 256)':>24}")
    for engine, row in table.items():
        print(f"  {engine:<12} {row['latency_median_ms']:>12.3f} ms {row['latency_p95_ms']:>6.3f} ms "
              f"{row['throughput_per_s']:>15,.0f} images/s")
    speedup = table["torch"]["latency_median_ms"] / table["onnxruntime"]["latency_median_ms"]
    throughput_ratio = table["onnxruntime"]["throughput_per_s"] / table["torch"]["throughput_per_s"]
    print(f"  one image: torch takes {speedup:.1f}x as long as onnxruntime; "
          f"batch 256: onnxruntime does {throughput_ratio:.1f}x the images per second")
    plot_speed(table, args.threads, run.out / "speed.png", args.show)

    return run.finish({
        "onnx_kb": size_kb, "opset": opset, "operators": dict(operators), "test_images": len(x_np),
        "max_abs_logit_diff": max_diff, "differing_predictions": differing,
        "torch_accuracy": torch_acc, "onnxruntime_accuracy": onnx_acc, "fixed_batch_failed": fixed_batch_failed,
        "threads": args.threads, "speed": table, "latency_speedup": speedup, "throughput_ratio": throughput_ratio,
    })


if __name__ == "__main__":
    main()
