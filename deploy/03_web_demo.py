"""deploy/03_web_demo.py: a web page where the LeNet you trained reads a digit you draw, in the browser.

The last step from trained weights to something other people use: the ONNX file that
deploy/01_export_onnx.py wrote runs inside a web page with onnxruntime-web (WebAssembly; 浏览器端推理), so
a digit drawn with a mouse, pen or finger never leaves the machine. The page is deploy/web/ (index.html and
app.mjs: no framework, no build step). Before the network sees a drawing, the page does what MNIST's makers
did to every digit: crop to the ink, scale the longer side to 20 px keeping the aspect ratio, place it in
28x28 by its centre of mass, normalise with the training mean and std. The network only knows digits made
that way (训练与推理的预处理必须一致). preprocess_like_mnist() below is the same steps in NumPy: the figure
shows them, and the tests drive chromium with real pointer events and check that page and Python agree.

Notes: 002 ends with running a PyTorch model in the browser with ONNX.js (onnx.js加载模型输出结果); ONNX.js is
retired and onnxruntime-web is its successor. The model: LeNet-5 (001 lecture 10, 002), cnn/04_lenet.py.
Run:    python deploy/03_web_demo.py [--port 8000] [--model outputs/deploy/01_export_onnx/lenet.onnx]
        then open http://127.0.0.1:8000/ and draw; Ctrl-C stops the server. Needs Node.js/npm once: the
        first run installs onnxruntime-web (pinned in deploy/web/package-lock.json) with `npm ci`.
Prints: the model, the onnxruntime-web version, onnxruntime's (Python) reading of the sample drawings,
        each file a browser will fetch with its MIME type, then the address.
Saves:  outputs/deploy/03_web_demo/{metrics.json, preprocessing.png}
Expect: the three sample drawings (0, 1, 7) are read correctly, here by onnxruntime and on the page when
        tests/test_deploy_web.py draws them with the mouse in chromium (LeNet after 1 epoch; 01's default
        model has 3). 20 MNIST test digits drawn as strokes: the page agrees with onnxruntime in Python on
        at least 19 (20 in our runs) and shows the true label for at least 17 (19 of 20 with the 1-epoch
        model, 20 of 20 with 01's default).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import lessonkit as lk
from lessonkit import webserver

HERE = Path(__file__).resolve().parent
WEB = HERE / "web"                                          # the page: index.html, app.mjs, package*.json
ORT_DIST = WEB / "node_modules" / "onnxruntime-web" / "dist"  # what `npm ci` installs, served under /ort/
DEFAULT_MODEL = HERE.parent / "outputs" / "deploy" / "01_export_onnx" / "lenet.onnx"
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # the training pixels' mean and std, as in cnn/04_lenet.py
MODEL_ROUTE = "/model/lenet.onnx"        # where the page fetches the model
BOX, SIZE = 20, 28                      # MNIST: digit scaled into a 20x20 box, centred in a 28x28 field

# Three hand-made digits as strokes (lists of (x, y) points, 0..1 across the drawing pad). The figure
# draws them here; the browser tests draw the same strokes on the page with the mouse.
SAMPLE_DIGITS = {
    0: [[(0.5 + 0.2 * np.sin(t), 0.5 - 0.3 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 25)]],
    1: [[(0.45, 0.3), (0.55, 0.18), (0.55, 0.82)]],
    7: [[(0.28, 0.2), (0.72, 0.2), (0.42, 0.82)]],
}


# --- preprocessing, the same steps as preprocess() in web/app.mjs -------------------------------------

def draw_strokes(strokes, size: int = 280, width: float = 20.0) -> np.ndarray:
    """Strokes -> (size, size) ink in [0, 255] (255 = ink, as MNIST): round-capped lines, soft 1-px edge."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5  # pixel centres
    ink = np.zeros((size, size))
    for stroke in strokes:
        points = np.asarray(stroke, dtype=float) * size
        for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
            d = np.array([x1 - x0, y1 - y0])
            t = np.clip(((xx - x0) * d[0] + (yy - y0) * d[1]) / max(d @ d, 1e-12), 0, 1)
            dist = np.hypot(xx - (x0 + t * d[0]), yy - (y0 + t * d[1]))  # distance to the segment
            ink = np.maximum(ink, np.clip(width / 2 + 0.5 - dist, 0, 1))
    return np.round(255 * ink)  # whole numbers, like a canvas's 8-bit pixels


