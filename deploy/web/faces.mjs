// deploy/web/faces.mjs: read the camera, cut the guide box, preprocess it as deploy/04_face_camera.py does, embed
// it with cnn/15's network in onnxruntime-web, and name the nearest enrolled face (or "unknown").
// Served by deploy/04_face_camera.py, with the server of deploy/03. No framework and no build step.
import * as ort from "onnxruntime-web";

ort.env.wasm.wasmPaths = "/ort/";
ort.env.wasm.numThreads = 1; // more threads need a cross-origin-isolated page; one frame is a small job

const STORE = "faceDemo.enrolled"; // localStorage key: [{name, vector}], never sent anywhere
const ENROL_FRAMES = 5;            // an enrolment averages this many frames, as cnn/15 averages 3 photos
const $ = (id) => document.getElementById(id);

// Area-averaging weights resampling n pixels onto m (a box filter), as area_weights() in the Python.
function areaWeights(n, m) {
  const rows = [];
  for (let i = 0; i < m; i++) {
    const lo = (i * n) / m, hi = ((i + 1) * n) / m;
    const weights = [];
    for (let j = Math.floor(lo); j < Math.min(n, Math.ceil(hi)); j++) {
      const overlap = Math.min(hi, j + 1) - Math.max(lo, j);
      if (overlap > 0) weights.push([j, overlap / (n / m)]);
    }
    rows.push(weights);
  }
  return rows;
}

// The guide box: the middle square, box_fraction of the shorter side, whole pixels (guide_box() in Python).
export function guideBox(height, width, fraction) {
  const side = Math.floor(fraction * Math.min(height, width));
  return { top: Math.floor((height - side) / 2), left: Math.floor((width - side) / 2), side };
}

// RGBA frame (ImageData-like: width, height, data) -> Float32Array(size * size), the model's (1, 1, size, size)
// input: the guide box, grey by the ITU-R 601 weights, area-scaled to size x size, standardised to mean 0 and
// std 1 (n - 1 in the variance, as torch's std). deploy/04's preprocess_frame() is the same steps in NumPy.
export function preprocess(frame, meta) {
  const { width: W, height: H, data } = frame;
  const { size, grey: [wr, wg, wb] } = meta;
  const { top, left, side } = guideBox(H, W, meta.box_fraction);
  const g = new Float64Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const k = 4 * ((top + y) * W + left + x);
      g[y * side + x] = wr * data[k] + wg * data[k + 1] + wb * data[k + 2];
    }
  }
  const weights = areaWeights(side, size);
  const rows = new Float64Array(size * side); // scale the rows, then the columns (A @ g @ A.T)
  for (let i = 0; i < size; i++) {
    for (const [y, w] of weights[i]) {
      for (let x = 0; x < side; x++) rows[i * side + x] += w * g[y * side + x];
    }
  }
  const small = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let v = 0;
      for (const [x, w] of weights[j]) v += w * rows[i * side + x];
      small[i * size + j] = v / 255;
    }
  }
  let mean = 0;
  for (const v of small) mean += v;
  mean /= small.length;
  let squares = 0;
  for (const v of small) squares += (v - mean) ** 2;
  const std = Math.max(Math.sqrt(squares / (small.length - 1)), 1e-3);
  return Float32Array.from(small, (v) => (v - mean) / std);
}

function distance(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

function normalised(v) {
  const n = Math.hypot(...v) || 1;
  return Float32Array.from(v, (x) => x / n);
}

// The nearest enrolled person and the distance to them; "unknown" beyond the threshold (cnn/15's EER distance).
export function nameOf(embedding, enrolled, threshold) {
  let best = null, nearest = Infinity;
  for (const person of enrolled) {
    const d = distance(embedding, person.vector);
    if (d < nearest) { nearest = d; best = person.name; }
  }
  if (best === null) return { name: "nobody enrolled", distance: null };
  return { name: nearest <= threshold ? best : "unknown", distance: nearest, nearest: best };
}

const state = { meta: null, session: null, enrolled: [], source: null, last: null, frames: 0, busy: false };

function loadEnrolled() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORE) || "[]");
    return stored.map((p) => ({ name: String(p.name), vector: Float32Array.from(p.vector) }));
  } catch {
    return []; // a damaged store: start empty rather than fail
  }
}

function saveEnrolled() {
  localStorage.setItem(STORE, JSON.stringify(state.enrolled.map((p) => ({ name: p.name, vector: [...p.vector] }))));
  $("enrolled").replaceChildren(...state.enrolled.map((p) => {
    const li = document.createElement("li");
    li.textContent = p.name;
    return li;
  }));
}

