// The per-faction area chart: stepped lines of km2 over time, drawn as SVG by hand, with axes (days along
// the bottom, km2 on a square-root scale at the side), a marker and a readout of the values at the current
// instant. Keyboard: the chart is one tab stop; arrows move between changes, Home/End to the ends. The same
// numbers are in a table (a <details> below the chart) for screen readers and for copying.
import { tr, field, formatKm2 } from "../shared/i18n.js";
import { formatDay, formatLocal, localParts } from "../shared/timefmt.js";
import { axisMarks } from "./timecontrol.js";
import { el } from "../shared/dom.js";

const NS = "http://www.w3.org/2000/svg";
const svgEl = (tag, attrs = {}, text) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

// Up to this many days the axis has a tick at every local midnight and a label per day (or every other day).
const DAY_AXIS_MAX = 16;

// Local midnights inside [t0, t1] (the data set's offset): where the day ticks go.
export function dayTicks(t0, t1, offsetMinutes) {
  const out = [];
  const p = localParts(new Date(t0), offsetMinutes);
  let ms = Date.UTC(p.y, p.m - 1, p.d) - offsetMinutes * 60000;
  if (ms < t0) ms += 86400000;
  for (; ms <= t1; ms += 86400000) out.push(ms);
  return out;
}

// Round values for the km2 axis: 0 and up to three "nice" values under max.
export function valueTicks(max) {
  const out = [0];
  for (const f of [0.1, 0.4, 1]) {
    const v = max * f;
    const mag = 10 ** Math.floor(Math.log10(v));
    const nice = Math.floor(v / mag) * mag;
    if (nice > 0 && !out.includes(nice)) out.push(nice);
  }
  return out;
}

const compactKm2 = (v, lang) => new Intl.NumberFormat(lang === "ar" ? "ar" : "en", { notation: "compact", maximumFractionDigits: 1 }).format(v);

