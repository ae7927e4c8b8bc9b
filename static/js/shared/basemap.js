// The base map: tiles from the configured URL when they load, and always the geography Frontline ships
// (country and governorate borders, rivers, place labels), so the map is never a blank grey square offline.
// Only this module and map.js touch Leaflet (window.L, loaded from /vendor/leaflet/leaflet.js).
import { getJSON } from "./api.js";
import { fillUrl } from "./config.js";
import { placeMinZoom } from "./places.js";

const L = window.L;

export function baseStyle(theme = "light") {
  const dark = theme === "dark";
  return {
    land: dark ? "#1d2127" : "#f4f1ea",
    country: dark ? "#8a93a0" : "#6b6b6b",
    gov: dark ? "#4c5561" : "#b3ada2",
    water: dark ? "#2b4a66" : "#a9cbe6",
    label: dark ? "#e8e8e8" : "#222",
  };
}

// Water as two collections: the areas (lakes, wide river beds) and the lines, whatever geometry collections hold them.
export function splitWater(fc) {
  const lakes = [], lines = [];
  const add = (g, props) => {
    if (!g) return;
    if (g.type === "GeometryCollection") { for (const x of g.geometries) add(x, props); return; }
    (g.type === "Polygon" || g.type === "MultiPolygon" ? lakes : lines).push({ type: "Feature", properties: props, geometry: g });
  };
  for (const f of fc.features || []) add(f.geometry, f.properties || {});
  return { lakes: { type: "FeatureCollection", features: lakes }, lines: { type: "FeatureCollection", features: lines } };
}

// Adds the base layers; returns {tiles, countries, governorates, rivers, places} (each may be null).
export async function addBaseLayers(map, config, { lang = "en", theme = "light", placeMaxRank = 3 } = {}) {
  const st = baseStyle(theme);
  const layers = { tiles: null, countries: null, governorates: null, rivers: null, places: null };
  map.getContainer().style.background = st.land;
  if (config.tiles && config.tiles.url) {
    layers.tiles = L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 18, crossOrigin: true }).addTo(map);
  }
  map.createPane("base");
  map.getPane("base").style.zIndex = 250;
  map.createPane("labels");
  map.getPane("labels").style.zIndex = 650;
  map.getPane("labels").style.pointerEvents = "none";
  const url = (layer) => fillUrl(config.urls.basemap, { layer });
  const [countries, govs, rivers, places] = await Promise.all(
    ["countries", "governorates", "rivers", "places"].map((l) => getJSON(url(l)).catch(() => null)),
  );
  if (govs) layers.governorates = L.geoJSON(govs, { pane: "base", interactive: false,
    style: { color: st.gov, weight: 1, dashArray: "4 3", fill: false } }).addTo(map);
  if (rivers) {
    // Lakes (Lake Assad) are drawn over the zones, as on the pictures: water is not held ground. Rivers stay under.
    map.createPane("water");
    map.getPane("water").style.zIndex = 405;  // above the zones (400), below the changes of the step (420)
    map.getPane("water").style.pointerEvents = "none";
    const { lakes, lines } = splitWater(rivers);
    const style = { color: st.water, weight: 1, fillColor: st.water, fillOpacity: 0.9 };
    layers.rivers = L.geoJSON(lines, { pane: "base", interactive: false, style }).addTo(map);
    layers.lakes = L.geoJSON(lakes, { pane: "water", interactive: false, style: { ...style, fillOpacity: 1 } }).addTo(map);
  }
  if (countries) layers.countries = L.geoJSON(countries, { pane: "base", interactive: false,
    style: { color: st.country, weight: 1.6, fill: false } }).addTo(map);
  if (places) {
    // Labels appear with zoom: big cities always, towns at the regional view, neighbourhoods and landmarks
    // when zoomed into a city, so the labels never pile on top of each other.
    const group = L.layerGroup();
    const labels = [];
    for (const f of places.features) {
      const p = f.properties;
      const rank = p.rank || 5;
      if (rank > placeMaxRank) continue;
      const [lon, lat] = f.geometry.coordinates;
      const name = (lang === "ar" && p.name_ar) || p.name_en;
      const el = document.createElement("span");
      el.textContent = name;  // text, never HTML
      const minZoom = placeMinZoom(p);
      const marker = L.marker([lat, lon], {
        pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: `fl-place fl-place-r${rank}`, html: el.outerHTML, iconSize: null }),
      });
      labels.push({ marker, minZoom, rank });
    }
    // Most important first (stable within a rank): a label that would overlap one already shown is left out.
    labels.sort((a, b) => a.rank - b.rank);
    const sync = () => {
      const z = map.getZoom();
      const shown = [];
      for (const l of labels) {
        if (z >= l.minZoom) { group.addLayer(l.marker); shown.push(l); } else group.removeLayer(l.marker);
      }
      // Thin by rank: measure every label once (one layout), then hide those that collide with a kept one.
      const range = document.createRange();
      const boxes = shown.map((l) => {
        const el = l.marker.getElement();
        if (el) el.classList.remove("fl-place-thinned");
        const span = el && el.firstElementChild;
        if (!span) return null;
        range.selectNodeContents(span);  // the text's own box (the span itself may be narrower than its text)
        return range.getBoundingClientRect();
      });
      const kept = [];
      const pad = 3;
      shown.forEach((l, i) => {
        const r = boxes[i];
        if (!r) return;
        const hit = kept.some((k) => r.left < k.right + pad && k.left < r.right + pad && r.top < k.bottom + pad && k.top < r.bottom + pad);
        if (hit) l.marker.getElement().classList.add("fl-place-thinned"); else kept.push(r);
      });
    };
    layers.places = group.addTo(map);
    map.on("zoomend", sync);
    sync();
  }
  map.attributionControl.addAttribution(config.baseAttribution || "");
  return layers;
}
