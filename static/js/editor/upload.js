// Editor: upload one snapshot (a GeoJSON or KML file, or pasted GeoJSON), map its features (or the values
// of a property) to factions, pick the instant, preview the changes it makes on a small map with km², and
// save them as one revision. Self-contained: it fills the element #snapshot-upload when the page has one.
// The server (app/api/upload.py -> app/archive.py) validates everything, as for `frontline import-snapshots`.
import { ApiError, getJSON, send } from "../shared/api.js";
import { isoLocal, offsetLabel } from "../shared/timefmt.js";
import { TimeField } from "./timefield.js";
import { el } from "../shared/dom.js";

const API = "/api/snapshot-upload";
const MARKUP = `
<details class="ed-upload" id="up-details">
  <summary>Upload a snapshot (GeoJSON or KML)</summary>
  <p class="hint">A file stating the <strong>whole</strong> area of one or more factions at one instant. Area a
  faction gains passes to it; area it loses goes to the faction that takes it in the file, else to the faction you
  choose below.</p>
  <form class="ed-form" id="up-form" novalidate>
    <label for="up-file">File <span class="hint">.geojson, .json, .kml; up to <span id="up-max">2 MB</span></span></label>
    <input type="file" id="up-file" accept=".geojson,.json,.kml,.geojsonl,.ndjson">
    <label for="up-paste">…or paste GeoJSON</label>
    <textarea id="up-paste" rows="3" spellcheck="false"></textarea>
    <p class="hint" id="up-info" aria-live="polite"></p>
    <label for="up-mode">Whose area is each feature?</label>
    <select id="up-mode"></select>
    <div id="up-assign"></div>
    <label for="up-at">Instant <span class="hint">local time, <span id="up-tz">UTC</span></span></label>
    <span class="tf"><input type="text" id="up-at"></span>
    <p class="tf-note hint" id="up-at-note" hidden></p>
    <label for="up-remainder">Area lost and taken by no one in the file goes to</label>
    <select id="up-remainder"></select>
    <label for="up-reports">Reports cited <span class="hint">Ctrl/⌘-click for several</span></label>
    <select id="up-reports" multiple size="4"></select>
    <fieldset class="ed-radios">
      <legend>Confidence</legend>
      <label><input type="radio" name="up-confidence" value="confirmed" checked> confirmed</label>
      <label><input type="radio" name="up-confidence" value="claimed"> claimed</label>
    </fieldset>
    <div class="msg msg-error" id="up-error" role="alert" hidden></div>
    <div class="ed-actions">
      <button type="button" class="btn" id="up-preview">Preview</button>
      <button type="submit" class="btn btn-primary" id="up-save" disabled>Save as one revision</button>
    </div>
  </form>
  <section id="up-result" hidden aria-labelledby="up-result-title">
    <h2 id="up-result-title">Changes <span class="hint" id="up-total"></span></h2>
    <table class="ed-table" id="up-table">
      <thead><tr><th scope="col">Faction</th><th scope="col">km²</th><th scope="col">what</th></tr></thead>
      <tbody></tbody>
    </table>
    <div id="up-map" style="height:260px;margin-top:8px" role="img" aria-label="The areas that change hands"></div>
  </section>
  <p class="msg msg-info" id="up-done" role="status" hidden></p>
</details>`;

