// Playback (pure parts): the stops run to the end of the period; real time moves an hour per frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Player, SPEEDS } from "../../static/js/viewer/player.js";

const instants = ["2024-11-26T21:00:00Z", "2024-11-27T04:30:00Z", "2024-12-02T09:00:00Z"];
const make = (t, opts = {}) => {
  const state = { t: Date.parse(t) };
  const p = new Player(instants, { getT: () => state.t, go: (iso) => { state.t = Date.parse(iso); }, ...opts });
  return { p, state };
};

test("the last stop is the end of the period, after the last change", () => {
  const { p } = make(instants[2], { end: "2024-12-02T21:00:00Z" });
  assert.equal(p.atEnd(), false);
  assert.equal(p.nextFrame(), "2024-12-02T21:00:00.000Z");
  const { p: q } = make(instants[2]);  // no end given: the last change is the end
  assert.equal(q.atEnd(), true);
});

test("real time: the next whole hour, never past the end", () => {
  const { p, state } = make(instants[1], { end: "2024-12-02T21:00:00Z", mode: "time" });
  assert.equal(p.nextFrame(), "2024-11-27T05:00:00.000Z");
  state.t = Date.parse("2024-11-27T05:00:00Z");
  assert.equal(p.nextFrame(), "2024-11-27T06:00:00.000Z");
  state.t = Date.parse("2024-12-02T20:30:00Z");
  assert.equal(p.nextFrame(), "2024-12-02T21:00:00.000Z");
  p.setMode("nonsense");
  assert.equal(p.mode, "changes");
});

test("speed 3 is a speed", () => {
  assert.ok(SPEEDS.includes(3));
  assert.equal(make(instants[0], { speed: 3 }).p.speed, 3);
  assert.equal(make(instants[0], { speed: 7 }).p.speed, 1);
});
