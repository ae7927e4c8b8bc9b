// The map: the only module (with shared/basemap.js) that touches Leaflet. It paints the zones of a window (its
// keyframe, then its changes in order, each a layer built once) and steps by adding or removing the changes
// between two instants; it draws the latest step's changed area, the compare (diff) overlay and popups.
import { addBaseLayers } from "../shared/basemap.js";

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
    // fl-hatch-*: translucent (drawn over the map: the step and compare overlays); fl-solid-*: the same hatch on
    // an opaque white ground, for the zones pane where fills must not let older paint show through.
    for (const [prefix, solid] of [["fl-hatch", false], ["fl-solid", true]]) {
      const id = `${prefix}-${safeId(f.slug)}`;
      if (document.getElementById(id)) continue;
      const p = document.createElementNS(SVGNS, "pattern");
      p.id = id;
      p.setAttribute("patternUnits", "userSpaceOnUse");
      p.setAttribute("width", "8");
      p.setAttribute("height", "8");
      p.setAttribute("patternTransform", "rotate(45)");
      if (solid) {
        const ground = document.createElementNS(SVGNS, "rect");
        ground.setAttribute("width", "8");
        ground.setAttribute("height", "8");
        ground.setAttribute("fill", "#fff");
        p.append(ground);
      }
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
}

// The runs of a (Multi)Polygon's rings that do not lie on the extent's edge, as Leaflet [lat, lon] lines.
function offEdgeRuns(geometry, extent) {
  const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
  const eps = 1e-6;
  const onEdge = (a, b) => !!extent && [[0, extent[0]], [0, extent[2]], [1, extent[1]], [1, extent[3]]]
    .some(([i, v]) => Math.abs(a[i] - v) < eps && Math.abs(b[i] - v) < eps);
  const runs = [];
  for (const poly of polys) {
    for (const ring of poly) {
      let cur = [];
      for (let k = 0; k + 1 < ring.length; k++) {
        const a = ring[k], b = ring[k + 1];
        if (onEdge(a, b)) {
          if (cur.length > 1) runs.push(cur);
          cur = [];
          continue;
        }
        if (!cur.length) cur.push([a[1], a[0]]);
        cur.push([b[1], b[0]]);
      }
      if (cur.length > 1) runs.push(cur);
    }
  }
  return runs;
}

export const hatchUrl = (slug) => `url(#fl-hatch-${safeId(slug)})`;
const solidUrl = (slug) => `url(#fl-solid-${safeId(slug)})`;

export class FrontMap {
  constructor(el, config, { lang = "en", theme = "light", dataset, placeMaxRank = 5, zoomControl = true } = {}) {
    this.config = config;
    this.lang = lang;
    this.map = L.map(el, { zoomControl: false, attributionControl: true, preferCanvas: false, zoomSnap: 0.25 });
    if (zoomControl) L.control.zoom({ position: lang === "ar" ? "topleft" : "topright" }).addTo(this.map);
    this.map.attributionControl.setPrefix(false);
    for (const [name, z] of [["zones", 400], ["unmapped", 410], ["step", 420], ["diff", 430]]) {
      this.map.createPane(name).style.zIndex = z;
    }
    this.map.getPane("step").style.pointerEvents = "none";
    this.map.getPane("unmapped").style.pointerEvents = "none";
    this.map.getPane("diff").style.pointerEvents = "none";
    // The view in data-view ("lat,lon,zoom", unrounded): what tests and tools read to map pixels to places.
    const syncView = () => {
      const c = this.map.getCenter();
      el.dataset.view = `${c.lat},${c.lng},${this.map.getZoom()}`;
    };
    this.map.on("moveend zoomend viewreset", syncView);
    if (dataset) this.fitExtent(dataset);
    this.base = addBaseLayers(this.map, config, { lang, theme, placeMaxRank }).catch(() => null);
    this.theme = theme;
    this.map.getPane("zones").style.opacity = theme === "dark" ? "0.5" : "0.45";
    this.built = new Map();   // window index -> {win, key: [{faction, layer}], changes: [{faction, layer}]}
    this.current = null;      // {i, n, b}: the window on the map and how many of its changes are painted
    this.visible = null;
    this.visibleKey = "*";
    this.stepLayer = L.layerGroup().addTo(this.map);
    this.diffLayer = L.layerGroup().addTo(this.map);
    this.factions = {};
  }