export async function initUpload(root) {
  root.innerHTML = MARKUP;
  const $ = (id) => root.querySelector(`#${id}`);
  const state = { ctx: null, content: "", filename: "", fields: {}, map: null, layer: null };
  const showError = (msg) => {
    $("up-error").textContent = msg || "";
    $("up-error").hidden = !msg;
  };

  state.ctx = await getJSON(`${API}/context`);
  const ctx = state.ctx;
  const names = Object.fromEntries(ctx.factions.map((f) => [f.slug, f.name_en]));
  const colors = Object.fromEntries(ctx.factions.map((f) => [f.slug, f.color || "#666"]));
  $("up-tz").textContent = ctx.tz_label || offsetLabel(ctx.utc_offset_minutes);
  $("up-max").textContent = `${(ctx.max_bytes / 1e6).toFixed(1)} MB`;
  const factionOptions = (select, blank) => {
    select.replaceChildren();
    if (blank) select.append(el("option", { value: "" }, blank));
    for (const f of ctx.factions) select.append(el("option", { value: f.slug }, f.name_en));
  };
  factionOptions($("up-remainder"));
  if (ctx.factions.some((f) => f.slug === "contested")) $("up-remainder").value = "contested";
  // Typed, stepped or picked in the war's local time; read when committed (editor/timefield.js).
  const atField = new TimeField($("up-at"), $("up-at-note"));
  atField.setZone(ctx.utc_offset_minutes, $("up-tz").textContent, Date.parse(ctx.start), null);
  atField.setValue(Date.parse(ctx.start));
  const reports = await getJSON("/api/editor/reports");
  for (const r of reports) $("up-reports").append(el("option", { value: r.id }, `${r.title} (${r.publisher})`));

  const renderAssign = () => {
    const box = $("up-assign");
    box.replaceChildren();
    const mode = $("up-mode").value;
    if (!mode) {
      const lab = el("label", { htmlFor: "up-faction" }, "Faction");
      const sel = el("select", { id: "up-faction" });
      factionOptions(sel);
      box.append(lab, sel);
      return;
    }
    for (const [i, v] of (state.fields[mode] || []).entries()) {
      const lab = el("label", { htmlFor: `up-v${i}` }, `“${v}” is`);
      const sel = el("select", { id: `up-v${i}` });
      sel.dataset.value = v;
      factionOptions(sel, "— leave out —");
      const guess = ctx.factions.find((f) => [f.slug, f.name_en.toLowerCase()].includes(String(v).toLowerCase()));
      if (guess) sel.value = guess.slug;
      box.append(lab, sel);
    }
  };

  const inspect = async () => {
    showError("");
    $("up-save").disabled = true;
    $("up-result").hidden = true;
    if (!state.content) return;
    try {
      const info = await send("POST", `${API}/inspect`, { content: state.content, filename: state.filename });
      state.fields = info.properties;
      const props = Object.keys(info.properties);
      $("up-info").textContent = `${state.filename}: ${info.features} feature(s)` + (props.length ? `; properties: ${props.join(", ")}` : "");
      const mode = $("up-mode");
      mode.replaceChildren(el("option", { value: "" }, "every feature: one faction"));
      for (const p of props) mode.append(el("option", { value: p }, `by its “${p}” property`));
      renderAssign();
    } catch (e) {
      showError(e.message);
    }
  };

  $("up-mode").addEventListener("change", renderAssign);
  $("up-file").addEventListener("change", async () => {
    const file = $("up-file").files[0];
    if (!file) return;
    if (file.size > ctx.max_bytes - 20000) {
      showError(`${file.name} is ${(file.size / 1e6).toFixed(1)} MB; uploads are limited to ${(ctx.max_bytes / 1e6).toFixed(1)} MB. ` +
        "Simplify it, or import it with `frontline import-snapshots`.");
      return;
    }
    state.content = await file.text();
    state.filename = file.name;
    $("up-paste").value = "";
    await inspect();
  });
  $("up-paste").addEventListener("change", async () => {
    state.content = $("up-paste").value.trim();
    state.filename = "pasted.geojson";
    await inspect();
  });

  const body = () => {
    const ms = atField.value();
    const at = ms === null ? null : new Date(ms);
    const mode = $("up-mode").value;
    const b = {
      content: state.content, filename: state.filename, remainder: $("up-remainder").value,
      at: at ? isoLocal(at, ctx.utc_offset_minutes) : "",
      report_ids: [...$("up-reports").selectedOptions].map((o) => Number(o.value)),
      confidence: root.querySelector("input[name=up-confidence]:checked").value,
    };
    if (mode) {
      b.faction_field = mode;
      b.assign = Object.fromEntries([...$("up-assign").querySelectorAll("select")].map((s) => [s.dataset.value, s.value]));
    } else {
      b.faction = $("up-faction") ? $("up-faction").value : "";
    }
    return b;
  };

  const drawPreview = (changes) => {
    const L = window.L;
    if (!L) return;
    if (!state.map) {
      state.map = L.map($("up-map"), { attributionControl: false, zoomControl: true });
      state.layer = L.layerGroup().addTo(state.map);
    }
    state.layer.clearLayers();
    const group = L.featureGroup();
    for (const c of changes) {
      L.geoJSON(c.geometry, { style: { color: colors[c.faction], weight: 2, fillOpacity: 0.45 } }).addTo(group);
    }
    group.addTo(state.layer);
    if (changes.length) state.map.fitBounds(group.getBounds(), { padding: [10, 10] });
  };

  $("up-preview").addEventListener("click", async () => {
    showError("");
    $("up-done").hidden = true;
    if (!state.content) return showError("Choose a file or paste GeoJSON first.");
    try {
      const p = await send("POST", `${API}/preview`, body());
      const tbody = $("up-table").querySelector("tbody");
      tbody.replaceChildren();
      for (const c of p.changes) {
        const tr = el("tr", { className: "gain" });
        const name = el("td", {}, names[c.faction] || c.faction);
        name.style.textAlign = "start";
        tr.append(name, el("td", {}, c.area_km2.toLocaleString("en", { maximumFractionDigits: 2 })),
          el("td", {}, c.kind === "gain" ? "gained" : "lost by the file's factions"));
        tbody.append(tr);
      }
      $("up-total").textContent = p.changes.length
        ? `${p.changes.length} change(s), ${p.km2_moved.toLocaleString("en", { maximumFractionDigits: 1 })} km² moved` +
          (p.left_out ? `; ${p.left_out} feature(s) left out` : "") + (p.repaired ? `; ${p.repaired} repaired` : "")
        : "none: the map already shows this at that instant";
      $("up-result").hidden = false;
      drawPreview(p.changes);
      if (state.map) state.map.invalidateSize();
      $("up-save").disabled = !p.changes.length;
      root.dataset.previewed = String(p.changes.length);
    } catch (e) {
      showError(e.message);
    }
  });

  $("up-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError("");
    try {
      const ctxNow = await getJSON(`${API}/context`);
      const out = await send("POST", API, { ...body(), base_revision: ctxNow.revision });
      $("up-done").textContent = `Saved as revision ${out.revision}: ${out.changes} change(s), ` +
        `${out.km2_moved.toLocaleString("en", { maximumFractionDigits: 1 })} km² moved. Reload the editor to see it on its map.`;
      $("up-done").hidden = false;
      $("up-save").disabled = true;
      root.dataset.saved = String(out.revision);
    } catch (e) {
      showError(e instanceof ApiError && e.status === 409 ? `${e.message}` : e.message);
    }
  });
  root.dataset.ready = "1";
}

const root = document.getElementById("snapshot-upload");
if (root) initUpload(root).catch((e) => {
  root.textContent = `The snapshot upload could not start: ${e.message}`;
});
