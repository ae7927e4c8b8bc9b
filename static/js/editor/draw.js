// Drawing the area that changed hands with Leaflet-Geoman (free): polygon, rectangle, edit vertices, cut,
// remove; undo/redo of drawing steps; a zone taken as an editable starting shape; a line to cut a zone.
// Geoman runs opt-in, so only the shapes drawn here are editable: the base map and the published zones are
// never touched by the tools. The drawn shapes together are the change's geometry.
const L = globalThis.window ? window.L : undefined;  // undefined under node (the pure helpers are tested there)

const SHAPE_STYLE = { color: "#111", weight: 2.5, dashArray: "5 4", fillColor: "#ffd400", fillOpacity: 0.25 };
const ZONE_EDIT_STYLE = { color: "#111", weight: 2.5, fillColor: "#ffffff", fillOpacity: 0.15 };
const HISTORY_LIMIT = 100;

// Must run before L.map() creates the map (Geoman attaches itself to layers as they are constructed).
export function optInGeoman() {
  L.PM.setOptIn(true);
}

// Polygon coordinate arrays (GeoJSON) of drawn shapes -> one Polygon, or a MultiPolygon if several.
export function combine(polygons) {
  const parts = [];
  for (const g of polygons) {
    if (!g) continue;
    if (g.type === "Polygon") parts.push(g.coordinates);
    else if (g.type === "MultiPolygon") parts.push(...g.coordinates);
  }
  if (!parts.length) return null;
  return parts.length === 1 ? { type: "Polygon", coordinates: parts[0] } : { type: "MultiPolygon", coordinates: parts };
}

// GeoJSON Polygon/MultiPolygon -> Leaflet latlngs (rings without the closing position).
export function toLatLngs(geometry) {
  const poly = (coords) => coords.map((ring) => ring.slice(0, -1).map(([lon, lat]) => [lat, lon]));
  return geometry.type === "Polygon" ? poly(geometry.coordinates) : geometry.coordinates.map(poly);
}

// A bounded undo/redo stack of snapshots (strings); pure, so it is tested without a browser.
export class History {
  constructor(limit = HISTORY_LIMIT) {
    this.limit = limit;
    this.states = [];
    this.index = -1;
  }

  // Record a state after a step; an identical state (several events for one step) is not a new step.
  push(state) {
    if (this.index >= 0 && this.states[this.index] === state) return false;
    this.states = this.states.slice(0, this.index + 1);
    this.states.push(state);
    if (this.states.length > this.limit) this.states.shift();
    this.index = this.states.length - 1;
    return true;
  }

  canUndo() { return this.index > 0; }
  canRedo() { return this.index < this.states.length - 1; }
  undo() { return this.canUndo() ? this.states[--this.index] : undefined; }
  redo() { return this.canRedo() ? this.states[++this.index] : undefined; }
  reset(state) {
    this.states = [state];
    this.index = 0;
  }
}

export class DrawTools {
  // onChange(): after every change of the drawn shapes (drawn, edited, removed, undone, restored).
  constructor(map, onChange) {
    this.map = map;
    this.onChange = onChange;
    this.history = new History();
    this.history.reset("null");
    this.listeners = new Set();
    map.pm.setGlobalOptions({
      pathOptions: { ...SHAPE_STYLE, pmIgnore: false },
      templineStyle: { color: "#111", weight: 2 },
      hintlineStyle: { color: "#111", dashArray: "4 4" },
      allowSelfIntersection: false,  // the server refuses bow-ties anyway: catch them while drawing
      snappable: true,
      snapDistance: 12,
    });
    map.pm.addControls({
      position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawCircle: false,
      drawText: false, rotateMode: false, dragMode: true, drawPolygon: true, drawRectangle: true,
      editMode: true, cutPolygon: true, removalMode: true,
    });
    map.on("pm:create", (e) => {
      if (this.lineHandler && e.shape === "Line") {
        const handler = this.lineHandler;
        this.lineHandler = null;
        map.removeLayer(e.layer);
        handler(e.layer.toGeoJSON(7).geometry);
        return;
      }
      this._adopt(e.layer);
    });
    map.on("pm:cut", (e) => {
      if (e.originalLayer) e.originalLayer._flDrawn = false;
      if (e.layer) this._adopt(e.layer);
    });
    map.on("pm:remove", () => this._changed());
  }

  _watch(layer) {
    layer._flDrawn = true;
    layer.on("pm:edit pm:dragend pm:markerdragend pm:vertexremoved pm:vertexadded", () => this._changed());
  }

