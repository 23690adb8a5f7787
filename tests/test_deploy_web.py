"""deploy/03_web_demo.py: its server, and its page in a real browser (Debian's chromium driven by Playwright).

The browser tests draw with real pointer events (page.mouse: press, move along a stroke in small steps,
release), the way a learner's mouse does, and read the page's stable hooks: canvas #pad, button #clear,
#prediction[data-digit], window.lessonDemo. They skip with a reason where chromium, npm or Playwright is
missing; with LESSONS_REQUIRE_BROWSER=1 (set by .ci/run) a missing one is a failure instead.

Models: the quick tests use LeNet-5 trained on the tiny fixture, exported here with torch.onnx.export: they
test the page's arithmetic (preprocessing, inference, display) against Python, which needs no skill. The
real_data tests use LeNet trained for 1 epoch on real MNIST (98.9%; shorter than 01's default 3-epoch
model, to keep CI's real-data budget) and check what a reader sees: hand-drawn digits read correctly.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import REPO, load_lesson, missing_browser_part, real_image_copy
from fixtures import onnx_identity

import lessonkit as lk

demo = load_lesson(REPO / "deploy" / "03_web_demo.py")
TOLERANCE = 1e-5  # page vs Python, on float32 inputs up to 2.8 (float32 spacing there: 2.4e-7)


_missing = missing_browser_part


# --- fixtures: onnxruntime-web, the browser, the models, the server ------------------------------------

@pytest.fixture(scope="session")
def ort_web():
    """onnxruntime-web installed with `npm ci` (what the lesson runs), once per session."""
    if demo.installed_ort_version() != demo.pinned_ort_version():
        if shutil.which("npm") is None:
            _missing("npm not found: install Node.js/npm to run the web page's browser tests")
        demo.npm_ci()
    return demo.installed_ort_version()


@pytest.fixture(scope="session")
def browser(ort_web, playwright_driver):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        _missing("chromium not found (Debian: apt-get install chromium): the page's browser tests need it")
    # Playwright's own browser download is not used: it drives the system's chromium.
    browser = playwright_driver.chromium.launch(executable_path=chromium)
    yield browser
    browser.close()


def export_lenet(path: Path, state_dict=None) -> Path:
    lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
    torch.manual_seed(0)
    model = lenet.LeNet5()
    if state_dict is not None:
        model.load_state_dict(state_dict)
    model.eval()
    torch.onnx.export(model, (torch.zeros(2, 1, 28, 28),), path, input_names=["image"], output_names=["logits"],
                      dynamic_shapes=({0: torch.export.Dim("batch")},), external_data=False, dynamo=True)
    return path


@pytest.fixture(scope="session")
def quick_model(tmp_path_factory, tiny_data_root) -> Path:
    """LeNet-5 after 3 epochs on the tiny fixture, in ONNX: no digit reader, but its outputs vary with the
    input (an untrained one says the same for every drawing), so page and Python can be compared."""
    folder = tmp_path_factory.mktemp("quick_model")
    lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
    with pytest.MonkeyPatch.context() as env:  # as conftest's _no_downloads, which a session fixture precedes
        env.setenv("LESSONS_OFFLINE", "1")
        env.setenv("LESSONS_UNVERIFIED_DATA", "1")
        lenet.main(["--device", "cpu", "--epochs", "3", "--batch-size", "32", "--data-dir", str(tiny_data_root),
                    "--out", str(folder)])
    return export_lenet(folder / "lenet.onnx", lk.load_checkpoint(folder / "lenet.pt", map_location="cpu"))


@pytest.fixture(scope="session")
def real_model(tmp_path_factory) -> Path:
    """LeNet-5 after 1 epoch on real MNIST (cnn/04_lenet.py, 98.9% test accuracy), exported to ONNX."""
    folder = tmp_path_factory.mktemp("real_model")
    data = real_image_copy(folder)
    lenet = load_lesson(REPO / "cnn" / "04_lenet.py")
    with pytest.MonkeyPatch.context() as env:  # offline, and the published files' checksums are checked
        env.setenv("LESSONS_OFFLINE", "1")
        env.delenv("LESSONS_UNVERIFIED_DATA", raising=False)
        lenet.main(["--device", "cpu", "--epochs", "1", "--data-dir", str(data), "--out", str(folder)])
    state = lk.load_checkpoint(folder / "lenet.pt", map_location="cpu")
    return export_lenet(folder / "lenet.onnx", state)


@contextlib.contextmanager
def serving(model: Path):
    """The lesson's own server (bind_server + DemoHandler) on a free port, in a background thread."""
    with demo.bind_server(0) as server:
        server.routes[demo.MODEL_ROUTE] = model
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()


