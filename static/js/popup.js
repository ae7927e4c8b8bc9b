// The "why is this colour" popup: who holds the clicked point at the instant, since when, and the chain of
// changes with their reports. Built with DOM nodes and textContent only: report titles are untrusted.
import { tr, field } from "./i18n.js";
import { formatLocal } from "./timefmt.js";

const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

const safeHref = (url) => {
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch { return null; }
};

export function popupContent(point, { timeline, lang }) {
  const ds = timeline.dataset;
  const fmt = (iso) => formatLocal(new Date(iso), ds.utc_offset_minutes, ds.tz_label, lang);
  const factions = Object.fromEntries(timeline.factions.map((f) => [f.slug, f]));
  const root = el("div", "popup");
  root.dir = lang === "ar" ? "rtl" : "ltr";
  if (!point || !point.faction) {
    root.append(el("p", "popup-none", tr(lang, "unknown")));
    return root;
  }
  const f = factions[point.faction] || { color: "#888" };
  const h = el("h3", "popup-faction");
  const sw = el("span", `swatch${point.faction === "contested" ? " swatch-hatch" : ""}`);
  sw.style.setProperty("--c", f.color);
  h.append(sw, document.createTextNode(field(f, "name", lang) || point.faction));
  root.append(h);
  if (point.since) root.append(el("p", "popup-since", `${tr(lang, "since")}: ${fmt(point.since)}`));
  const changes = [...(point.changes || [])].reverse();  // most recent first: the reason for the colour
  if (changes.length) {
    root.append(el("h4", "popup-chain-title", tr(lang, "chain")));
    const ol = el("ol", "popup-chain");
    for (const c of changes) {
      const li = el("li", "popup-change");
      const cf = factions[c.faction] || {};
      const head = el("div", "popup-change-head");
      head.append(el("time", null, fmt(c.at)), el("span", "popup-change-faction", ` · ${field(cf, "short", lang) || field(cf, "name", lang) || c.faction}`),
        el("span", `feed-conf conf-${c.confidence}`, tr(lang, c.confidence === "claimed" ? "claimed" : "confirmed")));
      li.append(head, el("p", "popup-summary", field(c, "summary", lang)));
      if (c.reports && c.reports.length) {
        const ul = el("ul", "popup-reports");
        for (const r of c.reports) {
          const ri = el("li", "popup-report");
          const href = r.url && safeHref(r.url);
          const title = href ? el("a", "report-title", r.title) : el("span", "report-title", r.title);
          if (href) { title.href = href; title.target = "_blank"; title.rel = "noopener noreferrer"; }
          ri.append(title);
          const meta = [r.publisher, r.published_at && fmt(r.published_at)].filter(Boolean).join(" · ");
          if (meta) ri.append(el("span", "report-meta", meta));
          ul.append(ri);
        }
        li.append(ul);
      }
      ol.append(li);
    }
    root.append(ol);
  }
  return root;
}
