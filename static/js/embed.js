// The embeddable viewer (/embed): the map, optionally the legend and the time control, configured by the
// query string (t, autoplay, loop, speed, controls, legend, lang, theme, c+z or bbox, factions, rev).
// It stores nothing (no cookies, no localStorage/sessionStorage) and tells the host page its height.
import { getJSON } from "./api.js";
import { readConfig } from "./config.js";
import { lookupPoint } from "./pointinfo.js";
import { tr, field, normLang } from "./i18n.js";
import { FrontMap } from "./map.js";
import { Player } from "./player.js";
import { buildTimeControl } from "./timecontrol.js";
import { buildLegend } from "./legend.js";
import { popupContent } from "./popup.js";
import { describe } from "./describe.js";
import { parseState, buildQuery } from "./permalink.js";
import { areasAt, atStart, changesAtStep, clampTime, isoUTC, stepInstant } from "./timeline.js";
import "./follow.js";  // live updates: "The map was updated - show" (never jumps by itself)

const $ = (id) => document.getElementById(id);
const flag = (v, dflt) => (v === null ? dflt : !["0", "false", "no", "off"].includes(v.toLowerCase()));

export function embedOptions(search) {
  const q = new URLSearchParams(search);
  const rev = Number(q.get("rev"));
  return {
    ...parseState(search),
    autoplay: flag(q.get("autoplay"), false),
    loop: flag(q.get("loop"), false),
    speed: Number(q.get("speed")) || 1,
    controls: flag(q.get("controls"), true),
    legend: flag(q.get("legend"), true),
    rev: Number.isInteger(rev) && rev > 0 ? rev : null,
  };
}

// The height the frame wants: the map at 4:3 of the width (within bounds) plus the time control.
let started = false;  // report only once the controls are built (no transient heights)
function postHeight() {
  if (!started) return;
  const controls = $("timecontrol");
  const chrome = controls && !controls.hidden ? controls.offsetHeight : 0;
  const mapH = Math.round(Math.min(720, Math.max(200, window.innerWidth * 0.75)));
  const height = mapH + chrome;
  if (height !== postHeight.last && window.parent !== window) {
    postHeight.last = height;
    // The height is not a secret; any host may size its frame with it.
    window.parent.postMessage({ type: "frontline:height", height }, "*");
  }
}

async function main() {
  const config = readConfig();
  const lang = normLang(document.documentElement.lang);
  const theme = document.documentElement.dataset.theme === "dark" ? "dark" : "light";
  const opt = embedOptions(window.location.search);
  const pin = opt.rev ? { rev: opt.rev } : {};
  if (!opt.controls) $("timecontrol").hidden = true;
  if (!opt.legend) $("legend").hidden = true;
  window.addEventListener("resize", postHeight);
  new ResizeObserver(postHeight).observe(document.body);

  const timeline = await getJSON(config.urls.timeline, pin);
  const ds = timeline.dataset;
  document.title = `${field(ds, "title", lang)} · ${tr(lang, "title")}`;

  const fm = new FrontMap($("map"), config, { lang, theme, dataset: ds, placeMaxRank: 4 });
  if (opt.center) fm.setView(opt.center[0], opt.center[1], opt.zoom ?? ds.home_view.zoom);
  else if (opt.bbox) fm.fitBbox(opt.bbox, 16);
  fm.setData(timeline);

  const slugs = timeline.factions.map((f) => f.slug);
  const visible = new Set(opt.factions ? opt.factions.filter((s) => slugs.includes(s)) : slugs);
  let t = clampTime(ds, timeline.instants, opt.t ?? Date.parse(timeline.instants[0]));

  const legend = opt.legend
    ? buildLegend($("legend"), { factions: timeline.factions.filter((f) => visible.has(f.slug)), lang, visible, toggles: false })
    : null;
  const player = new Player(timeline.instants, {
    getT: () => t, go: (iso) => seek(Date.parse(iso)), onState: () => tc && tc.renderPlayer(),
    speed: opt.speed, loop: opt.loop,
  });
  const step = (dir) => seek(Date.parse(stepInstant(timeline.instants, t, dir)));
  const tc = opt.controls
    ? buildTimeControl($("timecontrol"), { timeline, lang, player, onSeek: (ms) => seek(ms), onStep: step, compact: true })
    : null;

  const brand = $("embed-brand");
  function render() {
    fm.show(t, visible);
    fm.highlight(atStart(timeline, t) ? [] : changesAtStep(timeline, t).filter((c) => visible.has(c.faction)));
    if (legend) legend.update(areasAt(timeline, t), visible);
    if (tc) tc.setTime(t);
    document.body.dataset.instant = isoUTC(t);
    $("description").textContent = describe(timeline, t, lang);
    brand.href = `${config.urls.viewer}?${buildQuery({ t, view: fm.getView(), lang, offsetMinutes: ds.utc_offset_minutes })}`;
  }
  function seek(ms) {
    const c = clampTime(ds, timeline.instants, ms);
    if (c === null) return;
    t = c;
    render();
  }
  fm.onMove(render);

  let seq = 0;
  fm.onClick(async ({ lat, lon }) => {
    const mine = ++seq;
    const point = await lookupPoint(config, timeline, { lat, lon, at: isoUTC(t), pin });
    if (mine === seq && point) fm.openPopup({ lat, lon }, popupContent(point, { timeline, lang }));
  });

  render();
  started = true;
  postHeight();
  await fm.base;  // ready means drawn: zones and the base geography (nothing left loading)
  document.body.dataset.ready = "1";
  if (opt.autoplay) player.play();
}

main();
