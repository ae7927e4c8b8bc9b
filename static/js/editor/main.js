// The editor page: wires the map, the time control, drawing, the change form, the report -> places panel
// and the history. Sets document.body.dataset.ready = "1" once everything has loaded (tests wait on it).
import { ApiError, send } from "../shared/api.js";
import { addBaseLayers } from "../shared/basemap.js";
import { readConfig } from "../shared/config.js";
import { Drafts, warnOnLeave } from "./draft.js";
import { initPointInfo } from "./point.js";
import { DrawTools, optInGeoman } from "./draw.js";
import { initForm } from "./form.js";
import { initHistory } from "./history.js";
import { createMap, fillLegend, HighlightLayer, PiecesLayer, PlacePins, PreviewLayer, ZoneLayer } from "./map.js";
import { initMove } from "./move.js";
import { initReports } from "./reports.js";
import { initSearch } from "./search.js";
import { TimeControl } from "./time.js";
import { formatLocal, offsetLabel, zoneOf } from "../shared/timefmt.js";
import { LANG, tr } from "./i18n.js";
import { $, el } from "../shared/dom.js";

// The live timeline, revalidated every time (ETag: a 304 when nothing changed), never a stale cached copy.
async function fetchFresh(url) {
  const r = await fetch(url, { credentials: "same-origin", cache: "no-cache", headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

// The timeline, with the reports list from the editor's own uncached endpoint (adding a report makes no
// new revision, so the public, revision-keyed timeline may not list one added a moment ago).
async function fetchTimeline(config) {
  const [tl, reports] = await Promise.all([
    fetchFresh(config.urls.timeline),
    config.editorReports ? fetchFresh(config.editorReports) : Promise.resolve(null),
  ]);
  if (reports) tl.reports = reports;
  return tl;
}

// The wars this editor edits (config.wars): a switcher in the header when there is more than one. Each war's
// editor is its own page (its own drafts, revision and map); switching goes there.
function initWarSwitcher(config) {
  const wars = config.wars || [];
  const header = document.querySelector(".ed-header");
  if (wars.length < 2 || !header) return;
  const here = config.war || (wars.find((w) => w.editor === "/editor") || {}).slug;
  const select = el("select", { id: "war-switch", className: "war-switch" },
    ...wars.map((w) => el("option", { value: w.editor, textContent: (LANG === "ar" && w.title_ar) || w.title_en,
      selected: w.slug === here })));
  select.addEventListener("change", () => {
    window.location.assign(select.value + (LANG === "ar" ? "?lang=ar" : ""));
  });
  const label = el("label", { htmlFor: "war-switch", className: "war-switch-label", textContent: tr(LANG, "ed_war") });
  header.querySelector(".brand").after(el("span", { className: "war-switch-wrap" }, label, " ", select));
}

function initTabs() {
  const tabs = [...document.querySelectorAll(".ed-tab")];
  const select = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (focus) tab.focus();
  };
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => select(t));
    t.addEventListener("keydown", (e) => {
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (d) select(tabs[(i + d + tabs.length) % tabs.length], true);
    });
  });
}

