// The time control: play/pause, previous/next change, a time-proportional slider with a tick at every
// change instant, the current local time with its zone label, speed and loop. Keyboard: Space play/pause,
// arrows step between changes, Home/End. All labels are text (textContent), never HTML.
import { tr } from "./i18n.js";
import { SPEEDS } from "./player.js";
import { formatLocal } from "./timefmt.js";
import { icon } from "./icons.js";

const MIN = 60000;
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  for (const k of kids) e.append(k);
  return e;
};

export function buildTimeControl(root, { timeline, lang, player, onSeek, onStep, compact = false }) {
  const ds = timeline.dataset;
  const t0 = Math.min(Date.parse(ds.start), Date.parse(timeline.instants[0] || ds.start));
  const t1 = Math.max(Date.parse(ds.end), Date.parse(timeline.instants.at(-1) || ds.end));
  const fmt = (ms) => formatLocal(new Date(ms), ds.utc_offset_minutes, ds.tz_label, lang);

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
  const ticks = el("div", { className: "tc-ticks" });
  ticks.setAttribute("aria-hidden", "true");
  for (const iso of timeline.instants) {
    const pct = ((Date.parse(iso) - t0) / (t1 - t0)) * 100;
    const tick = el("span", { className: "tc-tick" });
    tick.style.insetInlineStart = `${pct}%`;
    ticks.append(tick);
  }
  // Day marks under the slider (local midnight), so the time scale reads at a glance.
  const days = el("div", { className: "tc-days" });
  days.setAttribute("aria-hidden", "true");
  const off = ds.utc_offset_minutes * MIN;
  for (let d = Math.ceil((t0 + off) / 86400000) * 86400000 - off; d <= t1; d += 86400000) {
    const pct = ((d - t0) / (t1 - t0)) * 100;
    const s = el("span", { className: "tc-day", textContent: fmt(d).split(/[,،]/)[0].replace(/ \d{4}$/, "") });
    s.style.insetInlineStart = `${pct}%`;
    days.append(s);
  }
  const track = el("div", { className: "tc-track" }, ticks, slider, days);

  const speed = el("select", { className: "tc-speed" });
  speed.setAttribute("aria-label", tr(lang, "speed"));
  for (const s of SPEEDS) speed.append(el("option", { value: String(s), textContent: `${s}×` }));
  speed.value = String(player.speed);
  const loopBtn = el("button", { type: "button", className: "tc-loop" }, icon("loop"));
  loopBtn.setAttribute("aria-label", tr(lang, "loop"));
  loopBtn.title = tr(lang, "loop");

  const buttons = el("div", { className: "tc-buttons" }, prevBtn, playBtn, nextBtn);
  const extras = el("div", { className: "tc-extras" }, speed, loopBtn);
  root.replaceChildren(el("div", { className: "tc-row" }, buttons, label, extras), track);

  playBtn.addEventListener("click", () => player.toggle());
  prevBtn.addEventListener("click", () => { player.pause(); onStep(-1); });
  nextBtn.addEventListener("click", () => { player.pause(); onStep(+1); });
  speed.addEventListener("change", () => player.setSpeed(speed.value));
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
  }
  renderPlayer();

  return {
    setTime(ms) {
      slider.value = String(Math.round(ms / MIN));
      const text = fmt(ms);
      label.textContent = text;
      slider.setAttribute("aria-valuetext", text);
    },
    renderPlayer,
    slider,
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
