// The editor's pure helpers: the undo/redo stack, drafts, combining drawn shapes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { History, combine, toLatLngs } from "../../static/js/editor/draw.js";
import { Drafts, draftKey, hasContent } from "../../static/js/editor/draft.js";

test("undo and redo walk the recorded steps; a new step drops the redo branch", () => {
  const h = new History(10);
  h.reset("a");
  assert.equal(h.canUndo(), false);
  assert.equal(h.push("b"), true);
  assert.equal(h.push("b"), false, "the same state twice is one step");
  h.push("c");
  assert.equal(h.undo(), "b");
  assert.equal(h.undo(), "a");
  assert.equal(h.undo(), undefined);
  assert.equal(h.redo(), "b");
  h.push("d");
  assert.equal(h.canRedo(), false);
  assert.equal(h.undo(), "b");
});

test("the history is bounded", () => {
  const h = new History(3);
  h.reset("0");
  for (const s of ["1", "2", "3", "4"]) h.push(s);
  assert.deepEqual(h.states, ["2", "3", "4"]);
  assert.equal(h.undo(), "3");
  assert.equal(h.undo(), "2");
  assert.equal(h.undo(), undefined);
});

test("drafts are per editor and only kept when they hold something", () => {
  const mem = new Map();
  const storage = { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, v), removeItem: (k) => mem.delete(k) };
  assert.notEqual(draftKey("ana"), draftKey("bob"));
  const ana = new Drafts("ana", storage);
  ana.save({ geometry: null, summary_en: "  ", note: "" });
  assert.equal(mem.size, 0);
  ana.save({ geometry: { type: "Polygon", coordinates: [] }, summary_en: "x" });
  assert.equal(new Drafts("bob", storage).load(), null);
  assert.equal(ana.load().summary_en, "x");
  mem.set(draftKey("ana"), "{not json");
  assert.equal(ana.load(), null, "a corrupt draft is dropped");
  assert.equal(hasContent({ pending: { geometry: {} } }), true);
  assert.equal(hasContent(null), false);
});

test("shapes combine into one Polygon or a MultiPolygon; GeoJSON rings become Leaflet rings", () => {
  const p = { type: "Polygon", coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] };
  assert.deepEqual(combine([p]), p);
  assert.equal(combine([p, p]).type, "MultiPolygon");
  assert.equal(combine([]), null);
  assert.deepEqual(toLatLngs(p), [[[0, 0], [0, 1], [1, 1]]]);
  assert.deepEqual(toLatLngs({ type: "MultiPolygon", coordinates: [p.coordinates] }), [[[[0, 0], [0, 1], [1, 1]]]]);
});
