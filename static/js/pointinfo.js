// "Why is this area this colour?" for a clicked point: from the API, or, on a baked static site (no server),
// computed here from the timeline, which carries every zone version and every change with its geometry.
import { getJSON } from "./api.js";

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

// Same shape as GET /api/point.
export function pointInfoFrom(timeline, lat, lon, atIso) {
  const zone = timeline.zones.find((z) => z.from <= atIso && (z.to === null || atIso < z.to) && contains(z.geometry, lon, lat));
  const reports = new Map(timeline.reports.map((r) => [r.id, r]));
  const chain = timeline.changes.filter((c) => c.at <= atIso && contains(c.geometry, lon, lat));
  let since = null;
  for (const c of chain) since = c.faction === (zone && zone.faction) ? since || c.at : null;
  return {
    revision: timeline.revision, at: atIso, lat, lon,
    faction: zone ? zone.faction : null,
    since: since || (zone ? zone.from : null),
    zone_valid_from: zone ? zone.from : null,
    zone_valid_to: zone ? zone.to : null,
    changes: chain.map((c) => ({
      id: c.id, at: c.at, faction: c.faction, confidence: c.confidence, summary_en: c.summary_en, summary_ar: c.summary_ar, note: c.note,
      reports: c.report_ids.filter((id) => reports.has(id)).map((id) => {
        const r = reports.get(id);
        return { id, title: r.title, publisher: r.publisher, published_at: r.published_at, url: r.url };
      }),
    })),
  };
}

export async function lookupPoint(config, timeline, { lat, lon, at, pin = {} }) {
  if (config.static || !config.urls.point) {
    const info = pointInfoFrom(timeline, lat, lon, at);
    return info.faction || info.changes.length ? info : null;
  }
  return getJSON(config.urls.point, { lat: lat.toFixed(5), lon: lon.toFixed(5), at, ...pin }).catch(() => null);
}
