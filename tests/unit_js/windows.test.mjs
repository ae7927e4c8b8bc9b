// The windowed timeline on the client: which window holds an instant, how many of its changes are painted,
// the store's loading/dropping, the time axis labels and the static point lookup. Run by `node --test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { windowIndexAt, prepareWindow, paintedCount, viewOf } from "../../static/js/viewer/timeline.js";
import { WindowStore } from "../../static/js/viewer/windows.js";
import { axisMarks } from "../../static/js/viewer/timecontrol.js";
import { pointInfoFrom } from "../../static/js/viewer/pointinfo.js";

const sq = (x0, y0, x1, y1) => ({ type: "Polygon", coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] });
const I = ["2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-03T00:00:00Z", "2024-01-04T00:00:00Z"];
const WINDOWS = [
  { i: 0, from: I[0], to: I[2], first: 0, end: 2, changes: 3 },
  { i: 1, from: I[2], to: null, first: 2, end: 4, changes: 2 },
];
const W0 = {
  revision: 7, i: 0, from: I[0], to: I[2],
  keyframe: { type: "FeatureCollection", features: [
    { type: "Feature", properties: { faction: "red", valid_from: I[0] }, geometry: sq(0, 0, 2, 2) },
    { type: "Feature", properties: { faction: "blue", valid_from: I[0] }, geometry: sq(2, 0, 4, 2) },
  ] },
  // deliberately out of order: prepareWindow sorts by (at, id)
  changes: [
    { id: 5, at: I[1], faction: "blue", geometry: sq(1, 0, 2, 1), report_ids: [1] },
    { id: 2, at: I[0], faction: "red", geometry: sq(0, 0, 1, 1), report_ids: [] },
    { id: 3, at: I[1], faction: "red", geometry: sq(1, 0, 2, 1), report_ids: [9] },
  ],
};

test("windowIndexAt: from <= t < to, clamped at both ends", () => {
  assert.equal(windowIndexAt(WINDOWS, "2023-01-01T00:00:00Z"), 0);
  assert.equal(windowIndexAt(WINDOWS, I[1]), 0);
  assert.equal(windowIndexAt(WINDOWS, "2024-01-02T23:59:59Z"), 0);
  assert.equal(windowIndexAt(WINDOWS, I[2]), 1);
  assert.equal(windowIndexAt(WINDOWS, "2030-01-01T00:00:00Z"), 1);
});

test("paintedCount is the prefix of changes with at <= t, in (at, id) order", () => {
  const w = prepareWindow(W0);
  assert.deepEqual(w.changes.map((c) => c.id), [2, 3, 5]);
  assert.equal(paintedCount(w, "2023-12-31T00:00:00Z"), 0);
  assert.equal(paintedCount(w, I[0]), 1);
  assert.equal(paintedCount(w, "2024-01-01T12:00:00Z"), 1);
  assert.equal(paintedCount(w, I[1]), 3);
  assert.equal(viewOf({ revision: 7 }, w).changes.length, 3);
});

test("the static point lookup paints like the map: the last covering change wins", () => {
  const w = prepareWindow(W0);
  const view = { revision: 7, reports: [{ id: 1, title: "Wire", publisher: "P", published_at: I[1], url: "https://x.test/" }] };
  // (1.5, 0.5): red keyframe, then red (id 3) and blue (id 5) at the same instant: blue is painted last
  const p = pointInfoFrom(view, w, 0.5, 1.5, I[1]);
  assert.equal(p.faction, "blue");
  assert.deepEqual(p.changes.map((c) => c.id), [3, 5]);
  assert.equal(p.changes[1].reports[0].title, "Wire");
  assert.equal(p.since, I[1]);
  // before those changes the keyframe holds: red since the keyframe's validity
  const q = pointInfoFrom(view, w, 0.5, 1.5, "2024-01-01T12:00:00Z");
  assert.equal(q.faction, "red");
  assert.equal(q.since, I[0]);
  assert.equal(pointInfoFrom(view, w, 5, 9, I[1]).faction, null);
});

