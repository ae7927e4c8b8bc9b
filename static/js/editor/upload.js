// Editor: upload one snapshot (a GeoJSON or KML file, or pasted GeoJSON), map its features (or the values
// of a property) to factions, pick the instant, preview the changes it makes on a small map with km², and
// save them as one revision. Self-contained: it fills the element #snapshot-upload when the page has one.
// The server (app/api/upload.py -> app/archive.py) validates everything, as for `frontline import-snapshots`.
import { ApiError, getJSON, send } from "../shared/api.js";
import { isoLocal, offsetLabel, zoneOf } from "../shared/timefmt.js";
import { TimeField } from "./timefield.js";
import { el } from "../shared/dom.js";
import { LANG, tr } from "./i18n.js";

const API = "/api/snapshot-upload";
// The panel in the page's language; every word from the strings table (escaped: the table is text, not markup).
const markup = () => {
  const t = (key, vars) => escapeHtml(tr(LANG, key, vars));
  return `
<details class="ed-upload" id="up-details">
  <summary>${t("ed_upSummary")}</summary>
  <p class="hint">${t("ed_upHint")}</p>
  <form class="ed-form" id="up-form" novalidate>
    <label for="up-file">${t("ed_upFile")} <span class="hint">${t("ed_upTypes")} <span id="up-max">${t("ed_upMb", { n: 2 })}</span></span></label>
    <input type="file" id="up-file" accept=".geojson,.json,.kml,.geojsonl,.ndjson">
    <label for="up-paste">${t("ed_upPaste")}</label>
    <textarea id="up-paste" rows="3" spellcheck="false"></textarea>
    <p class="hint" id="up-info" aria-live="polite"></p>
    <label for="up-mode">${t("ed_upWhose")}</label>
    <select id="up-mode"></select>
    <div id="up-assign"></div>
    <label for="up-at">${t("ed_instant")} <span class="hint">${t("ed_localTime")} <span id="up-tz">UTC</span></span></label>
    <span class="tf"><input type="text" id="up-at"></span>
    <p class="tf-note hint" id="up-at-note" hidden></p>
    <label for="up-remainder">${t("ed_upRemainder")}</label>
    <select id="up-remainder"></select>
    <label for="up-reports">${t("ed_reportsCited")} <span class="hint">${t("ed_ctrlClickSeveral")}</span></label>
    <select id="up-reports" multiple size="4"></select>
    <fieldset class="ed-radios">
      <legend>${t("ed_confidence")}</legend>
      <label><input type="radio" name="up-confidence" value="confirmed" checked> ${t("confirmed")}</label>
      <label><input type="radio" name="up-confidence" value="claimed"> ${t("claimed")}</label>
    </fieldset>
    <div class="msg msg-error" id="up-error" role="alert" hidden></div>
    <div class="ed-actions">
      <button type="button" class="btn" id="up-preview">${t("preview")}</button>
      <button type="submit" class="btn btn-primary" id="up-save" disabled>${t("ed_upSave")}</button>
    </div>
  </form>
  <section id="up-result" hidden aria-labelledby="up-result-title">
    <h2 id="up-result-title">${t("feed")} <span class="hint" id="up-total"></span></h2>
    <table class="ed-table" id="up-table">
      <thead><tr><th scope="col">${t("ed_faction")}</th><th scope="col">${t("km2")}</th><th scope="col">${t("ed_upWhat")}</th></tr></thead>
      <tbody></tbody>
    </table>
    <div id="up-map" style="height:260px;margin-top:8px" role="img" aria-label="${t("ed_upMapLabel")}"></div>
  </section>
  <p class="msg msg-info" id="up-done" role="status" hidden></p>
</details>`;
};

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function initUpload(root) {
  root.innerHTML = markup();
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
  $("up-tz").textContent = ctx.time_zone || ctx.tz_label || offsetLabel(ctx.utc_offset_minutes);
  $("up-max").textContent = tr(LANG, "ed_upMb", { n: (ctx.max_bytes / 1e6).toFixed(1) });
  const factionOptions = (select, blank) => {
    select.replaceChildren();
    if (blank) select.append(el("option", { value: "" }, blank));
    for (const f of ctx.factions) select.append(el("option", { value: f.slug }, f.name_en));
  };
  factionOptions($("up-remainder"));
  if (ctx.factions.some((f) => f.slug === "contested")) $("up-remainder").value = "contested";
  // Typed, stepped or picked in the war's local time; read when committed (editor/timefield.js).
  const atField = new TimeField($("up-at"), $("up-at-note"));
  atField.setZone(zoneOf(ctx), $("up-tz").textContent, Date.parse(ctx.start), null);
  atField.setValue(Date.parse(ctx.start));
  const reports = await getJSON("/api/editor/reports");
  for (const r of reports) $("up-reports").append(el("option", { value: r.id }, `${r.title} (${r.publisher})`));

  const renderAssign = () => {
    const box = $("up-assign");
    box.replaceChildren();
    const mode = $("up-mode").value;
    if (!mode) {
      const lab = el("label", { htmlFor: "up-faction" }, tr(LANG, "ed_faction"));
      const sel = el("select", { id: "up-faction" });
      factionOptions(sel);
      box.append(lab, sel);
      return;
    }
    for (const [i, v] of (state.fields[mode] || []).entries()) {
      const lab = el("label", { htmlFor: `up-v${i}` }, tr(LANG, "ed_upValueIs", { v }));
      const sel = el("select", { id: `up-v${i}` });
      sel.dataset.value = v;
      factionOptions(sel, tr(LANG, "ed_upLeaveOut"));
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
      $("up-info").textContent = tr(LANG, "ed_upInfo", { file: state.filename, n: info.features }) +
        (props.length ? tr(LANG, "ed_upProperties", { list: props.join(", ") }) : "");
      const mode = $("up-mode");
      mode.replaceChildren(el("option", { value: "" }, tr(LANG, "ed_upOneFaction")));
      for (const p of props) mode.append(el("option", { value: p }, tr(LANG, "ed_upByProperty", { p })));
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
      showError(tr(LANG, "ed_upTooBig", { name: file.name, size: (file.size / 1e6).toFixed(1), max: (ctx.max_bytes / 1e6).toFixed(1) }));
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
      at: at ? isoLocal(at, zoneOf(ctx)) : "",
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
    if (!state.content) return showError(tr(LANG, "ed_upChooseFirst"));
    try {
      const p = await send("POST", `${API}/preview`, body());
      const tbody = $("up-table").querySelector("tbody");
      tbody.replaceChildren();
      for (const c of p.changes) {
        const row = el("tr", { className: "gain" });
        const name = el("td", {}, names[c.faction] || c.faction);
        name.style.textAlign = "start";
        row.append(name, el("td", {}, c.area_km2.toLocaleString("en", { maximumFractionDigits: 2 })),
          el("td", {}, tr(LANG, c.kind === "gain" ? "gained" : "ed_upLostByFile")));
        tbody.append(row);
      }
      $("up-total").textContent = p.changes.length
        ? tr(LANG, "ed_upTotal", { n: p.changes.length, km2: p.km2_moved.toLocaleString("en", { maximumFractionDigits: 1 }) }) +
          (p.left_out ? tr(LANG, "ed_upLeftOut", { n: p.left_out }) : "") + (p.repaired ? tr(LANG, "ed_upRepaired", { n: p.repaired }) : "")
        : tr(LANG, "ed_upNone");
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
      $("up-done").textContent = tr(LANG, "ed_upSaved", { rev: out.revision, n: out.changes,
        km2: out.km2_moved.toLocaleString("en", { maximumFractionDigits: 1 }) });
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
  root.textContent = tr(LANG, "ed_upCouldNotStart", { msg: e.message });
});
