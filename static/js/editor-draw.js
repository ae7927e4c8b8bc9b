// Drawing the area that changed hands with Leaflet-Geoman (free): polygon, rectangle, edit vertices, cut,
// remove. Geoman runs opt-in, so only the shapes drawn here are editable: the base map and the published
// zones are never touched by the tools. The drawn shapes together are the change's geometry.
const L = window.L;

const SHAPE_STYLE = { color: "#111", weight: 2.5, dashArray: "5 4", fillColor: "#ffd400", fillOpacity: 0.25 };

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

export class DrawTools {
  constructor(map, onChange) {
    this.map = map;
    this.onChange = onChange;
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
    map.on("pm:create", (e) => this._adopt(e.layer));
    map.on("pm:cut", (e) => {
      if (e.originalLayer) e.originalLayer._flDrawn = false;
      if (e.layer) this._adopt(e.layer);
    });
    map.on("pm:remove", () => this.onChange());
  }

  _adopt(layer) {
    if (!(layer instanceof L.Polygon)) return;
    layer._flDrawn = true;
    layer.on("pm:edit pm:dragend pm:markerdragend pm:vertexremoved", () => this.onChange());
    this.onChange();
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

  // Put shapes on the map from a GeoJSON geometry (used by tests and to restore a draft).
  setGeometry(geometry) {
    this.clear(true);
    if (!geometry) return this.onChange();
    const polys = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    for (const coords of polys) {
      const latlngs = coords.map((ring) => ring.slice(0, -1).map(([lon, lat]) => [lat, lon]));
      const layer = L.polygon(latlngs, { ...SHAPE_STYLE, pmIgnore: false }).addTo(this.map);
      layer._flDrawn = true;
      layer.on("pm:edit pm:dragend pm:markerdragend pm:vertexremoved", () => this.onChange());
    }
    this.onChange();
  }

  clear(silent = false) {
    for (const l of this.layers()) this.map.removeLayer(l);
    if (!silent) this.onChange();
  }

  start(shape) {
    this.map.pm.enableDraw(shape);
  }

  bounds() {
    const ls = this.layers();
    return ls.length ? L.featureGroup(ls).getBounds() : null;
  }
}