def area_weights(n: int, m: int) -> np.ndarray:
    """(m, n) box-filter weights resampling n pixels onto m: output i is the mean of input [i*n/m, (i+1)*n/m),
    each pixel weighted by its overlap. Averaging, not picking pixels, gives MNIST's grey anti-aliased edges."""
    lo, hi = np.arange(m)[:, None] * n / m, (np.arange(m)[:, None] + 1) * n / m
    j = np.arange(n)[None, :]
    return np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0, None) / (n / m)


def crop_to_ink(ink: np.ndarray):
    """(H, W) -> the bounding box of the ink (any pixel > 0), or None for an empty drawing."""
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0), np.flatnonzero(ink.max(axis=0) > 0)
    if rows.size == 0:
        return None
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].astype(np.float64)


def scale_to_box(crop: np.ndarray) -> np.ndarray:
    """(h, w) -> longer side 20 px, aspect ratio kept. Rounds half up (floor(v + 0.5)) as JavaScript's
    Math.round does; Python's round() rounds half to even and would make the page and this disagree."""
    h, w = crop.shape
    scale = BOX / max(h, w)
    oh, ow = max(1, int(np.floor(h * scale + 0.5))), max(1, int(np.floor(w * scale + 0.5)))
    return area_weights(h, oh) @ crop @ area_weights(w, ow).T  # (oh, ow)


def centre_by_mass(small: np.ndarray) -> np.ndarray:
    """(oh, ow) -> (28, 28), shifted by whole pixels so the centre of mass (质心) lands on the field's centre."""
    oh, ow = small.shape
    mass = small.sum()
    cy, cx = (small.sum(axis=1) @ np.arange(oh)) / mass, (small.sum(axis=0) @ np.arange(ow)) / mass
    y0 = min(max(int(np.floor(13.5 - cy + 0.5)), 0), SIZE - oh)  # pixel centres 0..27: the middle is 13.5
    x0 = min(max(int(np.floor(13.5 - cx + 0.5)), 0), SIZE - ow)
    field = np.zeros((SIZE, SIZE))
    field[y0:y0 + oh, x0:x0 + ow] = small
    return field


def preprocess_like_mnist(ink: np.ndarray) -> np.ndarray | None:
    """(H, W) canvas ink in [0, 255] -> (784,) float32 model input (normalised), or None if nothing is drawn."""
    crop = crop_to_ink(ink)
    if crop is None:
        return None
    field = centre_by_mass(scale_to_box(crop))
    return ((field / 255 - MNIST_MEAN) / MNIST_STD).astype(np.float32).ravel()


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))  # minus the max: exp cannot overflow
    return e / e.sum(axis=-1, keepdims=True)


# --- the files the page needs: the model (01) and onnxruntime-web (npm) --------------------------------

def ensure_model(model: Path | None, default: Path, quick: bool, data_dir: str | None) -> Path:
    """The model given with --model, else the default one, exported first by deploy/01_export_onnx.py (as a
    learner would run it: a separate process) when it is missing."""
    if model is not None:
        if not model.is_file():
            raise lk.LessonError(f"--model {model}: no such file. Export one with `python deploy/01_export_onnx.py "
                                 "--out FOLDER` (it writes FOLDER/lenet.onnx), or leave --model out to have it done.")
        return model
    model = default
    if model.is_file():
        return model
    command = [sys.executable, str(HERE / "01_export_onnx.py"), "--out", str(model.parent), "--device", "cpu"]
    command += (["--quick"] if quick else []) + (["--data-dir", data_dir] if data_dir else [])
    print(f"no model at {model}: exporting it with deploy/01_export_onnx.py ...", flush=True)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not model.is_file():
        last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
        raise lk.LessonError(f"deploy/01_export_onnx.py could not export the model (exit {result.returncode}): "
                             f"{last}")
    print("  01: " + [line for line in result.stdout.splitlines() if line.startswith("done in")][-1])
    return model


