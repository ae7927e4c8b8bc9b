// Times: the API speaks UTC (ISO 8601); people read the data set's local time, always labelled (UTC+3).
const pad = (n) => String(n).padStart(2, "0");

// The one month-name table per language: what every date on the site is written with.
export const MONTHS = {
  en: ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
  ar: ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"],
};

// The name of month m (1-12) in the language ("en" for anything but "ar").
export const monthName = (m, lang) => MONTHS[lang === "ar" ? "ar" : "en"][m - 1];

// Month names people also write (read by the editor's time fields): full English names, and the Arabic
// spellings and Levantine names used in Syria, besides the table above.
const MONTH_WORDS = [
  ["january", "كانون الثاني", "كانون ثاني"], ["february", "شباط"], ["march", "آذار", "اذار"],
  ["april", "ابريل", "إبريل", "نيسان"], ["may", "أيار", "ايار"], ["june", "يونيه", "حزيران"],
  ["july", "يوليه", "تموز"], ["august", "اغسطس", "آب", "اب"], ["september", "sept", "أيلول", "ايلول"],
  ["october", "اكتوبر", "تشرين الأول", "تشرين الاول", "تشرين أول"], ["november", "تشرين الثاني", "تشرين ثاني"],
  ["december", "كانون الأول", "كانون الاول", "كانون أول"],
].map((words, i) => [MONTHS.en[i].toLowerCase(), MONTHS.ar[i], ...words]);

// The month (1-12) a written word names ("Nov", "november", "نوفمبر", "تشرين الثاني"), or null.
export function monthNumber(word) {
  const w = word.toLowerCase().replace(/\.$/, "").replace(/\s+/g, " ").trim();
  const i = MONTH_WORDS.findIndex((names) => names.includes(w));
  return i < 0 ? null : i + 1;
}

// A war's local time: its IANA time zone ({ tz: "Europe/Kyiv" }, daylight saving followed) when the data set
// names one, else its fixed offset in minutes. Every function below takes either as `offsetMinutes`.
export const zoneOf = (ds) => (ds && ds.time_zone ? { tz: ds.time_zone } : (ds ? ds.utc_offset_minutes || 0 : 0));

const ZONE_FORMATS = new Map();
// The offset (minutes east of UTC) of `zone` at the instant `date`.
export function offsetAt(zone, date) {
  if (typeof zone !== "object" || zone === null) return zone || 0;
  let f = ZONE_FORMATS.get(zone.tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone.tz, hourCycle: "h23", year: "numeric", month: "numeric",
      day: "numeric", hour: "numeric", minute: "numeric" });
    ZONE_FORMATS.set(zone.tz, f);
  }
  const t = new Date(date).getTime();
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute);
  return Math.round((wall - Math.floor(t / 60000) * 60000) / 60000);
}

// The wall-clock parts of `date` in a war's local time (a fixed offset in minutes, or a zone: see zoneOf).
export function localParts(date, zone) {
  const offsetMinutes = offsetAt(zone, date);
  const d = new Date(date.getTime() + offsetMinutes * 60000);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), hh: d.getUTCHours(), mm: d.getUTCMinutes() };
}

export function offsetLabel(offsetMinutes) {
  const sign = offsetMinutes >= 0 ? "+" : "-";
  const a = Math.abs(offsetMinutes);
  return `UTC${sign}${Math.floor(a / 60)}${a % 60 ? ":" + pad(a % 60) : ""}`;
}

// "2024-11-30 12:00 UTC+3" (or Arabic month names and digits when lang is "ar").
export function formatLocal(date, offsetMinutes, label, lang = "en", withYear = true) {
  const p = localParts(date, offsetMinutes);
  // A zone's label is its offset at that instant (UTC+2 in winter, UTC+3 in summer for Kyiv).
  const tz = typeof offsetMinutes === "object" ? offsetLabel(offsetAt(offsetMinutes, date)) : label || offsetLabel(offsetMinutes);
  const day = `${p.d} ${monthName(p.m, lang)}${withYear ? " " + p.y : ""}`;
  if (lang === "ar") return `${day}، ${pad(p.hh)}:${pad(p.mm)} (${tz})`;
  return `${day}, ${pad(p.hh)}:${pad(p.mm)} ${tz}`;
}

// "27 Nov 2024" (or "27 Nov" without the year): a day, where an hour would read as an event's time.
export function formatDay(date, offsetMinutes, lang, withYear = true) {
  const p = localParts(new Date(date), offsetMinutes);
  return `${p.d} ${monthName(p.m, lang)}${withYear ? " " + p.y : ""}`;
}

// ISO 8601 with the data set's offset, e.g. "2024-11-30T12:00:00+03:00" (what the API and permalinks take).
export function isoLocal(date, zone) {
  const offsetMinutes = offsetAt(zone, date);
  const p = localParts(date, offsetMinutes);
  const sign = offsetMinutes >= 0 ? "+" : "-";
  const a = Math.abs(offsetMinutes);
  return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.hh)}:${pad(p.mm)}:00${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

// Value for <input type="datetime-local"> in the data set's local time, and back.
export function toInputValue(date, offsetMinutes) {
  const p = localParts(date, offsetMinutes);
  return `${p.y}-${pad(p.m)}-${pad(p.d)}T${pad(p.hh)}:${pad(p.mm)}`;
}

export function fromInputValue(value, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  // In a zone: the offset at the wall time, checked once more at the instant found (around a DST change).
  let utc = wall - offsetAt(zone, wall) * 60000;
  utc = wall - offsetAt(zone, utc) * 60000;
  return new Date(utc);
}
