// The window store: the index (/api/timeline, no geometry) plus the windows (keyframe + deltas) loaded on
// demand, a few at a time. A window is fetched once (concurrent asks share the request) and kept while it is
// next to the instant shown or among the few shown most recently (jumping back to End or Home is then
// instant); the rest are dropped, so memory stays bounded however long the war.
import { getJSON } from "../shared/api.js";
import { fillUrl } from "../shared/config.js";
import { prepareWindow, windowIndexAt } from "./timeline.js";

export class WindowStore {
  // fetchDoc(i) -> Promise of the window doc. `keep`: neighbours kept on each side of the current window;
  // `recent`: how many other windows, the most recently shown, are kept too.
  constructor(index, fetchDoc, { keep = 1, recent = 0, onDrop = () => {} } = {}) {
    this.index = index;
    this.fetchDoc = fetchDoc;
    this.keep = keep;
    this.recent = recent;
    this.onDrop = onDrop;
    this.shown = new Map();    // i -> when it was last shown (a counter)
    this.tick = 0;
    this.loaded = new Map();   // i -> prepared window doc
    this.pending = new Map();  // i -> Promise
    for (const w of index.windows || []) if (w.data) this.loaded.set(w.i, prepareWindow(w.data));
  }

  get count() { return (this.index.windows || []).length; }
  at(t) { return windowIndexAt(this.index.windows, t); }
  get(i) { return this.loaded.get(i); }

  load(i) {
    if (i < 0 || i >= this.count) return Promise.resolve(null);
    if (this.loaded.has(i)) return Promise.resolve(this.loaded.get(i));
    if (!this.pending.has(i)) {
      const p = this.fetchDoc(i).then((doc) => {
        const win = prepareWindow(doc);
        this.loaded.set(i, win);
        return win;
      }).finally(() => this.pending.delete(i));
      this.pending.set(i, p);
    }
    return this.pending.get(i);
  }

  // Fetch the windows next to `i` in the background (the one ahead first); errors are retried on demand.
  prefetch(i, dir = 1) {
    for (const j of [i + dir, i - dir]) if (Math.abs(j - i) <= this.keep) this.load(j).catch(() => {});
  }

  // Window `i` is shown: keep it, its neighbours and the `recent` windows shown last; forget the rest.
  retain(i) {
    this.shown.set(i, ++this.tick);
    const others = [...this.loaded.keys()].filter((j) => Math.abs(j - i) > this.keep)
      .sort((a, b) => (this.shown.get(b) || 0) - (this.shown.get(a) || 0));
    for (const j of others.slice(this.recent)) {
      this.loaded.delete(j);
      this.shown.delete(j);
      this.onDrop(j);
    }
  }
}

// How a page fetches a window: on a live server /api/timeline/window?i=K&rev=N; on a baked site the file
// named by the `window` URL template (api/window/{i}.json).
export function windowFetcher(config, revision) {
  const urls = config.urls || {};
  if (urls.window && urls.window.includes("{i}")) return (i) => getJSON(fillUrl(urls.window, { i }));
  const base = urls.window || `${urls.timeline}/window`;
  return (i) => getJSON(base, { i, rev: revision });
}
