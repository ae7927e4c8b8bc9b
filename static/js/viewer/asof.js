// "As published on": the viewer can show the data as they were published at a past moment (as_of=<instant>
// on every read; the address keeps it). A banner then says so, with a link back to the latest data; a
// date-time field (in the data set's local time) picks the moment; both link to the corrections log.
// follow.js does not listen on such a page (it checks as_of= itself).
import { formatLocal, fromInputValue, isoLocal, toInputValue, zoneOf } from "../shared/timefmt.js";
import { parseTime } from "./permalink.js";
import { tr } from "../shared/i18n.js";
import { el } from "../shared/dom.js";

// The as_of= of an address, or null.
export function asOfFrom(search) {
  const v = new URLSearchParams(search).get("as_of");
  return v && parseTime(v) !== null ? v : null;
}

// The same address with as_of set (an instant) or removed (null).
export function withAsOf(href, iso) {
  const u = new URL(href);
  if (iso) u.searchParams.set("as_of", iso); else u.searchParams.delete("as_of");
  u.searchParams.delete("rev");
  return u.toString();
}

function correctionsHref(lang) { return lang === "ar" ? "/corrections?lang=ar" : "/corrections"; }

// The banner shown above the map while as_of= is set.
export function asOfBanner(container, { asOf, dataset, lang }) {
  const when = formatLocal(new Date(parseTime(asOf)), zoneOf(dataset), dataset.tz_label, lang);
  const latest = el("a", { href: withAsOf(window.location.href, null), className: "asof-latest", id: "asof-latest", textContent: tr(lang, "asof_latest") });
  // The address changes as the reader moves (replaceState): the link follows it when used.
  latest.addEventListener("click", () => { latest.href = withAsOf(window.location.href, null); });
  const box = el("div", { className: "asof-banner", id: "asof-banner", role: "status" },
    el("span", { textContent: tr(lang, "asof_banner", { t: when }) + " " }), latest,
    document.createTextNode(" · "), el("a", { href: correctionsHref(lang), textContent: tr(lang, "asof_corrections") }));
  container.prepend(box);
  return box;
}

// The picker: a date-time field in the data set's local time; "Show" reloads the page with as_of=.
export function buildAsOf(container, { asOf, dataset, lang }) {
  const off = dataset.utc_offset_minutes;
  const input = el("input", { type: "datetime-local", id: "asof-input", className: "asof-input", step: 60 });
  input.value = toInputValue(asOf ? new Date(parseTime(asOf)) : new Date(), off);
  input.max = toInputValue(new Date(), off);
  const label = el("label", { htmlFor: "asof-input", className: "share-label",
    textContent: `${tr(lang, "asof_label")} (${dataset.tz_label || ""})` });
  const show = el("button", { type: "button", className: "btn btn-small", id: "asof-show", textContent: tr(lang, "asof_show") });
  const msg = el("p", { className: "hint", role: "status" });
  const go = () => {
    const d = fromInputValue(input.value, off);
    if (!d) { msg.textContent = tr(lang, "asof_bad"); return; }
    window.location.assign(withAsOf(window.location.href, isoLocal(d, off)));
  };
  show.addEventListener("click", go);
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") go(); });
  container.replaceChildren(label, el("div", { className: "share-copy asof-row" }, input, show), msg,
    el("p", { className: "hint", textContent: tr(lang, "asof_hint") + " " },
      el("a", { href: correctionsHref(lang), id: "asof-corrections", textContent: tr(lang, "asof_corrections") })));
}
