// The embeddable viewer (/embed): the viewer of create.js (the map, optionally the legend and the time
// control), configured by the query string (t, autoplay, loop, speed, controls, legend, lang, theme, c+z or
// bbox, factions, rev).
// It stores nothing (no cookies, no localStorage/sessionStorage) and tells the host page its height.
import { getJSON, ApiError } from "../shared/api.js";
import { icon } from "../shared/icons.js";
import { formatLocal, zoneOf } from "../shared/timefmt.js";
import { readConfig } from "../shared/config.js";
import { tr, field, normLang } from "../shared/i18n.js";
import { createViewer } from "./create.js";
import { parseState, buildQuery, parseTime } from "./permalink.js";
import "./follow.js";  // live updates: "The map was updated - show" (never jumps by itself)
import { $ } from "../shared/dom.js";

const flag = (v, dflt) => (v === null ? dflt : !["0", "false", "no", "off"].includes(v.toLowerCase()));

export function embedOptions(search) {
  const q = new URLSearchParams(search);
  const rev = Number(q.get("rev"));
  return {
    ...parseState(search),
    autoplay: flag(q.get("autoplay"), false),
    loop: flag(q.get("loop"), false),
    speed: Number(q.get("speed")) || 1,
    mode: q.get("play") === "time" ? "time" : "changes",
    controls: flag(q.get("controls"), true),
    legend: flag(q.get("legend"), true),
    rev: Number.isInteger(rev) && rev > 0 ? rev : null,
  };
}

// A value typed into the snippet that the embed cannot use, as [name, value] (the first one), or null. Absent or
// empty values take their defaults; a present one that means nothing is said in the frame, never replaced in
// silence by another map (rev=abc once showed the latest data; the server answered rev=0 with raw JSON).
const isNum = (v) => v.trim() !== "" && Number.isFinite(Number(v));
const PARAM_CHECKS = [
  ["rev", (v) => /^[1-9][0-9]{0,9}$/.test(v) && Number(v) <= 2e9],
  ["t", (v) => parseTime(v) !== null],
  ["speed", (v) => isNum(v) && Number(v) > 0],
  ["c", (v) => { const c = v.split(",").map(Number); return c.length === 2 && c.every(Number.isFinite) && Math.abs(c[0]) <= 90 && Math.abs(c[1]) <= 180; }],
  ["z", (v) => isNum(v) && Number(v) >= 0 && Number(v) <= 20],
  ["bbox", (v) => { const b = v.split(",").map(Number); return b.length === 4 && b.every(Number.isFinite); }],
];
export function badParam(search) {
  const q = new URLSearchParams(search);
  for (const [name, ok] of PARAM_CHECKS) {
    const v = q.get(name);
    if (v !== null && v.trim() !== "" && !ok(v)) return [name, v];
  }
  return null;
}

// What the reader typed, isolated from the sentence's direction (Arabic around, Latin inside) and kept short.
const isolate = (text) => `\u2068${text.length > 50 ? `${text.slice(0, 50)}…` : text}\u2069`;

// The height the frame wants: the map at 4:3 of the width (within bounds) plus the time control.
let started = false;  // report only once the controls are built (no transient heights)
function postHeight() {
  if (!started) return;
  const controls = $("timecontrol");
  const footer = $("embed-footer");
  const chrome = (controls && !controls.hidden ? controls.offsetHeight : 0) + (footer && !footer.hidden ? footer.offsetHeight : 0);
  const mapH = Math.round(Math.min(720, Math.max(200, window.innerWidth * 0.75)));
  const height = mapH + chrome;
  if (height !== postHeight.last && window.parent !== window) {
    postHeight.last = height;
    // The height is not a secret; any host may size its frame with it.
    window.parent.postMessage({ type: "frontline:height", height }, "*");
  }
}

// The hint over the map ("Use Ctrl + scroll...", "Use two fingers..."): shown for a moment, then it goes away.
function hinter() {
  const hint = $("embed-hint");
  let timer = null;
  const hide = () => { clearTimeout(timer); hint.hidden = true; };
  const show = (text) => {
    if (hint.textContent !== text) hint.textContent = text;
    hint.hidden = false;
    clearTimeout(timer);
    timer = setTimeout(hide, 2000);
  };
  return { show, hide };
}