test("the store loads once, prefetches ahead and keeps only the neighbours", async () => {
  const asked = [];
  const index = { windows: Array.from({ length: 6 }, (_, i) => ({ i, from: `2024-01-0${i + 1}T00:00:00Z` })) };
  const dropped = [];
  const store = new WindowStore(index, async (i) => { asked.push(i); return { i, changes: [] }; }, { keep: 1, onDrop: (i) => dropped.push(i) });
  const [a, b] = await Promise.all([store.load(2), store.load(2)]);
  assert.equal(a, b);
  assert.deepEqual(asked, [2]);
  store.prefetch(2, 1);
  await store.load(3);
  await store.load(1);
  assert.deepEqual(asked.sort(), [1, 2, 3]);
  await store.load(5);
  store.retain(5);
  assert.deepEqual([...store.loaded.keys()].sort(), [5]);
  assert.deepEqual(dropped.sort(), [1, 2, 3]);
  assert.equal(await store.load(9), null);
});

test("the store also keeps the windows shown most recently, and drops the oldest first", async () => {
  const index = { windows: Array.from({ length: 20 }, (_, i) => ({ i, from: `2024-01-${String(i + 1).padStart(2, "0")}T00:00:00Z` })) };
  const dropped = [];
  const store = new WindowStore(index, async (i) => ({ i, changes: [] }), { keep: 1, recent: 2, onDrop: (i) => dropped.push(i) });
  for (const i of [0, 19, 10, 5]) { await store.load(i); store.retain(i); }
  // 5 is shown (kept with its neighbours), 10 and 19 were shown last; 0 is the oldest and goes.
  assert.deepEqual([...store.loaded.keys()].sort((a, b) => a - b), [5, 10, 19]);
  assert.deepEqual(dropped, [0]);
  await store.load(4); await store.load(12);  // prefetched, never shown: dropped before any shown window
  store.retain(5);
  assert.deepEqual([...store.loaded.keys()].sort((a, b) => a - b), [4, 5, 10, 19]);
  assert.deepEqual(dropped, [0, 12]);
  await store.load(19); store.retain(19);  // shown again: 19 is now the newest
  await store.load(15); store.retain(15);
  assert.deepEqual([...store.loaded.keys()].sort((a, b) => a - b), [5, 15, 19]);
});

test("an inlined window needs no request", async () => {
  const index = { windows: [{ i: 0, from: I[0], to: null, data: W0 }] };
  const store = new WindowStore(index, async () => { throw new Error("no network"); });
  assert.equal((await store.load(0)).changes.length, 3);
});

test("axis marks: days for a fortnight, months for a year, years for a decade, never crowded", () => {
  const off = 3 * 3600000;
  const d = axisMarks(Date.parse("2024-11-26T21:00:00Z"), Date.parse("2024-12-08T21:00:00Z"), off, 14);
  assert.equal(d[0].text, "27 Nov");
  assert.ok(d.length <= 14 && d.length >= 6);
  const y = axisMarks(Date.parse("2024-01-01T00:00:00Z"), Date.parse("2025-01-01T00:00:00Z"), 0, 13);
  assert.deepEqual(y.map((m) => m.text).slice(0, 3), ["Jan 2024", "Feb", "Mar"]);
  assert.equal(y.at(-1).text, "Jan 2025");
  const long = axisMarks(Date.parse("2015-03-01T00:00:00Z"), Date.parse("2025-03-01T00:00:00Z"), 0, 8);
  assert.ok(long.length <= 8 && long.every((m) => /^\d{4}$/.test(m.text)));
  const ar = axisMarks(Date.parse("2024-01-01T00:00:00Z"), Date.parse("2024-04-01T00:00:00Z"), 0, 4, "ar");
  assert.ok(ar[0].text.startsWith("يناير"));
  for (const marks of [d, y, long]) for (let i = 1; i < marks.length; i++) assert.ok(marks[i].ms > marks[i - 1].ms);
});
