// Gazetteer places on the map (pure: no Leaflet, so node's tests can load it).

// The zoom from which a place's label shows: big cities always, towns at the regional view, neighbourhoods
// and landmarks when zoomed into a city.
export function placeMinZoom(p) {
  const rank = p.rank || 5;
  const urban = ["city", "town"].includes(p.kind);
  return rank <= 2 ? 0 : rank === 3 ? (urban ? 8 : 11) : rank === 4 ? (urban ? 10 : 13) : 14;
}
