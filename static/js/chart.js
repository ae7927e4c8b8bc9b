// A small per-faction area chart (stepped lines, km2 over time) drawn as SVG by hand, with a marker at
// the current instant. Clicking the chart seeks to that time.
import { tr, field } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs = {}) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
};

export function buildChart(root, { timeline, lang, onSeek }) {
  const W = 320, H = 120, P = { l: 6, r: 6, t: 8, b: 8 };
  const ds = timeline.dataset;
  const t0 = Math.min(Date.parse(ds.start), Date.parse(timeline.instants[0]));
  const t1 = Math.max(Date.parse(ds.end), Date.parse(timeline.instants.at(-1)));
  let max = 1;
  for (const s of Object.values(timeline.areas_km2)) for (const v of s) max = Math.max(max, v);
  const rtl = lang === "ar";
  const x = (ms) => {
    const f = (ms - t0) / (t1 - t0);
    return P.l + (rtl ? 1 - f : f) * (W - P.l - P.r);
  };
  // Square-root scale: the big government area and the small SDF pocket both stay readable.
  const y = (v) => H - P.b - Math.sqrt(v / max) * (H - P.t - P.b);

  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", role: "img" });
  svg.setAttribute("aria-label", tr(lang, "chart"));
  svg.append(svgEl("line", { x1: P.l, x2: W - P.r, y1: H - P.b, y2: H - P.b, class: "chart-axis" }));
  for (const f of timeline.factions) {
    const s = timeline.areas_km2[f.slug] || [];
    if (!s.some((v) => v > 0.5)) continue;
    let d = "";
    timeline.instants.forEach((iso, i) => {
      const xi = x(Date.parse(iso));
      d += i === 0 ? `M${xi.toFixed(1)},${y(s[i]).toFixed(1)}` : `H${xi.toFixed(1)}V${y(s[i]).toFixed(1)}`;
    });
    d += `H${x(t1).toFixed(1)}`;
    const path = svgEl("path", { d, fill: "none", stroke: f.color, "stroke-width": 2,
      "stroke-dasharray": f.slug === "contested" ? "3 2" : "none" });
    const title = svgEl("title");
    title.textContent = field(f, "name", lang);
    path.append(title);
    svg.append(path);
  }
  const marker = svgEl("line", { y1: P.t - 4, y2: H - P.b + 4, class: "chart-marker" });
  svg.append(marker);
  svg.addEventListener("click", (e) => {
    const r = svg.getBoundingClientRect();
    let f = ((e.clientX - r.left) / r.width * W - P.l) / (W - P.l - P.r);
    if (rtl) f = 1 - f;
    onSeek(t0 + Math.min(1, Math.max(0, f)) * (t1 - t0));
  });
  root.replaceChildren(svg);
  return {
    setTime(ms) {
      const xm = x(ms).toFixed(1);
      marker.setAttribute("x1", xm);
      marker.setAttribute("x2", xm);
    },
  };
}
