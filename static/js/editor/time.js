// The editor's time control: a slider over the data set's period (ticks at change instants) and a time field
// in the data set's local time, labelled (UTC+3), read and clamped only when committed (editor/timefield.js).
// Pure helpers are exported for tests.
import { LANG } from "./i18n.js";
import { TimeField } from "./timefield.js";
import { formatLocal, offsetLabel, zoneOf } from "../shared/timefmt.js";

const MINUTE = 60000;

// Zones valid at instant t (ms): validity is half-open, from <= t < to (to null: still held).
export function zonesAt(zones, t) {
  return zones.filter((z) => Date.parse(z.from) <= t && (z.to === null || z.to === undefined || t < Date.parse(z.to)));
}

// The change instants strictly before / after t (ms), for the previous / next buttons.
export function neighbourInstant(instants, t, dir) {
  const ms = instants.map((s) => Date.parse(s)).sort((a, b) => a - b);
  if (dir < 0) return [...ms].reverse().find((x) => x < t) ?? null;
  return ms.find((x) => x > t) ?? null;
}

export class TimeControl {
  // els: {slider, ticks, tickMarks, input, note, tz, text, prev, next}; onChange(date) after every move.
  constructor(els, onChange) {
    this.els = els;
    this.onChange = onChange;
    this.offset = 0;
    this.label = "UTC";
    this.start = 0;
    this.end = MINUTE;
    this.instants = [];
    this.t = 0;
    els.slider.addEventListener("input", () => this.set(this.start + Number(els.slider.value) * MINUTE));
    // The text beside the field already says the instant in words: the field's note only says what is wrong.
    this.field = new TimeField(els.input, els.note, { echo: false, onCommit: (ms) => this.set(ms) });
    els.prev.addEventListener("click", () => this._step(-1));
    els.next.addEventListener("click", () => this._step(1));
  }

  // Period [start, end) from the timeline; the slider's last position is the last minute inside it.
  setPeriod(dataset, instants) {
    this.offset = zoneOf(dataset);  // a fixed offset, or the war's time zone (daylight saving followed)
    this.label = dataset.time_zone || dataset.tz_label || offsetLabel(this.offset);
    this.start = Date.parse(dataset.start);
    this.end = Date.parse(dataset.end);
    this.instants = instants.slice();
    const { slider, ticks, tickMarks, tz } = this.els;
    slider.min = "0";
    slider.max = String(Math.max(0, Math.round((this.end - this.start) / MINUTE) - 1));
    this.field.setZone(this.offset, this.label, this.start, this.end - MINUTE);
    tz.textContent = this.label;
    ticks.replaceChildren();
    tickMarks.replaceChildren();
    const span = Math.max(1, this.end - this.start - MINUTE);
    for (const s of instants) {
      const ms = Date.parse(s);
      const opt = document.createElement("option");
      opt.value = String(Math.round((ms - this.start) / MINUTE));
      ticks.append(opt);
      const mark = document.createElement("span");
      mark.className = "ed-tick";
      mark.style.left = `${Math.min(100, Math.max(0, ((ms - this.start) / span) * 100))}%`;
      mark.title = formatLocal(new Date(ms), this.offset, this.label, LANG);
      tickMarks.append(mark);
    }
    if (!this.t || this.t < this.start || this.t >= this.end) {
      this.t = this.start;
    }
    this._render();
  }

  clamp(ms) {
    return Math.min(this.end - MINUTE, Math.max(this.start, Math.round(ms / MINUTE) * MINUTE));
  }

  set(ms, { silent = false } = {}) {
    this.t = this.clamp(ms);
    this._render();
    if (!silent) this.onChange(new Date(this.t));
  }

  _step(dir) {
    const x = neighbourInstant(this.instants, this.t, dir);
    if (x !== null) this.set(x);
  }

  _render() {
    const { slider, text } = this.els;
    slider.value = String(Math.round((this.t - this.start) / MINUTE));
    slider.setAttribute("aria-valuetext", formatLocal(new Date(this.t), this.offset, this.label, LANG));
    this.field.setValue(this.t);  // left alone while someone is typing in it
    text.textContent = formatLocal(new Date(this.t), this.offset, this.label, LANG);
  }
}
