// The public viewer (/): the viewer of create.js (map, time control, legend, popups) with the chart, feed,
// compare, share, watch, as-of and permalink around it, over the timeline index (/api/timeline: instants,
// areas, windows; no geometry) and the window of the instant shown (keyframe + deltas), loaded by the stage.
// The seed data is one window inlined in the index: it plays from that one response with no network during play.
import { getJSON } from "../shared/api.js";
import { readConfig } from "../shared/config.js";
import { tr, field, normLang } from "../shared/i18n.js";
import { bindGlobalKeys } from "./timecontrol.js";
import { createViewer } from "./create.js";
import { buildFeed } from "./feed.js";
import { buildChart } from "./chart.js";
import { parseState, buildQuery, absoluteUrl, replaceUrl } from "./permalink.js";
import { isoLocal, zoneOf } from "../shared/timefmt.js";
import { buildWatch } from "./watch.js";
import { asOfFrom, asOfBanner, buildAsOf } from "./asof.js";
import { setupAbout } from "./about.js";
import { buildPlaceSearch, placeZoom } from "./placesearch.js";
import { $ } from "../shared/dom.js";

function loadError(lang) {
  $("map").replaceChildren(Object.assign(document.createElement("p"), { className: "load-error", textContent: tr(lang, "errorLoad") }));
}

