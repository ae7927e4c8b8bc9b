// Playback, in one of two modes:
// - "changes" (the default): steps through the change instants on a timer (one step per 1.2 s at 1x);
// - "time": real time, every hour of the period takes the same time (a day in 6 s at 1x), so changes appear at
//   their hour and quiet days pass as fast as busy ones.
// Both run to the end of the period (the data set's end, after the last change), as far as the slider goes.
// Calls `go(iso)` for each frame; the caller owns the current instant. `go` may return a promise (a window still
// loading): the next step waits for it, so the animation never runs ahead of what is painted.
import { stepInstant, instantIndex } from "./timeline.js";

export const SPEEDS = [0.5, 1, 2, 3, 4];
export const MODES = ["changes", "time"];
const STEP_MS = 1200;
const HOUR = 3600_000;
const HOUR_STEP_MS = 250;  // one hour of the period per 250 ms at 1x: a day in 6 s

export class Player {
  constructor(instants, { getT, go, onState, speed = 1, loop = false, end = null, mode = "changes" }) {
    const last = instants.length ? Date.parse(instants.at(-1)) : null;
    const endMs = end ? Date.parse(end) : NaN;
    // The stops of change-by-change playback: every change instant, then the end of the period.
    this.instants = last !== null && endMs > last ? [...instants, new Date(endMs).toISOString()] : instants;
    this.getT = getT;
    this.go = go;
    this.onState = onState || (() => {});
    this.speed = SPEEDS.includes(+speed) ? +speed : 1;
    this.mode = MODES.includes(mode) ? mode : "changes";
    this.loop = !!loop;
    this.playing = false;
    this.timer = null;
  }

  get startMs() { return Date.parse(this.instants[0]); }
  get endMs() { return Date.parse(this.instants.at(-1)); }

  atEnd() {
    const t = this.getT();
    return t === null || t === undefined ? false : t >= this.endMs || instantIndex(this.instants, t) >= this.instants.length - 1;
  }

  play() {
    if (this.playing || !this.instants.length) return;
    if (this.atEnd()) this.go(this.instants[0]);  // play from the end restarts the story
    this.playing = true;
    this.schedule();
    this.onState(this);
  }

  pause() {
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.onState(this);
  }

  toggle() { (this.playing ? this.pause() : this.play()); }

  setSpeed(s) {
    this.speed = SPEEDS.includes(+s) ? +s : 1;
    if (this.playing) { clearTimeout(this.timer); this.schedule(); }
    this.onState(this);
  }

  setMode(m) {
    this.mode = MODES.includes(m) ? m : "changes";
    if (this.playing) { clearTimeout(this.timer); this.schedule(); }
    this.onState(this);
  }

  setLoop(v) { this.loop = !!v; this.onState(this); }

  schedule() {
    const step = this.mode === "time" ? HOUR_STEP_MS : STEP_MS;
    this.timer = setTimeout(() => { this.timer = null; this.tick(); }, step / this.speed);
  }

  // The next frame: the next stop, or (real time) the next whole hour, never past the end.
  nextFrame() {
    if (this.mode !== "time") return stepInstant(this.instants, this.getT(), +1);
    const t = this.getT();
    const next = Math.floor(t / HOUR) * HOUR + HOUR;
    return new Date(Math.min(this.endMs, next)).toISOString();
  }

  tick() {
    if (!this.playing) return;
    let shown;
    if (this.atEnd()) {
      if (!this.loop) { this.pause(); return; }
      shown = this.go(this.instants[0]);
    } else {
      shown = this.go(this.nextFrame());
    }
    if (this.playing && !this.loop && this.atEnd()) { this.pause(); return; }
    const next = () => { if (this.playing && !this.timer) this.schedule(); };
    this.timer = null;
    if (shown && typeof shown.then === "function") shown.then(next, next); else next();
  }
}
