// The reader's language and the words of the interface: tr() reads the one table of strings (shared/strings/,
// English and Arabic side by side, one key style). This module carries part 1, the viewer's words; the editor's
// scripts read part 2 as well, through editor/i18n.js, so / and /embed never download the editor's words.
import VIEWER from "./strings/viewer.js";

export function normLang(lang) { return lang === "ar" ? "ar" : "en"; }

// The page's language (<html lang="ar"> from ?lang=ar), for the pages that speak one language throughout (the editor).
export const LANG = globalThis.document && document.documentElement.lang === "ar" ? "ar" : "en";

// The string `key` of `table` in `lang` with its {names} filled from vars; English when it has no such language,
// the key itself when it is unknown (a data value without a label).
export function lookup(table, lang, key, vars = {}) {
  const entry = table[key];
  const s = entry ? entry[normLang(lang)] ?? entry.en : key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ""));
}

export function tr(lang, key, vars = {}) {
  return lookup(VIEWER, lang, key, vars);
}

// A data object's field in the chosen language, falling back to English: field(f, "name", "ar") -> f.name_ar.
export function field(obj, name, lang) {
  if (!obj) return "";
  return (normLang(lang) === "ar" && obj[`${name}_ar`]) || obj[`${name}_en`] || "";
}

export function formatKm2(value, lang) {
  return new Intl.NumberFormat(normLang(lang) === "ar" ? "ar" : "en", { maximumFractionDigits: 0 }).format(value || 0);
}

// The editor's faction label: both names in English (editors read both), the Arabic one in Arabic.
export function factionLabel(f, lang = LANG) {
  if (lang === "ar") return f.name_ar || f.name_en;
  return f.name_ar ? `${f.name_en} · ${f.name_ar}` : f.name_en;
}

// km² with one decimal, in the page's digits (the editor's measure; the viewer rounds with formatKm2).
export function km2(v, lang = LANG) {
  return (Math.round(v * 10) / 10).toLocaleString(lang === "ar" ? "ar" : "en", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
