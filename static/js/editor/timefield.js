// The editor's time fields ("Instant", "Map shows", a report's "Published"): a plain text field in the war's
// local time (UTC+3 for Aleppo, labelled), never the browser's own zone or date format. What is typed stays as
// typed: it is read, checked and clamped to the war's period only on commit (Enter, leaving the field), and
// only then rewritten in the one format the page shows, "2024-11-29 10:00" (Latin digits, as the viewer shows
// times; Arabic-Indic digits and month names in English or Arabic are read too). Arrow Up/Down step an hour,
// Page Up/Down a day, and so do the buttons beside the field; the calendar button picks a day and keeps the
// time. The pure reading and formatting helpers are exported for tests (tests/unit_js).
import { formatLocal, localParts, monthName, monthNumber, offsetAt } from "../shared/timefmt.js";
import { LANG, tr } from "./i18n.js";
import { icon } from "../shared/icons.js";

const MINUTE = 60000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const pad = (n) => String(n).padStart(2, "0");
// Typed or example times inside an Arabic sentence keep their left-to-right order (a bidi isolate), as in the field.
const ltr = (text) => (LANG === "ar" ? `\u2066${text}\u2069` : text);

// Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits as 0-9; the Arabic comma as a comma.
export function normalizeDigits(text) {
  return String(text ?? "")
    .replace(/[\u0660-\u0669]/g, (c) => String(c.charCodeAt(0) - 0x0660))
    .replace(/[\u06F0-\u06F9]/g, (c) => String(c.charCodeAt(0) - 0x06F0))
    .replace(/\u060C/g, ",").replace(/[\u200E\u200F\u061C]/g, "");
}

// The field's text for an instant: "2024-11-29 10:00" in the offset's local time.
export function formatField(ms, offsetMinutes) {
  const p = localParts(new Date(ms), offsetMinutes);
  return `${p.y}-${pad(p.m)}-${pad(p.d)} ${pad(p.hh)}:${pad(p.mm)}`;
}