export function buildChart(root, { timeline, lang, onSeek }) {
  const W = 340, H = 150;
  const rtl = lang === "ar";
  const P = { l: rtl ? 8 : 40, r: rtl ? 40 : 8, t: 8, b: 22 };
  const ds = timeline.dataset;
  const off = ds.utc_offset_minutes;
  const instants = timeline.instants;
  const t0 = Math.min(Date.parse(ds.start), Date.parse(instants[0]));
  const t1 = Math.max(Date.parse(ds.end), Date.parse(instants.at(-1)));
  const shown = timeline.factions.filter((f) => (timeline.areas_km2[f.slug] || []).some((v) => v > 0.5));
  let max = 1;
  for (const f of shown) for (const v of timeline.areas_km2[f.slug]) max = Math.max(max, v);
  const x = (ms) => {
    const f = (ms - t0) / (t1 - t0);
    return P.l + (rtl ? 1 - f : f) * (W - P.l - P.r);
  };
  // Square-root scale: the big government area and the small SDF pocket both stay readable.
  const y = (v) => H - P.b - Math.sqrt(v / max) * (H - P.t - P.b);

  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart-svg", role: "img", focusable: "false" });
  svg.setAttribute("aria-hidden", "true");  // the focusable wrapper and the table speak for it
  // Axes: km2 at the side (start edge), days along the bottom.
  const axisX = rtl ? W - P.r : P.l;
  svg.append(svgEl("line", { x1: P.l, x2: W - P.r, y1: H - P.b, y2: H - P.b, class: "chart-axis" }));
  svg.append(svgEl("line", { x1: axisX, x2: axisX, y1: P.t, y2: H - P.b, class: "chart-axis" }));
  for (const v of valueTicks(max)) {
    const yy = y(v);
    if (v > 0) svg.append(svgEl("line", { x1: P.l, x2: W - P.r, y1: yy, y2: yy, class: "chart-grid" }));
    svg.append(svgEl("text", { x: rtl ? W - P.r + 4 : P.l - 4, y: yy + 3, class: "chart-label chart-ylabel",
      "text-anchor": rtl ? "start" : "end" }, compactKm2(v, lang)));
  }
  const days = dayTicks(t0, t1, off);
  const tick = (ms) => svg.append(svgEl("line", { x1: x(ms), x2: x(ms), y1: H - P.b, y2: H - P.b + 3, class: "chart-axis" }));
  if (days.length <= DAY_AXIS_MAX) {
    // Ticks at local midnights; each day's label centred on its day (so the ends never clip or collide).
    days.forEach(tick);
    const spans = days.filter((ms) => ms + 86400000 <= t1 + 1);
    spans.forEach((ms, i) => {
      if (spans.length > 8 && i % 2) return;  // a long period: every other day
      svg.append(svgEl("text", { x: x(ms + 43200000), y: H - 6, class: "chart-label chart-xlabel", "text-anchor": "middle" },
        formatDay(ms, off, rtl ? "ar" : "en", false)));
    });
  } else {
    // Weeks, months or years: the time control's calendar marks, few enough to read (a label is ~50 units wide).
    for (const m of axisMarks(t0, t1, off * 60000, Math.floor((W - P.l - P.r) / 56), rtl ? "ar" : "en")) {
      tick(m.ms);
      const xx = Math.min(Math.max(x(m.ms), P.l + 22), W - P.r - 22);  // a label at an end stays inside
      svg.append(svgEl("text", { x: xx, y: H - 6, class: "chart-label chart-xlabel", "text-anchor": "middle" }, m.text));
    }
  }
  for (const f of shown) {
    const s = timeline.areas_km2[f.slug];
    let d = "";
    instants.forEach((iso, i) => {
      const xi = x(Date.parse(iso));
      d += i === 0 ? `M${xi.toFixed(1)},${y(s[i]).toFixed(1)}` : `H${xi.toFixed(1)}V${y(s[i]).toFixed(1)}`;
    });
    d += `H${x(t1).toFixed(1)}`;
    svg.append(svgEl("path", { d, fill: "none", stroke: f.color, "stroke-width": 2,
      "stroke-dasharray": f.slug === "contested" ? "3 2" : "none", class: "chart-line" }));
  }
  const marker = svgEl("line", { y1: P.t - 4, y2: H - P.b + 2, class: "chart-marker" });
  svg.append(marker);

  // One tab stop: arrows step through the changes (the reader's way to move through the chart).
  const wrap = el("div", { className: "chart-focus", tabIndex: 0 });
  wrap.setAttribute("role", "group");
  wrap.setAttribute("aria-label", `${tr(lang, "chart")}. ${tr(lang, "chartKeys")}`);
  wrap.append(svg);
  const readout = el("p", { className: "chart-readout" });
  let current = Date.parse(instants[0]);
  const indexAt = (ms) => {
    let i = 0;
    while (i + 1 < instants.length && Date.parse(instants[i + 1]) <= ms) i++;
    return i;
  };
  wrap.addEventListener("keydown", (e) => {
    const i = indexAt(current);
    const fwd = rtl ? "ArrowLeft" : "ArrowRight", back = rtl ? "ArrowRight" : "ArrowLeft";
    let j = null;
    if (e.key === fwd || e.key === "ArrowUp") j = Math.min(instants.length - 1, i + 1);
    else if (e.key === back || e.key === "ArrowDown") j = Date.parse(instants[i]) < current ? i : Math.max(0, i - 1);
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = instants.length - 1;
    if (j === null) return;
    e.preventDefault();
    e.stopPropagation();  // the page's own arrow keys (time control) must not step twice
    onSeek(Date.parse(instants[j]));
  });
  svg.addEventListener("click", (e) => {
    const r = svg.getBoundingClientRect();
    let f = ((e.clientX - r.left) / r.width * W - P.l) / (W - P.l - P.r);
    if (rtl) f = 1 - f;
    onSeek(t0 + Math.min(1, Math.max(0, f)) * (t1 - t0));
  });

  // The table alternative: every change instant with each faction's km2.
  const table = el("table", { className: "chart-table" });
  const head = el("tr", {}, el("th", { scope: "col", textContent: tr(lang, "chartWhen") }));
  for (const f of shown) head.append(el("th", { scope: "col", textContent: `${field(f, "short", lang) || field(f, "name", lang)} (${tr(lang, "km2")})` }));
  table.append(el("thead", {}, head));
  const body = el("tbody");
  instants.forEach((iso, i) => {
    const row = el("tr", {}, el("th", { scope: "row", textContent: formatLocal(new Date(iso), off, ds.tz_label, lang) }));
    for (const f of shown) row.append(el("td", { className: "num", textContent: formatKm2(timeline.areas_km2[f.slug][i], lang) }));
    body.append(row);
  });
  table.append(body);
  const details = el("details", { className: "chart-details" },
    el("summary", { textContent: tr(lang, "chartTable") }),
    el("div", { className: "chart-table-wrap" }, table));

  root.replaceChildren(wrap, readout, details);
  return {
    setTime(ms) {
      current = ms;
      const xm = x(ms).toFixed(1);
      marker.setAttribute("x1", xm);
      marker.setAttribute("x2", xm);
      const i = indexAt(ms);
      readout.replaceChildren();
      readout.append(el("span", { className: "chart-readout-when", textContent: formatLocal(new Date(ms), off, ds.tz_label, lang) }));
      for (const f of shown) {
        const sw = el("span", { className: "swatch" });
        sw.style.setProperty("--c", f.color);
        readout.append(el("span", { className: "chart-value" }, sw,
          document.createTextNode(`${field(f, "short", lang) || field(f, "name", lang)} ${formatKm2(timeline.areas_km2[f.slug][i], lang)} ${tr(lang, "km2")}`)));
      }
      [...body.rows].forEach((r, k) => r.classList.toggle("is-current", k === i));
    },
  };
}
