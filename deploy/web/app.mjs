// deploy/web/app.mjs: draw a digit, preprocess it the way MNIST was made, run LeNet with onnxruntime-web.
// Served by deploy/03_web_demo.py. No framework and no build step: the import map in index.html points
// "onnxruntime-web" at the file npm installed (node_modules/onnxruntime-web/dist/, served under /ort/).
import * as ort from "onnxruntime-web";

// The wasm backend fetches its .wasm file from here. One thread: several threads need SharedArrayBuffer,
// which a browser only allows on a cross-origin-isolated page (COOP/COEP headers); LeNet is far too small
// to gain from threads anyway.
ort.env.wasm.wasmPaths = "/ort/";
ort.env.wasm.numThreads = 1;

const MNIST_MEAN = 0.1307; // the training pixels' mean and std (pixels in [0, 1]), as in cnn/04_lenet.py
const MNIST_STD = 0.3081;
const BOX = 20;            // MNIST digits were scaled to fit a 20x20 box ...
const SIZE = 28;           // ... then placed in a 28x28 field by their centre of mass

// Area-averaging weights that resample n input pixels onto m output pixels: output pixel i covers the
// input interval [i*n/m, (i+1)*n/m) and is the mean of the pixels it overlaps, weighted by the overlap
// (a box filter: what makes MNIST's grey, anti-aliased edges). Same arithmetic as area_weights() in
// deploy/03_web_demo.py, so both give the same numbers.
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

// Canvas pixels (RGBA ImageData, dark ink on white paper) -> Float32Array(784), the model's input
// (1, 1, 28, 28) in row-major order; null when nothing is drawn. deploy/03_web_demo.py's
// preprocess_like_mnist() is the same steps in NumPy; the tests check that the two agree.
export function preprocess(imageData) {
  const { width: W, height: H, data } = imageData;
  // 1. ink = 255 - red: the strokes are black on white, MNIST digits are white (255) on black (0).
  //    Then the bounding box of the ink.
  const ink = new Float64Array(W * H);
  let top = H, bottom = -1, left = W, right = -1;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const v = 255 - data[4 * (y * W + x)];
      ink[y * W + x] = v;
      if (v > 0) {
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  if (bottom < 0) return null;
  // 2. crop to the box; 3. scale its longer side to 20 px, keeping the aspect ratio
  //    (rounding half up, as Math.floor(v + 0.5); Python's round() would round half to even).
  const h = bottom - top + 1, w = right - left + 1;
  const scale = BOX / Math.max(h, w);
  const oh = Math.max(1, Math.floor(h * scale + 0.5)), ow = Math.max(1, Math.floor(w * scale + 0.5));
  const wy = areaWeights(h, oh), wx = areaWeights(w, ow);
  const wide = new Float64Array(h * ow); // columns first: (h, w) -> (h, ow)
  for (let y = 0; y < h; y++) {
    for (let ox = 0; ox < ow; ox++) {
      let s = 0;
      for (const [j, weight] of wx[ox]) s += weight * ink[(top + y) * W + left + j];
      wide[y * ow + ox] = s;
    }
  }
  const small = new Float64Array(oh * ow); // then rows: (h, ow) -> (oh, ow)
  let mass = 0, my = 0, mx = 0;
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      let s = 0;
      for (const [j, weight] of wy[oy]) s += weight * wide[j * ow + ox];
      small[oy * ow + ox] = s;
      mass += s; my += s * oy; mx += s * ox;
    }
  }
  // 4. place it in 28x28 so that its centre of mass lands on the field's centre (13.5, 13.5 in pixel
  //    indices), by a whole-pixel shift, kept inside the field.
  const clamp = (v, hi) => Math.min(Math.max(v, 0), hi);
  const y0 = clamp(Math.floor(13.5 - my / mass + 0.5), SIZE - oh);
  const x0 = clamp(Math.floor(13.5 - mx / mass + 0.5), SIZE - ow);
  // 5. normalise like the training data: pixel / 255, then (p - mean) / std; empty field = -mean/std.
  const input = new Float32Array(SIZE * SIZE).fill(-MNIST_MEAN / MNIST_STD);
  for (let oy = 0; oy < oh; oy++) {
    for (let ox = 0; ox < ow; ox++) {
      input[(y0 + oy) * SIZE + x0 + ox] = (small[oy * ow + ox] / 255 - MNIST_MEAN) / MNIST_STD;
    }
  }
  return input;
}

// Probabilities from logits, with the max subtracted first so exp() cannot overflow (log-sum-exp trick).
function softmax(logits) {
  const top = Math.max(...logits);
  const e = Array.from(logits, (v) => Math.exp(v - top));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

// --- the page ------------------------------------------------------------------------------------
const pad = document.getElementById("pad");
const ctx = pad.getContext("2d", { willReadFrequently: true });
const prediction = document.getElementById("prediction");
const statusLine = document.getElementById("status");
const seen = document.getElementById("seen").getContext("2d");
const bars = document.getElementById("bars");

const barFills = [];
const barTexts = [];
for (let d = 0; d < 10; d++) {
  const row = document.createElement("li");
  row.innerHTML = `<span class="label">${d}</span><span class="track"><span class="fill"></span></span>` +
    `<span class="pct">0%</span>`;
  bars.append(row);
  barFills.push(row.querySelector(".fill"));
  barTexts.push(row.querySelector(".pct"));
}

function clearPad() {
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, pad.width, pad.height);
  seen.fillStyle = "#000";
  seen.fillRect(0, 0, SIZE, SIZE);
  show(null);
}