async function main() {
  const config = readConfig();
  config.urls = { ...config.urls, ...(config.editorUrls || {}) };
  const status = $("status");
  const ctx = {
    config, timeline: null, revision: config.revision || 0, offset: 0, tzLabel: "UTC", colors: {}, names: {},
    status(text) {
      status.textContent = text;
      status.hidden = !text;
    },
    statusText() {
      return status.hidden ? "" : status.textContent;
    },
    factionName(slug) {
      return ctx.names[slug] || slug;
    },
    onPendingChange() {},
    onSaved() {},
    onReports(list) {
      if (ctx.reports) ctx.reports.fillStored(list);
    },
  };
  initTabs();
  initWarSwitcher(config);

  const timeline = await fetchTimeline(config);
  const ds = timeline.dataset;
  ctx.offset = zoneOf(ds);  // a fixed offset, or the war's time zone (the label then says each instant's offset)
  ctx.tzLabel = ds.time_zone || ds.tz_label || offsetLabel(ctx.offset);
  for (const n of [$("f-tz"), ...document.querySelectorAll(".tz-copy")]) n.textContent = ctx.tzLabel;

  optInGeoman();
  const map = createMap($("map"), ds);
  ctx.map = map;
  ctx.zoneLayer = new ZoneLayer(map);
  ctx.previewLayer = new PreviewLayer(map);
  ctx.pins = new PlacePins(map);
  ctx.highlight = new HighlightLayer(map);
  ctx.pieces = new PiecesLayer(map);

  const shapeInfo = $("shape-info");
  ctx.updateShapeInfo = () => {
    const n = ctx.draw.layers().length;
    shapeInfo.textContent = n === 0 ? tr(LANG, "ed_noAreaDrawnYet") : n === 1 ? tr(LANG, "ed_shapeDrawnAreaChange")
      : tr(LANG, "ed_nShapesDrawnTogether", { n });
    shapeInfo.classList.toggle("has-shape", n > 0);
  };
  ctx.draw = new DrawTools(map, () => { ctx.updateShapeInfo(); ctx.form && ctx.form.clearPreview(); });

  // The zones at the instant shown: the public snapshot of the revision being edited (one small request per
  // interval between changes, kept for a while), never the whole history.
  const snapshots = new Map();
  ctx.zonesAt = (t) => {
    const key = `${ctx.revision}|${t}`;
    if (!snapshots.has(key)) {
      if (snapshots.size > 64) snapshots.delete(snapshots.keys().next().value);
      const url = `${config.urls.snapshot}?at=${encodeURIComponent(new Date(t).toISOString())}&rev=${ctx.revision}`;
      snapshots.set(key, fetchFresh(url).then((fc) => fc.features.map((f) => ({
        id: f.id, faction: f.properties.faction, from: f.properties.valid_from, to: f.properties.valid_to, geometry: f.geometry,
      }))).catch((err) => { snapshots.delete(key); throw err; }));
    }
    return snapshots.get(key);
  };
  const showZones = async () => {
    const t = ctx.time.t, rev = ctx.revision;
    try {
      const zones = await ctx.zonesAt(t);
      if (ctx.time.t === t && ctx.revision === rev) ctx.zoneLayer.show(zones);
    } catch (err) {
      ctx.status(tr(LANG, "ed_couldNotReachServer", { msg: err.message }));
    }
  };
  ctx.showZones = showZones;
  ctx.time = new TimeControl({
    slider: $("time-slider"), ticks: $("time-ticks"), tickMarks: $("tick-marks"), input: $("time-input"),
    note: $("time-input-note"), tz: $("time-tz"), text: $("time-text"), prev: $("time-prev"), next: $("time-next"),
  }, (date) => {
    showZones();
    ctx.form.setInstant(date);
    ctx.form.clearPreview();
  });

  ctx.form = initForm(ctx);
  ctx.reports = initReports(ctx);
  ctx.history = initHistory(ctx);
  ctx.move = initMove(ctx);
  initSearch(ctx);

  // Take a (re)loaded timeline: factions, reports, zones, the revision future saves are based on.
  ctx.apply = (tl) => {
    ctx.timeline = tl;
    ctx.revision = tl.revision;
    $("rev-num").textContent = String(tl.revision);
    ctx.colors = Object.fromEntries(tl.factions.map((f) => [f.slug, f.color]));
    ctx.names = Object.fromEntries(tl.factions.map((f) => [f.slug, LANG === "ar" ? (f.name_ar || f.name_en) : f.name_en]));
    ctx.zoneLayer.setFactions(tl.factions);
    ctx.form.fillFactions(tl.factions);
    ctx.move.fillFactions(tl.factions);
    fillLegend($("legend"), tl.factions, LANG);
    ctx.form.fillReports(tl.reports || []);
    const first = ctx.timeline === tl && ctx.time.instants.length === 0;
    ctx.time.setPeriod(tl.dataset, tl.instants || []);
    ctx.form.setPeriod(ctx.time.start, ctx.time.end - 60000);
    if (first && tl.instants && tl.instants.length) ctx.time.set(Date.parse(tl.instants[tl.instants.length - 1]), { silent: true });
    ctx.form.setInstant(new Date(ctx.time.t));
    showZones();
  };
  // Reload the map (after a save, a revert, or a conflict); the drawing and the form stay as they are.
  ctx.reload = async () => {
    const tl = await fetchTimeline(config);
    ctx.apply(tl);
    await ctx.history.load();
  };

  ctx.apply(timeline);
  initDrafts(ctx);
  initKeys(ctx);
  initPointInfo(ctx);
  $("draw-polygon").addEventListener("click", () => ctx.draw.start("Polygon"));
  $("draw-rect").addEventListener("click", () => ctx.draw.start("Rectangle"));
  $("draw-clear").addEventListener("click", () => ctx.draw.clear());
  $("sign-out").addEventListener("click", async () => {
    try {
      await send("POST", config.urls.logout);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {  // already signed out is fine
        ctx.status(tr(LANG, "ed_couldNotSignOut", { msg: e.message }));
        return;
      }
    }
    window.location.assign(`${config.urls.login}?error=signed_out`);
  });

  // Every place of the gazetteer down to villages (rank 5), each from the zoom where it fits.
  await Promise.all([addBaseLayers(map, config, { lang: LANG, placeMaxRank: 5 }), ctx.history.load()]);
  // For tests and power users: the map and the drawing tools (no globals otherwise).
  window.frontlineEditor = { map, draw: ctx.draw, ctx };
  document.body.dataset.ready = "1";
}

