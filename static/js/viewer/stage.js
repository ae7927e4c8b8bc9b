// The stage: the instant shown and the zones painted for it, shared by the viewer and the embed. It loads the
// window holding the instant (keyframe + deltas), paints it, steps by adding or removing the changes between
// two instants, fetches the next window ahead and forgets far ones. It keeps the page's two flags truthful:
// body[data-instant] is the instant shown, body[data-ready] is "0" while its zones are not painted yet.
import { clampTime, instantIndex, isoUTC, paintedCount, viewOf } from "./timeline.js";
import { WindowStore } from "./windows.js";

export class Stage {
  // onInstant(t): update what the index alone answers (legend, chart, slider, URL), on every seek at once.
  // onPainted(t, win, step): the zones of t are on the map; `step` = the changes of t's step (for highlights).
  constructor({ index, fetchWindow, frontMap, visible, onInstant = () => {}, onPainted = () => {}, onError = () => {} }) {
    this.index = index;
    this.fm = frontMap;
    this.visible = visible;
    this.onInstant = onInstant;
    this.onPainted = onPainted;
    this.onError = onError;
    // The neighbours (play runs into them) and the 4 windows shown last (End, Home, a date jumped to and back).
    this.store = new WindowStore(index, fetchWindow, { keep: 1, recent: 4, onDrop: (i) => frontMap.dropWindow(i) });
    this.first = index.instants.length ? Date.parse(index.instants[0]) : Infinity;
    this.t = null;
    this.dir = 1;
    this.win = null;        // the window painted
    this.painted = false;   // the zones of this.t are on the map
    this.baseReady = false;
    this.gen = 0;
  }

  get view() { return viewOf(this.index, this.win); }

  clamp(ms) { return clampTime(this.index.dataset, this.index.instants, ms); }

  // Show instant `ms`. Resolves once its zones are painted (at once when its window is loaded).
  seek(ms) {
    const c = this.clamp(ms);
    if (c === null) return Promise.resolve();
    if (this.t !== null && c !== this.t) this.dir = c > this.t ? 1 : -1;
    this.t = c;
    const gen = ++this.gen;
    document.body.dataset.instant = isoUTC(c);
    this.onInstant(c);
    const k = this.store.at(c);
    const win = this.store.get(k);
    if (win || !this.store.count) { this._paint(win || null); return Promise.resolve(); }
    this.painted = false;
    document.body.dataset.ready = "0";
    // The zones still on the map belong to another instant: greyed until the window arrives.
    this.fm.map.getContainer().dataset.loading = "1";
    return this.store.load(k).then((w) => {
      if (gen === this.gen) this._paint(w);
    }, (e) => {
      // A window that failed to load (network, server restart): say so, and try again while it is still wanted.
      if (gen !== this.gen) return;
      this.onError(e);
      setTimeout(() => { if (gen === this.gen) this.seek(this.t); }, 3000);
    });
  }

  // Faction visibility changed: restyle in place.
  setVisible(visible) {
    this.visible = visible;
    if (this.win && this.painted) this._paint(this.win);
  }

  baseLoaded() {
    this.baseReady = true;
    this._flag();
  }

  _paint(win) {
    const t = this.t;
    this.win = win;
    let step = [];
    if (win) {
      const n = t < this.first ? 0 : paintedCount(win, t);
      this.fm.paint(win, n, this.visible, t < this.first);
      const i = instantIndex(this.index.instants, t);
      if (i > 0) {
        const at = Date.parse(this.index.instants[i]);
        for (let j = n - 1; j >= 0 && win.changes[j].t === at; j--) step.push(win.changes[j]);
        step.reverse();
      }
      this.store.retain(win.i);
      this.store.prefetch(win.i, this.dir);
    }
    this.painted = true;
    delete this.fm.map.getContainer().dataset.loading;
    this.onPainted(t, win, step);
    this._flag();
  }

  _flag() {
    document.body.dataset.ready = this.painted && this.baseReady ? "1" : "0";
  }
}
