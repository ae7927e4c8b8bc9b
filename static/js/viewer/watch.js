// "Watch" a place or an area: a dialog with the feed addresses for it (Atom and JSON Feed, with place=&km= or
// bbox=) and the webhook recipe, and, in a place's popup, when the place last changed hands. Feeds exist
// only on a live server: on a baked site there is no Watch, but "last changed hands" is still computed from
// the window loaded (pointinfo.js).
import { getJSON } from "../shared/api.js";
import { fillUrl } from "../shared/config.js";
import { placeMinZoom } from "../shared/places.js";
import { contains, lookupPoint } from "./pointinfo.js";
import { field, tr } from "../shared/i18n.js";
import { formatDay, formatLocal, zoneOf } from "../shared/timefmt.js";
import { splitBaseline } from "./popup.js";
import { el } from "../shared/dom.js";

const VERIFY = `import hashlib, hmac

def verified(body: bytes, header: str, secret: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header or "")`;

// The latest change of a point's chain whose faction differs from the one before it (null: never changed).
// The baseline (changes at or before the period's start) is the starting holder, not a change of hands.
export function lastChangedHands(changes, startIso) {
  const { baseline, events } = splitBaseline([...(changes || [])].sort((a, b) => Date.parse(a.at) - Date.parse(b.at)), startIso);
  let prev = baseline.length ? baseline.at(-1).faction : null;
  let last = null;
  for (const c of events) {
    if (prev !== null && c.faction !== prev) last = c;
    prev = c.faction;
  }
  return last;
}

// Feed addresses for a filter ({place, km} or {bbox}, optional factions), absolute.
export function feedUrls(config, filter, origin = window.location.origin) {
  const q = new URLSearchParams();
  if (filter.factions && filter.factions.length) q.set("faction", filter.factions.join(","));
  if (filter.place) {
    q.set("place", filter.place);
    if (filter.km) q.set("km", String(filter.km));
  }
  if (filter.bbox) q.set("bbox", filter.bbox.map((v) => Number(v.toFixed(4))).join(","));
  const s = q.toString() ? `?${q}` : "";
  return { atom: new URL(config.urls.feedAtom + s, origin).href, json: new URL(config.urls.feedJson + s, origin).href };
}

const KM_PER_DEG = 111.32;
const distKm = (a, b) => {
  const dx = (a.lon - b.lon) * KM_PER_DEG * Math.cos(((a.lat + b.lat) / 2) * Math.PI / 180);
  const dy = (a.lat - b.lat) * KM_PER_DEG;
  return Math.hypot(dx, dy);
};

function copyRow(lang, value, id, rows = 1) {
  const field = rows > 1
    ? el("textarea", { readOnly: true, rows, className: "share-snippet", id, value })
    : el("input", { type: "text", readOnly: true, className: "share-link", id, value });
  const b = el("button", { type: "button", className: "btn btn-small", textContent: tr(lang, "watch_copy") });
  b.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      b.textContent = tr(lang, "watch_copied");
      setTimeout(() => { b.textContent = tr(lang, "watch_copy"); }, 1500);
    } catch { field.select(); /* clipboard refused: the text is selected for Ctrl+C */ }
  });
  return { row: el("div", { className: "share-copy" }, field, b), field };
}