// Read a typed local time. Returns {ms} (UTC milliseconds) or {error} (a sentence for the person, in the page's
// language). `label` is the war's zone label: a pasted "… UTC+3" is accepted when it names the war's zone.
export function parseField(text, offsetMinutes, label = "") {
  let s = normalizeDigits(text).trim();
  if (!s) return { error: tr(LANG, "ed_giveDateTimeExample", { example: ltr("2024-11-29 10:00") }) };
  // A trailing zone, as the page shows times ("(UTC+3)", "UTC+3") or as ISO 8601 writes it ("+03:00", "Z"):
  // accepted when it is the war's zone, which every time here is in.
  const zone = /\s*\(?\s*(?:UTC|GMT)\s*(?:([+\-\u2212])\s*(\d{1,2})(?::?(\d{2}))?)?\s*\)?$/i.exec(s)
    || /(?<=\d:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|([+\-\u2212])(\d{2}):?(\d{2}))$/i.exec(s);
  let typedOffset = null;
  if (zone && zone.index > 0) {
    typedOffset = zone[2] === undefined ? 0 : (zone[1] === "+" ? 1 : -1) * (+zone[2] * 60 + (+zone[3] || 0));
    s = s.slice(0, zone.index).trim().replace(/,$/, "").trim();
  }
  let y, m, d, rest, hit;
  if ((hit = /^(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})(?=$|[\sT,])(.*)$/i.exec(s))) {
    [y, m, d, rest] = [+hit[1], +hit[2], +hit[3], hit[4]];
  } else if ((hit = /^(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{2,4})(?=$|[\sT,])/.exec(s))) {
    return { error: tr(LANG, "ed_writeDateYearFirst",
      { example: ltr("2024-11-29 10:00"), typed: ltr(hit[0]), named: `29 ${monthName(11, LANG)} 2024 10:00` }) };
  } else if ((hit = /^(\d{1,2})\s*[-/.]?\s*([^\d\s,/.-]+(?:\s+[^\d\s,/.-]+)?)\.?\s*[-/.]?\s*(\d{4})(?=$|[\s,])(.*)$/.exec(s))
    && monthNumber(hit[2])) {
    [y, m, d, rest] = [+hit[3], monthNumber(hit[2]), +hit[1], hit[4]];
  } else if ((hit = /^([^\d\s,/.-]+)\.?\s+(\d{1,2})\s*,?\s*(\d{4})(?=$|[\s,])(.*)$/.exec(s)) && monthNumber(hit[1])) {
    [y, m, d, rest] = [+hit[3], monthNumber(hit[1]), +hit[2], hit[4]];
  } else {
    return { error: tr(LANG, "ed_couldNotReadTyped", { typed: ltr(String(text).trim()), example: ltr("2024-11-29 10:00") }) };
  }
  if (m < 1 || m > 12 || d < 1 || d > new Date(Date.UTC(y, m, 0)).getUTCDate() || y < 1900 || y > 2999) {
    return { error: tr(LANG, "ed_thereNoSuchDate", { date: ltr(`${y}-${pad(m)}-${pad(d)}`) }) };
  }
  rest = rest.replace(/^[\sT,]+/i, "").trim();
  let hh = 0, mm = 0;
  if (rest) {
    const t = /^(\d{1,2})(?:\s*[:.]\s*(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(am|pm|a\.m\.|p\.m\.|ص|م)?$/i.exec(rest);
    if (!t || (t[2] === undefined && !t[4])) {
      return { error: tr(LANG, "ed_couldNotReadTime", { typed: ltr(rest) }) };
    }
    hh = +t[1];
    mm = t[2] === undefined ? 0 : +t[2];
    const half = t[4] ? t[4].toLowerCase().replace(/\./g, "") : "";
    if (half) {
      if (hh < 1 || hh > 12) return { error: tr(LANG, "ed_thereNoSuchTime", { typed: ltr(rest) }) };
      const pm = half === "pm" || half === "م";
      hh = (hh % 12) + (pm ? 12 : 0);
    }
    if (hh > 23 || mm > 59 || (t[3] !== undefined && +t[3] > 59)) return { error: tr(LANG, "ed_thereNoSuchTime", { typed: ltr(rest) }) };
  }
  // The war's offset at that wall time (a time zone's changes with daylight saving), checked once more at the
  // instant found, so a time next to a change lands on the right side of it.
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  let ms = wall - offsetAt(offsetMinutes, wall) * MINUTE;
  ms = wall - offsetAt(offsetMinutes, ms) * MINUTE;
  if (typedOffset !== null && typedOffset !== offsetAt(offsetMinutes, ms)) {
    return { error: tr(LANG, "ed_writeTimeWarS", { label: label || "UTC" }) };
  }
  return { ms };
}

// Clamp to [min, max] (either may be null); returns {ms, moved: -1 | 0 | 1}.
export function clampTo(ms, min, max) {
  if (min !== null && min !== undefined && ms < min) return { ms: min, moved: -1 };
  if (max !== null && max !== undefined && ms > max) return { ms: max, moved: 1 };
  return { ms, moved: 0 };
}

// One time field. input: the text <input>; note: the line under it (what was read, or what is wrong).
// opts: {onCommit(ms): after a commit that changed the instant (or clamped it), echo: show the reading in the note
// (default true; false where the page already says the instant in words)}.
export class TimeField {
  constructor(input, note, { onCommit = () => {}, echo = true } = {}) {
    this.input = input;
    this.note = note;
    this.onCommit = onCommit;
    this.echo = echo;
    this.offset = 0;
    this.label = "UTC";
    this.min = null;
    this.max = null;
    this.ms = null;
    this.error = "";
    this.dirty = false;
    input.type = "text";
    input.autocomplete = "off";
    input.spellcheck = false;
    input.dir = "ltr";
    input.classList.add("tf-input");
    if (note) input.setAttribute("aria-describedby", note.id);
    this._controls();
    input.addEventListener("input", () => this._typing());
    input.addEventListener("change", () => this.commit());
    input.addEventListener("blur", () => this.commit());
    input.addEventListener("keydown", (e) => this._key(e));
  }

  // The buttons after the field: an hour earlier / later, and a calendar to pick a day.
  _controls() {
    const id = this.input.id;
    const box = document.createElement("span");
    box.className = "tf-buttons";
    const button = (suffix, text, title, onClick) => {
      const b = document.createElement("button");
      b.type = "button";
      b.id = `${id}-${suffix}`;
      b.className = "btn btn-small tf-btn";
      b.textContent = text;
      b.title = title;
      b.setAttribute("aria-label", title);
      b.setAttribute("aria-controls", id);
      b.addEventListener("click", onClick);
      box.append(b);
      return b;
    };
    button("earlier", tr(LANG, "ed_hourEarlier"), tr(LANG, "ed_oneHourEarlierArrow"), () => this.step(-HOUR));
    button("later", tr(LANG, "ed_hourLater"), tr(LANG, "ed_oneHourLaterArrow"), () => this.step(HOUR));
    // The browser's own calendar, opened from a visible button: it only picks the day (its value is always
    // YYYY-MM-DD, whatever the browser's language); the field keeps its time of day.
    const date = document.createElement("input");
    date.type = "date";
    date.id = `${id}-date`;
    date.className = "tf-date";
    date.tabIndex = -1;
    date.setAttribute("aria-hidden", "true");
    const pick = button("pick", "", tr(LANG, "ed_pickDayCalendarKeeps"), () => this._openPicker());
    pick.append(icon("calendar", 16));
    pick.classList.add("tf-pick");
    const wrap = document.createElement("span");
    wrap.className = "tf-pickwrap";
    pick.replaceWith(wrap);
    wrap.append(pick, date);  // the calendar opens under the button
    date.addEventListener("change", () => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(date.value)) return;
      const base = this._current() ?? this.min ?? Date.now();
      const p = localParts(new Date(base), this.offset);
      const r = parseField(`${date.value} ${pad(p.hh)}:${pad(p.mm)}`, this.offset, this.label);
      if (r.ms !== undefined) this._accept(r.ms);
    });
    this.dateInput = date;
    this.input.after(box);
  }

  _openPicker() {
    const date = this.dateInput;
    const day = (ms) => formatField(ms, this.offset).slice(0, 10);
    date.min = this.min !== null ? day(this.min) : "";
    date.max = this.max !== null ? day(this.max) : "";
    const now = this._current();
    date.value = now !== null ? day(now) : "";
    try {
      date.showPicker();
    } catch {
      // No picker here (an old browser, or no user gesture): typing and stepping still work.
      this._say(tr(LANG, "ed_typeDateInsteadExample", { example: ltr(this._example()) }), false);
    }
  }

  // The war's local time and period: offset (minutes east of UTC), its label, the first and last instants.
  setZone(offsetMinutes, label, min = null, max = null) {
    this.offset = offsetMinutes;
    this.label = label;
    this.min = min;
    this.max = max;
    this.input.placeholder = this._example();
    if (this.ms !== null) this.setValue(this.ms);
  }

  _example() {
    return formatField(this.min ?? Date.UTC(2024, 10, 29, 10) - offsetAt(this.offset, Date.UTC(2024, 10, 29, 10)) * MINUTE, this.offset);
  }

  // Set from elsewhere (the map moved, a draft came back): rewrites the field unless a person is typing in it.
  setValue(ms) {
    this.ms = ms === null || ms === undefined ? null : ms;
    this.error = "";
    if (this.dirty && document.activeElement === this.input) return;
    this.dirty = false;
    this.input.value = this.ms === null ? "" : formatField(this.ms, this.offset);
    this.input.removeAttribute("aria-invalid");
    this._say(this.echo && this.ms !== null ? this._reading(this.ms) : "", false);
  }

  // Put back text as it was typed (a draft): read it when it can be read, else keep it and say what is wrong.
  setText(text) {
    this.dirty = false;
    const r = parseField(text, this.offset, this.label);
    if (r.ms !== undefined) this.setValue(clampTo(r.ms, this.min, this.max).ms);
    else {
      this.input.value = text || "";
      this.ms = null;
      if (text) this._invalid(r.error);
    }
  }

  // The committed instant (ms), reading any text typed since; null (with this.error set) when it cannot be read.
  value() {
    if (this.dirty) this.commit();
    return this.error ? null : this.ms;
  }

  // The text as typed, for drafts.
  text() {
    return this.input.value;
  }

  commit() {
    if (!this.dirty) return;
    const r = parseField(this.input.value, this.offset, this.label);
    if (r.error) {
      this._invalid(r.error);
      return;
    }
    this._accept(r.ms);
  }

  _accept(ms) {
    const c = clampTo(Math.round(ms / MINUTE) * MINUTE, this.min, this.max);
    const changed = c.ms !== this.ms;
    this.dirty = false;
    this.setValue(c.ms);
    if (changed || c.moved) this.onCommit(c.ms);
    if (c.moved) {  // said after onCommit, which may set the field again
      const t = this._reading(c.ms);
      this._say(c.moved < 0 ? tr(LANG, "ed_beforeWarSPeriod", { t })
        : tr(LANG, "ed_afterWarSPeriod", { t }), false);
    }
  }

  // Step by `delta` ms from what the field holds (its typed text when that can be read), clamped; commits.
  step(delta) {
    const base = this._current() ?? this.min;
    if (base === null || base === undefined) return;
    this._accept(base + delta);
  }

  _current() {
    if (this.dirty) {
      const r = parseField(this.input.value, this.offset, this.label);
      if (r.ms !== undefined) return r.ms;
    }
    return this.ms;
  }

  _typing() {
    this.dirty = true;
    this.error = "";
    this.input.removeAttribute("aria-invalid");
    if (!this.echo) return this._say("", false);
    // While typing: only what the text reads as so far, never a complaint, never a rewrite.
    const r = parseField(this.input.value, this.offset, this.label);
    this._say(r.ms !== undefined ? this._reading(r.ms) : tr(LANG, "ed_exampleYearMonthDay", { example: ltr(this._example()) }), false);
  }

  _key(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const steps = { ArrowUp: HOUR, ArrowDown: -HOUR, PageUp: DAY, PageDown: -DAY };
    if (e.key === "Enter") {
      e.preventDefault();  // commits the field; never submits the form it is in
      this.commit();
    } else if (e.key === "Escape" && this.dirty) {
      e.preventDefault();
      this.dirty = false;
      this.setValue(this.ms);
    } else if (steps[e.key]) {
      e.preventDefault();
      this.step(e.shiftKey && Math.abs(steps[e.key]) === HOUR ? Math.sign(steps[e.key]) * DAY : steps[e.key]);
    }
  }

  _reading(ms) {
    return formatLocal(new Date(ms), this.offset, this.label, LANG);
  }

  _invalid(message) {
    this.error = message;
    this.input.setAttribute("aria-invalid", "true");
    this._say(message, true);
  }

  _say(text, isError) {
    if (!this.note) return;
    this.note.textContent = text;
    this.note.hidden = !text;
    this.note.classList.toggle("tf-error", Boolean(isError));
  }
}
