// Times: the API speaks UTC (ISO 8601); people read the data set's local time, always labelled (UTC+3).
const pad = (n) => String(n).padStart(2, "0");

// The wall-clock parts of `date` in a fixed offset (minutes east of UTC).
export function localParts(date, offsetMinutes) {
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
  const tz = label || offsetLabel(offsetMinutes);
  if (lang === "ar") {
    const months = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"];
    return `${p.d} ${months[p.m - 1]}${withYear ? " " + p.y : ""}، ${pad(p.hh)}:${pad(p.mm)} (${tz})`;
  }
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${p.d} ${months[p.m - 1]}${withYear ? " " + p.y : ""}, ${pad(p.hh)}:${pad(p.mm)} ${tz}`;
}

// ISO 8601 with the data set's offset, e.g. "2024-11-30T12:00:00+03:00" (what the API and permalinks take).
export function isoLocal(date, offsetMinutes) {
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

export function fromInputValue(value, offsetMinutes) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value || "");
  if (!m) return null;
  const utc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) - offsetMinutes * 60000;
  return new Date(utc);
}
