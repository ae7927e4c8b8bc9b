// The timeline model: pure functions over the timeline index (/api/timeline) and its windows (no DOM, no
// Leaflet), so they are unit-tested with `node --test`. Validity is half-open: from <= t < (to or ∞).

const ms = (iso) => Date.parse(iso);

// "2024-11-30T09:00:00Z": the API's own spelling of an instant (no milliseconds), used in data-instant.
export function isoUTC(date) {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// Index of the latest change instant <= t (-1 before the first).
export function instantIndex(instants, t) {
  const x = typeof t === "number" ? t : ms(t);
  let lo = 0, hi = instants.length - 1, ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ms(instants[mid]) <= x) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

// km2 per faction slug at t (from the precomputed series; 0 before the first instant).
export function areasAt(timeline, t) {
  const i = instantIndex(timeline.instants, t);
  const out = {};
  for (const f of timeline.factions) {
    const series = timeline.areas_km2[f.slug] || [];
    out[f.slug] = i < 0 ? 0 : (series[i] || 0);
  }
  return out;
}

// The changes that happened at the change instant in effect at t (what "the latest step" changed).
export function changesAtStep(timeline, t) {
  const i = instantIndex(timeline.instants, t);
  if (i < 0) return [];
  const at = ms(timeline.instants[i]);
  return timeline.changes.filter((c) => ms(c.at) === at);
}

export function sortedChanges(changes) {
  return [...changes].sort((a, b) => ms(a.at) - ms(b.at) || a.id - b.id);
}

// Next / previous change instant from t (clamped); `dir` is +1 or -1. Returns an ISO string.
export function stepInstant(instants, t, dir) {
  if (!instants.length) return null;
  const i = instantIndex(instants, t);
  const x = typeof t === "number" ? t : ms(t);
  if (dir > 0) return instants[Math.min(instants.length - 1, i + 1)];
  // Stepping back from between two instants lands on the one in effect; from an instant, on the one before.
  if (i >= 0 && ms(instants[i]) < x) return instants[i];
  return instants[Math.max(0, i - 1)];
}

// Clamp an instant to the data set's period [start, end].
export function clampTime(dataset, instants, t) {
  const lo = Math.min(ms(dataset.start), instants.length ? ms(instants[0]) : Infinity);
  const hi = Math.max(ms(dataset.end), instants.length ? ms(instants[instants.length - 1]) : -Infinity);
  const x = typeof t === "number" ? t : ms(t);
  if (Number.isNaN(x)) return null;
  return Math.min(hi, Math.max(lo, x));
}

// ---- Windows: the index (/api/timeline) cuts the period into windows [from, to) of change instants; a window
// doc carries a keyframe (the zones valid at `from`) and the changes with from <= at < to, in (at, id) order.

// The window holding t (the first one before the first instant, the last one after the last).
export function windowIndexAt(windows, t) {
  const x = typeof t === "number" ? t : ms(t);
  let lo = 0, hi = windows.length - 1, ans = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ms(windows[mid].from) <= x) { ans = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return ans;
}

// Prepare a window doc once: each change gets its instant in ms (`t`), in (at, id) order.
export function prepareWindow(doc) {
  const changes = (doc.changes || []).map((c) => ({ ...c, t: ms(c.at) }));
  changes.sort((a, b) => a.t - b.t || a.id - b.id);
  return { ...doc, changes };
}

// How many of the window's changes are painted at t (those with at <= t): a prefix of the ordered list.
export function paintedCount(win, t) {
  const x = typeof t === "number" ? t : ms(t);
  const cs = win.changes;
  let lo = 0, hi = cs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cs[mid].t <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// The index as the feed, description and popups read it, with the changes of the loaded window.
export function viewOf(index, win) {
  return { ...index, changes: win ? win.changes : [] };
}
