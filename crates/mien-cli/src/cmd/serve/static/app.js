// mien serve: the page's logic. Plain JavaScript, no build step, no external URLs.
// One edit request is in flight at a time; changes made meanwhile are coalesced
// into a single follow-up request, so dragging the slider never floods the server.
"use strict";

const $ = (id) => document.getElementById(id);
const ui = {
  drop: $("drop"), file: $("file"), samples: $("samples"), model: $("model"),
  expressions: $("expressions"), intensity: $("intensity"), intensityValue: $("intensity-value"),
  faceField: $("face-field"), faces: $("faces"), faceCount: $("face-count"), boxes: $("boxes"),
  before: $("before"), after: $("after"), spinner: $("spinner"), download: $("download"),
  status: $("status"), timing: $("timing"), cropsFigure: $("crops-figure"), crops: $("crops"),
  from: $("from"), fromField: $("from-field"), featuresField: $("features-field"), features: $("features"), presets: $("presets"), featuresReset: $("features-reset"),
};

const state = {
  catalog: null, photo: null, photoName: "photo", model: "deform", expression: null,
  intensity: 1, face: "all", boxes: [], inFlight: false, dirty: false, timer: 0,
  beforeUrl: null, afterUrl: null, cropsUrl: null,
  // Feature sliders (deformation models): name → value; any non-zero one replaces the expression.
  features: {}, changedAt: 0, cropsTimer: 0, from: "auto",
};

const MESSAGES = {
  no_face: "No face found in this photo. Try one where the face is larger, frontal and well lit.",
  no_such_face: "That face is no longer in the list; showing all faces.",
  unsupported_image: "Unsupported file: choose a PNG, JPEG, TIFF, GIF or BMP photo.",
  too_large: null, // the server's message names the limit
  busy: "The server is busy; retrying…",
  timeout: "The edit took too long; try a smaller photo.",
};

function setStatus(text, isError = false) {
  ui.status.textContent = text;
  ui.status.classList.toggle("error", isError);
}

function setState(s) { document.body.dataset.state = s; }

function chip(label, pressed, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-pressed", String(pressed));
  b.addEventListener("click", onClick);
  return b;
}

async function init() {
  try {
    const res = await fetch("/api/models");
    state.catalog = await res.json();
  } catch (e) {
    setStatus("Cannot reach the mien server: is it still running?", true);
    return;
  }
  for (const m of state.catalog.models) {
    const o = document.createElement("option");
    o.value = m.name;
    o.textContent = m.builtin ? `${m.name} (built-in)` : `${m.name} (${m.kind})`;
    ui.model.append(o);
  }
  state.model = state.catalog.default_model;
  ui.model.value = state.model;
  renderExpressions();
  renderFeatures();
  for (const s of state.catalog.samples.filter((s) => s.has_faces)) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.sample = s.name;
    const img = document.createElement("img");
    img.src = s.url;
    img.alt = "";
    b.append(img, document.createTextNode(s.name.replace(/_/g, " ")));
    b.addEventListener("click", () => loadSample(s));
    ui.samples.append(b);
  }
}

function currentModel() {
  return state.catalog.models.find((m) => m.name === state.model);
}

function renderExpressions() {
  const m = currentModel();
  if (!m.expressions.includes(state.expression)) state.expression = m.default_expression;
  const sliding = featuresOn();
  ui.expressions.replaceChildren(...m.expressions.map((e) =>
    chip(e, !sliding && e === state.expression, () => {
      state.expression = e;
      setFeatures({});
      renderExpressions();
      schedule(0);
    })));
}

// One slider per facial feature, for models of kind `deform`; presets set them.
function renderFeatures() {
  const m = currentModel();
  ui.featuresField.hidden = !m || m.kind !== "deform";
  ui.fromField.hidden = !m || m.kind !== "deform";
  ui.features.replaceChildren(...state.catalog.features.map((f) => {
    const label = document.createElement("label");
    label.className = "slider";
    label.title = f.help;
    const name = document.createElement("span");
    name.textContent = f.label;
    const input = document.createElement("input");
    Object.assign(input, { type: "range", min: String(Math.round(f.min * 100)), max: "100", step: "5", value: "0" });
    input.dataset.feature = f.name;
    const out = document.createElement("output");
    out.textContent = "0";
    input.addEventListener("input", () => {
      state.features[f.name] = Number(input.value) / 100;
      out.textContent = input.value === "0" ? "0" : (Number(input.value) / 100).toFixed(2);
      state.changedAt = performance.now();
      renderExpressions();
      schedule(30);
    });
    label.append(name, input, out);
    return label;
  }));
  ui.presets.replaceChildren(...state.catalog.presets.map((p) =>
    chip(p.name, false, () => { setFeatures(p.values); state.changedAt = performance.now(); renderExpressions(); schedule(0); })));
}