function show(probabilities) {
  const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
  prediction.dataset.digit = best < 0 ? "" : String(best);
  prediction.textContent = best < 0 ? "?" : String(best);
  for (let d = 0; d < 10; d++) {
    const p = probabilities ? probabilities[d] : 0;
    barFills[d].style.width = `${(100 * p).toFixed(1)}%`;
    barFills[d].classList.toggle("best", d === best);
    barTexts[d].textContent = `${(100 * p).toFixed(1)}%`;
  }
}

// Drawing with pointer events: one code path for mouse, pen and finger. setPointerCapture keeps the
// stroke going when the pointer leaves the canvas; CSS touch-action: none stops the page from scrolling.
let last = null;
function point(event) { // CSS pixels -> canvas pixels (the canvas may be shown smaller than 280 px)
  const box = pad.getBoundingClientRect();
  return [(event.clientX - box.left) * (pad.width / box.width), (event.clientY - box.top) * (pad.height / box.height)];
}
function strokeTo([x, y]) {
  ctx.strokeStyle = "#000";
  ctx.lineWidth = 20;  // about the stroke width of an MNIST digit, relative to a digit ~200 px tall
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.beginPath();
  ctx.moveTo(...(last ?? [x, y]));
  ctx.lineTo(x, y);
  ctx.stroke();
  last = [x, y];
}
pad.addEventListener("pointerdown", (event) => {
  if (!event.isPrimary || event.button !== 0) return;  // one finger, the main button: one stroke at a time
  pad.setPointerCapture(event.pointerId);
  last = null;
  strokeTo(point(event));
  changed();
});
pad.addEventListener("pointermove", (event) => {
  if (last === null || !event.isPrimary) return;
  for (const e of event.getCoalescedEvents?.() ?? [event]) strokeTo(point(e)); // all the pen's samples
  changed();
});
for (const type of ["pointerup", "pointercancel"]) {
  pad.addEventListener(type, (event) => { if (event.isPrimary) { last = null; changed(); } });
}
document.getElementById("clear").addEventListener("click", () => {
  version++;  // a model run still in flight is for the old drawing: its result will be dropped
  Object.assign(window.lessonDemo, { lastInput: null, lastProbabilities: null });
  clearPad();
});

// One model run at a time (a session cannot run twice at once), always on the latest drawing: `version`
// counts changes, and a result for an older drawing (or one cleared meanwhile) is thrown away.
let session = null, version = 0, running = null;
function changed() {
  version++;
  if (session && !running) {
    running = predictLoop()
      .catch((error) => { statusLine.textContent = `the model failed: ${error.message ?? error}`; })
      .finally(() => { running = null; });
  }
}
async function predictLoop() {
  let done = -1;
  while (done !== version) {
    done = version;
    const input = preprocess(ctx.getImageData(0, 0, pad.width, pad.height));
    if (input === null) { show(null); continue; }
    const output = await session.run({ image: new ort.Tensor("float32", input, [1, 1, SIZE, SIZE]) });
    if (done !== version) continue;  // the drawing changed while the model ran: run again
    const probabilities = softmax(output.logits.data);
    Object.assign(window.lessonDemo, { lastInput: input, lastProbabilities: probabilities });
    drawSeen(input);
    show(probabilities);
  }
}
function drawSeen(input) { // the 28x28 image the network saw, enlarged by CSS
  const image = seen.createImageData(SIZE, SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    const v = Math.round(255 * (input[i] * MNIST_STD + MNIST_MEAN));
    image.data.set([v, v, v, 255], 4 * i);
  }
  seen.putImageData(image, 0, 0);
}

// Hooks for tests and for anyone scripting the page.
window.lessonDemo = {
  preprocess,
  lastInput: null,                                     // the last (784,) input the model ran on
  lastProbabilities: null,                             // and its 10 probabilities
  ready: null,                                         // resolves once the model is loaded
  settled: async () => { while (running) await running; }, // resolves when the shown result is current
};

clearPad();
window.lessonDemo.ready = ort.InferenceSession.create("/model/lenet.onnx", { executionProviders: ["wasm"] })
  .then((created) => {
    session = created;
    statusLine.textContent = "model loaded: draw a digit";
    document.body.dataset.ready = "true";
    changed();  // a digit drawn while the model was loading
  })
  .catch((error) => {
    statusLine.textContent = `could not load the model: ${error.message ?? error}`;
    document.body.dataset.ready = "error";
    throw error;
  });
