// The caricature page: one request at a time to POST /api/caricature
// (format=json), re-run when a control changes, results as four panels a sample
// and the morph beside them. The camera (getUserMedia) gives a photo like an upload.
"use strict";

const $ = (id) => document.getElementById(id);
const PANELS = [
  ["photo", "Photo & landmarks"],
  ["landmarks", "Landmarks: photo (green), generated (red)"],
  ["warped", "Warped photo"],
  ["caricature", "Caricature"],
];
const GROUPS = [["learned", "Learned styles"], ["classic", "Classic filters"], ["none", "None"]];

const state = {
  file: null,            // the chosen photo (File or Blob)
  limits: null,          // from /api/info
  running: false,        // a request is in flight
  again: false,          // a control changed during the request
  temperatureSet: false, // the user moved the temperature slider
  timer: null,
  stream: null,          // the camera's MediaStream while its preview is open
};

function showMessage(text) {
  const box = $("message");
  box.textContent = text;
  box.hidden = !text;
}

function styleLabel(spec) {
  if (spec === "none") return "None (warp only)";
  const [kind, name] = spec.split(":");
  if (!name) return kind.charAt(0).toUpperCase() + kind.slice(1);
  const nice = { cartoongan: "CartoonGAN", ugatit: "U-GAT-IT" }[kind] || kind;
  const tail = name.split("/").filter(Boolean).pop() || name;
  return `${nice} · ${tail.charAt(0).toUpperCase()}${tail.slice(1)}`;
}

async function loadInfo() {
  try {
    const response = await fetch("/api/info");
    const info = await response.json();
    state.limits = info.limits;
    const select = $("style");
    for (const [group, label] of GROUPS) {
      const specs = info.styles.filter((s) => s.group === group);
      if (!specs.length) continue;
      const optgroup = document.createElement("optgroup");
      optgroup.label = label;
      for (const s of specs) {
        const option = new Option(styleLabel(s.spec), s.spec, false, s.spec === info.default_style);
        optgroup.appendChild(option);
      }
      select.appendChild(optgroup);
    }
    $("samples").max = info.limits.max_samples;
  } catch (err) {
    showMessage("The server did not answer; reload the page when it is running.");
  }
}

function setPhoto(file, name) {
  closeCamera();  // a file dropped or chosen while the preview is open replaces it
  if (state.limits && file.size > state.limits.max_file_bytes) {
    const mb = (n) => (n / 1048576).toFixed(1);
    showMessage(`${name} is ${mb(file.size)} MB; the limit is ${mb(state.limits.max_file_bytes)} MB.`);
    return;
  }
  state.file = file;
  const preview = $("preview");
  if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(file);
  preview.alt = name;
  preview.hidden = false;
  $("drop-text").textContent = `${name} · drop or click to change`;
  $("go").disabled = false;
  showMessage("");
  request();
}

function fieldsChanged() {
  $("strength-value").textContent = Number($("strength").value).toFixed(1);
  $("temperature-value").textContent = state.temperatureSet
    ? Number($("temperature").value).toFixed(2) : "auto";
}

function scheduleRun() {
  fieldsChanged();
  if (!state.file) return;
  clearTimeout(state.timer);
  state.timer = setTimeout(request, 350);
}

function setBusy(busy, started) {
  $("status").hidden = !busy;
  $("results").classList.toggle("busy", busy);
  clearInterval(state.clock);
  if (busy) {
    const tick = () => {
      const s = ((performance.now() - started) / 1000).toFixed(1);
      $("status-text").textContent = `Working… ${s} s`;
    };
    tick();
    state.clock = setInterval(tick, 100);
  }
}

function clearResults() {
  $("results").replaceChildren();
  $("empty").hidden = false;
}

function render(answer, seconds) {
  const results = $("results");
  results.replaceChildren();
  answer.samples.forEach((sample, k) => {
    const card = document.createElement("article");
    card.className = "sample";
    const title = document.createElement("h2");
    title.textContent = answer.samples.length > 1 ? `Sample ${k + 1}` : "Result";
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = `${styleLabel(answer.style)} · ${seconds} s`;
    title.appendChild(meta);
    const link = document.createElement("a");
    link.href = sample.caricature;
    link.download = `caricature_${k + 1}.png`;
    link.textContent = "Download PNG";
    link.className = "download";
    title.appendChild(link);
    if (sample.morph) {
      const animation = document.createElement("a");
      animation.href = sample.morph;
      animation.download = `caricature_${k + 1}_morph.webp`;
      animation.textContent = "Download morph (WebP)";
      animation.className = "download-morph";
      title.appendChild(animation);
    }
    card.appendChild(title);
    const panels = document.createElement("div");
    panels.className = sample.morph ? "panels with-morph" : "panels";
    const shown = sample.morph ? PANELS.concat([["morph", "Morph: photo to caricature"]]) : PANELS;
    for (const [key, caption] of shown) {
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.src = sample[key];
      img.alt = caption;
      img.className = key;
      const cap = document.createElement("figcaption");
      cap.textContent = caption;
      figure.append(img, cap);
      panels.appendChild(figure);
    }
    card.appendChild(panels);
    results.appendChild(card);
  });
  $("empty").hidden = true;
}

