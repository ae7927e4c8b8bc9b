// "Who holds this, since when, on which reports": a click on the editor's map, outside drawing, editing and
// cutting, asks /api/point (the public's own answer) at the instant the map shows, so the editor sees what a
// change would contradict or repeat before drawing it. Built with DOM nodes and textContent only: report
// titles and summaries are untrusted.
import { getJSON } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { formatLocal } from "../shared/timefmt.js";
import { field, LANG, tr } from "./i18n.js";
import { showPopup } from "./map.js";

// The answer as the editor reads it: the holder, since when, then the changes behind it, the newest first.
export function pointContent(point, ctx) {
  const fmt = (t) => formatLocal(new Date(t), ctx.offset, ctx.tzLabel, LANG);
  const root = el("div", { className: "popup", dir: LANG === "ar" ? "rtl" : "ltr", lang: LANG });
  if (!point || !point.faction) {
    root.append(el("p", {}, tr(LANG, "unknown")));
    return root;
  }
  const f = (ctx.timeline.factions || []).find((x) => x.slug === point.faction) || { color: "#888" };
  const sw = el("span", { className: `swatch${point.faction === "contested" ? " swatch-hatch" : ""}` });
  sw.style.setProperty("--c", f.color);
  root.append(el("h3", {}, sw, el("bdi", {}, field(f, "name", LANG) || point.faction)));
  const start = ctx.timeline.dataset.start;
  if (point.since) {
    root.append(el("p", { className: "popup-since" }, Date.parse(point.since) <= Date.parse(start)
      ? tr(LANG, "sinceBefore", { d: fmt(start) }) : `${tr(LANG, "since")}: ${fmt(point.since)}`));
  }
  const changes = [...(point.changes || [])].reverse();
  if (changes.length) {
    root.append(el("h4", {}, tr(LANG, "chain")));
    const ol = el("ol", { className: "popup-chain" });
    for (const c of changes) {
      const cf = (ctx.timeline.factions || []).find((x) => x.slug === c.faction) || {};
      const li = el("li", { className: "popup-change" },
        el("div", { className: "popup-change-head" }, el("time", {}, fmt(c.at)), " · ",
          el("bdi", {}, field(cf, "short", LANG) || field(cf, "name", LANG) || c.faction), " · ", tr(LANG, c.confidence)),
        el("p", { className: "popup-summary", dir: "auto" }, field(c, "summary", LANG)));
      if (c.reports && c.reports.length) {
        li.append(el("ul", { className: "popup-reports" }, ...c.reports.map((r) => el("li", {},
          el("bdi", { className: "report-title" }, r.title),
          el("span", { className: "report-meta" }, [r.publisher, r.published_at ? fmt(r.published_at) : ""].filter(Boolean).join(" · "))))));
      }
      ol.append(li);
    }
    root.append(ol);
  }
  return root;
}

export function initPointInfo(ctx) {
  let asked = 0;
  ctx.map.on("click", async (e) => {
    if (ctx.draw.drawing() || ctx.move.active() || ctx.map.pm.globalEditModeEnabled()) return;
    const n = ++asked;
    const { lat, lng } = e.latlng.wrap();
    try {
      const point = await getJSON(ctx.config.urls.point, {
        lat: lat.toFixed(6), lon: lng.toFixed(6), at: new Date(ctx.time.t).toISOString(), rev: ctx.revision,
      });
      if (n === asked) showPopup(ctx.map, e.latlng, pointContent(point, ctx));
    } catch (err) {
      if (n === asked) ctx.status(tr(LANG, "ed_couldNotReachServer", { msg: err.message }));
    }
  });
}
