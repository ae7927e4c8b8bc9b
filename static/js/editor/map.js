// The editor's map layers besides the drawing: zones valid at the chosen instant (underneath, not
// editable), the preview's gained/lost areas, and the places a report names. Leaflet is window.L.
const L = window.L;

export function createMap(el, dataset) {
  const map = L.map(el, { pmIgnore: false, zoomControl: true, attributionControl: true, minZoom: 5, maxZoom: 17 });
  const [x0, y0, x1, y1] = dataset.extent;
  const hv = dataset.home_view;
  if (hv && Array.isArray(hv.center)) map.setView(hv.center, hv.zoom || 9);  // home_view.center is [lat, lon]
  else map.fitBounds([[y0, x0], [y1, x1]]);
  map.setMaxBounds(L.latLngBounds([[y0, x0], [y1, x1]]).pad(0.5));
  // Zones sit under the drawing (overlayPane is 400) and never catch clicks meant for drawing.
  map.createPane("zones");
  map.getPane("zones").style.zIndex = 350;
  map.createPane("preview");
  map.getPane("preview").style.zIndex = 380;
  map.getPane("preview").style.pointerEvents = "none";
  return map;
}

// A popup at `latlng` holding `node` (a DOM node built by the caller with textContent only).
export function showPopup(map, latlng, node) {
  // Clear of the zoom and drawing buttons down the left edge, and narrow enough for a phone's map.
  L.popup({ maxWidth: Math.min(320, map.getSize().x - 90), autoPanPaddingTopLeft: [56, 12], autoPanPaddingBottomRight: [12, 12],
    className: "ed-point-popup" }).setLatLng(latlng).setContent(node).openOn(map);
}

export class ZoneLayer {
  constructor(map) {
    this.map = map;
    this.colors = {};
    // pmIgnore: Geoman leaves these alone (no editing, cutting or removing of published zones).
    this.layer = L.geoJSON(null, {
      pane: "zones", interactive: false, pmIgnore: true, snapIgnore: false,
      style: (f) => ({ color: this.colors[f.properties.faction] || "#777", weight: 1.2, opacity: 0.9,
        fillColor: this.colors[f.properties.faction] || "#777", fillOpacity: f.properties.faction === "contested" ? 0.2 : 0.3,
        dashArray: f.properties.faction === "contested" ? "4 3" : null }),
    }).addTo(map);
  }

  setFactions(factions) {
    this.colors = Object.fromEntries(factions.map((f) => [f.slug, f.color]));
  }

  show(zones) {
    this.layer.clearLayers();
    for (const z of zones) this.layer.addData({ type: "Feature", properties: { faction: z.faction, id: z.id }, geometry: z.geometry });
  }
}

export class PreviewLayer {
  constructor(map) {
    this.layer = L.layerGroup().addTo(map);
  }

  clear() {
    this.layer.clearLayers();
  }

  show(result, colors) {
    this.clear();
    for (const f of result.factions) {
      const color = colors[f.faction] || "#333";
      if (f.gained) L.geoJSON(f.gained, { pane: "preview", interactive: false, pmIgnore: true,
        style: { color, weight: 3, fillColor: color, fillOpacity: 0.45 } }).addTo(this.layer);
      if (f.lost) L.geoJSON(f.lost, { pane: "preview", interactive: false, pmIgnore: true,
        style: { color, weight: 2.5, dashArray: "6 5", fill: false } }).addTo(this.layer);
    }
  }
}

export class PlacePins {
  constructor(map) {
    this.map = map;
    this.layer = L.featureGroup().addTo(map);
    this.bySlug = new Map();
  }

  clear() {
    this.layer.clearLayers();
    this.bySlug.clear();
  }

  show(places) {
    this.clear();
    for (const p of places) {
      const label = document.createElement("span");
      label.textContent = p.name_ar ? `${p.name_en} · ${p.name_ar}` : p.name_en;  // text, never HTML
      const m = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#111", weight: 2, fillColor: "#ffd400", fillOpacity: 0.95,
        pmIgnore: true, snapIgnore: false, className: "ed-pin" })
        .bindTooltip(label, { direction: "top", offset: [0, -6] })
        .addTo(this.layer);
      this.bySlug.set(p.slug, m);
    }
    // Not animated: a click on a place while a zoom animation runs would otherwise be ignored by Leaflet.
    if (places.length) this.map.fitBounds(this.layer.getBounds().pad(0.3), { maxZoom: 12, animate: false });
  }

  focus(slug) {
    const m = this.bySlug.get(slug);
    if (!m) return;
    const go = () => {
      this.map.setView(m.getLatLng(), Math.max(this.map.getZoom(), 13));
      m.openTooltip();
    };
    // Leaflet ignores a setView asked for while a zoom animation runs (e.g. the user's own wheel zoom).
    if (this.map._animatingZoom) this.map.once("zoomend", go);
    else go();
  }
}

// Areas to look at: what other editors changed since this page loaded (after a 409), or a change shown from
// the history. Outlined in orange, never editable.
export class HighlightLayer {
  constructor(map) {
    this.map = map;
    this.layer = L.featureGroup().addTo(map);
  }

  clear() {
    this.layer.clearLayers();
  }

  // items: [{geometry, label}]; fit: zoom to them.
  show(items, { fit = true } = {}) {
    this.clear();
    for (const it of items) {
      const label = document.createElement("span");
      label.textContent = it.label || "";  // text, never HTML
      const g = L.geoJSON(it.geometry, { pane: "preview", interactive: false, pmIgnore: true,
        style: { color: "#e8590c", weight: 3, dashArray: "2 6", fillColor: "#e8590c", fillOpacity: 0.12, className: "ed-highlight" } });
      g.addTo(this.layer);
      if (it.label) g.bindTooltip(label, { permanent: true, direction: "center", className: "ed-highlight-label" });
    }
    if (fit && items.length) this.map.fitBounds(this.layer.getBounds().pad(0.3), { maxZoom: 12, animate: false });
  }
}

export const PIECE_COLORS = ["#1971c2", "#e8590c", "#2f9e44", "#9c36b5"];

// The pieces of a zone cut along a line: each clickable (and listed in the side panel for the keyboard).
export class PiecesLayer {
  constructor(map) {
    this.map = map;
    this.layer = L.featureGroup().addTo(map);
  }

  clear() {
    this.layer.clearLayers();
  }

  show(pieces, onPick) {
    this.clear();
    pieces.forEach((p, i) => {
      const c = PIECE_COLORS[i % PIECE_COLORS.length];
      const g = L.geoJSON(p.geometry, { pmIgnore: true, snapIgnore: true,
        style: { color: c, weight: 3, fillColor: c, fillOpacity: 0.35, className: `ed-piece ed-piece-${i}` } });
      g.on("click", () => onPick(i));
      g.addTo(this.layer);
    });
  }
}

// The faction colours, as a legend under the map (short names; the full name on hover).
export function fillLegend(list, factions, lang = "en") {
  list.replaceChildren();
  for (const f of factions) {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = "swatch";
    sw.style.background = f.color;
    if (f.slug === "contested") sw.classList.add("swatch-contested");
    const short = lang === "ar" ? (f.short_ar || f.name_ar || f.name_en) : (f.short_en || f.name_en);
    li.append(sw, document.createTextNode(short));
    li.title = lang === "ar" ? (f.name_ar || f.name_en) : f.name_en;
    li.dataset.faction = f.slug;
    list.append(li);
  }
}