// The embed never takes the host page's scrolling: the wheel zooms the map only with Ctrl (Cmd on a Mac) held, or
// after a click on the map (until the pointer leaves it); otherwise the page scrolls and a short hint says how.
function guardWheel(map, lang, hint) {
  map.scrollWheelZoom.disable();
  const el = map.getContainer();
  const text = tr(lang, /Mac|iPhone|iPad/.test(navigator.platform) ? "zoomHintMac" : "zoomHint");
  let armed = false, last = 0;
  map.on("click", () => { if (!armed) { armed = true; map.scrollWheelZoom.enable(); hint.hide(); } });
  // Leaflet focuses the map on a press; focusing without scrolling first keeps the host page where it is.
  el.addEventListener("mousedown", () => { if (document.activeElement !== el) el.focus({ preventScroll: true }); }, true);
  el.addEventListener("mouseleave", () => { armed = false; map.scrollWheelZoom.disable(); hint.hide(); });
  el.addEventListener("wheel", (e) => {
    if (armed) return;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();  // Ctrl+wheel would zoom the whole page (and pinch on a trackpad arrives as Ctrl+wheel)
      const now = Date.now();
      if (now - last < 200 || !e.deltaY) return;
      last = now;
      map.setZoomAround(map.mouseEventToContainerPoint(e), map.getZoom() + (e.deltaY < 0 ? 1 : -1));
      return;
    }
    hint.show(text);
  }, { passive: false });
}

// Touch, the same way (cooperative gestures): in a frame, one finger scrolls the host page (the map's
// touch-action lets the browser pan, and Leaflet's one-finger drag is off for that touch) and a short hint says
// "use two fingers"; two fingers move and zoom the map (Leaflet's touch zoom follows the fingers' midpoint); a
// tap still opens the popup. Only when framed: /embed opened as a page of its own, or full screen, has no host
// page to scroll, so one finger moves the map there, as in the viewer. Mouse dragging is untouched (the drag
// handler is switched off only while a finger is down).
function guardTouch(map, lang, hint) {
  const el = map.getContainer();
  const framed = window.parent !== window;
  const cooperative = () => framed && !document.fullscreenElement;
  const mark = () => el.classList.toggle("fl-coop", cooperative());
  mark();
  document.addEventListener("fullscreenchange", mark);
  const text = tr(lang, "touchHint");
  let start = null;     // where the single finger went down (null: not a single-finger touch)
  let held = false;     // Leaflet's dragging is switched off for the touch under way
  // Capture: before Leaflet's own touchstart handlers on the container see the touch.
  el.addEventListener("touchstart", (e) => {
    if (!cooperative()) return;
    if (e.touches.length === 1) {
      if (map.dragging.enabled()) { map.dragging.disable(); held = true; }
      start = { x: e.touches[0].clientX, y: e.touches[0].clientY };
    } else {
      start = null;  // two fingers: the map's
      hint.hide();
    }
  }, { capture: true, passive: true });
  el.addEventListener("touchmove", (e) => {
    if (!start || e.touches.length !== 1) return;
    const t = e.touches[0];
    if (Math.hypot(t.clientX - start.x, t.clientY - start.y) > 10) hint.show(text);  // a drag, not a tap
  }, { passive: true });
  const end = (e) => {
    if (e.touches.length) return;
    start = null;
    if (held) { held = false; map.dragging.enable(); }
  };
  el.addEventListener("touchend", end, { passive: true });
  el.addEventListener("touchcancel", end, { passive: true });
}

// A full-screen button, shown when the frame may go full screen (the snippet's iframe allows it).
function fullscreenButton(lang, onChange) {
  const btn = $("embed-fullscreen");
  if (!document.fullscreenEnabled || !document.documentElement.requestFullscreen) return;
  const label = () => {
    const on = !!document.fullscreenElement;
    btn.replaceChildren(icon(on ? "exitFullscreen" : "fullscreen"));
    btn.setAttribute("aria-label", tr(lang, on ? "exitFullscreen" : "fullscreen"));
    btn.title = tr(lang, on ? "exitFullscreen" : "fullscreen");
    btn.setAttribute("aria-pressed", String(on));
  };
  label();
  btn.hidden = false;
  btn.addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  document.addEventListener("fullscreenchange", () => { label(); onChange(); });
}

// In a small embed the legend folds away behind its title (a button), so the map stays visible.
function legendToggle(root, lang) {
  const list = root.querySelector(".legend-list");
  if (!list) return;
  list.id = "embed-legend-list";
  const btn = document.createElement("button");
  btn.type = "button";
  btn.className = "embed-legend-toggle";
  const text = document.createElement("span");
  text.className = "lt-text";
  text.textContent = tr(lang, "legend");
  btn.append(text);
  btn.setAttribute("aria-controls", list.id);
  btn.setAttribute("aria-expanded", "true");
  btn.addEventListener("click", () => {
    const open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", String(open));
    root.classList.toggle("is-collapsed", !open);
  });
  root.prepend(btn);
}

