// "Why is this area this colour?" for a clicked point: from the API, or, on a baked static site (no server),
// computed here from the window loaded for the instant (its keyframe and its changes with their geometry).
import { getJSON } from "../shared/api.js";

function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function contains(geometry, lon, lat) {
  const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  return polys.some((p) => inRing(p[0], lon, lat) && !p.slice(1).some((h) => inRing(h, lon, lat)));
}

// Same shape as GET /api/point, computed from the index (reports) and the loaded window of the instant: the
// holder is the last change of the window at or before `atIso` that covers the point, else the keyframe's
// zone there; the chain is the window's changes covering the point (the history before the window is
// summed up by the keyframe zone's validity, `since`).
export function pointInfoFrom(view, win, lat, lon, atIso) {
  if (!win) return { revision: view.revision, at: atIso, lat, lon, faction: null, since: null, zone_valid_from: null, zone_valid_to: null, changes: [] };
  const at = Date.parse(atIso);
  const chain = win.changes.filter((c) => (c.t ?? Date.parse(c.at)) <= at && c.geometry && contains(c.geometry, lon, lat));
  const key = ((win.keyframe && win.keyframe.features) || []).find((f) => f.geometry && contains(f.geometry, lon, lat));
  const last = chain.at(-1);
  const faction = last ? last.faction : key ? key.properties.faction : null;
  let since = key && key.properties.faction === faction ? key.properties.valid_from : null;
  for (const c of chain) since = c.faction === faction ? since || c.at : null;
  const reports = new Map((view.reports || []).map((r) => [r.id, r]));
  return {
    revision: view.revision, at: atIso, lat, lon,
    faction,
    since,
    zone_valid_from: last ? last.at : key ? key.properties.valid_from : null,
    zone_valid_to: null,
    changes: chain.map((c) => ({
      id: c.id, at: c.at, faction: c.faction, confidence: c.confidence, summary_en: c.summary_en, summary_ar: c.summary_ar,
      reports: (c.report_ids || []).filter((id) => reports.has(id)).map((id) => {
        const r = reports.get(id);
        return { id, title: r.title, publisher: r.publisher, published_at: r.published_at, url: r.url };
      }),
    })),
  };
}

export async function lookupPoint(config, view, { lat, lon, at, pin = {}, win = null }) {
  if (config.static || !config.urls.point) {
    const info = pointInfoFrom(view, win, lat, lon, at);
    return info.faction || info.changes.length ? info : null;
  }
  return getJSON(config.urls.point, { lat: lat.toFixed(5), lon: lon.toFixed(5), at, ...pin }).catch(() => null);
}
