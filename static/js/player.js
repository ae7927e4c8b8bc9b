// Playback: steps through the change instants on a timer (one step per 1.2 s at 1x). Calls `go(iso)` for each
// frame; the caller owns the current instant. `go` may return a promise (a window still loading): the next
// step waits for it, so the animation never runs ahead of what is painted.
import { stepInstant, instantIndex } from "./timeline.js";

export const SPEEDS = [0.5, 1, 2, 3, 4];
const STEP_MS = 1200;

export class Player {
  constructor(instants, { getT, go, onState, speed = 1, loop = false }) {
    this.instants = instants;
    this.getT = getT;
    this.go = go;
    this.onState = onState || (() => {});
    this.speed = SPEEDS.includes(speed) ? speed : 1;
    this.loop = !!loop;
    this.playing = false;
    this.timer = null;
  }

  atEnd() { return instantIndex(this.instants, this.getT()) >= this.instants.length - 1; }

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

  setLoop(v) { this.loop = !!v; this.onState(this); }

  schedule() {
    this.timer = setTimeout(() => { this.timer = null; this.tick(); }, STEP_MS / this.speed);
  }

  tick() {
    if (!this.playing) return;
    let shown;
    if (this.atEnd()) {
      if (!this.loop) { this.pause(); return; }
      shown = this.go(this.instants[0]);
    } else {
      shown = this.go(stepInstant(this.instants, this.getT(), +1));
    }
    if (this.playing && !this.loop && this.atEnd()) { this.pause(); return; }
    const next = () => { if (this.playing && !this.timer) this.schedule(); };
    this.timer = null;
    if (shown && typeof shown.then === "function") shown.then(next, next); else next();
  }
}