  fitExtent(dataset) {
    const [x0, y0, x1, y1] = dataset.extent;
    this.showUnmapped(dataset);
    this.map.fitBounds([[y0, x0], [y1, x1]], { animate: false });
    if (dataset.home_view) {
      this.map.setView(dataset.home_view.center, Math.max(this.map.getZoom(), dataset.home_view.zoom), { animate: false });
    }
  }

  // Outside the data set's extent nothing is mapped: a grey veil over it, above the zones, edged with a thin grey
  // dashed line (never a faction's colour), so a zone that stops at the extent does not read as a front there.
  showUnmapped(dataset) {
    if (this.unmapped) this.unmapped.remove();
    this.extent = dataset.extent;
    const [x0, y0, x1, y1] = dataset.extent;
    const world = [[-85, -180], [-85, 180], [85, 180], [85, -180]];
    const mapped = [[y0, x0], [y1, x0], [y1, x1], [y0, x1]];
    this.unmapped = L.polygon([world, mapped], {
      pane: "unmapped", interactive: false, color: "#6b6b6b", weight: 1.5, dashArray: "2 5", opacity: 0.9,
      fillColor: "#7d7d7d", fillOpacity: 0.45, className: "fl-unmapped",
    }).addTo(this.map);
  }

  // Zones are painted in order (keyframe, then each change with at <= t on top) in their own pane: fills are
  // opaque inside it (stacked polygons never blend) and the pane's opacity makes the whole layer translucent.
  // No strokes: a change's outline would draw a line where one faction's area meets its own older area.
  zoneStyle(slug) {
    if (this.visible && !this.visible.has(slug)) {
      // A hidden faction still covers what it took (a neutral veil), so no older owner shows through.
      return { stroke: false, fillColor: this.theme === "dark" ? "#20242a" : "#ffffff", fillOpacity: 1, className: "fl-zone fl-hidden" };
    }
    const f = this.factions[slug] || { color: "#888" };
    if (slug === "contested") return { stroke: false, fillColor: solidUrl(slug), fillOpacity: 1, className: "fl-zone" };
    return { stroke: false, fillColor: f.color, fillOpacity: 1, className: "fl-zone" };
  }

  setFactions(factions) {
    this.factions = Object.fromEntries(factions.map((f) => [f.slug, f]));
    ensurePatterns(factions);
  }

  // The Leaflet layers of a window (built once per window, dropped with it).
  _built(win) {
    let b = this.built.get(win.i);
    if (!b || b.win !== win) {
      if (b) this.dropWindow(win.i);
      const key = [];
      for (const feat of (win.keyframe && win.keyframe.features) || []) {
        if (!feat.geometry) continue;
        key.push({ faction: feat.properties.faction, layer: null, geometry: feat.geometry });
      }
      b = { win, key, changes: new Array(win.changes.length).fill(null) };
      this.built.set(win.i, b);
    }
    return b;
  }

  _layer(entry) {
    if (!entry.layer) {
      entry.layer = L.geoJSON(entry.geometry, { pane: "zones", interactive: false, style: this.zoneStyle(entry.faction) });
      entry.styledFor = this.visibleKey;
    } else if (entry.styledFor !== this.visibleKey) {
      entry.layer.setStyle(this.zoneStyle(entry.faction));
      entry.styledFor = this.visibleKey;
    }
    return entry.layer;
  }

  _changeEntry(b, j) {
    if (!b.changes[j]) {
      const c = b.win.changes[j];
      b.changes[j] = { faction: c.faction, layer: null, geometry: c.geometry };
    }
    return b.changes[j];
  }

  // Paint window `win` at t: its keyframe plus its first n changes (n = changes with at <= t). A step adds or
  // removes only the changes between the old and the new instant; a new window is drawn before the old one
  // is taken away (never a blank frame). Returns the number of changes painted.
  paint(win, n, visible, blank = false) {
    const key = visible ? [...visible].sort().join(",") : "*";
    if (key !== this.visibleKey) {
      this.visible = visible ? new Set(visible) : null;
      this.visibleKey = key;
      if (this.current) {  // restyle what is on the map, in place (the painting order stays)
        const b = this.current.b;
        for (const e of b.key) this._layer(e);
        for (let j = 0; j < this.current.n; j++) this._layer(b.changes[j]);
      }
    }
    const b = this._built(win);
    const cur = this.current;
    if (blank) {  // before the first instant: nothing is drawn yet
      if (cur) this._removePainted(cur);
      this.current = null;
      this.map.getContainer().dataset.factions = "";
      return 0;
    }
    if (!cur || cur.i !== win.i || cur.b !== b) {
      for (const e of b.key) this._layer(e).addTo(this.map);
      for (let j = 0; j < n; j++) this._layer(this._changeEntry(b, j)).addTo(this.map);
      if (cur) this._removePainted(cur);
    } else if (n > cur.n) {
      for (let j = cur.n; j < n; j++) this._layer(this._changeEntry(b, j)).addTo(this.map);
    } else {
      for (let j = n; j < cur.n; j++) b.changes[j].layer.remove();
    }
    this.current = { i: win.i, n, b };
    const el = this.map.getContainer();
    const drawn = new Set(b.key.map((e) => e.faction));
    for (let j = 0; j < n; j++) drawn.add(win.changes[j].faction);
    el.dataset.window = String(win.i);
    el.dataset.painted = String(n);
    el.dataset.factions = [...drawn].filter((s) => !this.visible || this.visible.has(s)).sort().join(",");
    return n;
  }