@contextlib.contextmanager
def open_page(browser, model: Path):
    """The demo page, model loaded; on the way out: no JavaScript errors, and nothing fetched from elsewhere."""
    with serving(model) as base:
        page = browser.new_page(viewport={"width": 820, "height": 640})
        problems, requests = [], []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("request", lambda request: requests.append(request.url))
        page.goto(base + "/")
        page.wait_for_function("document.body.dataset.ready", timeout=30_000)
        assert page.evaluate("document.body.dataset.ready") == "true", page.text_content("#status")
        yield page
        page.close()
        assert not problems, problems
        assert all(url.startswith(base + "/") for url in requests), requests  # all local: works offline


@pytest.fixture(scope="module")
def quick_page(browser, quick_model):
    with open_page(browser, quick_model) as page:
        yield page


# --- drawing with the mouse, and reading the page back ------------------------------------------------

def draw(page, strokes, step_px: float = 20) -> None:
    """Strokes in 0..1 pad coordinates, drawn with real pointer events (a move every `step_px` screen
    pixels or less, like a hand); waits until the page shows the result for the whole drawing."""
    page.click("#clear")
    box = page.locator("#pad").bounding_box()
    for stroke in strokes:
        points = [(box["x"] + float(x) * box["width"], box["y"] + float(y) * box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for previous, point in zip(points[:-1], points[1:]):
            page.mouse.move(*point, steps=max(1, int(np.ceil(np.hypot(*np.subtract(point, previous)) / step_px))))
        page.mouse.up()
    page.evaluate("window.lessonDemo.settled()")


def page_state(page) -> dict:
    """The page's answer, the input it gave the model, and the canvas's ink (255 - red channel)."""
    state = page.evaluate("""() => {
        const pad = document.getElementById("pad");
        const rgba = pad.getContext("2d").getImageData(0, 0, pad.width, pad.height).data;
        let red = "";
        for (let i = 0; i < rgba.length; i += 4) red += String.fromCharCode(rgba[i]);
        const demo = window.lessonDemo;
        return {digit: document.getElementById("prediction").dataset.digit, red: btoa(red), size: pad.width,
                input: demo.lastInput && Array.from(demo.lastInput),
                probabilities: demo.lastProbabilities && Array.from(demo.lastProbabilities)};
    }""")
    red = np.frombuffer(base64.b64decode(state.pop("red")), dtype=np.uint8)
    state["ink"] = 255.0 - red.reshape(state["size"], state["size"])
    return state


def onnxruntime_probabilities(model: Path, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort

    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    logits = session.run(["logits"], {"image": np.asarray(x, np.float32).reshape(1, 1, 28, 28)})[0][0]
    return demo.softmax(logits)


def check_page_against_python(page, model: Path) -> tuple[bool, dict]:
    """Python's preprocessing of the canvas pixels = the page's model input (within TOLERANCE), and
    returns whether onnxruntime in Python, on the page's own input, predicts the digit the page shows."""
    state = page_state(page)
    expected = demo.preprocess_like_mnist(state["ink"])
    assert np.abs(np.asarray(state["input"]) - expected).max() <= TOLERANCE
    probabilities = onnxruntime_probabilities(model, state["input"])
    assert np.abs(np.asarray(state["probabilities"]) - probabilities).max() <= TOLERANCE
    return state["digit"] == str(int(probabilities.argmax())), state


# --- the preprocessing: JavaScript vs the Python reference ---------------------------------------------

def preprocessing_cases() -> dict[str, np.ndarray]:
    """Ink images (255 = ink) that exercise each step: shapes, aspect ratios, odd sizes, the field's edge."""
    rng = np.random.default_rng(0)
    cases = {f"sample {d}": demo.draw_strokes(s) for d, s in demo.SAMPLE_DIGITS.items()}
    cases["wide bar"] = demo.draw_strokes([[(0.1, 0.5), (0.9, 0.55)]])
    cases["one pixel"] = np.zeros((50, 70))
    cases["one pixel"][10, 60] = 255
    cases["blob in a corner, grey"] = demo.draw_strokes([[(0.02, 0.02), (0.1, 0.08)]], width=9) * 0.6
    cases["lopsided mass"] = demo.draw_strokes([[(0.2, 0.2), (0.2, 0.8)], [(0.2, 0.8), (0.9, 0.8)]], size=199)
    cases["25x40 box: 12.5 px rounds up"] = np.zeros((60, 60))
    cases["25x40 box: 12.5 px rounds up"][5:30, 10:50] = 255  # round-half-to-even would give 12 rows, not 13
    cases["sparse noise"] = np.where(rng.random((90, 130)) < 0.02, rng.integers(1, 256, (90, 130)), 0)
    return {name: np.round(ink) for name, ink in cases.items()}


def test_javascript_preprocessing_equals_python(quick_page):
    """Guards app.mjs's preprocess = preprocess_like_mnist: the same 784 floats within TOLERANCE, fed the same
    pixels (ImageData built from the arrays, no drawing), and null/None for an empty drawing."""
    for name, ink in preprocessing_cases().items():
        h, w = ink.shape
        rgba = np.zeros((h, w, 4), np.uint8)
        rgba[..., :3] = (255 - ink)[..., None]  # dark ink on white paper, as the page draws
        rgba[..., 3] = 255
        js = quick_page.evaluate(
            "([bytes, w, h]) => { const data = Uint8ClampedArray.from(atob(bytes), (c) => c.charCodeAt(0));"
            " const x = window.lessonDemo.preprocess(new ImageData(data, w, h)); return x && Array.from(x); }",
            [base64.b64encode(rgba.tobytes()).decode(), w, h])
        python = demo.preprocess_like_mnist(ink)
        assert python is not None and python.shape == (784,) and python.dtype == np.float32
        assert len(js) == 784 and np.abs(np.asarray(js) - python).max() <= TOLERANCE, name
    blank = "() => window.lessonDemo.preprocess(new ImageData(new Uint8ClampedArray(40 * 40 * 4).fill(255), 40, 40))"
    assert quick_page.evaluate(blank) is None and demo.preprocess_like_mnist(np.zeros((40, 40))) is None


def test_preprocessing_matches_mnist_conventions():
    """The Python reference does what MNIST did: the ink's longer side is 20 px (even a single pixel's),
    its centre of mass within half a pixel of the 28x28 field's centre (13.5, 13.5; a whole-pixel shift
    cannot do better), and the background is -mean/std after normalising."""
    for name, ink in preprocessing_cases().items():
        x = demo.preprocess_like_mnist(ink).reshape(28, 28)
        field = (x * demo.MNIST_STD + demo.MNIST_MEAN) * 255
        ys, xs = np.nonzero(field > 1e-3)
        assert max(ys.max() - ys.min(), xs.max() - xs.min()) + 1 == 20, name
        mass = field.sum()
        cy, cx = field.sum(1) @ np.arange(28) / mass, field.sum(0) @ np.arange(28) / mass
        assert abs(cy - 13.5) <= 0.5 + 1e-5 and abs(cx - 13.5) <= 0.5 + 1e-5, (name, cy, cx)  # + float32 noise
        assert x.min() == pytest.approx(-demo.MNIST_MEAN / demo.MNIST_STD)


# --- the page with the mouse ----------------------------------------------------------------------------

def test_drawing_matches_python_and_clear_resets(quick_page, quick_model):
    """Empty prediction before drawing; after drawing with the mouse, the page's input and probabilities equal
    Python's on the canvas pixels (TOLERANCE); Clear empties data-digit, the canvas and the hooks."""
    quick_page.click("#clear")
    assert quick_page.get_attribute("#prediction", "data-digit") == ""
    rng = np.random.default_rng(1)
    for _ in range(4):  # random scribbles: strokes no model was trained on
        strokes = [rng.uniform(0.1, 0.9, (rng.integers(2, 6), 2)).tolist() for _ in range(rng.integers(1, 4))]
        draw(quick_page, strokes)
        agrees, state = check_page_against_python(quick_page, quick_model)
        assert agrees and state["digit"] in list("0123456789")
    quick_page.click("#clear")
    quick_page.evaluate("window.lessonDemo.settled()")
    state = page_state(quick_page)
    assert state["digit"] == "" and quick_page.text_content("#prediction") == "?"
    assert state["input"] is None and state["probabilities"] is None and state["ink"].max() == 0


@pytest.mark.real_data
def test_hand_drawn_digits_are_read(browser, real_model, tmp_path):
    """Guards the docstring's Expect: the sample strokes 0, 1, 7 drawn with the mouse are read correctly.
    Saves the README's screenshot (LESSONS_SCREENSHOT_TO, else tmp_path) with the 7 on the pad."""
    with open_page(browser, real_model) as page:
        for digit, strokes in demo.SAMPLE_DIGITS.items():
            draw(page, strokes)
            agrees, state = check_page_against_python(page, real_model)
            assert agrees and state["digit"] == str(digit), (digit, state["digit"])
        shot = Path(os.environ.get("LESSONS_SCREENSHOT_TO") or tmp_path / "web_demo.png")
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.locator("main").screenshot(path=str(shot))
        assert shot.stat().st_size > 5000


def mnist_strokes(image: np.ndarray, threshold: int = 128) -> list:
    """A 28x28 digit as strokes: each run of ink pixels (>= threshold) along a row becomes one horizontal
    stroke through the pixel centres (a one-pixel run is a dot). The page's 20-px pen on its 280-px pad is
    two MNIST pixels wide, so neighbouring rows merge into a solid digit, a little bolder than the original."""
    strokes = []
    for r, row in enumerate(image >= threshold):
        padded = np.concatenate([[False], row, [False]])
        starts = np.flatnonzero(padded[1:] & ~padded[:-1])
        ends = np.flatnonzero(~padded[1:] & padded[:-1]) - 1
        for c0, c1 in zip(starts, ends):
            stroke = [((c0 + 0.5) / 28, (r + 0.5) / 28)]
            strokes.append(stroke + ([((c1 + 0.5) / 28, (r + 0.5) / 28)] if c1 > c0 else []))
    return strokes


@pytest.mark.real_data
def test_mnist_digits_drawn_on_the_page_agree_with_onnxruntime(browser, real_model, tmp_path):
    """The issue's check: 20 MNIST test digits drawn as strokes; the page's prediction equals onnxruntime's
    in Python on the same 28x28 input (the page's own input, read back) for at least 19 of 20."""
    data = real_image_copy(tmp_path)
    mnist = lk.load_mnist(data, "MNIST")
    agree = correct = 0
    with open_page(browser, real_model) as page:
        for image, label in zip(mnist.x_test[:20].numpy(), mnist.y_test[:20].tolist()):
            draw(page, mnist_strokes(image))
            same, state = check_page_against_python(page, real_model)
            agree += same
            correct += state["digit"] == str(label)
    print(f"\nweb demo: page == onnxruntime (Python) on {agree}/20 MNIST test digits drawn as strokes; "
          f"page == MNIST label on {correct}/20")
    assert agree >= 19
    assert correct >= 17  # the strokes are bolder than the originals; the label still survives


# --- the lesson's server and command line ---------------------------------------------------------------

def test_quick_run_serves_the_files_with_their_types(quick_model, tmp_path):
    """--quick with a model: serves, fetches each file a browser needs (check_served raises on a wrong type)."""
    record = demo.main(["--quick", "--device", "cpu", "--model", str(quick_model), "--out", str(tmp_path)])
    metrics = record["metrics"]
    installed = demo.installed_ort_version() is not None
    assert metrics["files_checked"] == (6 if installed else 3)
    assert metrics["model_bytes"] == quick_model.stat().st_size
    assert (tmp_path / "preprocessing.png").is_file()


def test_server_publishes_only_the_page(quick_model):
    """Only deploy/web/, onnxruntime-web's dist/ and the model are served; paths cannot climb out."""
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with serving(quick_model) as base:
        for route in ["/node_modules/onnxruntime-web/package.json", "/ort/..%2F..%2F..%2F03_web_demo.py",
                      "/..%2F03_web_demo.py", "/model/other.onnx"]:
            with pytest.raises(urllib.error.HTTPError) as answer:
                no_proxy.open(base + route, timeout=10)
            assert answer.value.code == 404, route


# What a browser, a curious learner or a scanner may ask for: each must be answered 404 (or 400 for a path no
# browser sends), never a file outside the page, a directory listing or a traceback on the server's console.
REFUSED = [
    ("/node_modules/onnxruntime-web/package.json", 404), ("/./node_modules/onnxruntime-web/package.json", 404),
    ("/%2e/node_modules/onnxruntime-web/package.json", 404), ("//node_modules/onnxruntime-web/package.json", 404),
    ("/ort/../app.mjs/..%2F..%2F03_web_demo.py", 404), ("/ort/", 404), ("/ort/package.json", 404),
    ("/model/", 404), ("/model/../../03_web_demo.py", 404), ("/%2e%2e/03_web_demo.py", 404),
    ("/web/", 404), ("/package-lock.json", 404), ("/package.json", 404), ("/node_modules/", 404),
    ("/index.html%00.png", 400), ("/%00", 400), ("/app.mjs%5c..%5c..%5c03_web_demo.py", 400), ("/%ff%fe", 400),
]


@pytest.mark.parametrize("route, status", REFUSED)
def test_server_refuses_every_other_path(quick_model, route, status, capsys):
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with serving(quick_model) as base:
        with pytest.raises(urllib.error.HTTPError) as answer:
            no_proxy.open(base + route, timeout=10)
        assert answer.value.code == status, route
        assert b"<li><a" not in answer.value.read(), "a directory listing"
        # the clean forms of the same files are still served
        for same in ("/", "/./index.html", "/app.mjs", "//app.mjs", "/model/./lenet.onnx"):
            with no_proxy.open(base + same, timeout=10) as ok:
                assert ok.status == 200 and ok.read(), same
    assert "Traceback" not in capsys.readouterr().err


def test_a_browser_hanging_up_mid_file_is_no_traceback(quick_model, capsys):
    """A reload or a cancelled download closes the connection while the server still writes: not an error."""
    with serving(quick_model) as base:
        for _ in range(5):
            with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as client:
                client.sendall(b"GET /model/lenet.onnx HTTP/1.1\r\nHost: x\r\n\r\n")
                client.recv(10)
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset
        time.sleep(0.5)
    assert "Traceback" not in capsys.readouterr().err


def test_taken_port_is_a_clear_error(quick_model, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(lk.LessonError) as err:
            demo.main(["--port", str(port), "--model", str(quick_model), "--out", str(tmp_path)])
    assert f"port {port} on 127.0.0.1 is taken" in str(err.value) and "--port" in str(err.value)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(lk.LessonError, match="--model .*no such file.*01_export_onnx.py"):
        demo.main(["--quick", "--model", str(tmp_path / "none.onnx"), "--out", str(tmp_path)])


def test_another_onnx_model_is_refused_before_serving(tmp_path):
    other = onnx_identity(tmp_path / "other.onnx", name_in="input.1")
    with pytest.raises(lk.DataError, match="its inputs are input.1"):
        demo.main(["--quick", "--model", str(other), "--out", str(tmp_path / "o")])


def test_missing_npm_names_nodejs(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(lk.LessonError, match="Node.js/npm not found"):
        demo.npm_ci()


@pytest.mark.subprocess
def test_script_serves_until_ctrl_c(ort_web, quick_model, tmp_path):
    """As a learner runs it: prints the address, serves the page, and Ctrl-C ends it cleanly (exit 0, the
    port released, metrics.json written, no traceback)."""
    process = subprocess.Popen(
        [sys.executable, "deploy/03_web_demo.py", "--port", "0", "--model", str(quick_model), "--out", str(tmp_path)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, base = time.monotonic() + 120, None
        while base is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            if "serving the demo at " in line:
                base = line.split("serving the demo at ")[1].split()[0].rstrip("/")
        assert base, process.stderr.read() if process.poll() is not None else "no address printed"
        no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with no_proxy.open(base + "/", timeout=10) as answer:
            assert answer.status == 200 and 'id="pad"' in answer.read().decode()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "server stopped" in out and "Traceback" not in err
    assert json.loads((tmp_path / "metrics.json").read_text())["metrics"]["served_seconds"] > 0
    with socket.socket() as again:  # the port is free again (REUSEADDR as the server: a LISTEN port still fails)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", int(base.rsplit(":", 1)[1])))


@pytest.mark.real_data
def test_sample_drawings_read_correctly_in_python(real_model, tmp_path):
    """The lesson's printed readings (onnxruntime in Python on the figure's sample drawings) with a trained model."""
    record = demo.main(["--quick", "--device", "cpu", "--model", str(real_model), "--out", str(tmp_path)])
    assert record["metrics"]["samples_read_correctly"] == 3
