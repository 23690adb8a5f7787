"""deploy/04_face_camera.py: name the face in front of your webcam, in the browser, with the network cnn/15 trained.

Note 002's application case ends here: "open the web camera, take the picture, show the name" (人脸识别), by its
route of OpenCV or the camera for the frames, PyTorch to train, ONNX.js (today onnxruntime-web) to run. This
lesson exports the embedding half of cnn/15's FaceNet to ONNX (the photo and its mirror image in, one
L2-normalised 64-number embedding out, as cnn/15's embed_all computes it), checks it against torch on every
photo, and serves a page (deploy/web/faces.html and faces.mjs, the server of deploy/03) that reads the
camera with getUserMedia. You put your face in the guide box, type your name and enrol it from a few frames;
from then on the page names whoever is in the box, or says "unknown" when the nearest enrolled face is
farther than cnn/15's equal-error threshold, live, with the distance. Nothing leaves the browser: frames,
embeddings and names stay on the machine (localStorage), and the page says so.

The page's preprocessing is this file's preprocess_frame(), step for step (训练与推理的预处理必须一致): the
guide box (the middle square, 60% of the frame's shorter side), grey by the ITU-R 601 weights, scaled to
64x64 by area averaging (cnn/15 resized its photos with antialiased bilinear interpolation: close, not
equal), each face standardised to mean 0 and std 1 as cnn/15 does. The tests feed both the same frame and
compare, then drive chromium with a fake camera playing photos of people the network never saw in training.

Notes: 002 人脸识别 (the application: a photo in, a name out; then the camera), onnx.js加载模型输出结果.
Run:    python deploy/04_face_camera.py [--recognizer outputs/cnn/15_face_recognition/recognizer.pt] [--port 8001]
        then open http://127.0.0.1:8001/faces.html, allow the camera, enrol yourself; Ctrl-C stops the server.
        No recogniser yet: it first runs python cnn/15_face_recognition.py (about a minute). No camera:
        --photo PHOTO serves a photo the page uses instead. Needs Node.js/npm once, as deploy/03.
Prints: the recogniser, the export check (torch vs onnxruntime on every photo), each file the page fetches,
        then the address.
Saves:  outputs/deploy/04_face_camera/{face_embedding.onnx, face_meta.json, metrics.json; photo.png with --photo}
Expect: the exported embedding agrees with torch to within 1e-4 on all 400 photos (1.2e-7 on the tests' fixture
        photos), and with everyone enrolled from photos 1-3 onnxruntime names all 280 other photos as torch
        does. In chromium with a fake camera, two people cnn/15 never saw, enrolled from a clip of their first 3
        photos, are named from another photo and a third is "unknown", as onnxruntime in Python says for the
        same frames (the test picks two that Python names right with a margin and a third far beyond the
        threshold: how often the model is right is cnn/15's measure).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import lessonkit as lk
from lessonkit import webserver

HERE = Path(__file__).resolve().parent
WEB = HERE / "web"
ORT_DIST = WEB / "node_modules" / "onnxruntime-web" / "dist"
DEFAULT_RECOGNIZER = HERE.parent / "outputs" / "cnn" / "15_face_recognition" / "recognizer.pt"
SIZE = 64            # cnn/15's input: 64x64 grey, each face standardised on its own
BOX_FRACTION = 0.6   # the guide box: the middle square, this share of the frame's shorter side
GREY = (0.299, 0.587, 0.114)  # ITU-R BT.601 luma weights, as the page uses
ROUTES = {"/faces.html": "faces.html", "/faces.mjs": "faces.mjs"}
MODEL_ROUTE, META_ROUTE, PHOTO_ROUTE = "/model/face_embedding.onnx", "/model/face_meta.json", "/model/photo.png"


class FaceNet(nn.Module):
    """cnn/15's FaceNet, restated (a lesson never imports another): its state_dict loads here unchanged."""

    def __init__(self, num_people: int, embedding: int = 64):
        super().__init__()

        def block(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                    nn.MaxPool2d(2)]

        self.features = nn.Sequential(*block(1, 16), *block(16, 32), *block(32, 64), *block(64, 128),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.embedding = nn.Linear(128, embedding)
        self.classifier = nn.Linear(embedding, num_people)


class MirroredEmbedding(nn.Module):
    """What the page runs: the embeddings of a face and of its mirror image, each L2-normalised (cnn/15's
    embed), summed and normalised again: cnn/15's embed_all, whose distances its threshold was measured on.
    The classifier over the training people is left out: the page compares embeddings."""

    def __init__(self, net: FaceNet):
        super().__init__()
        self.features, self.embedding = net.features, net.embedding

    def embed(self, face: torch.Tensor) -> torch.Tensor:  # (B, 1, 64, 64) -> (B, 64), length 1
        return F.normalize(self.embedding(self.features(face)), dim=1)

    def forward(self, face: torch.Tensor) -> torch.Tensor:  # (B, 1, 64, 64) -> (B, 64)
        return F.normalize(self.embed(face) + self.embed(face.flip(-1)), dim=1)


# --- preprocessing: the same steps as preprocess() in web/faces.mjs --------------------------------------

def guide_box(height: int, width: int) -> tuple[int, int, int]:
    """(top, left, side) of the middle square the page draws: 60% of the shorter side, whole pixels."""
    side = int(np.floor(BOX_FRACTION * min(height, width)))
    return (height - side) // 2, (width - side) // 2, side


def area_weights(n: int, m: int) -> np.ndarray:
    """(m, n) box-filter weights resampling n pixels onto m: output i is the mean of input [i*n/m, (i+1)*n/m),
    each input pixel weighted by its overlap (as deploy/03 scales a digit)."""
    lo, hi = np.arange(m)[:, None] * n / m, (np.arange(m)[:, None] + 1) * n / m
    j = np.arange(n)[None, :]
    return np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0, None) / (n / m)


