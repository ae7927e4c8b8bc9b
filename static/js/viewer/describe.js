// A plain-language description of the map at an instant, generated from the timeline data: who holds
// what (km2) and what changed at the latest step. Read by screen readers (#description) in the embed.
import { tr, field, formatKm2, normLang } from "../shared/i18n.js";
import { areasAt, changesAtStep, instantIndex } from "./timeline.js";
import { formatLocal, zoneOf } from "../shared/timefmt.js";

export function describe(timeline, t, lang) {
  lang = normLang(lang);
  const ds = timeline.dataset;
  const when = (iso) => formatLocal(new Date(iso), zoneOf(ds), ds.tz_label, lang);
  const parts = [tr(lang, "descAt", { t: when(typeof t === "number" ? new Date(t).toISOString() : t) })];
  const areas = areasAt(timeline, t);
  const held = timeline.factions
    .filter((f) => areas[f.slug] > 0.5)
    .map((f) => tr(lang, "descHolds", { f: field(f, "name", lang), a: formatKm2(areas[f.slug], lang) }));
  if (held.length) parts.push(held.join(lang === "ar" ? "، " : "; ") + ".");
  const i = instantIndex(timeline.instants, t);
  const step = changesAtStep(timeline, t);
  if (i > 0 && step.length) {
    parts.push(tr(lang, "descSince", { t: when(timeline.instants[i - 1]) }));
    for (const c of step) parts.push(field(c, "summary", lang));
  } else if (i === 0) {
    parts.push(tr(lang, "startState") + ".");
  } else {
    parts.push(tr(lang, "descNone"));
  }
  return parts.join(" ");
}
