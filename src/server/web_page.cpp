// The web page served at / : plain HTML and JavaScript (no build step) calling the /v1 API.
#include "server/server_impl.hpp"

namespace arcface::detail::server {

namespace {

const char* kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>arcface</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:1em;color:#222}
h1{font-size:1.4em} h2{font-size:1.1em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
.drop{display:inline-block;width:220px;height:150px;border:2px dashed #999;border-radius:8px;margin:.3em;
 text-align:center;vertical-align:top;position:relative;overflow:hidden;background:#fafafa}
.drop.over{border-color:#06c;background:#eef5ff} .drop img{max-width:100%;max-height:120px}
.drop input{position:absolute;inset:0;opacity:0;cursor:pointer} .drop span{display:block;padding:.3em;font-size:.85em}
button{padding:.4em 1em;margin:.3em} .err{color:#b00} .same{color:#070;font-weight:bold} .diff{color:#b00;font-weight:bold}
#crops img{width:112px;margin:.3em;border:1px solid #ccc} canvas{max-width:100%;border:1px solid #ccc}
.person{display:inline-block;width:130px;margin:.3em;text-align:center;font-size:.85em;vertical-align:top}
.person img{width:112px;height:112px;object-fit:cover;border:1px solid #ccc;background:#eee}
</style></head><body>
<h1>arcface face recognition</h1>
<p>API key (when the server requires one): <input id="key" type="password" size="30"> <span id="health"></span></p>

<h2>Same person? Drop two photos</h2>
<label class="drop" id="drop1"><span>photo 1 (drop or click)</span><img id="preview1" alt=""><input id="file1" type="file" accept="image/*"></label>
<label class="drop" id="drop2"><span>photo 2 (drop or click)</span><img id="preview2" alt=""><input id="file2" type="file" accept="image/*"></label>
<div><button id="verify-button">Compare</button></div>
<p id="verdict"></p><div id="crops"></div>

<h2>Who is in this photo?</h2>
<p>gallery <select id="identify-gallery"></select>
<label class="drop" id="drop3" style="height:60px;width:260px"><span>group photo (drop or click)</span><input id="file3" type="file" accept="image/*"></label>
<button id="identify-button">Identify</button></p>
<p id="identify-result"></p><canvas id="identify-canvas" width="0" height="0"></canvas>

<h2>Galleries</h2>
<p>gallery <select id="browse-gallery"></select> or new: <input id="new-gallery" size="12" placeholder="name">
 <button id="refresh">Show</button></p>
<p>enrol person <input id="enrol-id" size="14" placeholder="id"> photos <input id="enrol-files" type="file" accept="image/*" multiple>
 <button id="enrol-button">Enrol</button> <span id="enrol-result"></span></p>
<div id="people"></div>

<script>
"use strict";
const $ = id => document.getElementById(id);
$("key").value = localStorage.getItem("arcface-key") || "";
$("key").onchange = () => localStorage.setItem("arcface-key", $("key").value);
function headers() { const k = $("key").value.trim(); return k ? {"X-API-Key": k} : {}; }
async function api(method, path, body) {
  const r = await fetch(path, {method, body, headers: headers()});
  const type = r.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await r.json() : null;
  if (!r.ok) throw new Error((data && data.error && data.error.message) || ("HTTP " + r.status));
  return data;
}
function show(el, text, cls) { el.textContent = text; el.className = cls || ""; }
function esc(s) { return String(s).replace(/[&<>"']/g, c => "&#" + c.charCodeAt(0) + ";"); }

for (const n of ["1", "2", "3"]) {
  const drop = $("drop" + n), input = $("file" + n);
  drop.ondragover = e => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = e => { e.preventDefault(); drop.classList.remove("over"); input.files = e.dataTransfer.files; input.onchange(); };
  input.onchange = () => {
    const f = input.files[0]; if (!f) return;
    drop.querySelector("span").textContent = f.name;
    const img = $("preview" + n); if (img) img.src = URL.createObjectURL(f);
  };
}

$("verify-button").onclick = async () => {
  const a = $("file1").files[0], b = $("file2").files[0];
  if (!a || !b) { show($("verdict"), "choose two photos first", "err"); return; }
  const form = new FormData(); form.append("image1", a); form.append("image2", b);
  show($("verdict"), "comparing..."); $("crops").innerHTML = "";
  try {
    const r = await api("POST", "/v1/verify?crops=1", form);
    show($("verdict"), (r.same ? "same person" : "different people") + ": similarity " + r.similarity.toFixed(3) +
         " (threshold " + r.threshold.toFixed(3) + ", model " + r.model + ")", r.same ? "same" : "diff");
    $("verdict").dataset.similarity = r.similarity; $("verdict").dataset.same = r.same;
    $("crops").innerHTML = r.crops.map((c, i) => '<img id="crop' + (i + 1) + '" alt="aligned face" src="' + c + '">').join("");
  } catch (e) { show($("verdict"), e.message, "err"); }
};

$("identify-button").onclick = async () => {
  const f = $("file3").files[0], g = $("identify-gallery").value;
  if (!f || !g) { show($("identify-result"), "choose a gallery and a photo", "err"); return; }
  const form = new FormData(); form.append("image", f);
  show($("identify-result"), "identifying...");
  try {
    const r = await api("POST", "/v1/identify?gallery=" + encodeURIComponent(g), form);
    const img = new Image(); img.src = URL.createObjectURL(f); await img.decode();
    const c = $("identify-canvas"), ctx = c.getContext("2d");
    c.width = img.width; c.height = img.height; ctx.drawImage(img, 0, 0);
    const s = Math.max(2, img.width / 320), size = Math.round(8 * s);
    ctx.lineWidth = s; ctx.font = "bold " + size + "px sans-serif";
    for (const face of r.faces) {
      const [x, y, w, h] = face.box, label = face.known ? face.identity + " " + face.similarity.toFixed(2) : "unknown";
      const colour = face.known ? "#0a0" : "#d00", ty = Math.max(size + 2 * s, y - s);
      ctx.strokeStyle = colour; ctx.strokeRect(x, y, w, h);
      ctx.fillStyle = colour; ctx.fillRect(x - s / 2, ty - size - s, ctx.measureText(label).width + 2 * s, size + 2 * s);
      ctx.fillStyle = "#fff"; ctx.fillText(label, x + s / 2, ty - s / 2);
    }
    show($("identify-result"), r.faces.length + " face(s): " + r.faces.map(f => f.known ? f.identity : "unknown").join(", "));
  } catch (e) { show($("identify-result"), e.message, "err"); }
};

async function galleries() {
  try {
    const r = await api("GET", "/v1/galleries");
    for (const sel of [$("identify-gallery"), $("browse-gallery")]) {
      const keep = sel.value;
      sel.innerHTML = r.galleries.map(g => '<option value="' + esc(g.name) + '">' + esc(g.name) + " (" + (g.people || 0) + ")</option>").join("");
      if (keep) sel.value = keep;
    }
  } catch (e) { show($("health"), e.message, "err"); }
}
function gallery() { return $("new-gallery").value.trim() || $("browse-gallery").value; }
async function people() {
  const g = gallery(); if (!g) return;
  try {
    const r = await api("GET", "/v1/galleries/" + encodeURIComponent(g) + "/people");
    $("people").innerHTML = r.people.map(p => '<div class="person"><img alt="" src="' + (p.thumbnail ? "" : "") + '" data-src="' +
      esc(p.thumbnail || "") + '"><br>' + esc(p.id) + " (" + p.samples + ')<br><button data-id="' + esc(p.id) + '">remove</button></div>').join("");
    for (const img of $("people").querySelectorAll("img[data-src]")) if (img.dataset.src) thumb(img, img.dataset.src);
    for (const b of $("people").querySelectorAll("button")) b.onclick = async () => {
      if (!confirm("remove " + b.dataset.id + "?")) return;
      try { await api("DELETE", "/v1/galleries/" + encodeURIComponent(g) + "/people/" + encodeURIComponent(b.dataset.id)); people(); galleries(); }
      catch (e) { show($("enrol-result"), e.message, "err"); }
    };
  } catch (e) { $("people").innerHTML = '<p class="err">' + esc(e.message) + "</p>"; }
}
async function thumb(img, url) {  // fetched with the key header, so the page works with keys too
  const r = await fetch(url, {headers: headers()}); if (r.ok) img.src = URL.createObjectURL(await r.blob());
}
$("refresh").onclick = people;
$("browse-gallery").onchange = () => { $("new-gallery").value = ""; people(); };
$("enrol-button").onclick = async () => {
  const g = gallery(), id = $("enrol-id").value.trim(), files = $("enrol-files").files;
  if (!g || !id || !files.length) { show($("enrol-result"), "give a gallery, an id and photos", "err"); return; }
  const form = new FormData(); form.append("id", id); for (const f of files) form.append("image", f);
  show($("enrol-result"), "enrolling...");
  try {
    const r = await api("POST", "/v1/galleries/" + encodeURIComponent(g) + "/people", form);
    show($("enrol-result"), "enrolled " + r.id + " (" + r.samples + " photo(s))");
    await galleries(); $("browse-gallery").value = g; $("new-gallery").value = ""; people();
  } catch (e) { show($("enrol-result"), e.message, "err"); }
};
fetch("/v1/health").then(r => r.json()).then(h => show($("health"), "server " + h.version + ", model " + h.model));
galleries().then(people);
</script></body></html>
)html";

}  // namespace

const std::string& web_page() {
  static const std::string page = kPage;
  return page;
}

}  // namespace arcface::detail::server
