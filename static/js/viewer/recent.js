// A war going on: how long ago the map last changed, and what changed over the last 24 hours, 7 or 30 days
// (km² gained and lost per faction, the places that changed hands), from GET /api/summary.
import { getJSON } from "../shared/api.js";
import { el } from "../shared/dom.js";
import { field, tr } from "../shared/i18n.js";
import { formatLocal, zoneOf } from "../shared/timefmt.js";

const RANGES = [[24, "recent_24h"], [168, "recent_7d"], [720, "recent_30d"], [null, "recent_all"]];

// "3 hours ago", "2 days ago" (never in the future: a clock a little ahead reads "just now").
export function ago(ms, lang, now = Date.now()) {
  const min = Math.max(0, Math.round((now - ms) / 60000));
  if (min < 2) return tr(lang, "ago_now");
  if (min < 120) return tr(lang, "ago_minutes", { n: min });
  const h = Math.round(min / 60);
  if (h < 48) return tr(lang, "ago_hours", { n: h });
  return tr(lang, "ago_days", { n: Math.round(h / 24) });
}

const km2 = (v) => (v >= 10 ? Math.round(v).toLocaleString("en") : v.toFixed(1));

// onRange(hours | null): the quick range picked (the time slider shows that span; null: the whole war).
export function buildRecent(section, { config, ds, factions, lang, onPick, onRange = () => {} }) {
  const bySlug = Object.fromEntries((factions || []).map((f) => [f.slug, f]));
  const name = (slug) => (bySlug[slug] ? field(bySlug[slug], "name", lang) : slug);
  const updated = el("p", { className: "recent-updated" });
  const buttons = el("div", { className: "recent-ranges" });
  buttons.setAttribute("role", "group");
  buttons.setAttribute("aria-label", tr(lang, "recent_title"));
  const body = el("div", { className: "recent-body" });
  body.setAttribute("aria-live", "polite");
  section.replaceChildren(el("h2", { className: "panel-h", textContent: tr(lang, "recent_title") }), updated, buttons, body);
  section.hidden = false;
  let seq = 0;
  const show = async (hours, zoom = true) => {
    for (const b of buttons.children) b.setAttribute("aria-pressed", String(b.dataset.hours === String(hours)));
    if (zoom) onRange(hours);
    if (hours == null) return;  // the whole war: the summary of the last span picked stays
    const mine = ++seq;
    let doc;
    try {
      doc = await getJSON(config.urls.summary, { hours, rev: config.revision || undefined });
    } catch (e) {
      if (mine === seq) body.replaceChildren(el("p", { className: "hint", textContent: tr(lang, "errorLoad") }));
      return;
    }
    if (mine !== seq) return;
    if (doc.latest_change) {
      const t = Date.parse(doc.latest_change);
      updated.textContent = tr(lang, "recent_updated", { ago: ago(t, lang), t: formatLocal(new Date(t), zoneOf(ds), ds.tz_label, lang) });
    }
    const rows = doc.factions.map((f) => el("li", {},
      el("span", { className: "recent-faction", textContent: name(f.faction) }), " ",
      el("span", { className: "recent-gain", textContent: `+${km2(f.gained_km2)} km²` }), " / ",
      el("span", { className: "recent-loss", textContent: `−${km2(f.lost_km2)} km²` })));
    const places = doc.places.slice(0, 12).map((p) => el("li", {},
      onPick ? el("button", { type: "button", className: "linklike", textContent: (lang === "ar" && p.name_ar) || p.name_en,
        onclick: () => onPick(Date.parse(p.at)) }) : (lang === "ar" && p.name_ar) || p.name_en,
      ` → ${name(p.faction)}`));
    body.replaceChildren(
      doc.changes ? el("ul", { className: "recent-factions" }, ...rows) : el("p", { className: "hint", textContent: tr(lang, "recent_none") }),
      ...(places.length ? [el("h3", { className: "recent-sub", textContent: tr(lang, "recent_places") }), el("ul", { className: "recent-places" }, ...places)] : []));
  };
  for (const [hours, key] of RANGES) {
    const b = el("button", { type: "button", className: "btn btn-small", textContent: tr(lang, key), onclick: () => show(hours) });
    b.dataset.hours = String(hours);
    buttons.append(b);
  }
  show(24, false);  // the summary of the last day; the slider keeps the whole war until a range is picked
  return { show };
}
