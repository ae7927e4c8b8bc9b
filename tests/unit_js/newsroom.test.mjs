// Pure helpers of the popup, the chart and compare (node --test; run under pytest by tests/unit/test_js.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { splitBaseline } from "../../static/js/viewer/popup.js";
import { formatDay, monthNumber } from "../../static/js/shared/timefmt.js";
import { dayTicks, valueTicks } from "../../static/js/viewer/chart.js";
import { compareError } from "../../static/js/viewer/compare.js";
import { tr } from "../../static/js/shared/i18n.js";
import { tr as edTr } from "../../static/js/editor/i18n.js";
import VIEWER from "../../static/js/shared/strings/viewer.js";
import EDITOR from "../../static/js/shared/strings/editor.js";
import PAGES from "../../static/js/shared/strings/pages.js";

test("baseline statements (at the start) are split from the period's events", () => {
  const start = "2024-11-26T21:00:00Z";
  const { baseline, events } = splitBaseline([
    { at: start, faction: "saa" }, { at: start, faction: "sdf" }, { at: "2024-11-30T13:00:00Z", faction: "hts" }], start);
  assert.deepEqual(baseline.map((c) => c.faction), ["saa", "sdf"]);
  assert.deepEqual(events.map((c) => c.faction), ["hts"]);
  assert.deepEqual(splitBaseline(undefined, start), { baseline: [], events: [] });
});

test("the period's start reads as a day, in the data set's local time", () => {
  assert.equal(formatDay("2024-11-26T21:00:00Z", 180, "en"), "27 Nov 2024");
  assert.equal(formatDay("2024-11-26T21:00:00Z", 180, "ar"), "27 نوفمبر 2024");
});

test("day ticks fall on local midnights inside the period", () => {
  const t0 = Date.parse("2024-11-26T21:00:00Z"), t1 = Date.parse("2024-12-02T21:00:00Z");
  const ticks = dayTicks(t0, t1, 180).map((ms) => new Date(ms).toISOString());
  assert.equal(ticks[0], "2024-11-26T21:00:00.000Z");
  assert.equal(ticks.at(-1), "2024-12-02T21:00:00.000Z");
  assert.equal(ticks.length, 7);
  assert.equal(dayTicks(t0 + 3600000, t1, 180)[0], t0 + 86400000);  // a start mid-day: the next midnight
});

test("value ticks are round and below the maximum", () => {
  assert.deepEqual(valueTicks(34429), [0, 3000, 10000, 30000]);
  assert.deepEqual(valueTicks(1), [0, 0.1, 0.4, 1]);
});

test("compare errors are sentences in the reader's language, never the API's", () => {
  const api = (status) => Object.assign(new Error("from must not be after to"), { status });
  for (const lang of ["en", "ar"]) {
    const s = (key) => VIEWER[key][lang];
    assert.equal(compareError(api(422), lang), s("compareBad"));
    assert.equal(compareError(api(404), lang), s("compareGone"));
    assert.equal(compareError(api(503), lang), s("compareBusy"));
    assert.equal(compareError(new TypeError("Failed to fetch"), lang), s("compareOffline"));
    assert.equal(compareError(api(500), lang), s("compareFailed"));
  }
});

test("every interface string exists in both languages, each key in one part of the table", () => {
  const keys = [VIEWER, EDITOR, PAGES].flatMap((part) => Object.keys(part));
  assert.equal(new Set(keys).size, keys.length);
  for (const [key, entry] of Object.entries({ ...VIEWER, ...EDITOR, ...PAGES })) {
    assert.deepEqual(Object.keys(entry).sort(), ["ar", "en"], key);
    assert.ok(entry.en && entry.ar, key);
  }
});

test("one tr(): a key in the reader's language with its {names} filled; an unknown key reads as itself", () => {
  assert.equal(edTr("en", "ed_sideNKmKm", { n: 2, km2: "3.5" }), "Side 2: 3.5 km²");
  assert.equal(tr("ar", "play"), "تشغيل");
  assert.equal(edTr("ar", "play"), "تشغيل");
  assert.equal(edTr("ar", "revert"), "تراجع");
  assert.equal(tr("ar", "import"), "import");
  // The viewer's tr() reads part 1 only: the editor's words are not downloaded by / and /embed.
  assert.equal(tr("en", "ed_sideNKmKm"), "ed_sideNKmKm");
});

test("one month-name table per language, read back by the editor's time fields", () => {
  assert.equal(formatDay("2024-11-26T21:00:00Z", 180, "ar", false), "27 نوفمبر");
  for (const [word, m] of [["Nov", 11], ["november", 11], ["نوفمبر", 11], ["تشرين الثاني", 11], ["sept", 9], ["May", 5]]) {
    assert.equal(monthNumber(word), m, word);
  }
  assert.equal(monthNumber("brumaire"), null);
});
