"""scale/01_profile_and_speed.py: where the time of a training step goes, and what makes it faster.

You will profile a few LeNet-5 training steps with torch.profiler (性能分析), read a table of where the time
goes (data, forward, backward, optimizer step) and the top operators, and save a trace you can open in a
browser: drag trace.json onto https://ui.perfetto.dev (or open chrome://tracing in Chrome and Load it).
Then you measure, on whatever device runs the lesson, throughput (images per second) against batch size,
and what bf16 autocast (混合精度: mixed precision), channels_last memory layout and torch.compile change.
torch.compile's one-off compile time is set beside its per-step gain: after how many steps it pays off.
Last, an epoch's arithmetic (multiply-adds from lk.count_macs, x3 for forward + backward, x2 FLOPs each)
divided by the time gives the FLOP/s achieved, next to the device's rough peak (the assumption is printed).
Synthetic MNIST-shaped images are used: speed does not depend on what the pixels show.

Notes: none of the notes covers profiling or mixed precision; this follows cnn/04_lenet.py (the same model).
Run:    python scale/01_profile_and_speed.py [--device cuda] [--sizes 32,256,2048] [--skip-compile] [--quick]
Prints: the profiler's phase table and top operators, a table of images/s per batch size for fp32, bf16
        autocast and channels_last, torch.compile's compile time, step time and break-even, the FLOP/s
        estimate, and sentences explaining what the run found (each computed from this run's numbers).
Saves:  outputs/scale/01_profile_and_speed/{metrics.json, profile.txt, trace.json, throughput.csv, throughput.png}
Expect: about half a minute on an idle 2-core CPU (24 s measured), longer when other programs keep the cores
        busy (the run says so when the load average exceeds the core count). LeNet-5 costs 416,520 multiply-adds
        per image forward: 2.50 MFLOP per image trained, 0.150 TFLOP per MNIST epoch; a training step makes about
        600 operator calls. Speeds depend on the machine; on the idle 2-core CPU (2 threads): fp32 peaked near
        13,600 images/s at batch 256 (34 GFLOP/s, about 20% of the rough peak), a fixed cost of about 0.7 ms per
        step, bf16 autocast and channels_last both slower than fp32 (about 0.8x), and torch.compile (2 s with a
        warm cache; about a minute the first time) gave about 1.0x: on a CPU it does not pay off for LeNet.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.nn import functional as F
from torch.profiler import ProfilerActivity, profile, record_function

import lessonkit as lk

PHASES = ("data", "forward", "backward", "optimizer_step")
MNIST_EPOCH = 60_000  # images in one epoch of MNIST's training set
# Rough fp32 peaks (non-tensor-core, TFLOP/s) of a few GPUs; the CPU's is estimated from its clock.
GPU_FP32_TFLOPS = {"H200": 67.0, "H100": 67.0, "A100": 19.5, "L4": 30.3, "T4": 8.1, "V100": 15.7, "4090": 82.6}


class LeNet5(nn.Module):
    """LeNet-5 with BatchNorm, as in cnn/04_lenet.py. Input (B, 1, 28, 28), output (B, 10) logits."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2, bias=False), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),  # (B, 6, 14, 14)
            nn.Conv2d(6, 16, 5, bias=False), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),         # (B, 16, 5, 5)
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                        nn.Linear(84, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def sync(device: torch.device) -> None:
    """GPUs run asynchronously: wait for queued work before reading a clock, or you time only the launches."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def make_step(model, images_all, labels_all, batch_size, *, bf16=False, channels_last=False, seed=0):
    """One training step as a function of nothing: data, forward, backward, optimizer step, each labelled."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    picker = torch.Generator().manual_seed(seed)  # RNG on the CPU, the indices then go to the device
    device = images_all.device

    def step():
        with record_function("data"):  # a random batch gathered from the in-memory set
            index = torch.randint(len(images_all), (batch_size,), generator=picker).to(device)
            images, labels = images_all[index], labels_all[index]
            if channels_last:  # (B, 1, 28, 28) stored as B, H, W, C: what oneDNN/cuDNN kernels prefer
                images = images.contiguous(memory_format=torch.channels_last)
        with record_function("forward"):
            # autocast runs convolutions and matrix products in bfloat16 (half the bytes; a faster rate where the
            # hardware has bf16 units: AVX-512 BF16/AMX CPUs, tensor-core GPUs), keeps the loss in float32
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = F.cross_entropy(model(images), labels)
        with record_function("backward"):
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
        with record_function("optimizer_step"):
            optimizer.step()
        return loss.detach()

    return step


def seconds_per_step(step, device, seconds: float, repeats: int = 3) -> float:
    """Seconds per training step: 2 warm-up steps (memory allocation, kernel choice), then `repeats` timed runs
    that fill `seconds` together, the device synchronised around each; the fastest run counts, as in Python's
    timeit: other programs on the machine can only add time, never remove it."""
    step()
    sync(device)
    t = time.perf_counter()
    step()
    sync(device)
    n = max(2, math.ceil(seconds / repeats / max(time.perf_counter() - t, 1e-6)))
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(n):
            step()
        sync(device)
        best = min(best, (time.perf_counter() - t) / n)
    return best


def peak_flops(device: torch.device, override_gflops: float | None) -> tuple[float | None, str]:
    """The device's rough fp32 peak in FLOP/s and the assumption behind it (None if unknown)."""
    if override_gflops:
        return override_gflops * 1e9, f"--peak-gflops {override_gflops:g}"
    if device.type == "cuda":
        name = torch.cuda.get_device_name(device)
        for key, tflops in GPU_FP32_TFLOPS.items():
            if key in name:
                return tflops * 1e12, (f"{name}: ~{tflops:g} TFLOP/s fp32 without tensor cores, the published "
                                       "figure; convolutions may use TF32 tensor cores, which go beyond it")
        return None, f"{name}: peak unknown to this lesson (pass --peak-gflops)"
    if device.type != "cpu":
        return None, f"{device.type}: peak unknown to this lesson (pass --peak-gflops)"
    cores, ghz = torch.get_num_threads(), 3.0
    try:  # Linux reports the current clock; elsewhere assume 3 GHz
        with open("/proc/cpuinfo") as f:
            ghz = max(float(line.split(":")[1]) for line in f if line.startswith("cpu MHz")) / 1000
    except (OSError, ValueError):
        pass
    # 32 FLOPs per cycle per core: two 8-wide fp32 fused multiply-adds (AVX2/FMA, and AMD Zen 4's AVX-512).
    # Cores with two full 16-wide AVX-512 FMA units (many Intel Xeons; AMD Zen 5, the test machine's EPYC) do 64:
    # there this rough peak is half the real one.
    threads = f"{cores} thread{'s' if cores > 1 else ''}"
    return cores * ghz * 32e9, f"{threads} x {ghz:.2f} GHz x 32 fp32 FLOPs/cycle (two 8-wide FMAs)"


# A LeNet-5 training step keeps about 17,000 numbers per image for the backward pass (conv1's 6x28x28 output
# before BatchNorm and after ReLU are more than half of them; the max-pool indices are int64): about 72 KB. With
# the data, the gradients and the allocator's slack, 256 KB per image is a safe estimate; a size beyond the
# device's memory is refused before any allocation.
BYTES_PER_IMAGE = 256 * 1024


def device_memory(device: torch.device) -> int | None:
    """Total memory of the device in bytes, or None where it cannot be asked."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not on every platform
        return None


def check_memory(largest: int, compile_batch: int, device: torch.device) -> None:
    need = (max(largest, compile_batch) + max(4096, 2 * largest)) * BYTES_PER_IMAGE
    have = device_memory(device)
    if have is not None and need > have:
        limit = max(32, have // BYTES_PER_IMAGE // 3)
        raise lk.LessonError(f"a batch of {max(largest, compile_batch):,} needs about {need / 2**30:.0f} GiB, more "
                             f"than the {have / 2**30:.0f} GiB of {device}: keep --sizes and --compile-batch below "
                             f"about {limit:,}")


def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--sizes", default="32,64,128,256,512,1024,2048",
                        help="batch sizes to measure, comma-separated (default: 32 ... 2048)")
    parser.add_argument("--seconds", type=lk.positive_float, default=0.6, help="timed seconds per measurement")
    parser.add_argument("--profile-steps", type=lk.positive_int, default=10, help="steps under the profiler")
    parser.add_argument("--compile-batch", type=lk.positive_int, default=256, help="batch size for torch.compile")
    parser.add_argument("--skip-compile", action="store_true",
                        help="skip torch.compile (on a CPU it compiles for seconds, about a minute the first time)")
    parser.add_argument("--threads", type=lk.positive_int, default=None,
                        help="CPU threads (default: PyTorch's choice, one per core)")
    parser.add_argument("--peak-gflops", type=lk.positive_float, default=None,
                        help="your device's peak GFLOP/s, if you know it better than the lesson's estimate")
    args = parser.parse_args(argv)
    try:
        sizes = sorted({lk.positive_int(s) for s in args.sizes.split(",")})
    except argparse.ArgumentTypeError:
        sizes = []
    if len(sizes) < 2:  # a usage error (exit 2) naming the flag, as argparse gives for the others
        parser.error(f"--sizes: expected two or more positive whole numbers separated by commas, got {args.sizes!r}")
    if args.quick:  # seconds, for smoke tests: two sizes, short timings, no compile
        sizes, args.seconds, args.profile_steps, args.skip_compile = [32, 256], 0.05, 3, True
    run = lk.start_run(__file__, args)
    threads_before = torch.get_num_threads()
    if args.threads:
        torch.set_num_threads(args.threads)  # restored at the end (tests call main() in one process)
    os.environ.setdefault("KINETO_LOG_LEVEL", "5")  # hides the profiler's harmless ERROR line on GPU-less CUDA builds
    device = run.device
    load, cores = (os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0), os.cpu_count() or 1
    if load > cores:  # timings are only as good as the machine is quiet
        print(f"note: load average {load:.1f} on {cores} cores: other programs compete for the CPU, so these "
              "timings are noisy and slower than on an idle machine; threads that wait for each other suffer most "
              "(compare --threads 1)")

    check_memory(max(sizes), max(args.compile_batch, 0), device)
    images_all = torch.randn(max(4096, 2 * max(sizes)), 1, 28, 28).to(device)  # synthetic, MNIST-shaped
    labels_all = torch.randint(0, 10, (len(images_all),)).to(device)

    # --- 1. the profiler: where does a step's time go? ---
    batch = 128
    step = make_step(LeNet5().to(device), images_all, labels_all, batch, seed=args.seed)
    for _ in range(3):  # warm up outside the profile: first calls allocate memory and pick kernels
        step()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    print(f"profiling {args.profile_steps} steps at batch {batch} (the USDT/STAGE lines on stderr are the "
          "profiler's own markers, not errors)")
    with profile(activities=activities) as prof:
        for _ in range(args.profile_steps):
            step()
        sync(device)
    with lk.atomic_path(run.out / "trace.json") as tmp:
        prof.export_chrome_trace(str(tmp))
    events = prof.key_averages()
    by_name = {e.key: e for e in events}
    phase_ms = {p: by_name[p].cpu_time_total / 1000 / args.profile_steps for p in PHASES}
    total_ms = sum(phase_ms.values())
    lines = [f"time per training step at batch {batch} on {device} (profiler, CPU-side, {args.profile_steps} steps):"]
    lines += [f"  {p:<15} {ms:8.3f} ms  {100 * ms / total_ms:5.1f}%" for p, ms in phase_ms.items()]
    ops_per_step = sum(e.count for e in events if e.key.startswith("aten::")) / args.profile_steps
    lines.append(f"  PyTorch operator calls per step (nested ones included): {ops_per_step:.0f}")
    if device.type == "cuda":
        lines.append("  on a GPU these CPU times are the time to queue the kernels; the GPU's own time is in the "
                     "device columns below and in the trace")
    sort_key = "self_device_time_total" if device.type == "cuda" else "self_cpu_time_total"
    top = events.table(sort_by=sort_key, row_limit=12)
    with lk.atomic_path(run.out / "profile.txt") as tmp:
        tmp.write_text("\n".join(lines) + "\n\ntop operators:\n" + top + "\n", encoding="utf-8")
    print("\n".join(lines))
    print("top operators (self time: time inside the operator itself, not its children):")
    print(top)
    print(f"trace: {run.out / 'trace.json'} (open it at https://ui.perfetto.dev or chrome://tracing)")

    # --- 2. throughput against batch size, for three variants ---
    variants = {"fp32": {}, "bf16 autocast": {"bf16": True}, "channels_last": {"channels_last": True}}
    speed = {name: {} for name in variants}  # images per second
    step_s = {name: {} for name in variants}
    for name, options in variants.items():
        for b in lk.progress(sizes, desc=name):
            model = LeNet5().to(device)
            if options.get("channels_last"):
                model = model.to(memory_format=torch.channels_last)
            step_s[name][b] = seconds_per_step(make_step(model, images_all, labels_all, b, **options), device,
                                               args.seconds)
            speed[name][b] = b / step_s[name][b]
    print(f"\nimages per second (training steps, {device}):")
    print(f"  {'batch':>6}" + "".join(f"{name:>16}" for name in variants))
    for b in sizes:
        print(f"  {b:>6}" + "".join(f"{speed[name][b]:>16,.0f}" for name in variants))
    with lk.atomic_path(run.out / "throughput.csv") as tmp:
        tmp.write_text("batch_size," + ",".join(variants) + "\n" + "".join(
            f"{b}," + ",".join(f"{speed[n][b]:.1f}" for n in variants) + "\n" for b in sizes), encoding="utf-8")

    # --- 3. torch.compile: compile time against per-step gain ---
    compiled = None
    if args.skip_compile:
        print("\ntorch.compile skipped (--skip-compile or --quick): on a CPU compiling takes seconds with a warm "
              "cache, about a minute the first time")
    else:
        b = args.compile_batch
        model = LeNet5().to(device)
        eager_s = seconds_per_step(make_step(model, images_all, labels_all, b), device, args.seconds)
        try:
            step = make_step(torch.compile(model), images_all, labels_all, b)  # compile is lazy: first call
            t = time.perf_counter()
            step()
            sync(device)
            first_s = time.perf_counter() - t
            compiled_s = seconds_per_step(step, device, args.seconds)
            compiled = {"batch": b, "compile_s": first_s - compiled_s, "eager_step_s": eager_s,
                        "compiled_step_s": compiled_s}
        except Exception as err:  # on CPU inductor needs a working C++ compiler; say so and go on
            reason = str(err).strip().splitlines()[0][:200] if str(err).strip() else "no reason given"
            print(f"\ntorch.compile failed here ({type(err).__name__}: {reason}). On a CPU it needs a working "
                  "C++ compiler (g++ or clang); the rest of the lesson does not.")
        if compiled:
            gain = eager_s - compiled_s
            print(f"\ntorch.compile at batch {b}: compiling took {compiled['compile_s']:.1f} s; a step then took "
                  f"{1e3 * compiled_s:.2f} ms instead of {1e3 * eager_s:.2f} ms ({eager_s / compiled_s:.2f}x).")
            if gain > 0:
                steps = compiled["compile_s"] / gain
                compiled["break_even_steps"] = steps
                print(f"  it pays off after {steps:,.0f} steps, {steps * b / MNIST_EPOCH:.1f} MNIST epochs at this "
                      "batch size.")
            else:
                print("  compiled steps were not faster here, so compiling never paid off at this size.")

    # --- 4. arithmetic: how far from the device's peak? ---
    macs = lk.count_macs(LeNet5().to(device), images_all[:1])  # multiply-adds of one forward pass, one image
    flops_per_image = macs * 3 * 2  # backward costs about twice the forward; one multiply-add is 2 FLOPs
    best_b = max(sizes, key=lambda s: speed["fp32"][s])
    achieved = speed["fp32"][best_b] * flops_per_image
    peak, assumption = peak_flops(device, args.peak_gflops)
    print(f"\narithmetic: {macs:,} multiply-adds per image forward -> {flops_per_image / 1e6:.2f} MFLOP per image "
          f"trained, {MNIST_EPOCH * flops_per_image / 1e12:.3f} TFLOP per MNIST epoch")
    print(f"  best fp32 speed {speed['fp32'][best_b]:,.0f} images/s (batch {best_b}) = {achieved / 1e9:.1f} GFLOP/s; "
          f"an epoch takes {MNIST_EPOCH / speed['fp32'][best_b]:.1f} s")
    if peak:
        print(f"  rough peak {peak / 1e9:,.0f} GFLOP/s ({assumption}): this run reached "
              f"{100 * achieved / peak:.1f}% of it")
    else:
        print(f"  {assumption}")

    # --- 5. what the numbers say (every sentence below is computed from this run) ---
    # A straight line through (batch, seconds per step): a fixed cost per step plus a cost per image, fitted
    # to relative errors (each row divided by its time) so the small batches count as much as the large.
    times = torch.tensor([step_s["fp32"][b] for b in sizes], dtype=torch.float64)
    rows = torch.stack([1 / times, torch.tensor(sizes, dtype=torch.float64) / times], dim=1)
    fixed, slope = torch.linalg.lstsq(rows, torch.ones(len(sizes), 1, dtype=torch.float64)).solution.flatten().tolist()
    slope = max(slope, 0.0)
    fixed = min(max(fixed, 0.0), float(times.min()))  # noise can push a fit outside what is possible
    small, large = sizes[0], sizes[-1]
    share_small, share_large = fixed / step_s["fp32"][small], fixed / step_s["fp32"][large]
    print("\nwhat this run shows:")
    print(f"  - batch {large} trained {speed['fp32'][large] / speed['fp32'][small]:.1f}x as many images per second "
          f"as batch {small}. A line through the step times gives a fixed {1e3 * fixed:.2f} ms per step plus "
          f"{1e6 * slope:.1f} us per image: the fixed part is {100 * share_small:.0f}% of the step at batch {small}, "
          f"{100 * share_large:.0f}% at batch {large}.")
    print(f"  - the fixed part is overhead: {ops_per_step:.0f} operator calls per step (about "
          f"{1e6 * fixed / ops_per_step:.1f} us each), dispatched by Python and C++ whatever their size, and LeNet's "
          f"small convolutions hold little arithmetic to hide it ({flops_per_image * small / 1e6:.0f} MFLOP per step "
          f"at batch {small}); " + (f"so batch {small} is overhead-bound here." if share_small > 0.5 else
                                    f"here the arithmetic outweighs it even at batch {small}."))
    misfit = max(abs(fixed + slope * b - step_s["fp32"][b]) / step_s["fp32"][b] for b in sizes)
    if misfit > 0.3:
        print(f"  - careful: some step times are {100 * misfit:.0f}% off that line, so this run's timings are noisy "
              "(another program busy on the machine?); run it again before trusting the numbers above.")
    for name in ("bf16 autocast", "channels_last"):
        ratio = speed[name][best_b] / speed["fp32"][best_b]
        print(f"  - {name} ran at {ratio:.2f}x the fp32 speed at batch {best_b}"
              + (" (faster)." if ratio > 1.05 else " (slower)." if ratio < 0.95 else " (no real difference)."))
    if device.type == "cuda":
        percent = 100 * speed["fp32"][small] / speed["fp32"][large]
        print(f"  - on this GPU batch {small} reached {percent:.0f}% of batch {large}'s images per second: "
              + ("small batches leave it mostly idle." if percent < 50 else "even small batches kept it busy here."))
    else:
        print("  - expectation, not measured here: on a GPU each operator launch costs microseconds whatever its "
              "size and thousands of cores wait for work, so small batches leave it idle; it wins only at large "
              "batches (run this lesson with --device cuda to see it).")

    # --- figure: throughput against batch size, and the profiler's phases ---
    fig, (ax_speed, ax_phase) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [2, 1]})
    for name in variants:
        ax_speed.plot(sizes, [speed[name][b] for b in sizes], "o-", label=name)
    if compiled:
        ax_speed.plot([compiled["batch"]], [compiled["batch"] / compiled["compiled_step_s"]], "k*", markersize=12,
                      label="torch.compile")
    ax_speed.set(xscale="log", xlabel="batch size", ylabel="images / s", title=f"Training throughput on {device}")
    ax_speed.set_xticks(sizes, [str(b) for b in sizes])
    ax_speed.grid(alpha=0.3)
    ax_speed.legend()
    ax_phase.bar(list(phase_ms), list(phase_ms.values()), color="tab:gray")
    ax_phase.set(ylabel="ms per step", title=f"Where a step goes (batch {batch})")
    ax_phase.tick_params(axis="x", rotation=30)
    lk.save_figure(fig, run.out / "throughput.png", show=args.show)

    torch.set_num_threads(threads_before)
    return run.finish({
        "phase_ms": phase_ms,
        "ops_per_step": ops_per_step,
        "images_per_s": {name: {str(b): v for b, v in s.items()} for name, s in speed.items()},
        "fixed_ms_per_step": 1e3 * fixed,
        "us_per_image": 1e6 * slope,
        "macs_per_image": macs,
        "gflops_achieved": achieved / 1e9,
        "load_average": load,
        **({"percent_of_peak": 100 * achieved / peak} if peak else {}),
        **({"compile": compiled} if compiled else {}),
    })


if __name__ == "__main__":
    main()