async function request() {
  if (!state.file) return;
  if (state.running) { state.again = true; return; }
  state.running = true;
  state.again = false;
  const started = performance.now();
  setBusy(true, started);
  const form = new FormData();
  form.append("photo", state.file, state.file.name || "photo");
  const strength = $("strength").value;
  form.append("strength", strength);
  if (state.temperatureSet) form.append("temperature", $("temperature").value);
  form.append("samples", $("samples").value);
  form.append("seed", $("seed").value);
  form.append("style", $("style").value);
  form.append("faces", $("faces").checked ? "all" : "largest");
  // The morph animates one face: it is not asked for with "All faces".
  if ($("morph").checked && !$("faces").checked) form.append("morph", "1");
  form.append("format", "json");
  try {
    const response = await fetch("/api/caricature", { method: "POST", body: form });
    let answer = null;
    try { answer = await response.json(); } catch (err) { answer = null; }
    if (response.ok && answer && answer.samples) {
      render(answer, ((performance.now() - started) / 1000).toFixed(1));
      $("results").dataset.strength = Number(strength).toFixed(1);  // what is shown
      showMessage("");
    } else {
      // The old results belong to other settings or another photo: drop them.
      clearResults();
      showMessage((answer && answer.error) || `The server answered ${response.status}.`);
    }
  } catch (err) {
    clearResults();
    showMessage("The server did not answer (is it still running?). Try again.");
  } finally {
    state.running = false;
    setBusy(false);
    if (state.again) request();
  }
}

// Camera. Browsers offer getUserMedia only in a secure context: HTTPS, or
// this computer (http://127.0.0.1, http://localhost).
function cameraError(err) {
  const name = (err && err.name) || "";
  if (["NotAllowedError", "PermissionDeniedError", "SecurityError"].includes(name)) {
    return "The camera was denied. Allow it for this page in the browser's site settings " +
      "(the camera icon in the address bar) and try again, or upload a photo.";
  }
  if (["NotFoundError", "DevicesNotFoundError", "OverconstrainedError"].includes(name)) {
    return "No camera was found. Connect one and try again, or upload a photo.";
  }
  if (["NotReadableError", "TrackStartError", "AbortError"].includes(name)) {
    return "The camera could not be started: another application may be using it.";
  }
  return `The camera could not be opened (${name || err}).`;
}

async function openCamera() {
  showMessage("");
  if (!window.isSecureContext) {
    showMessage("The camera works only when this page is opened on this computer " +
      "(http://127.0.0.1 or http://localhost) or over HTTPS; browsers block it elsewhere. " +
      "Upload a photo instead.");
    return;
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    showMessage("This browser gives pages no camera access. Upload a photo instead.");
    return;
  }
  closeCamera();
  try {
    state.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: false,
    });
  } catch (err) {
    showMessage(cameraError(err));
    return;
  }
  const video = $("camera-video");
  video.srcObject = state.stream;
  $("camera-box").hidden = false;
  video.play().catch(() => {});  // autoplay (muted) starts it anyway
}

function closeCamera() {
  if (state.stream) state.stream.getTracks().forEach((track) => track.stop());
  state.stream = null;
  $("camera-video").srcObject = null;
  $("camera-box").hidden = true;
}

function takePicture() {
  const video = $("camera-video");
  if (!video.videoWidth) {
    showMessage("The camera has not sent a picture yet; wait a moment and try again.");
    return;
  }
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);  // not mirrored: the scene as it is
  canvas.toBlob((blob) => {
    if (!blob) { showMessage("The picture could not be taken; try again."); return; }
    closeCamera();
    setPhoto(new File([blob], "camera.png", { type: "image/png" }), "camera.png");
  }, "image/png");
}

function wire() {
  const input = $("photo");
  input.addEventListener("change", () => {
    if (input.files.length) setPhoto(input.files[0], input.files[0].name);
    input.value = "";  // choosing the same file again fires change again
  });
  const drop = $("drop");
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
  });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (file) setPhoto(file, file.name);
  });
  $("sample").addEventListener("click", async () => {
    try {
      const blob = await (await fetch("/sample.png")).blob();
      setPhoto(new File([blob], "astronaut.png", { type: "image/png" }), "astronaut.png");
    } catch (err) {
      showMessage("The sample photo could not be loaded.");
    }
  });
  $("camera").addEventListener("click", openCamera);
  $("snap").addEventListener("click", takePicture);
  $("camera-close").addEventListener("click", closeCamera);
  $("faces").addEventListener("change", () => { $("morph").disabled = $("faces").checked; });
  $("temperature").addEventListener("input", () => { state.temperatureSet = true; });
  for (const id of ["strength", "temperature", "samples", "seed", "style", "faces", "morph"]) {
    $(id).addEventListener(id === "strength" || id === "temperature" ? "input" : "change",
                           scheduleRun);
  }
  $("controls").addEventListener("submit", (e) => { e.preventDefault(); request(); });
  fieldsChanged();
}

wire();
loadInfo();