function featuresOn() {
  return Object.values(state.features).some((v) => v !== 0);
}

function setFeatures(values) {
  state.features = {};
  for (const input of ui.features.querySelectorAll("input")) {
    const v = values[input.dataset.feature] || 0;
    state.features[input.dataset.feature] = v;
    input.value = String(Math.round(v * 100));
    input.nextElementSibling.textContent = v === 0 ? "0" : v.toFixed(2);
  }
}

function featureQuery() {
  return Object.entries(state.features).filter(([, v]) => v !== 0).map(([k, v]) => `${k}=${v.toFixed(2)}`).join(",");
}

async function loadSample(s) {
  setStatus(`Loading ${s.name}…`);
  const res = await fetch(s.url);
  setPhoto(await res.blob(), `${s.name}.png`);
}

function setPhoto(blob, name) {
  const limits = state.catalog.limits;
  if (blob.size > limits.max_body_bytes) {
    setStatus(`This file is too large (${(blob.size / 1048576).toFixed(1)} MB); the limit is ${Math.floor(limits.max_body_bytes / 1048576)} MB.`, true);
    return;
  }
  if (blob.size === 0) {
    setStatus("This file is empty.", true);
    return;
  }
  state.photo = blob;
  state.photoName = name.replace(/\.[^.]*$/, "") || "photo";
  state.face = "all";
  state.boxes = [];
  ui.boxes.replaceChildren();
  ui.faceField.hidden = true;
  if (state.beforeUrl) URL.revokeObjectURL(state.beforeUrl);
  state.beforeUrl = URL.createObjectURL(blob);
  ui.before.src = state.beforeUrl;
  clearResult();
  schedule(0);
}

function clearResult() {
  if (state.afterUrl) URL.revokeObjectURL(state.afterUrl);
  state.afterUrl = null;
  ui.after.removeAttribute("src");
  delete ui.after.dataset.intensity;
  ui.download.setAttribute("aria-disabled", "true");
  ui.download.removeAttribute("href");
  ui.timing.textContent = "";
}

// Debounced: slider moves wait `delay` ms of quiet, other changes go at once.
function schedule(delay) {
  clearTimeout(state.timer);
  state.timer = setTimeout(() => { state.dirty = true; pump(); }, delay);
}

async function pump() {
  if (state.inFlight || !state.dirty || !state.photo) return;
  state.dirty = false;
  state.inFlight = true;
  ui.spinner.hidden = false;
  setState("loading");
  try {
    await edit();
  } finally {
    state.inFlight = false;
    ui.spinner.hidden = true;
    if (state.dirty) pump();
  }
}

async function edit() {
  const sent = { model: state.model, expression: state.expression, intensity: state.intensity, face: state.face };
  const features = currentModel().kind === "deform" ? featureQuery() : "";
  const query = new URLSearchParams({ ...sent, intensity: sent.intensity.toFixed(2) });
  if (features) query.set("features", features);
  else if (currentModel().kind === "deform" && state.from !== "auto") query.set("from", state.from);
  const started = state.changedAt;
  let res;
  try {
    res = await fetch(`/api/edit?${query}`, {
      method: "POST", body: state.photo, headers: { "Content-Type": "application/octet-stream" },
    });
  } catch (e) {
    setStatus("Cannot reach the mien server: is it still running?", true);
    setState("error");
    return;
  }
  if (!res.ok) {
    let body = {};
    try { body = await res.json(); } catch (e) { body = { error: res.statusText }; }
    if (res.status === 503) {
      const wait = Number(res.headers.get("Retry-After") || 1);
      setStatus(MESSAGES.busy);
      setTimeout(() => { state.dirty = true; pump(); }, wait * 1000);
      return;
    }
    if (body.code === "no_such_face") {
      state.face = "all";
      state.dirty = true;
    }
    setStatus(MESSAGES[body.code] || body.error || `Request failed (${res.status}).`, true);
    if (body.code === "no_face" || body.code === "unsupported_image" || body.code === "too_large") clearResult();
    setState("error");
    return;
  }
  const answered = performance.now();
  const blob = await res.blob();
  if (state.afterUrl) URL.revokeObjectURL(state.afterUrl);
  state.afterUrl = URL.createObjectURL(blob);
  ui.after.dataset.intensity = sent.intensity.toFixed(2);
  await new Promise((resolve) => { ui.after.onload = resolve; ui.after.onerror = resolve; ui.after.src = state.afterUrl; });
  // For the browser test and the curious: what this result shows, where sliders may act, how long it took.
  ui.after.dataset.features = features;
  ui.after.dataset.region = res.headers.get("X-Mien-Region") || "";
  if (started) {
    ui.after.dataset.updateMs = (performance.now() - started).toFixed(1);
    ui.after.dataset.answerMs = (answered - started).toFixed(1);
    ui.after.dataset.serverMs = serverTime(res.headers.get("Server-Timing")).toFixed(1);
  }
  ui.download.href = state.afterUrl;
  ui.download.download = `${state.photoName}-${sent.expression}.${blob.type === "image/jpeg" ? "jpg" : "png"}`;
  ui.download.setAttribute("aria-disabled", "false");
  const edited = Number(res.headers.get("X-Mien-Faces") || 0);
  const found = Number(res.headers.get("X-Mien-Faces-Found") || 0);
  state.boxes = (res.headers.get("X-Mien-Face-Boxes") || "").split(";").filter(Boolean).map((b) => b.split(",").map(Number));
  renderFaces(found);
  const total = serverTime(res.headers.get("Server-Timing"));
  ui.timing.textContent = total ? `${total.toFixed(0)} ms on the server` : "";
  const what = features ? features.replace(/,/g, ", ") : sent.expression;
  setStatus(`${what} at ${Math.round(sent.intensity * 100)}% · ${edited} of ${found} face(s) edited`);
  setState("done");
  scheduleCrops(query);
}