def preprocess_frame(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 frame -> (1, 1, 64, 64) float32 model input: guide box, grey, area-scaled, standardised."""
    top, left, side = guide_box(*rgb.shape[:2])
    box = rgb[top:top + side, left:left + side].astype(np.float64)
    grey = box @ np.array(GREY)                                     # (side, side) in 0..255
    small = area_weights(side, SIZE) @ grey @ area_weights(side, SIZE).T / 255.0
    std = max(small.std(ddof=1), 1e-3)  # ddof=1: torch's std, as cnn/15 standardises; a blank box must not /0
    return ((small - small.mean()) / std).astype(np.float32)[None, None]


def photo_frame(grey: np.ndarray, height: int = 480, width: int = 640) -> np.ndarray:
    """A camera-sized RGB frame showing a portrait photo's middle square in the guide box (the rest mid grey):
    how a face in front of the camera fills the box. Used for --photo and by the tests' fake camera."""
    h, w = grey.shape
    side = min(h, w)
    square = grey[(h - side) // 2:(h - side) // 2 + side, (w - side) // 2:(w - side) // 2 + side].astype(np.float64)
    top, left, box = guide_box(height, width)
    frame = np.full((height, width), 128.0)
    frame[top:top + box, left:left + box] = area_weights(side, box) @ square @ area_weights(side, box).T
    return np.repeat(np.round(frame).astype(np.uint8)[:, :, None], 3, axis=2)


# --- the recogniser from cnn/15, and its export -----------------------------------------------------------

def ensure_recognizer(path: Path | None, default: Path, quick: bool, data_dir: str | None) -> Path:
    """--recognizer, else the default one, trained first by cnn/15_face_recognition.py when it is missing."""
    if path is not None:
        if not path.is_file():
            raise lk.LessonError(f"--recognizer {path}: no such file. Train one with `python "
                                 "cnn/15_face_recognition.py --out FOLDER` (it writes FOLDER/recognizer.pt).")
        return path
    if default.is_file():
        return default
    command = [sys.executable, str(HERE.parent / "cnn" / "15_face_recognition.py"), "--out", str(default.parent),
               "--device", "cpu"] + (["--quick"] if quick else []) + (["--data-dir", data_dir] if data_dir else [])
    print(f"no recogniser at {default}: training one with cnn/15_face_recognition.py ...", flush=True)
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0 or not default.is_file():
        last = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[-1]
        raise lk.LessonError(f"cnn/15_face_recognition.py could not train the recogniser (exit "
                             f"{result.returncode}): {last}")
    print("  15: " + [line for line in result.stdout.splitlines() if line.startswith("done in")][-1])
    return default


def load_recognizer(path: Path) -> tuple[MirroredEmbedding, dict]:
    state = lk.load_checkpoint(path)
    if missing := {"model", "people", "names", "threshold"} - state.keys():
        raise lk.DataError(f"{path} is not a recogniser cnn/15_face_recognition.py saved (it lacks "
                           f"{', '.join(sorted(missing))}): point --recognizer at its recognizer.pt.")
    net = FaceNet(int(state["people"]))
    lk.check_state_dict(state["model"], net, path, expected="the FaceNet cnn/15_face_recognition.py saves")
    net.load_state_dict(state["model"])
    return MirroredEmbedding(net).eval(), state


def export(model: nn.Module, path: Path) -> Path:
    """As deploy/01: torch.export traces the graph (batch axis symbolic), one self-contained file, atomically."""
    with lk.atomic_path(path) as tmp:
        torch.onnx.export(model, (torch.zeros(2, 1, SIZE, SIZE),), tmp, dynamo=True, external_data=False,
                          input_names=["face"], output_names=["embedding"],
                          dynamic_shapes=({0: torch.export.Dim("batch")},), verbose=False)
    return path


def photos_as_page_inputs(data_dir) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every AT&T photo as the page sees it in the guide box: (N, 1, 64, 64) inputs, labels, photo numbers."""
    faces = lk.load_att_faces(data_dir)
    inputs = np.concatenate([preprocess_frame(photo_frame(image.numpy())) for image in faces.images])
    return inputs, faces.labels.numpy(), faces.photo.numpy()


def nearest_names(embeddings: np.ndarray, labels: np.ndarray, enrolled: np.ndarray) -> np.ndarray:
    """Enrol every person from their `enrolled` photos (the mean embedding, normalised, as cnn/15 and the page
    do), then name every other photo by its nearest enrolled person."""
    people = np.unique(labels)
    gallery = np.stack([embeddings[enrolled & (labels == p)].mean(0) for p in people])
    gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
    distances = np.linalg.norm(embeddings[~enrolled, None, :] - gallery[None], axis=2)
    return people[distances.argmin(axis=1)]


def check_export(model: nn.Module, onnx_path: Path, inputs: np.ndarray, labels, photo) -> dict:
    """torch against onnxruntime on the same inputs: the largest embedding difference, and whether both name
    each photo (people enrolled from their first 3) the same."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    with torch.inference_mode():
        expected = model(torch.from_numpy(inputs)).numpy()
    got = session.run(["embedding"], {"face": inputs})[0]
    enrolled = photo <= 3
    by_torch, by_onnx = nearest_names(expected, labels, enrolled), nearest_names(got, labels, enrolled)
    return {"max_difference": float(np.abs(got - expected).max()), "named": int((~enrolled).sum()),
            "named_alike": int((by_torch == by_onnx).sum()), "named_right": int((by_onnx == labels[~enrolled]).sum()),
            "embedding": int(got.shape[1])}


def bind_server(port: int):
    """deploy/03's server (lessonkit/webserver.py) for this page: faces.html and faces.mjs from deploy/web,
    onnxruntime-web at /ort/; the model, its settings and a --photo are added to server.routes once made."""
    routes = {route: WEB / name for route, name in ROUTES.items()} | {"/": WEB / "faces.html"}
    return webserver.bind_page_server(port, WEB, routes, {"/ort/": (ORT_DIST, (".mjs", ".js", ".wasm"))})



def main(argv=None):
    parser = lk.make_parser(__doc__)
    parser.add_argument("--port", type=webserver.port_number, default=8001,
                        help="port on 127.0.0.1 (default: 8001; 0 = any free port; --quick always takes any free port)")
    parser.add_argument("--recognizer", type=Path, default=None,
                        help=f"cnn/15's recognizer.pt (default: {DEFAULT_RECOGNIZER.relative_to(HERE.parent)}, "
                             "trained first if missing; with --quick <out>/15_face_recognition/recognizer.pt)")
    parser.add_argument("--photo", type=Path, default=None,
                        help="no camera: the page uses this photo (one face, filling most of it) as its frame")
    parser.add_argument("--serve-seconds", type=lk.positive_float, default=None,
                        help="stop after this many seconds (default: serve until Ctrl-C)")
    args = parser.parse_args(argv)
    run = lk.start_run(__file__, args, cpu_only="the embedding runs in the browser; Python exports and serves")
    photo = lk.read_grey_image(args.photo) if args.photo else None  # a bad photo is a DataError before any work

    with bind_server(0 if args.quick else args.port) as server:
        # The photos the export is checked on, first: missing or damaged data is one DataError before any work.
        inputs, labels, photo_numbers = photos_as_page_inputs(run.data_dir)
        # --- the recogniser cnn/15 trained, exported: the embedding with its mirror image, in one file ---
        default = run.out / "15_face_recognition" / "recognizer.pt" if args.quick else DEFAULT_RECOGNIZER
        recognizer = ensure_recognizer(args.recognizer, default, args.quick, args.data_dir)
        model, state = load_recognizer(recognizer)
        print(f"recogniser: {recognizer} (trained on {state['people']} people; unknown beyond distance "
              f"{float(state['threshold']):.3f})")
        onnx_path = export(model, run.out / "face_embedding.onnx")
        check = check_export(model, onnx_path, inputs, labels, photo_numbers)
        difference = check["max_difference"]
        print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1024:.0f} KB): on {len(inputs)} photos, as the "
              f"page frames them, onnxruntime's embeddings differ from torch's by at most {difference:.1e}")
        print(f"everyone enrolled from photos 1-3: onnxruntime and torch name {check['named_alike']} of the other "
              f"{check['named']} photos alike ({check['named_right']} right; people cnn/15 trained on among them)")
        if not difference <= 1e-4:
            onnx_path.unlink()  # never leave a file the page would load but that computes something else
            raise lk.LessonError(f"the exported embedding differs from torch's by {difference:.2e} (> 1e-4): "
                                 "not saved")
        meta = {"size": SIZE, "box_fraction": BOX_FRACTION, "grey": GREY, "threshold": float(state["threshold"]),
                "embedding": check["embedding"], "photo": photo is not None}
        server.routes[MODEL_ROUTE] = onnx_path
        server.routes[META_ROUTE] = lk.write_json(meta, run.out / "face_meta.json")
        if photo is not None:
            from PIL import Image

            with lk.atomic_path(run.out / "photo.png") as tmp:
                Image.fromarray(photo_frame(photo)).save(tmp, format="PNG")
            server.routes[PHOTO_ROUTE] = run.out / "photo.png"
        if webserver.installed_package_version(WEB) != webserver.pinned_package_version(WEB) and not args.quick:
            webserver.npm_ci(WEB)
        ort_version = webserver.installed_package_version(WEB)

        threading.Thread(target=server.serve_forever, name="face-demo", daemon=True).start()
        served_seconds = 0.0
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            wanted = {"/faces.html": "text/html", "/faces.mjs": "text/javascript",
                      MODEL_ROUTE: "application/octet-stream", META_ROUTE: "application/json"}
            if ort_version:
                wanted |= {"/ort/ort.wasm.min.mjs": "text/javascript"}
            served = webserver.check_served(base, wanted, {MODEL_ROUTE: onnx_path})
            if not args.quick:
                served_seconds = webserver.serve_until_stopped(
                    f"\nserving the face demo at {base}/faces.html  (allow the camera, put your face in the box, "
                    "type your name, Enrol; Ctrl-C stops)", args.serve_seconds)
        finally:
            server.shutdown()
    print(f"server stopped after {served_seconds:.1f} s")
    return run.finish({
        "onnx_kb": onnx_path.stat().st_size / 1024, "export_max_difference": difference, "photos_checked": len(inputs),
        "named_alike": check["named_alike"], "named_right": check["named_right"], "named": check["named"],
        "people": int(labels.max()) + 1, "threshold": float(state["threshold"]),
        "onnxruntime_web": ort_version or "not installed", "files_checked": len(served),
        "served_seconds": served_seconds,
    })


if __name__ == "__main__":
    main()