def pinned_ort_version() -> str:
    return webserver.pinned_package_version(WEB)


def installed_ort_version() -> str | None:
    return webserver.installed_package_version(WEB)


def npm_ci() -> None:
    webserver.npm_ci(WEB)


# --- the server: exactly the files the page needs, by name (lessonkit/webserver.py) ---------------------

def bind_server(port: int):
    """deploy/web's page, onnxruntime-web's dist/ files at /ort/, the model at /model/lenet.onnx (set
    server.routes[MODEL_ROUTE] before serving); anything else is 404, a path that is not a clean one 400."""
    server = webserver.bind_page_server(port, WEB, {"/": WEB / "index.html", "/index.html": WEB / "index.html",
                                                    "/app.mjs": WEB / "app.mjs"},
                                        {"/ort/": (ORT_DIST, (".mjs", ".js", ".wasm"))})
    return server


def check_served(base: str, model: Path, with_ort: bool) -> list[dict]:
    """Fetch what the page loads, as a browser would, and check each answer's status and MIME type."""
    wanted = {"/": "text/html", "/app.mjs": "text/javascript", "/model/lenet.onnx": "application/octet-stream"}
    if with_ort:
        wanted |= {"/ort/ort.wasm.min.mjs": "text/javascript", "/ort/ort-wasm-simd-threaded.mjs": "text/javascript",
                   "/ort/ort-wasm-simd-threaded.wasm": "application/wasm"}
    return webserver.check_served(base, wanted, {"/model/lenet.onnx": model})


# --- the figure: each preprocessing step, and what onnxruntime (Python) reads -------------------------

def plot_steps(session, path, show: bool) -> dict[int, tuple[int, float]]:
    fig, axes = plt.subplots(len(SAMPLE_DIGITS), 4, figsize=(12, 3 * len(SAMPLE_DIGITS)), squeeze=False,
                             layout="constrained")
    readings = {}
    for row, (digit, strokes) in zip(axes, SAMPLE_DIGITS.items()):
        ink = draw_strokes(strokes)                                    # (280, 280), what the canvas holds
        small = scale_to_box(crop_to_ink(ink))                         # (<=20, <=20)
        field = centre_by_mass(small)                                  # (28, 28)
        x = preprocess_like_mnist(ink).reshape(1, 1, SIZE, SIZE)       # normalised, as the page feeds it
        probs = softmax(session.run(["logits"], {"image": x})[0][0])   # (10,)
        readings[digit] = (int(probs.argmax()), float(probs.max()))
        rows, cols = np.flatnonzero(ink.max(axis=1)), np.flatnonzero(ink.max(axis=0))
        row[0].imshow(ink, cmap="gray_r")
        row[0].add_patch(plt.Rectangle((cols[0], rows[0]), cols[-1] - cols[0], rows[-1] - rows[0], fill=False,
                                       ec="tab:red"))
        row[0].set_title(f"drawn {digit} ({ink.shape[0]}x{ink.shape[1]}), ink box", fontsize=10)
        row[1].imshow(small, cmap="gray_r", vmin=0, vmax=255)
        row[1].set_title(f"cropped, scaled to {small.shape[0]}x{small.shape[1]}", fontsize=10)
        mass = field.sum()
        cy, cx = field.sum(axis=1) @ np.arange(SIZE) / mass, field.sum(axis=0) @ np.arange(SIZE) / mass
        row[2].imshow(field, cmap="gray_r", vmin=0, vmax=255)
        row[2].plot([cx], [cy], "r+", ms=12)
        row[2].set_title("in 28x28, + = centre of mass", fontsize=10)
        row[3].bar(range(10), probs, color=["tab:green" if d == probs.argmax() else "tab:gray" for d in range(10)])
        row[3].set(xticks=range(10), ylim=(0, 1), ylabel="probability")
        row[3].set_title(f"onnxruntime reads {probs.argmax()} ({100 * probs.max():.1f}%)", fontsize=10)
        for ax in row[:3]:
            ax.set(xticks=[], yticks=[])
    fig.suptitle("What the page does to a drawing before LeNet sees it\n(preprocess_like_mnist here = "
                 "preprocess in web/app.mjs)")
    lk.save_figure(fig, path, show=show)
    return readings