// When the map cannot be shown, say why in the frame (never a blank box).
function showError(lang, text) {
  const box = $("embed-error");
  box.textContent = text;
  box.hidden = false;
  $("legend").hidden = true;
  $("timecontrol").hidden = true;
  // The footer stays: the title (the page carries the latest one; a pinned map's own replaces it) and the source.
  if (!$("embed-source").textContent) $("embed-source").textContent = `${tr(lang, "sourceLabel")}: ${tr(lang, "title")}`;
  document.body.dataset.ready = "error";
  started = true;
  postHeight();
}

function errorText(err, lang, opt) {
  if (err instanceof ApiError) {
    if (opt.rev && (err.status === 404 || err.status === 422)) return tr(lang, "errorRev", { rev: opt.rev });
    return tr(lang, "errorLoad");
  }
  if (err && err.name === "TypeError") return tr(lang, "errorNetwork");  // fetch: no connection
  return tr(lang, "errorLoad");
}

// Footer: the data set's title, the source and the time of the data revision shown ("data as of").
async function fillFooter(config, index, lang) {
  const ds = index.dataset;
  $("embed-title").textContent = field(ds, "title", lang);
  $("embed-source").textContent = `${tr(lang, "sourceLabel")}: ${tr(lang, "title")}`;
  if (!config.urls.revisions) return;  // a baked site has no revision list
  try {
    const revs = await getJSON(config.urls.revisions, { limit: 500 });
    const r = revs.find((x) => x.id === index.revision);
    if (r) $("embed-asof").textContent = tr(lang, "dataAsOf", { t: formatLocal(new Date(r.created_at), zoneOf(ds), ds.tz_label, lang) });
  } catch (e) { /* the footer keeps the title and the source */ }
  postHeight();
}

async function main() {
  const config = readConfig();
  const lang = normLang(document.documentElement.lang);
  const opt = embedOptions(window.location.search);
  const bad = badParam(window.location.search);
  if (config.unknownWar) {
    showError(lang, tr(lang, "errorWar", { w: isolate(config.unknownWar) }));
    return;
  }
  if (bad) {
    showError(lang, bad[0] === "rev" ? tr(lang, "errorRev", { rev: isolate(bad[1]) }) : tr(lang, "errorParam", { p: isolate(`${bad[0]}=${bad[1]}`) }));
    return;
  }
  try {
    await run(config, lang, opt);
  } catch (err) {
    showError(lang, errorText(err, lang, opt));
  }
}

async function run(config, lang, opt) {
  const theme = document.documentElement.dataset.theme === "dark" ? "dark" : "light";
  const pin = opt.rev ? { rev: opt.rev } : {};
  if (!opt.controls) $("timecontrol").hidden = true;
  if (!opt.legend) $("legend").hidden = true;
  window.addEventListener("resize", postHeight);
  new ResizeObserver(postHeight).observe(document.body);

  document.body.dataset.ready = "0";
  const index = await getJSON(config.urls.timeline, pin);
  const ds = index.dataset;
  document.title = `${field(ds, "title", lang)} · ${tr(lang, "title")}`;

  const slugs = index.factions.map((f) => f.slug);
  const visible = new Set(opt.factions ? opt.factions.filter((s) => slugs.includes(s)) : slugs);
  if (!visible.size) { showError(lang, tr(lang, "errorFactions", { f: opt.factions.join(", ") })); return; }
  const unknown = (opt.factions || []).filter((s) => !slugs.includes(s));
  if (unknown.length) { showError(lang, tr(lang, "errorFactionsSome", { f: unknown.join(", ") })); return; }
  const footerDone = fillFooter(config, index, lang);

  const brand = $("embed-brand");
  // The link to the full map keeps what the embed shows: the instant, the view, the factions and the pinned revision.
  const fullLink = (ms) => `${config.urls.viewer}?${buildQuery({
    t: ms, view: fm.getView(), lang, offsetMinutes: zoneOf(ds),
    factions: opt.factions ? [...visible] : null, extra: { rev: opt.rev } })}`;
  const viewer = createViewer(document, {
    config, index, lang, pin, visible, view: opt, map: { theme, placeMaxRank: 4 },
    legend: opt.legend && { toggles: false }, controls: opt.controls && { compact: true },
    player: { speed: opt.speed, loop: opt.loop, mode: opt.mode }, autoplay: opt.autoplay,
    onInstant(ms) { brand.href = fullLink(ms); },
  });
  const { fm, stage } = viewer;
  const hint = hinter();
  guardWheel(fm.map, lang, hint);
  guardTouch(fm.map, lang, hint);
  fullscreenButton(lang, () => fm.invalidateSize());
  if (viewer.legend) legendToggle($("legend"), lang);
  fm.onMove(() => {
    if (stage.t !== null) brand.href = fullLink(stage.t);
  });

  await viewer.start(opt.t, { started() { started = true; postHeight(); }, beforePlay: footerDone });
}

main();
