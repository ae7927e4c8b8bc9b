// watch.js's and asof.js's pure parts, run by `node --test` (tests/unit/test_js.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { lastChangedHands, feedUrls } from "../../static/js/viewer/watch.js";
import { asOfFrom, withAsOf } from "../../static/js/viewer/asof.js";

const START = "2024-11-26T21:00:00Z";
const ch = (at, faction) => ({ at, faction });

test("last changed hands: the latest change after the baseline to another faction", () => {
  const chain = [ch(START, "saa"), ch("2024-11-30T09:00:00Z", "hts"), ch("2024-12-01T09:00:00Z", "hts")];
  assert.equal(lastChangedHands(chain, START).at, "2024-11-30T09:00:00Z");
  // out of order in, the same answer; a later retake wins
  const back = [ch("2024-12-02T09:00:00Z", "saa"), ...chain];
  assert.equal(lastChangedHands(back, START).at, "2024-12-02T09:00:00Z");
});

test("the baseline is the starting holder, not a change of hands", () => {
  assert.equal(lastChangedHands([ch(START, "saa"), ch(START, "hts")], START), null);
  assert.equal(lastChangedHands([ch(START, "saa"), ch("2024-11-29T00:00:00Z", "saa")], START), null);
  assert.equal(lastChangedHands([], START), null);
  // no baseline there: the first holder of the period is not taken from anyone
  assert.equal(lastChangedHands([ch("2024-11-29T00:00:00Z", "hts")], START), null);
  assert.equal(lastChangedHands([ch("2024-11-29T00:00:00Z", "hts"), ch("2024-11-30T00:00:00Z", "sna")], START).faction, "sna");
});

test("feed addresses carry place and km, or the box, and the factions", () => {
  const config = { urls: { feedAtom: "/api/changes.atom", feedJson: "/api/changes.json" } };
  assert.deepEqual(feedUrls(config, { place: "aleppo-citadel", km: 5 }, "http://h"),
    { atom: "http://h/api/changes.atom?place=aleppo-citadel&km=5", json: "http://h/api/changes.json?place=aleppo-citadel&km=5" });
  assert.equal(feedUrls(config, { place: "hama", km: 0 }, "http://h").atom, "http://h/api/changes.atom?place=hama");
  assert.equal(feedUrls(config, { bbox: [37.123456, 36.1, 37.3, 36.25], factions: ["hts", "sna"] }, "http://h").json,
    "http://h/api/changes.json?faction=hts%2Csna&bbox=37.1235%2C36.1%2C37.3%2C36.25");
  assert.equal(feedUrls(config, { factions: null }, "http://h").atom, "http://h/api/changes.atom");
});

test("as_of in the address: read when it is an instant, set or removed (with any rev=)", () => {
  assert.equal(asOfFrom("?as_of=2024-12-01T10:30:00%2B03:00"), "2024-12-01T10:30:00+03:00");
  assert.equal(asOfFrom("?as_of=yesterday"), null);
  assert.equal(asOfFrom("?t=2024-12-01T10:30:00%2B03:00"), null);
  assert.equal(withAsOf("http://h/?t=x&rev=3", "2024-12-01T10:30:00+03:00"), "http://h/?t=x&as_of=2024-12-01T10%3A30%3A00%2B03%3A00");
  assert.equal(withAsOf("http://h/?t=x&as_of=2024-12-01T10%3A30%3A00%2B03%3A00", null), "http://h/?t=x");
});