def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--port", type=webserver.port_number, default=8000,
                        help="port on 127.0.0.1 (default: 8000; 0 = any free port; --quick always takes any free port)")
    parser.add_argument("--model", type=Path, default=None,
                        help=f"the ONNX model (default: {DEFAULT_MODEL.relative_to(HERE.parent)}, or with --quick "
                             "<out>/01_export_onnx/lenet.onnx, exported first by deploy/01_export_onnx.py if missing)")
    parser.add_argument("--serve-seconds", type=lk.positive_float, default=None,
                        help="stop after this many seconds (default: serve until Ctrl-C)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="the model runs in the browser; Python only serves files")

    # The port first: a taken port is an error before any work. `with` releases it however the run ends.
    with bind_server(0 if args.quick else args.port) as server:
        # --- the model, and onnxruntime-web (the browser's onnxruntime) ---
        default = run.out / "01_export_onnx" / "lenet.onnx" if args.quick else DEFAULT_MODEL
        server.routes[MODEL_ROUTE] = model = ensure_model(args.model, default, args.quick, args.data_dir)
        # the page feeds 'image' (batch, 1, 28, 28) and reads 'logits' (batch, 10): another model is refused here
        lk.check_onnx_model(model, {"image": [None, 1, 28, 28]}, {"logits": [None, 10]},
                            expected="LeNet as python deploy/01_export_onnx.py exports it (lenet.onnx)")
        print(f"model: {model} ({model.stat().st_size:,} bytes)")
        if installed_ort_version() != pinned_ort_version() and not args.quick:
            npm_ci()  # --quick (the smoke tests) needs neither npm nor the network
        ort_version = installed_ort_version()
        print(f"onnxruntime-web: {ort_version or 'not installed (run without --quick to install it)'}"
              f" (package-lock.json pins {pinned_ort_version()})")

        # --- onnxruntime in Python reads the sample drawings: what the page should show for them ---
        import onnxruntime as ort

        session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
        readings = plot_steps(session, run.out / "preprocessing.png", args.show)
        for digit, (predicted, p) in readings.items():
            print(f"sample drawing of {digit}: onnxruntime reads {predicted} ({100 * p:.1f}%)")

        # --- serve: check what a browser will fetch, print the address, wait for Ctrl-C ---
        threading.Thread(target=server.serve_forever, name="web-demo", daemon=True).start()
        served_seconds = 0.0
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            served = check_served(base, model, with_ort=ort_version is not None)
            if not args.quick:
                served_seconds = webserver.serve_until_stopped(
                    f"\nserving the demo at {base}/  (open it in a browser and draw a digit; Ctrl-C stops)",
                    args.serve_seconds)
        finally:
            server.shutdown()  # stops serve_forever; leaving the `with` block releases the port
    print(f"server stopped after {served_seconds:.1f} s")
    return run.finish({
        "model_bytes": model.stat().st_size,
        "onnxruntime_web": ort_version or "not installed",
        "files_checked": len(served),
        "sample_readings": {str(d): {"predicted": p, "probability": q} for d, (p, q) in readings.items()},
        "samples_read_correctly": sum(p == d for d, (p, _) in readings.items()),
        "served_seconds": served_seconds,
    })


if __name__ == "__main__":
    main()