// The aligned crops follow once the controls rest, so they never hold up the next edit.
function scheduleCrops(query) {
  clearTimeout(state.cropsTimer);
  state.cropsTimer = setTimeout(() => { if (!state.inFlight && !state.dirty) showCrops(query); }, 250);
}

// Deformation models also show the aligned face after the motion step alone.
async function showCrops(query) {
  const model = currentModel();
  if (!model || model.kind !== "deform") {
    ui.cropsFigure.hidden = true;
    return;
  }
  try {
    const res = await fetch(`/api/crops?${query}`, {
      method: "POST", body: state.photo, headers: { "Content-Type": "application/octet-stream" },
    });
    if (!res.ok) return;
    if (state.cropsUrl) URL.revokeObjectURL(state.cropsUrl);
    state.cropsUrl = URL.createObjectURL(await res.blob());
    ui.crops.src = state.cropsUrl;
    ui.cropsFigure.hidden = false;
  } catch (e) {
    ui.cropsFigure.hidden = true;
  }
}

function serverTime(header) {
  if (!header) return 0;
  return header.split(",").reduce((sum, part) => {
    const m = /dur=([\d.]+)/.exec(part);
    return sum + (m ? Number(m[1]) : 0);
  }, 0);
}

function renderFaces(found) {
  ui.faceField.hidden = found < 2;
  ui.faceCount.textContent = found > 1 ? `(${found} found)` : "";
  const pick = (f) => () => { state.face = f; renderFaces(found); schedule(0); };
  const chips = [chip("All", state.face === "all", pick("all"))];
  for (let i = 1; i <= found; i++) chips.push(chip(String(i), state.face === String(i), pick(String(i))));
  ui.faces.replaceChildren(...chips);
  // Numbered boxes over the photo, in its own pixel coordinates scaled to the view.
  const w = ui.before.naturalWidth, h = ui.before.naturalHeight;
  if (found < 2 || !w || !h) { ui.boxes.replaceChildren(); return; }
  ui.boxes.replaceChildren(...state.boxes.map(([x, y, bw, bh], i) => {
    const b = chip("", state.face === String(i + 1), pick(String(i + 1)));
    b.title = `Face ${i + 1}`;
    Object.assign(b.style, { left: `${(100 * x) / w}%`, top: `${(100 * y) / h}%`, width: `${(100 * bw) / w}%`, height: `${(100 * bh) / h}%` });
    const label = document.createElement("span");
    label.textContent = String(i + 1);
    b.append(label);
    return b;
  }));
}

// A file the browser cannot show either (text, TIFF): leave the frame empty; the server's answer says why.
ui.before.addEventListener("error", () => ui.before.removeAttribute("src"));
ui.file.addEventListener("change", () => {
  const f = ui.file.files[0];
  if (f) setPhoto(f, f.name);
});
ui.drop.addEventListener("dragover", (e) => { e.preventDefault(); ui.drop.classList.add("over"); });
ui.drop.addEventListener("dragleave", () => ui.drop.classList.remove("over"));
ui.drop.addEventListener("drop", (e) => {
  e.preventDefault();
  ui.drop.classList.remove("over");
  const f = e.dataTransfer.files[0];
  if (f) setPhoto(f, f.name);
});
ui.model.addEventListener("change", () => { state.model = ui.model.value; renderExpressions(); renderFeatures(); setFeatures({}); schedule(0); });
ui.from.addEventListener("change", () => { state.from = ui.from.value; schedule(0); });
ui.featuresReset.addEventListener("click", () => { setFeatures({}); renderExpressions(); schedule(0); });
ui.intensity.addEventListener("input", () => {
  state.intensity = Number(ui.intensity.value) / 100;
  ui.intensityValue.textContent = `${ui.intensity.value}%`;
  schedule(60);
});

init();
