// The "why is this colour" popup: who holds the clicked point at the instant, since when, and the chain of
// changes with their reports. Built with DOM nodes and textContent only: report titles are untrusted.
//
// The data set's baseline (the situation before the period, stated as changes "at" its start) is not a
// series of events: it is summed up in one line, the statement that applies here, and "held since" the
// start reads "held since before <start>". Text in the other script (an English report title in an Arabic
// popup) is isolated (dir="auto") so the bidi algorithm does not reorder it with its neighbours.
import { tr, field } from "../shared/i18n.js";
import { formatDay, formatLocal, zoneOf } from "../shared/timefmt.js";
import { el } from "../shared/dom.js";

// A run of text whose direction comes from its own first strong letter (<bdi>): titles, publishers, names.
const iso = (text, cls) => el("bdi", cls ? { className: cls } : {}, text);

const safeHref = (url) => {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch { return null; }
};

// Split a point's changes into the baseline (at or before the start) and the events of the period.
export function splitBaseline(changes, startIso) {
  const start = Date.parse(startIso);
  const baseline = [], events = [];
  for (const c of changes || []) (Date.parse(c.at) <= start ? baseline : events).push(c);
  return { baseline, events };
}

function reportList(reports, fmt) {
  const ul = el("ul", { className: "popup-reports" });
  for (const r of reports) {
    const ri = el("li", { className: "popup-report" });
    const href = r.url && safeHref(r.url);
    const title = href ? el("a", { className: "report-title" }) : el("span", { className: "report-title" });
    title.append(iso(r.title));
    if (href) { title.href = href; title.target = "_blank"; title.rel = "noopener noreferrer"; }
    ri.append(title);
    const meta = el("span", { className: "report-meta" });
    if (r.publisher) meta.append(iso(r.publisher));
    if (r.publisher && r.published_at) meta.append(document.createTextNode(" · "));
    if (r.published_at) meta.append(el("span", {}, fmt(r.published_at)));
    if (meta.childNodes.length) ri.append(meta);
    ul.append(ri);
  }
  return ul;
}

export function popupContent(point, { timeline, lang }) {
  const ds = timeline.dataset;
  const fmt = (t) => formatLocal(new Date(t), zoneOf(ds), ds.tz_label, lang);
  const factions = Object.fromEntries(timeline.factions.map((f) => [f.slug, f]));
  const root = el("div", { className: "popup" });
  root.dir = lang === "ar" ? "rtl" : "ltr";
  root.lang = lang;
  if (!point || !point.faction) {
    root.append(el("p", { className: "popup-none" }, tr(lang, "unknown")));
    return root;
  }
  const f = factions[point.faction] || { color: "#888" };
  const h = el("h3", { className: "popup-faction" });
  const sw = el("span", { className: `swatch${point.faction === "contested" ? " swatch-hatch" : ""}` });
  sw.style.setProperty("--c", f.color);
  h.append(sw, iso(field(f, "name", lang) || point.faction));
  root.append(h);
  const start = ds.start;
  if (point.since) {
    // About the point clicked: a place's block below says when the place's marker changed hands, which can
    // differ (a front crosses a city over days); both follow one rule (when the holder took it, see watch.js).
    const before = Date.parse(point.since) <= Date.parse(start);
    const p = el("p", { className: "popup-since" }, before
      ? tr(lang, "sinceBefore", { d: formatDay(start, zoneOf(ds), lang) })
      : tr(lang, "since", { t: fmt(point.since) }));
    p.dataset.since = before ? start : point.since;
    root.append(p);
  }
  const { baseline, events } = splitBaseline(point.changes, start);
  const changes = [...events].reverse();  // most recent first: the reason for the colour
  if (changes.length) {
    root.append(el("h4", { className: "popup-chain-title" }, tr(lang, "chain")));
    const ol = el("ol", { className: "popup-chain" });
    for (const c of changes) {
      const li = el("li", { className: "popup-change" });
      const cf = factions[c.faction] || {};
      const head = el("div", { className: "popup-change-head" });
      head.append(el("time", {}, fmt(c.at)), document.createTextNode(" · "),
        iso(field(cf, "short", lang) || field(cf, "name", lang) || c.faction, "popup-change-faction"),
        el("span", { className: `feed-conf conf-${c.confidence}` }, tr(lang, ["claimed", "inferred"].includes(c.confidence) ? c.confidence : "confirmed")));
      const summary = el("p", { className: "popup-summary" }, field(c, "summary", lang));
      summary.dir = "auto";
      li.append(head, summary);
      if (c.reports && c.reports.length) li.append(reportList(c.reports, fmt));
      ol.append(li);
    }
    root.append(ol);
  }
  // The baseline statement that applies here: the last one (later baseline features override earlier ones).
  const base = baseline.at(-1);
  if (base) {
    const sec = el("div", { className: "popup-baseline" });
    sec.append(el("h4", { className: "popup-chain-title" }, tr(lang, "beforePeriod", { d: formatDay(start, zoneOf(ds), lang) })));
    const summary = el("p", { className: "popup-summary" }, field(base, "summary", lang));
    summary.dir = "auto";
    sec.append(summary);
    if (base.reports && base.reports.length) sec.append(reportList(base.reports, fmt));
    root.append(sec);
  }
  return root;
}