  _adopt(layer) {
    if (!(layer instanceof L.Polygon)) return;
    this._watch(layer);
    this._changed();
  }

  // Every change of the shapes: a new undo step (unless it is the same state), then the page hears of it.
  _changed({ record = true } = {}) {
    if (record) this.history.push(JSON.stringify(this.geometry()));
    this.onChange();
    for (const f of this.listeners) f();
  }

  // Called after every change, e.g. to enable the undo/redo buttons and to save the draft.
  listen(f) {
    this.listeners.add(f);
  }

  layers() {
    const out = [];
    this.map.eachLayer((l) => { if (l._flDrawn && l instanceof L.Polygon && !l._pmTempLayer) out.push(l); });
    return out;
  }

  // The change's geometry (GeoJSON, lon/lat), or null when nothing is drawn.
  geometry() {
    return combine(this.layers().map((l) => l.toGeoJSON(7).geometry));
  }

  _put(geometry) {
    for (const l of this.layers()) this.map.removeLayer(l);
    if (!geometry) return;
    const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    for (const coords of polys) {
      const layer = L.polygon(toLatLngs({ type: "Polygon", coordinates: coords }), { ...SHAPE_STYLE, pmIgnore: false }).addTo(this.map);
      this._watch(layer);
    }
  }

  // Put shapes on the map from a GeoJSON geometry (a draft restored, a zone's difference, a cut piece).
  setGeometry(geometry, { record = true } = {}) {
    this._put(geometry);
    if (!record) this.history.reset(JSON.stringify(this.geometry()));
    this._changed({ record });
  }

  clear(silent = false) {
    for (const l of this.layers()) this.map.removeLayer(l);
    if (!silent) this._changed();
    else this.history.push(JSON.stringify(this.geometry()));
  }

  start(shape) {
    this.map.pm.enableDraw(shape);
  }

  // The shape being drawn right now ("Polygon", "Line", ...), or null.
  drawing() {
    return this.map.pm.Draw.getActiveShape ? this.map.pm.Draw.getActiveShape() || null : null;
  }

  // Undo: while a shape is being drawn, its last vertex; otherwise the last drawing step.
  undo() {
    const shape = this.drawing();
    if (shape) {
      const d = this.map.pm.Draw[shape];
      if (d && typeof d._removeLastVertex === "function") d._removeLastVertex();
      return true;
    }
    const state = this.history.undo();
    if (state === undefined) return false;
    this._put(JSON.parse(state));
    this._changed({ record: false });
    return true;
  }

  redo() {
    if (this.drawing()) return false;
    const state = this.history.redo();
    if (state === undefined) return false;
    this._put(JSON.parse(state));
    this._changed({ record: false });
    return true;
  }

  // Enter: finish the polygon or line being drawn (needs enough vertices; Geoman says what is missing).
  finish() {
    const shape = this.drawing();
    if (!shape) return false;
    const d = this.map.pm.Draw[shape];
    if (d && typeof d._finishShape === "function") d._finishShape();
    return true;
  }

  // Esc: drop the shape being drawn (the shapes already drawn stay).
  cancel() {
    if (!this.drawing()) return false;
    this.map.pm.disableDraw();
    this.lineHandler = null;
    return true;
  }

  // "Cut along a line": draw a line; onLine(GeoJSON LineString) when it is finished.
  drawLine(onLine) {
    this.lineHandler = onLine;
    this.map.pm.enableDraw("Line", { snappable: true, finishOn: null });
  }

  // "Start from a zone": the zone as an editable shape with vertex handles, apart from the drawn shapes.
  editZone(geometry) {
    this.stopZone();
    const layer = L.polygon(toLatLngs(geometry), { ...ZONE_EDIT_STYLE, pmIgnore: false }).addTo(this.map);
    layer.pm.enable({ allowSelfIntersection: false, snappable: true, draggable: false });
    this.zoneLayer = layer;
    return layer;
  }

  // The edited zone's geometry (GeoJSON), or null when no zone is being edited.
  zoneGeometry() {
    return this.zoneLayer ? this.zoneLayer.toGeoJSON(7).geometry : null;
  }

  stopZone() {
    if (!this.zoneLayer) return;
    this.zoneLayer.pm.disable();
    this.map.removeLayer(this.zoneLayer);
    this.zoneLayer = null;
  }

  bounds() {
    const ls = this.layers();
    return ls.length ? L.featureGroup(ls).getBounds() : null;
  }
}