export function buildWatch({ config, lang, frontMap, timeline }) {
  const urls = config.urls || {};
  const live = !config.static && !!urls.feedAtom && !!urls.feedJson;
  const ds = timeline.dataset;
  const factions = Object.fromEntries(timeline.factions.map((f) => [f.slug, f]));
  let placesP = null;
  const places = () => {
    placesP = placesP || getJSON(fillUrl(urls.basemap, { layer: "places" }))
      .then((fc) => fc.features.filter((f) => f.properties && f.properties.slug && f.geometry).map((f) => ({
        ...f.properties, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] })))
      .catch(() => []);
    return placesP;
  };

  let dialog = document.getElementById("watch-dialog");
  if (!dialog) {
    dialog = el("dialog", { id: "watch-dialog", className: "dialog watch-dialog" });
    dialog.setAttribute("aria-labelledby", "watch-title");
    dialog.addEventListener("click", (e) => { if (e.target === dialog) dialog.close(); });
    document.body.append(dialog);
  }

  function open(title, filter, hookPlace, hookKm, areaNote) {
    const head = el("h2", { id: "watch-title", textContent: title });
    const close = el("button", { type: "button", className: "btn dialog-close", textContent: "×" });
    close.setAttribute("aria-label", tr(lang, "watch_close"));
    close.addEventListener("click", () => dialog.close());
    const atom = copyRow(lang, "", "watch-atom");
    const json = copyRow(lang, "", "watch-json");
    const hook = copyRow(lang, "", "watch-hook", 3);
    const km = el("input", { type: "number", min: 0, max: 200, step: 1, value: String(filter.km ?? 5), id: "watch-km", className: "watch-km" });
    const refresh = () => {
      const k = Math.max(0, Math.min(200, Math.round(Number(km.value) || 0)));
      const f = filter.place ? { ...filter, km: k } : filter;
      const u = feedUrls(config, f);
      atom.field.value = u.atom;
      json.field.value = u.json;
      const kmHook = filter.place ? k : hookKm;
      hook.field.value = `frontline webhook add https://example.org/frontline-hook --secret "$(openssl rand -hex 32)"`
        + (hookPlace ? ` --place ${hookPlace}${kmHook ? ` --km ${kmHook}` : ""}` : "");
    };
    km.addEventListener("input", refresh);
    refresh();
    const kmRow = filter.place ? el("p", { className: "share-opts" },
      el("label", { htmlFor: "watch-km", textContent: `${tr(lang, "watch_km")} ` }), km, document.createTextNode(` ${tr(lang, "watch_kmUnit")}`)) : "";
    const verify = el("pre", { className: "watch-verify", dir: "ltr", textContent: VERIFY });
    dialog.replaceChildren(
      el("div", { className: "dialog-head" }, head, close),
      el("section", { className: "share-sec" },
        el("p", { className: "hint", textContent: tr(lang, "watch_feedsHint") }), kmRow,
        el("label", { htmlFor: "watch-atom", className: "share-label", textContent: tr(lang, "watch_atom") }), atom.row,
        el("label", { htmlFor: "watch-json", className: "share-label", textContent: tr(lang, "watch_json") }), json.row),
      el("section", { className: "share-sec" },
        el("label", { htmlFor: "watch-hook", className: "share-label", textContent: tr(lang, "watch_hook") }),
        el("p", { className: "hint", textContent: tr(lang, "watch_hookHint") }),
        areaNote ? el("p", { className: "hint", textContent: tr(lang, "watch_hookArea") }) : "",
        hook.row,
        el("p", { className: "hint", textContent: tr(lang, "watch_verify") }), verify,
        el("p", { className: "hint", textContent: tr(lang, "watch_readme") })),
    );
    for (const f of [atom.field, json.field, hook.field]) f.dir = "ltr";
    if (!dialog.open) dialog.showModal();
    close.focus();
  }

  const placeName = (p) => (lang === "ar" && p.name_ar) || p.name_en || p.slug;

  function watchPlace(p) { open(tr(lang, "watch_watchPlace", { p: placeName(p) }), { place: p.slug, km: 5 }, p.slug, 5, false); }

  async function watchBox(bbox) {
    const [x0, y0, x1, y1] = bbox;
    const centre = { lat: (y0 + y1) / 2, lon: (x0 + x1) / 2 };
    const ps = await places();
    let best = null;
    for (const p of ps) {
      const d = distKm(p, centre);
      if (!best || d < best.d) best = { p, d };
    }
    const radius = distKm({ lat: y0, lon: x0 }, { lat: y1, lon: x1 }) / 2;
    const km = best ? Math.min(200, Math.ceil(best.d + radius)) : null;
    open(tr(lang, "watch_watchBox"), { bbox }, best ? best.p.slug : null, km, true);
  }

  // The place whose label is drawn within `px` pixels of a clicked point at the current zoom, if any.
  async function placeAt(point, px = 18) {
    const zoom = frontMap.getView().zoom;
    let best = null;
    for (const p of await places()) {
      if ((p.rank || 5) > 5 || zoom < placeMinZoom(p)) continue;
      const d = frontMap.pixelDistance(point, p);
      if (d <= px && (!best || d < best.d)) best = { p, d };
    }
    return best && best.p;
  }

  // "Last changed hands" from a point's chain. From the API the chain is the whole history. On a baked site it
  // is the loaded window's changes only: the holder before them is the window's keyframe zone there, and with
  // no change in a window that is not the first, when the place last changed hands is unknown (omitted).
  function handsFrom(info, p, win) {
    let chain = info.changes || [];
    const fromWindow = config.static || !urls.point;
    if (fromWindow && win) {
      const key = ((win.keyframe && win.keyframe.features) || []).find((f) => f.geometry && contains(f.geometry, p.lon, p.lat));
      if (key) chain = [{ at: ds.start, faction: key.properties.faction }, ...chain.filter((c) => Date.parse(c.at) > Date.parse(ds.start))];
    }
    const c = lastChangedHands(chain, ds.start);
    if (c) {
      const f = factions[c.faction];
      return { at: c.at, text: tr(lang, "watch_lastHands", { t: formatLocal(new Date(c.at), zoneOf(ds), ds.tz_label, lang), f: field(f, "name", lang) || c.faction }) };
    }
    if (fromWindow && win && win.i > 0) return null;
    return { at: ds.start, text: tr(lang, "watch_neverHands", { d: formatDay(ds.start, zoneOf(ds), lang) }) };
  }

  // Add the place's block (name, last changed hands, Watch) to a popup opened at a clicked point.
  async function decoratePopup(root, { lat, lon, at, pin = {}, win = null, view }) {
    const p = await placeAt({ lat, lon });
    if (!p || !root.isConnected) return false;
    const sec = el("div", { className: "popup-place" });
    sec.dataset.place = p.slug;
    sec.append(el("h4", { className: "popup-chain-title", textContent: placeName(p) }));
    const info = await lookupPoint(config, view, { lat: p.lat, lon: p.lon, at, pin, win });
    const hands = info && handsFrom(info, p, win);
    if (hands) sec.append(el("p", { className: "popup-hands", textContent: hands.text }));
    // The point clicked is not the place's marker: when their dates differ, say why rather than seem to contradict.
    const since = root.querySelector(".popup-since");
    if (hands && since && since.dataset.since && Date.parse(since.dataset.since) !== Date.parse(hands.at)) {
      sec.append(el("p", { className: "popup-hands-note hint", textContent: tr(lang, "watch_handsDiffer") }));
    }
    if (live) {
      const b = el("button", { type: "button", className: "btn btn-small watch-place", textContent: tr(lang, "watch_watch") });
      b.addEventListener("click", () => watchPlace(p));
      sec.append(b);
    }
    // Near the top, under who holds the point and since when: the reader clicked the place for this.
    const anchor = root.querySelector(".popup-since") || root.querySelector(".popup-faction");
    if (anchor) anchor.after(sec); else root.append(sec);
    return true;
  }

  // "Watch an area": the reader drags a box, or takes the current view (keyboard).
  let picking = null;
  function areaButton() {
    if (!live) return null;
    const b = el("button", { type: "button", className: "btn watch-area-btn", id: "watch-area-btn", textContent: tr(lang, "watch_watchArea") });
    const bar = el("div", { className: "watch-pick", id: "watch-pick", role: "group", hidden: true },
      el("span", { textContent: tr(lang, "watch_pickHint") }));
    const useView = el("button", { type: "button", className: "btn btn-small", id: "watch-use-view", textContent: tr(lang, "watch_useView") });
    const cancel = el("button", { type: "button", className: "btn btn-small", textContent: tr(lang, "watch_cancel") });
    bar.append(useView, cancel);
    const stop = () => { bar.hidden = true; if (picking) picking.abort(); picking = null; };
    useView.addEventListener("click", () => { const box = frontMap.getBbox(); stop(); watchBox(box); });
    cancel.addEventListener("click", () => { stop(); b.focus(); });
    b.addEventListener("click", async () => {
      if (picking) { stop(); return; }
      picking = new AbortController();
      bar.hidden = false;
      document.body.dataset.watchPicking = "1";
      useView.focus();
      const box = await frontMap.pickBox(picking.signal);
      delete document.body.dataset.watchPicking;
      bar.hidden = true;
      picking = null;
      if (box) watchBox(box);
    });
    return { button: b, bar };
  }

  return { live, decoratePopup, watchPlace, watchBox, areaButton };
}
