// The permalink: the URL keeps the instant (t, ISO with the data set's offset), the view (c=lat,lon & z),
// the visible factions (f=hts,saa) and the language (lang=ar). Pure parse/serialise, plus replaceState.
import { isoLocal } from "../shared/timefmt.js";

// A "+" typed into a query string arrives as a space: put it back before parsing the time.
export function parseTime(value) {
  if (!value) return null;
  const ms = Date.parse(String(value).trim().replace(/ (\d{2}:?\d{2})$/, "+$1"));
  return Number.isNaN(ms) ? null : ms;
}

export function parseState(search) {
  const q = new URLSearchParams(search);
  const out = {};
  const t = parseTime(q.get("t"));
  if (t !== null) out.t = t;
  const c = (q.get("c") || "").split(",").map(Number);
  const z = Number(q.get("z"));
  if (c.length === 2 && c.every(Number.isFinite) && Math.abs(c[0]) <= 90 && Math.abs(c[1]) <= 180) {
    out.center = c;
    if (q.get("z") !== null && Number.isFinite(z) && z >= 0 && z <= 20) out.zoom = z;
  }
  const bbox = (q.get("bbox") || "").split(",").map(Number);
  if (bbox.length === 4 && bbox.every(Number.isFinite)) out.bbox = bbox;
  const f = q.get("f") ?? q.get("factions");
  if (f !== null) out.factions = f.split(",").map((s) => s.trim()).filter(Boolean);
  if (q.get("lang")) out.lang = q.get("lang") === "ar" ? "ar" : "en";
  return out;
}

const round = (v, d) => Number(v.toFixed(d));

// Query string for a state: {t (ms), view {lat, lon, zoom}, factions (array or null = all), lang}.
export function buildQuery({ t, view, factions, lang, offsetMinutes, extra = {} }) {
  const q = new URLSearchParams();
  if (t != null) q.set("t", isoLocal(new Date(t), offsetMinutes));
  if (view) {
    q.set("c", `${round(view.lat, 4)},${round(view.lon, 4)}`);
    q.set("z", String(round(view.zoom, 2)));
  }
  if (factions) q.set("f", factions.join(","));
  if (lang === "ar") q.set("lang", "ar");
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null) q.set(k, String(v));
  return q.toString();
}

export function absoluteUrl(path, query) {
  const u = new URL(path, window.location.origin);
  u.search = query;
  return u.toString();
}

let pending = null;
export function replaceUrl(query) {
  clearTimeout(pending);
  pending = setTimeout(() => {
    const url = `${window.location.pathname}?${query}`;
    if (url !== window.location.pathname + window.location.search) history.replaceState(null, "", url);
  }, 150);
}
