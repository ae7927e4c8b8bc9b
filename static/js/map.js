// The map: the only module (with basemap.js) that touches Leaflet. It builds one layer per zone version
// once and swaps them when the instant changes (new layers are added before old ones are removed, so a
// frame is never blank), draws the latest step's changed area, the compare (diff) overlay and popups.
import { addBaseLayers } from "./basemap.js";
import { zoneValidAt } from "./timeline.js";

const L = window.L;
const SVGNS = "http://www.w3.org/2000/svg";
const safeId = (s) => String(s).toLowerCase().replace(/[^a-z0-9-]/g, "_");

// Hatch patterns live in one hidden <svg> of the document; zone paths refer to them by url(#id), which
// Leaflet's SVG renderer passes through as the fill attribute.
function ensurePatterns(factions) {
  let svg = document.getElementById("fl-patterns");
  if (!svg) {
    svg = document.createElementNS(SVGNS, "svg");
    svg.id = "fl-patterns";
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.style.position = "absolute";
    svg.appendChild(document.createElementNS(SVGNS, "defs"));
    document.body.appendChild(svg);
  }
  const defs = svg.firstChild;
  for (const f of factions) {
    const id = `fl-hatch-${safeId(f.slug)}`;
    if (document.getElementById(id)) continue;
    const p = document.createElementNS(SVGNS, "pattern");
    p.id = id;
    p.setAttribute("patternUnits", "userSpaceOnUse");
    p.setAttribute("width", "8");
    p.setAttribute("height", "8");
    p.setAttribute("patternTransform", "rotate(45)");
    const bg = document.createElementNS(SVGNS, "rect");
    bg.setAttribute("width", "8");
    bg.setAttribute("height", "8");
    bg.setAttribute("fill", f.color);
    bg.setAttribute("fill-opacity", "0.25");
    const line = document.createElementNS(SVGNS, "rect");
    line.setAttribute("width", "3");
    line.setAttribute("height", "8");
    line.setAttribute("fill", f.color);
    p.append(bg, line);
    defs.appendChild(p);
  }
}

export const hatchUrl = (slug) => `url(#fl-hatch-${safeId(slug)})`;

export class FrontMap {
  constructor(el, config, { lang = "en", theme = "light", dataset, placeMaxRank = 5, zoomControl = true } = {}) {
    this.config = config;
    this.lang = lang;
    this.map = L.map(el, { zoomControl: false, attributionControl: true, preferCanvas: false, zoomSnap: 0.25 });
    if (zoomControl) L.control.zoom({ position: lang === "ar" ? "topleft" : "topright" }).addTo(this.map);
    this.map.attributionControl.setPrefix(false);
    for (const [name, z] of [["zones", 400], ["step", 420], ["diff", 430]]) {
      this.map.createPane(name).style.zIndex = z;
    }
    this.map.getPane("step").style.pointerEvents = "none";
    this.map.getPane("diff").style.pointerEvents = "none";
    if (dataset) this.fitExtent(dataset);
    this.base = addBaseLayers(this.map, config, { lang, theme, placeMaxRank }).catch(() => null);
    this.zoneLayers = new Map();   // zone id -> {zone, layer}
    this.shown = new Set();
    this.stepLayer = L.layerGroup().addTo(this.map);
    this.diffLayer = L.layerGroup().addTo(this.map);
    this.factions = {};
  }

  fitExtent(dataset) {
    const [x0, y0, x1, y1] = dataset.extent;
    this.map.fitBounds([[y0, x0], [y1, x1]], { animate: false });
    if (dataset.home_view) {
      this.map.setView(dataset.home_view.center, Math.max(this.map.getZoom(), dataset.home_view.zoom), { animate: false });
    }
  }

  zoneStyle(slug) {
    const f = this.factions[slug] || { color: "#888" };
    if (slug === "contested") return { color: f.color, weight: 1, dashArray: "4 3", fillColor: hatchUrl(slug), fillOpacity: 0.9 };
    return { color: f.color, weight: 1, opacity: 0.9, fillColor: f.color, fillOpacity: 0.42 };
  }

  setData(timeline) {
    this.factions = Object.fromEntries(timeline.factions.map((f) => [f.slug, f]));
    ensurePatterns(timeline.factions);
    for (const { layer } of this.zoneLayers.values()) layer.remove();
    this.zoneLayers.clear();
    this.shown.clear();
    for (const zone of timeline.zones) {
      const layer = L.geoJSON(zone.geometry, { pane: "zones", interactive: false, style: this.zoneStyle(zone.faction) });
      this.zoneLayers.set(zone.id, { zone, layer });
    }
  }

  // Show the zones valid at t whose faction is visible. Adds first, then removes: no blank frame.
  show(t, visible) {
    const want = new Set();
    for (const [id, { zone }] of this.zoneLayers) {
      if (zoneValidAt(zone, t) && (!visible || visible.has(zone.faction))) want.add(id);
    }
    for (const id of want) if (!this.shown.has(id)) this.zoneLayers.get(id).layer.addTo(this.map);
    for (const id of this.shown) if (!want.has(id)) this.zoneLayers.get(id).layer.remove();
    this.shown = want;
    const el = this.map.getContainer();
    el.dataset.zones = [...want].sort((a, b) => a - b).join(",");
  }

  // Outline and hatch the area that changed hands at the latest step so the eye sees the front move.
  highlight(changes) {
    this.stepLayer.clearLayers();
    for (const c of changes) {
      if (!c.geometry) continue;
      L.geoJSON(c.geometry, {
        pane: "step", interactive: false,
        style: { color: "#111", weight: 2.5, dashArray: c.confidence === "claimed" ? "6 5" : null,
          fillColor: hatchUrl(c.faction), fillOpacity: 1, className: "fl-step" },
      }).addTo(this.stepLayer);
    }
  }

  showDiff(fc) {
    this.diffLayer.clearLayers();
    L.geoJSON(fc, {
      pane: "diff", interactive: false,
      style: (f) => {
        const color = (this.factions[f.properties.faction] || {}).color || "#888";
        return f.properties.kind === "gained"
          ? { color, weight: 2, fillColor: hatchUrl(f.properties.faction), fillOpacity: 1 }
          : { color, weight: 2, dashArray: "3 4", fill: false };
      },
    }).addTo(this.diffLayer);
  }

  clearDiff() { this.diffLayer.clearLayers(); }

  onClick(cb) { this.map.on("click", (e) => cb({ lat: e.latlng.lat, lon: e.latlng.lng })); }
  onMove(cb) { this.map.on("moveend", cb); }

  openPopup({ lat, lon }, element) {
    return L.popup({ maxWidth: 340, maxHeight: 320, autoPanPadding: [20, 20], className: "fl-popup" })
      .setLatLng([lat, lon]).setContent(element).openOn(this.map);
  }

  getView() {
    const c = this.map.getCenter();
    return { lat: c.lat, lon: c.lng, zoom: this.map.getZoom() };
  }

  setView(lat, lon, zoom) { this.map.setView([lat, lon], zoom, { animate: false }); }

  fitBbox([x0, y0, x1, y1], maxZoom = 12) {
    this.map.fitBounds([[y0, x0], [y1, x1]], { padding: [30, 30], maxZoom });
  }

  invalidateSize() { this.map.invalidateSize(); }
}
