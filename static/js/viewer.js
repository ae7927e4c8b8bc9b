// The public viewer (/): wires the map, time control, legend, chart, feed, compare, share and permalink
// around one /api/timeline response. The whole period animates from memory: no request while playing.
import { getJSON } from "./api.js";
import { readConfig } from "./config.js";
import { lookupPoint } from "./pointinfo.js";
import { tr, field, normLang } from "./i18n.js";
import { FrontMap } from "./map.js";
import { Player } from "./player.js";
import { buildTimeControl, bindGlobalKeys } from "./timecontrol.js";
import { buildLegend } from "./legend.js";
import { buildFeed } from "./feed.js";
import { buildChart } from "./chart.js";
import { buildCompare } from "./compare.js";
import { buildShare } from "./share.js";
import { popupContent } from "./popup.js";
import { describe } from "./describe.js";
import { parseState, buildQuery, absoluteUrl, replaceUrl } from "./permalink.js";
import { areasAt, atStart, changesAtStep, clampTime, isoUTC, stepInstant } from "./timeline.js";
import { isoLocal } from "./timefmt.js";
import "./follow.js";  // live updates: "The map was updated - show" (never jumps by itself)

const $ = (id) => document.getElementById(id);

async function main() {
  const config = readConfig();
  const lang = normLang(document.documentElement.lang);
  const state = parseState(window.location.search);
  let timeline;
  try {
    timeline = await getJSON(config.urls.timeline);
  } catch (e) {
    $("map").replaceChildren(Object.assign(document.createElement("p"), { className: "load-error", textContent: tr(lang, "errorLoad") }));
    throw e;
  }
  const ds = timeline.dataset;
  const title = field(ds, "title", lang);
  $("ds-title").textContent = title;
  document.title = `${title} · ${tr(lang, "title")}`;

  const fm = new FrontMap($("map"), config, { lang, dataset: ds });
  if (state.center) fm.setView(state.center[0], state.center[1], state.zoom ?? ds.home_view.zoom);
  else if (state.bbox) fm.fitBbox(state.bbox, 16);
  fm.setData(timeline);

  const slugs = timeline.factions.map((f) => f.slug);
  let visible = new Set(state.factions ? state.factions.filter((s) => slugs.includes(s)) : slugs);
  let t = clampTime(ds, timeline.instants, state.t ?? Date.parse(timeline.instants[0]));

  const currentQuery = (extra) => buildQuery({
    t, view: fm.getView(), lang, offsetMinutes: ds.utc_offset_minutes, extra,
    factions: visible.size === slugs.length ? null : slugs.filter((s) => visible.has(s)),
  });

  const legend = buildLegend($("legend"), {
    factions: timeline.factions, lang, visible,
    onToggle(slug, on) {
      if (on) visible.add(slug); else visible.delete(slug);
      render(false);
    },
  });
  const feed = buildFeed($("feed"), {
    timeline, lang,
    onPick(c) {
      player.pause();
      seek(Date.parse(c.at));
      if (c.bbox) fm.fitBbox(c.bbox);
    },
  });
  const chart = buildChart($("chart"), { timeline, lang, onSeek: (ms) => { player.pause(); seek(ms); } });
  buildCompare($("compare"), { config, timeline, lang, frontMap: fm });

  const player = new Player(timeline.instants, {
    getT: () => t,
    go: (iso) => seek(Date.parse(iso)),
    onState: () => tc.renderPlayer(),
    speed: 1,
  });
  const step = (dir) => seek(Date.parse(stepInstant(timeline.instants, t, dir)));
  const tc = buildTimeControl($("timecontrol"), { timeline, lang, player, onSeek: (ms) => seek(ms), onStep: step });
  bindGlobalKeys(player, (dir) => { player.pause(); step(dir); });

  const share = buildShare($("share-dialog"), {
    config, timeline, lang,
    getState: () => ({
      url: absoluteUrl(config.urls.viewer, currentQuery()),
      iso: isoLocal(new Date(t), ds.utc_offset_minutes),
      embedQuery: (extra) => currentQuery(extra),
    }),
  });
  $("share-btn").addEventListener("click", () => share.open());

  const langLink = $("lang-switch");
  function syncUrl() {
    const q = currentQuery();
    replaceUrl(q);
    const other = new URLSearchParams(q);
    if (lang === "ar") other.delete("lang"); else other.set("lang", "ar");
    langLink.href = `${config.urls.viewer}?${other.toString()}`;
    share.refresh();
  }

  let popupSeq = 0;
  fm.onClick(async ({ lat, lon }) => {
    const seq = ++popupSeq;
    const at = isoUTC(t);
    // Outside the data set (404/422) there is nothing to say: no popup.
    const point = await lookupPoint(config, timeline, { lat, lon, at });
    if (point && seq === popupSeq) fm.openPopup({ lat, lon }, popupContent(point, { timeline, lang }));
  });
  fm.onMove(syncUrl);

  function render(follow = true) {
    fm.show(t, visible);
    const step = changesAtStep(timeline, t);
    fm.highlight(atStart(timeline, t) ? [] : step.filter((c) => visible.has(c.faction)));
    legend.update(areasAt(timeline, t), visible);
    feed.mark(step, follow);
    chart.setTime(t);
    tc.setTime(t);
    document.body.dataset.instant = isoUTC(t);
    $("description").textContent = describe(timeline, t, lang);
    syncUrl();
  }

  function seek(ms) {
    const c = clampTime(ds, timeline.instants, ms);
    if (c === null) return;
    t = c;
    render();
  }

  // Phone: the panel is a bottom sheet; the map keeps its space until the reader opens it.
  const toggle = $("panel-toggle");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    $("panel").classList.toggle("is-open", open);
    fm.invalidateSize();
  });
  new ResizeObserver(() => fm.invalidateSize()).observe($("map"));

  render();
  await fm.base;  // ready means drawn: zones and the base geography (nothing left loading)
  document.body.dataset.ready = "1";
}

main();