  _removePainted(cur) {
    for (const e of cur.b.key) if (e.layer) e.layer.remove();
    for (let j = 0; j < cur.n; j++) if (cur.b.changes[j] && cur.b.changes[j].layer) cur.b.changes[j].layer.remove();
  }

  // Forget a window's layers (not the one on the map).
  dropWindow(i) {
    const b = this.built.get(i);
    if (!b || (this.current && this.current.b === b)) return;
    this.built.delete(i);
  }

  // Outline and hatch the area that changed hands at the latest step so the eye sees the front move. The outline
  // leaves out the area's edge along the data set's extent: that is the edge of what is mapped, not a front.
  highlight(changes) {
    this.stepLayer.clearLayers();
    for (const c of changes) {
      if (!c.geometry) continue;
      L.geoJSON(c.geometry, {
        pane: "step", interactive: false,
        style: { stroke: false, fillColor: hatchUrl(c.faction), fillOpacity: 1, className: "fl-step" },
      }).addTo(this.stepLayer);
      const runs = offEdgeRuns(c.geometry, this.extent);
      if (runs.length) {
        L.polyline(runs, {
          pane: "step", interactive: false, color: "#111", weight: 2.5, className: "fl-step-line",
          dashArray: c.confidence === "claimed" ? "6 5" : c.confidence === "inferred" ? "2 4" : null,
        }).addTo(this.stepLayer);
      }
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

  onClick(cb) { this.map.on("click", (e) => { if (!this.picking) cb({ lat: e.latlng.lat, lon: e.latlng.lng }); }); }
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

  // The visible box [minlon, minlat, maxlon, maxlat] and a place's distance in pixels from a clicked point.
  getBbox() {
    const b = this.map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  }

  pixelDistance(a, b) {
    return this.map.latLngToContainerPoint([a.lat, a.lon]).distanceTo(this.map.latLngToContainerPoint([b.lat, b.lon]));
  }

  // Let the reader drag a box on the map (for "Watch an area"): resolves with [minlon, minlat, maxlon, maxlat],
  // or null when cancelled (Escape; `signal` aborted). The map does not pan while the box is drawn.
  pickBox(signal) {
    const map = this.map;
    const el = map.getContainer();
    return new Promise((resolve) => {
      let start = null;
      let rect = null;
      this.picking = true;
      map.closePopup();
      el.classList.add("fl-picking");
      map.dragging.disable();
      map.boxZoom.disable();
      const down = (e) => { start = e.latlng; rect = L.rectangle([start, start], { color: "#111", weight: 2, dashArray: "4 3", fillOpacity: 0.08, interactive: false }).addTo(map); };
      const move = (e) => { if (start) rect.setBounds([start, e.latlng]); };
      const up = (e) => {
        if (!start) return;
        const b = L.latLngBounds(start, e.latlng);
        done(b.getWest() === b.getEast() || b.getSouth() === b.getNorth() ? null : [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]);
      };
      const key = (e) => { if (e.key === "Escape") done(null); };
      const done = (box) => {
        map.off("mousedown", down); map.off("mousemove", move); map.off("mouseup", up);
        document.removeEventListener("keydown", key);
        if (rect) rect.remove();
        map.dragging.enable();
        map.boxZoom.enable();
        el.classList.remove("fl-picking");
        setTimeout(() => { this.picking = false; }, 0);  // the click that ends a drag opens no popup
        resolve(box);
      };
      map.on("mousedown", down); map.on("mousemove", move); map.on("mouseup", up);
      document.addEventListener("keydown", key);
      if (signal) signal.addEventListener("abort", () => done(null), { once: true });
    });
  }
}
