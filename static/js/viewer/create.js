// One viewer for two pages: the public viewer (/, main.js) and the embed (/embed, embed.js) both call
// createViewer() and differ only by their options and what they add around it (the viewer: chart, feed, share,
// watch, permalink; the embed: footer, full screen, the host page's height and scrolling).
// It wires the map, the stage (the window of the instant shown), the player, the time control, the legend,
// the live description and the point popups around the timeline index (/api/timeline).
import { lookupPoint } from "./pointinfo.js";
import { FrontMap } from "./map.js";
import { Player } from "./player.js";
import { buildTimeControl } from "./timecontrol.js";
import { buildLegend } from "./legend.js";
import { popupContent } from "./popup.js";
import { describe } from "./describe.js";
import { areasAt, isoUTC, stepInstant } from "./timeline.js";
import { Stage } from "./stage.js";
import { windowFetcher } from "./windows.js";
import { tr } from "../shared/i18n.js";

// root: the element holding #map, #legend, #timecontrol and #description (the page).
// Options:
//   config, index (the timeline index), lang, pin ({rev} or {as_of}: every read is pinned to it), visible (a Set
//   of the faction slugs shown), view ({center, zoom} or {bbox}: where the map starts), map (more FrontMap
//   options: theme, placeMaxRank);
//   legend: false (none), or { toggles } (checkboxes that show or hide factions; without them the legend lists
//   only the factions shown), controls: false (no time control), or { compact }; player: { speed, loop, mode };
//   autoplay: play once started;
//   onInstant(ms), onPainted(ms, win, step), onToggle(): what the page adds when the instant changes, when its
//   zones are painted, when the reader shows or hides a faction; decoratePopup(root, where): adds to a point's
//   popup, resolves true when it did (the popup is then re-measured).
export function createViewer(root, {
  config, index, lang, pin = {}, visible, view = {}, map = {},
  legend: legendOpt = { toggles: true }, controls = {}, player: playerOpt = {}, autoplay = false,
  onInstant = () => {}, onPainted = () => {}, onToggle = () => {}, decoratePopup = null,
}) {
  const part = (id) => root.querySelector(`#${id}`);
  const mapEl = part("map");
  // The description is a live region: write it only when it changes (every write is read out again).
  const say = (text) => { const d = part("description"); if (d.textContent !== text) d.textContent = text; };
  const ds = index.dataset;

  const fm = new FrontMap(mapEl, config, { lang, dataset: ds, ...map });
  if (view.center) fm.setView(view.center[0], view.center[1], view.zoom ?? ds.home_view.zoom);
  else if (view.bbox) fm.fitBbox(view.bbox, 16);
  fm.setFactions(index.factions);

  const t0 = index.instants.length ? Date.parse(index.instants[0]) : Date.parse(ds.start);
  // A war going on (or one set to open there) opens at its latest change; others at their start.
  const tOpen = (ds.ongoing || ds.opens_at === "latest") && index.instants.length
    ? Date.parse(index.instants[index.instants.length - 1]) : t0;
  const t = () => stage.t;

  if (!legendOpt) part("legend").hidden = true;
  const toggles = !!(legendOpt && legendOpt.toggles);
  const legend = legendOpt ? buildLegend(part("legend"), {
    factions: toggles ? index.factions : index.factions.filter((f) => visible.has(f.slug)), lang, visible, toggles,
    onToggle(slug, on) {
      if (on) visible.add(slug); else visible.delete(slug);
      stage.setVisible(visible);
      legend.update(areasAt(index, t()), visible);
      onToggle();
    },
  }) : null;

  const stage = new Stage({
    index, frontMap: fm, visible,
    fetchWindow: windowFetcher(config, index.revision),
    onInstant(ms) {
      if (legend) legend.update(areasAt(index, ms), visible);
      if (tc) tc.setTime(ms);
      onInstant(ms);
    },
    onPainted(ms, win, step) {
      onPainted(ms, win, step);
      fm.highlight(step.filter((c) => visible.has(c.faction)));
      if (!player.playing) say(describe(stage.view, ms, lang));
    },
    onError() { part("description").textContent = tr(lang, "errorLoad"); },
  });
  const seek = (ms) => stage.seek(ms);
  const player = new Player(index.instants, {
    getT: t,
    go: (iso) => seek(Date.parse(iso)),
    onState: (p) => {
      if (tc) tc.renderPlayer();
      // The live region speaks when playback stops (a screen reader would otherwise hear every step).
      if (!p.playing && stage.view && stage.t !== null) say(describe(stage.view, stage.t, lang));
    },
    end: ds.end,
    ...playerOpt,
  });
  const step = (dir) => seek(Date.parse(stepInstant(index.instants, t(), dir)));
  if (!controls) part("timecontrol").hidden = true;
  const tc = controls
    ? buildTimeControl(part("timecontrol"), { timeline: index, lang, player, onSeek: (ms) => seek(ms), onStep: step, compact: !!controls.compact })
    : null;

  // The page's size changes (a panel opens, the time control appears, a host resizes the frame): keep the
  // map's idea of its size true, or it draws off-centre.
  new ResizeObserver(() => fm.invalidateSize()).observe(mapEl);

  // A click on the map (or a place picked): what the map says there, at the instant shown.
  let popupSeq = 0;
  const showPoint = async ({ lat, lon }) => {
    const seq = ++popupSeq;
    const at = isoUTC(t());
    // Outside the data set (404/422) there is nothing to say: no popup.
    const point = await lookupPoint(config, stage.view, { lat, lon, at, pin, win: stage.win });
    if (point && seq === popupSeq) {
      const content = popupContent(point, { timeline: index, lang });
      const popup = fm.openPopup({ lat, lon }, content);
      if (decoratePopup && await decoratePopup(content, { lat, lon, at, pin, win: stage.win, view: stage.view })) popup.update();
    }
  };
  fm.onClick(showPoint);

  // Show the first instant (ms, or the first of the data): `started` runs once the first seek is under way,
  // `beforePlay` is awaited before autoplay starts.
  async function start(ms, { started = () => {}, beforePlay = null } = {}) {
    const first = seek(ms ?? tOpen);
    started();
    await first;
    await fm.base;  // ready means drawn: zones and the base geography (nothing left loading)
    stage.baseLoaded();
    await beforePlay;
    if (autoplay) player.play();
  }

  return { fm, stage, player, legend, tc, t, seek, step, showPoint, start };
}