async function main() {
  const config = readConfig();
  const lang = normLang(document.documentElement.lang);
  const state = parseState(window.location.search);
  // rev=N (a shared link, the embed's "Frontline" link): the map shows that revision of the data, as published.
  const revParam = Number(new URLSearchParams(window.location.search).get("rev"));
  const pinRev = Number.isInteger(revParam) && revParam > 0 ? revParam : null;
  document.body.dataset.ready = "0";
  // "As published on": as_of= in the address pins every read to what was published then (asof.js). A rev= wins
  // (the server refuses both at once).
  const asOf = config.static || pinRev ? null : asOfFrom(window.location.search);
  const pin = pinRev ? { rev: pinRev } : asOf ? { as_of: asOf } : {};
  let index;
  try {
    index = await getJSON(config.urls.timeline, pin);
  } catch (e) {
    loadError(lang);
    throw e;
  }
  const ds = index.dataset;
  const title = field(ds, "title", lang);
  $("ds-title").textContent = title;
  setupAbout(config, index, lang);
  document.title = `${title} · ${tr(lang, "title")}`;

  const slugs = index.factions.map((f) => f.slug);
  const visible = new Set(state.factions ? state.factions.filter((s) => slugs.includes(s)) : slugs);
  const t = () => viewer.t();

  const currentQuery = (extra) => buildQuery({
    t: t(), view: fm.getView(), lang, offsetMinutes: zoneOf(ds), extra: { rev: pinRev, as_of: asOf, ...extra },
    factions: visible.size === slugs.length ? null : slugs.filter((s) => visible.has(s)),
  });

  // The feed lists the changes of the window shown (all of them when the period is one window).
  let feed = null;
  let feedWindow = null;
  const onPick = (c) => {
    player.pause();
    seek(Date.parse(c.at));
    if (c.bbox) fm.fitBbox(c.bbox);
  };
  const chart = buildChart($("chart"), { timeline: index, lang, onSeek: (ms) => { player.pause(); seek(ms); } });

  const viewer = createViewer(document, {
    config, index, lang, pin, visible, view: state, legend: { toggles: true }, controls: {}, player: { speed: 1 },
    onToggle: () => syncUrl(),
    onInstant(ms) {
      chart.setTime(ms);
      syncUrl();
    },
    onPainted(ms, win, step) {
      if (win && feedWindow !== win) {
        feedWindow = win;
        feed = buildFeed($("feed"), { timeline: stage.view, lang, onPick });
      }
      if (feed) feed.mark(step, true);
    },
    decoratePopup: (root, where) => watch.decoratePopup(root, where),
  });
  const { fm, stage, player, seek, step, showPoint } = viewer;
  bindGlobalKeys(player, (dir) => { player.pause(); step(dir); });

  // Compare lists every instant twice (thousands of options in a long war): built when first opened.
  const cmpBox = $("compare").closest("details");
  let cmpBuilt = false;
  const buildCmp = () => {
    if (cmpBuilt) return;
    cmpBuilt = true;
    import("./compare.js").then(({ buildCompare }) => buildCompare($("compare"), { config, timeline: index, lang, frontMap: fm }));
  };
  if (cmpBox) cmpBox.addEventListener("toggle", () => { if (cmpBox.open) buildCmp(); }); else buildCmp();

  // The share dialog and its module are loaded when first opened: nothing of them is needed for the first zones.
  let share = null;
  const shareDialog = () => (share ||= import("./share.js").then(({ buildShare }) => buildShare($("share-dialog"), {
    config, timeline: index, lang,
    getState: () => ({
      url: absoluteUrl(config.urls.viewer, currentQuery()),
      iso: isoLocal(new Date(t()), zoneOf(ds)),
      embedQuery: (extra) => currentQuery({ as_of: null, ...extra }),  // embeds pin rev= (the same data)
      bbox: fm.getBbox(),
      factions: visible.size === slugs.length ? null : slugs.filter((s) => visible.has(s)),
    }),
  })));
  $("share-btn").addEventListener("click", () => shareDialog().then((s) => s.open()));

  const langLink = $("lang-switch");
  function syncUrl() {
    if (stage.t === null) return;
    const q = currentQuery();
    replaceUrl(q);
    const other = new URLSearchParams(q);
    if (lang === "ar") other.delete("lang"); else other.set("lang", "ar");
    langLink.href = `${config.urls.viewer}?${other.toString()}`;
    if (share) share.then((s) => s.refresh());
  }

  // Watch a place (in its popup) or an area (a box dragged on the map): feed addresses and the webhook recipe.
  const watch = buildWatch({ config, lang, frontMap: fm, timeline: index });
  const area = watch.areaButton();
  if (area) $("map").after(area.button, area.bar);  // on the map (the top bar keeps room for the title on phones)
  if (asOf) asOfBanner($("map").parentElement, { asOf, dataset: ds, lang });
  if ($("asof") && !config.static) buildAsOf($("asof"), { asOf, dataset: ds, lang }); else if ($("asof")) $("asof").closest("details").remove();
  // Place search: go to the place and open what the map says there.
  if (config.urls.places) buildPlaceSearch($("place-search"), { config, lang, onPick(p) {
    fm.setView(p.lat, p.lon, Math.max(fm.getView().zoom, placeZoom(p)));
    showPoint({ lat: p.lat, lon: p.lon });
  } });
  fm.onMove(syncUrl);
  // A war going on: when the map last changed and what changed over the last day, week or month.
  // Loaded only for such a war (and without holding up its first zones), so an ended war's page never fetches it.
  if (ds.ongoing && config.urls.summary && $("recent") && !config.static) {
    import("./recent.js").then(({ buildRecent }) => buildRecent($("recent"), {
      config, ds, factions: index.factions, lang, onPick: (ms) => { player.pause(); seek(ms); },
      // Quick ranges: the slider shows the last day, week or month up to now (or the whole war).
      onRange: (hours) => viewer.tc && viewer.tc.setRange(hours == null ? null : Date.now() - hours * 3600e3) }));
  }

  // Phone: the panel is a bottom sheet; the map keeps its space until the reader opens it.
  const toggle = $("panel-toggle");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    $("panel").classList.toggle("is-open", open);
    fm.invalidateSize();
  });

  await viewer.start(state.t);
  // Live updates ("The map was updated - show"; it never jumps by itself): started once the map is drawn, so its
  // module is not on the first paint's path.
  import("./follow.js");
}

main();
