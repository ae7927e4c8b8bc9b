// Compare two instants: the area each faction gained and lost between them (/api/diff), drawn on the map
// and listed in km2.
import { getJSON } from "../shared/api.js";
import { tr, field, formatKm2 } from "../shared/i18n.js";
import { formatLocal, zoneOf } from "../shared/timefmt.js";
import { el } from "../shared/dom.js";

// What went wrong, in the reader's language: never the API's English sentence (meant for developers).
export function compareError(e, lang) {
  const status = e && e.status;
  if (status === 400 || status === 422) return tr(lang, "compareBad");
  if (status === 404) return tr(lang, "compareGone");
  if (status === 429 || status === 503) return tr(lang, "compareBusy");
  if (!status) return tr(lang, "compareOffline");
  return tr(lang, "compareFailed");
}

export function buildCompare(root, { config, timeline, lang, frontMap, params = {} }) {
  const ds = timeline.dataset;
  const factions = Object.fromEntries(timeline.factions.map((f) => [f.slug, f]));
  const mkSelect = (id, sel) => {
    const s = el("select", { id, className: "cmp-select" });
    timeline.instants.forEach((iso, i) => {
      s.append(el("option", { value: iso, textContent: formatLocal(new Date(iso), zoneOf(ds), ds.tz_label, lang), selected: i === sel }));
    });
    return s;
  };
  const from = mkSelect("cmp-from", 0);
  const to = mkSelect("cmp-to", timeline.instants.length - 1);
  const show = el("button", { type: "button", className: "btn", textContent: tr(lang, "compareShow") });
  const clear = el("button", { type: "button", className: "btn btn-quiet", textContent: tr(lang, "compareClear"), hidden: true });
  const out = el("div", { className: "cmp-out" });
  out.setAttribute("aria-live", "polite");
  root.replaceChildren(
    el("div", { className: "cmp-form" },
      el("label", { htmlFor: "cmp-from", textContent: tr(lang, "compareFrom") }), from,
      el("label", { htmlFor: "cmp-to", textContent: tr(lang, "compareTo") }), to,
      el("div", { className: "cmp-buttons" }, show, clear)),
    out);

  show.addEventListener("click", async () => {
    if (Date.parse(from.value) > Date.parse(to.value)) {
      out.replaceChildren(el("p", { className: "error", textContent: tr(lang, "compareOrder") }));
      return;
    }
    show.disabled = true;
    try {
      const fc = await getJSON(config.urls.diff, { from: from.value, to: to.value, ...params });
      frontMap.showDiff(fc);
      const table = el("table", { className: "cmp-table" });
      table.append(el("tr", {}, el("th", { textContent: "" }), el("th", { textContent: `+ ${tr(lang, "km2")}` }), el("th", { textContent: `− ${tr(lang, "km2")}` })));
      for (const row of fc.factions || []) {
        if (!(row.gained_km2 > 0.05 || row.lost_km2 > 0.05)) continue;
        const f = factions[row.faction] || {};
        const name = el("td", {});
        const sw = el("span", { className: `swatch${row.faction === "contested" ? " swatch-hatch" : ""}` });
        sw.style.setProperty("--c", f.color || "#888");
        name.append(sw, document.createTextNode(field(f, "name", lang) || row.faction));
        table.append(el("tr", { className: "cmp-row" }, name,
          el("td", { className: "num gained", textContent: formatKm2(row.gained_km2, lang) }),
          el("td", { className: "num lost", textContent: formatKm2(row.lost_km2, lang) })));
      }
      out.replaceChildren(table);
      clear.hidden = false;
    } catch (e) {
      out.replaceChildren(el("p", { className: "error", textContent: compareError(e, lang) }));
    } finally {
      show.disabled = false;
    }
  });
  clear.addEventListener("click", () => { frontMap.clearDiff(); out.replaceChildren(); clear.hidden = true; });
}
