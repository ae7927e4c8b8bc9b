// The time control: play/pause, previous/next change, a time-proportional slider with a tick at every
// change instant, the current local time with its zone label, speed and loop. Keyboard: Space play/pause,
// arrows step between changes, Home/End. All labels are text (textContent), never HTML.
import { tr } from "../shared/i18n.js";
import { SPEEDS, MODES } from "./player.js";
import { formatDay, formatLocal, fromInputValue, localParts, MONTHS, toInputValue, zoneOf } from "../shared/timefmt.js";
import { icon } from "../shared/icons.js";
import { el } from "../shared/dom.js";

const MIN = 60000;
const DAY = 86400000;
const TICK_BINS = 200;

// Axis marks between t0 and t1 (ms) at local calendar boundaries (offset `off` ms east of UTC), with the
// finest unit that gives at most `most` marks. Pure: unit-tested.
export function axisMarks(t0, t1, off, most, lang = "en") {
  const months = MONTHS[lang === "ar" ? "ar" : "en"];
  const localMidnight = (ms) => Math.ceil((ms + off) / DAY) * DAY - off;
  const dayText = (ms) => formatDay(ms, off / MIN, lang, false);
  const units = [
    { kind: "hours", step: 6 * 3600000 }, { kind: "days", n: 1 }, { kind: "days", n: 2 }, { kind: "days", n: 7 },
    { kind: "days", n: 14 }, { kind: "months", n: 1 }, { kind: "months", n: 3 }, { kind: "months", n: 6 },
    { kind: "years", n: 1 }, { kind: "years", n: 2 }, { kind: "years", n: 5 }, { kind: "years", n: 10 },
  ];
  const span = t1 - t0;
  for (const u of units) {
    const approx = u.kind === "hours" ? u.step : u.kind === "days" ? u.n * DAY : u.kind === "months" ? u.n * 30.4 * DAY : u.n * 365.25 * DAY;
    if (span / approx > most) continue;
    const out = [];
    if (u.kind === "hours") {
      if (span > 2 * DAY) continue;
      for (let ms = Math.ceil((t0 + off) / u.step) * u.step - off; ms <= t1; ms += u.step) {
        const p = localParts(new Date(ms), off / MIN);
        out.push({ ms, text: p.hh === 0 ? dayText(ms) : `${String(p.hh).padStart(2, "0")}:00` });
      }
    } else if (u.kind === "days") {
      for (let ms = localMidnight(t0); ms <= t1; ms += u.n * DAY) out.push({ ms, text: dayText(ms) });
    } else {
      const p = localParts(new Date(t0), off / MIN);
      let y = p.y, m = p.m - 1;
      const step = u.kind === "months" ? u.n : 12 * u.n;
      // first boundary at or after t0 aligned to the unit
      for (;;) {
        const ms = Date.UTC(y, m, 1) - off;
        if (ms >= t0 && m % Math.min(step, 12) === 0 && (step < 12 || y % (step / 12) === 0)) break;
        m += 1; if (m === 12) { m = 0; y += 1; }
      }
      for (;;) {
        const ms = Date.UTC(y, m, 1) - off;
        if (ms > t1) break;
        const text = u.kind === "years" ? String(y) : m === 0 ? `${months[m]} ${y}` : months[m];
        out.push({ ms, text });
        m += step; while (m >= 12) { m -= 12; y += 1; }
      }
      if (out.length && !/\d{4}/.test(out[0].text)) out[0].text += ` ${localParts(new Date(out[0].ms), off / MIN).y}`;
    }
    return out;
  }
  return [];
}