async function embed(input) {
  const { size } = state.meta;
  const feeds = { face: new ort.Tensor("float32", input, [1, 1, size, size]) };
  const out = await state.session.run(feeds);
  return Float32Array.from(out.embedding.data);
}

// One frame from the camera (or the stand-in photo), drawn on the view with the guide box.
function grabFrame() {
  const view = $("view"), ctx = view.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(state.source, 0, 0, view.width, view.height);
  const frame = ctx.getImageData(0, 0, view.width, view.height);
  const { top, left, side } = guideBox(view.height, view.width, state.meta.box_fraction);
  ctx.strokeStyle = "#2c2";
  ctx.lineWidth = 3;
  ctx.strokeRect(left, top, side, side);
  return frame;
}

function showSeen(input) {
  const { size } = state.meta, seen = $("seen").getContext("2d"), img = seen.createImageData(size, size);
  for (let i = 0; i < input.length; i++) {
    const v = Math.max(0, Math.min(255, 128 + 48 * input[i]));
    img.data.set([v, v, v, 255], 4 * i);
  }
  seen.putImageData(img, 0, 0);
}

async function tick() {
  if (!state.busy && state.source) {
    state.busy = true;
    try {
      const input = preprocess(grabFrame(), state.meta);
      const embedding = await embed(input);
      const answer = nameOf(embedding, state.enrolled, state.meta.threshold);
      state.last = { input, embedding, ...answer };
      state.frames += 1;
      showSeen(input);
      $("name").textContent = answer.name;
      $("name").dataset.name = answer.name;
      $("name").dataset.distance = answer.distance === null ? "" : answer.distance.toFixed(4);
      $("distance").textContent = answer.distance === null ? "enrol someone first" :
        `distance ${answer.distance.toFixed(3)} to ${answer.nearest} (unknown beyond ${state.meta.threshold.toFixed(3)})`;
    } finally {
      state.busy = false;
    }
  }
  setTimeout(tick, 150);
}

async function enrol(name) {
  name = name.trim();
  if (!name) { $("status").textContent = "type a name first"; return false; }
  const vectors = [];
  for (let k = 0; k < ENROL_FRAMES; k++) {
    vectors.push(await embed(preprocess(grabFrame(), state.meta)));
    await new Promise((r) => setTimeout(r, 120));
  }
  const mean = vectors[0].map((_, i) => vectors.reduce((s, v) => s + v[i], 0) / vectors.length);
  state.enrolled = state.enrolled.filter((p) => p.name !== name).concat([{ name, vector: normalised(mean) }]);
  saveEnrolled();
  $("status").textContent = `enrolled ${name} from ${ENROL_FRAMES} frames`;
  return true;
}

async function startSource() {
  if (state.meta.photo) { // deploy/04 --photo: a still photo stands in for the camera
    const img = new Image();
    img.src = "/model/photo.png";
    await img.decode();
    return img;
  }
  if (!navigator.mediaDevices?.getUserMedia) throw new Error("this browser offers no camera to pages");
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  const video = $("camera");
  video.srcObject = stream;
  await video.play();
  return video;
}

async function main() {
  state.meta = await (await fetch("/model/face_meta.json")).json();
  state.session = await ort.InferenceSession.create("/model/face_embedding.onnx", { executionProviders: ["wasm"] });
  state.enrolled = loadEnrolled();
  saveEnrolled();
  $("enrol").addEventListener("click", () => enrol($("person").value));
  $("clear").addEventListener("click", () => { state.enrolled = []; saveEnrolled(); $("status").textContent = "cleared"; });
  try {
    state.source = await startSource();
    $("status").textContent = state.meta.photo ? "using the photo given with --photo" : "camera on";
  } catch (err) {
    $("status").textContent = `No camera (${err.name || err.message}): allow the camera for this page in the ` +
      "browser's address bar and reload, or run python deploy/04_face_camera.py --photo PHOTO to use a photo.";
    $("name").dataset.name = "no camera";
  }
  window.faceDemo = { ready: true, preprocess: (frame) => preprocess(frame, state.meta), embed, enrol, nameOf,
                      state, clear: () => { state.enrolled = []; saveEnrolled(); } };
  tick();
}

main().catch((err) => {
  $("status").textContent = `could not start: ${err.message}`;
  window.faceDemo = { ready: false, error: String(err) };
});