// Drafts: restored at start, saved at every change of the drawing or the form, dropped after a save.
function initDrafts(ctx) {
  const drafts = new Drafts(ctx.config.user && ctx.config.user.name, window.localStorage, ctx.config.war || null);
  const snapshot = () => ({ geometry: ctx.draw.geometry(), pending: ctx.move.pending(), revision: ctx.revision, ...ctx.form.state() });
  let ready = false;
  const save = () => { if (ready) drafts.save(snapshot()); };
  ctx.onPendingChange = save;
  ctx.onSaved = () => drafts.clear();
  const d = drafts.load();
  if (d) {
    ctx.form.restore(d);
    if (d.geometry) ctx.draw.setGeometry(d.geometry, { record: false });
    ctx.move.setPending(d.pending);
    ctx.showZones();
    const when = d.savedAt && Number.isFinite(Date.parse(d.savedAt)) ? new Date(d.savedAt) : null;  // in the war's time
    $("draft-text").textContent = when
      ? tr(LANG, "ed_yourUnsavedDraftFrom", { when: formatLocal(when, ctx.offset, ctx.tzLabel, LANG) })
      : tr(LANG, "ed_yourUnsavedDraftRestored");
    if (d.revision && d.revision !== ctx.revision) {
      $("draft-text").textContent += " " + tr(LANG, "ed_mapHasChangedSince",
        { from: d.revision, to: ctx.revision });
    }
    $("draft-box").hidden = false;
  }
  ready = true;
  ctx.draw.listen(save);
  $("change-form").addEventListener("input", save);
  $("change-form").addEventListener("change", save);
  // Discard: the drawing, the pending area and the form are emptied with saving held off (emptying the drawing
  // first used to save the form's old text straight back, so the draft returned on the next load), then the
  // stored draft is removed.
  $("draft-discard").addEventListener("click", () => {
    ready = false;
    try {
      ctx.draw.setGeometry(null, { record: false });
      ctx.move.setPending(null);
      ctx.form.restore({});
      ctx.form.clearPreview();
    } finally {
      drafts.clear();
      ready = true;
    }
    $("draft-box").hidden = true;
  });
  warnOnLeave(() => ctx.draw.layers().length > 0 || ctx.move.active() || Boolean(ctx.move.pending())
    || ["f-summary", "f-summary-ar", "f-note"].some((id) => $(id).value.trim()));
}

// Keyboard: Enter finishes the shape being drawn, Esc cancels it (or the zone being edited or cut),
// Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y) undo and redo drawing steps. Typing in a field keeps its own keys.
function initKeys(ctx) {
  const undoBtn = $("draw-undo");
  const redoBtn = $("draw-redo");
  const sync = () => {
    undoBtn.disabled = !ctx.draw.history.canUndo();
    redoBtn.disabled = !ctx.draw.history.canRedo();
  };
  ctx.draw.listen(sync);
  sync();
  undoBtn.addEventListener("click", () => { ctx.draw.undo(); sync(); });
  redoBtn.addEventListener("click", () => { ctx.draw.redo(); sync(); });
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (t && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) return;
    const mod = e.ctrlKey || e.metaKey;
    const key = e.key.toLowerCase();
    let done = false;
    if (mod && key === "z" && !e.shiftKey) done = ctx.draw.undo();
    else if (mod && ((key === "z" && e.shiftKey) || key === "y")) done = ctx.draw.redo();
    else if (e.key === "Escape") {
      const drawing = ctx.draw.cancel();
      const moving = ctx.move.stop();
      done = drawing || moving;
    }
    else if (e.key === "Enter" && !mod && !(t && t.tagName === "BUTTON")) done = ctx.draw.finish();
    if (done) {
      e.preventDefault();
      sync();
    }
  });
}

main().catch((err) => {
  const s = document.getElementById("status");
  if (s) {
    s.textContent = tr(LANG, "ed_editorCouldNotStart", { msg: err.message });
    s.className = "msg msg-error";
    s.hidden = false;
  }
  console.error(err);
});