export function buildTimeControl(root, { timeline, lang, player, onSeek, onStep, compact = false }) {
  const ds = timeline.dataset;
  const t0 = Math.min(Date.parse(ds.start), Date.parse(timeline.instants[0] || ds.start));
  const t1 = Math.max(Date.parse(ds.end), Date.parse(timeline.instants.at(-1) || ds.end));
  // The span the slider shows: the whole war, or its last hours (setRange: a war going on's quick ranges).
  let lo = t0;
  const fmt = (ms) => formatLocal(new Date(ms), zoneOf(ds), ds.tz_label, lang);

  root.classList.add("timecontrol");
  if (compact) root.classList.add("compact");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", tr(lang, "timeSlider"));

  const playBtn = el("button", { type: "button", className: "tc-play" });
  const prevBtn = el("button", { type: "button", className: "tc-prev", title: tr(lang, "prev") });
  prevBtn.setAttribute("aria-label", tr(lang, "prev"));
  prevBtn.append(icon("prev"));
  const nextBtn = el("button", { type: "button", className: "tc-next", title: tr(lang, "next") });
  nextBtn.setAttribute("aria-label", tr(lang, "next"));
  nextBtn.append(icon("next"));

  const label = el("output", { className: "tc-time", id: `tc-time-${Math.random().toString(36).slice(2, 8)}` });
  label.setAttribute("aria-live", "polite");
  const slider = el("input", { type: "range", className: "tc-slider", min: String(t0 / MIN), max: String(t1 / MIN), step: "60" });
  slider.setAttribute("aria-label", tr(lang, "timeSlider"));
  // Ticks: the change instants binned by position along the track (at most TICK_BINS marks, however many
  // changes), each mark as strong as its share of changes; one DOM node per bin, not per change.
  const ticks = el("div", { className: "tc-ticks" });
  ticks.setAttribute("aria-hidden", "true");
  const drawTicks = () => {
  ticks.replaceChildren();
  const shown = timeline.instants.filter((iso) => Date.parse(iso) >= lo);
  const bins = new Map();  // bin -> {n, pos}
  const exact = shown.length <= TICK_BINS;
  for (const iso of shown) {
    const f = (Date.parse(iso) - lo) / (t1 - lo || 1);
    const k = Math.min(TICK_BINS - 1, Math.floor(f * TICK_BINS));
    const bin = bins.get(k);
    if (bin) bin.n += 1; else bins.set(k, { n: 1, pos: exact ? f : (k + 0.5) / TICK_BINS });
  }
  let most = 1;
  for (const { n } of bins.values()) most = Math.max(most, n);
  for (const { n, pos } of bins.values()) {
    const tick = el("span", { className: "tc-tick" });
    tick.style.insetInlineStart = `${pos * 100}%`;
    if (most > 1) tick.style.opacity = String(0.35 + 0.65 * Math.sqrt(n / most));
    ticks.append(tick);
  }
  };
  drawTicks();
  // Labels under the slider at local calendar boundaries, the unit chosen so that they never crowd (hours,
  // days, weeks, months, quarters, years): readable from a day to many years.
  const days = el("div", { className: "tc-days" });
  days.setAttribute("aria-hidden", "true");
  const off = ds.utc_offset_minutes * MIN;
  const drawLabels = () => {
    const width = days.clientWidth || root.clientWidth || 600;
    const marks = axisMarks(lo, t1, off, Math.max(2, Math.floor(width / (lang === "ar" ? 80 : 64))), lang);
    days.replaceChildren(...marks.map(({ ms, text }) => {
      const s = el("span", { className: "tc-day", textContent: text });
      s.style.insetInlineStart = `${((ms - lo) / (t1 - lo || 1)) * 100}%`;
      return s;
    }));
  };
  new ResizeObserver(() => {
    const w = days.clientWidth;
    if (w && w !== drawLabels.width) { drawLabels.width = w; drawLabels(); }
  }).observe(days);
  drawLabels();
  const track = el("div", { className: "tc-track" }, ticks, slider, days);

  const speed = el("select", { className: "tc-speed" });
  speed.setAttribute("aria-label", tr(lang, "speed"));
  for (const s of SPEEDS) speed.append(el("option", { value: String(s), textContent: `${s}×` }));
  speed.value = String(player.speed);
  // How playback moves: change by change, or by real time (changes appear at their hour).
  const mode = el("select", { className: "tc-mode" });
  mode.setAttribute("aria-label", tr(lang, "playMode"));
  mode.title = tr(lang, "playMode");
  for (const m of MODES) mode.append(el("option", { value: m, textContent: tr(lang, m === "time" ? "byTime" : "byChange") }));
  mode.value = player.mode || "changes";
  const loopBtn = el("button", { type: "button", className: "tc-loop" }, icon("loop"));
  loopBtn.setAttribute("aria-label", tr(lang, "loop"));
  loopBtn.title = tr(lang, "loop");

  // Jump to a day: the map at that day's local midnight.
  const dayValue = (ms) => toInputValue(new Date(ms), zoneOf(ds)).slice(0, 10);
  const date = el("input", { type: "date", className: "tc-date", min: dayValue(t0), max: dayValue(t1) });
  date.setAttribute("aria-label", tr(lang, "timeSlider"));
  date.title = tr(lang, "timeSlider");
  date.addEventListener("change", () => {
    const d = fromInputValue(`${date.value}T00:00`, zoneOf(ds));
    if (!d) return;
    player.pause();
    onSeek(Math.min(t1, Math.max(t0, d.getTime())));
  });

  const buttons = el("div", { className: "tc-buttons" }, prevBtn, playBtn, nextBtn);
  const extras = el("div", { className: "tc-extras" }, date, mode, speed, loopBtn);
  root.replaceChildren(el("div", { className: "tc-row" }, buttons, label, extras), track);

  playBtn.addEventListener("click", () => player.toggle());
  prevBtn.addEventListener("click", () => { player.pause(); onStep(-1); });
  nextBtn.addEventListener("click", () => { player.pause(); onStep(+1); });
  speed.addEventListener("change", () => player.setSpeed(speed.value));
  mode.addEventListener("change", () => player.setMode(mode.value));
  loopBtn.addEventListener("click", () => player.setLoop(!player.loop));
  slider.addEventListener("input", () => { player.pause(); onSeek(Number(slider.value) * MIN); });
  slider.addEventListener("keydown", (e) => {
    const fwd = lang === "ar" ? "ArrowLeft" : "ArrowRight";
    const back = lang === "ar" ? "ArrowRight" : "ArrowLeft";
    const keys = { [fwd]: () => onStep(+1), [back]: () => onStep(-1), ArrowUp: () => onStep(+1), ArrowDown: () => onStep(-1),
      PageUp: () => onStep(+1), PageDown: () => onStep(-1),
      Home: () => onSeek(Date.parse(timeline.instants[0])), End: () => onSeek(Date.parse(timeline.instants.at(-1))),
      " ": () => player.toggle() };
    if (!keys[e.key]) return;
    e.preventDefault();
    if (e.key !== " ") player.pause();
    keys[e.key]();
  });

  function renderPlayer() {
    playBtn.replaceChildren(icon(player.playing ? "pause" : "play"));
    playBtn.setAttribute("aria-label", tr(lang, player.playing ? "pause" : "play"));
    playBtn.title = tr(lang, player.playing ? "pause" : "play");
    playBtn.setAttribute("aria-pressed", String(player.playing));
    loopBtn.setAttribute("aria-pressed", String(player.loop));
    speed.value = String(player.speed);
    mode.value = player.mode || "changes";
  }
  renderPlayer();

  return {
    setTime(ms) {
      slider.value = String(Math.round(ms / MIN));
      const text = fmt(ms);
      label.textContent = text;
      slider.setAttribute("aria-valuetext", text);
      if (document.activeElement !== date) date.value = dayValue(ms);
    },
    renderPlayer,
    slider,
    // Show the slider from `fromMs` to the end (null: the whole war). Returns the start shown.
    setRange(fromMs) {
      lo = fromMs == null ? t0 : Math.min(Math.max(t0, fromMs), t1 - MIN);
      slider.min = String(Math.floor(lo / MIN));
      drawTicks();
      drawLabels();
      return lo;
    },
  };
}

// Space toggles play anywhere the key is not already meaningful (buttons, inputs, links, the map).
export function bindGlobalKeys(player, onStep) {
  document.addEventListener("keydown", (e) => {
    const tag = e.target && e.target.tagName;
    if (e.target !== document.body || e.altKey || e.ctrlKey || e.metaKey || ["INPUT", "SELECT", "TEXTAREA", "BUTTON", "A"].includes(tag)) return;
    if (e.key === " ") { e.preventDefault(); player.toggle(); }
    else if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
      const rtl = document.documentElement.dir === "rtl";
      onStep((e.key === "ArrowRight") !== rtl ? +1 : -1);
    }
  });
}
