// Pure front-end logic, run by `node --test` (tests/unit/test_js.py runs it under pytest).
import { test } from "node:test";
import assert from "node:assert/strict";
import { instantIndex, areasAt, changesAtStep, stepInstant, clampTime, isoUTC } from "../../static/js/viewer/timeline.js";
import { parseState, parseTime, buildQuery } from "../../static/js/viewer/permalink.js";
import { formatLocal as _formatLocal, isoLocal as _isoLocal, offsetAt as _offsetAt } from "../../static/js/shared/timefmt.js";
import { embedSnippet } from "../../static/js/viewer/snippet.js";
import { describe as describeMap } from "../../static/js/viewer/describe.js";

const I = ["2024-01-01T00:00:00Z", "2024-01-02T09:00:00Z", "2024-01-03T03:00:00Z"];
const TL = {
  dataset: { start: "2024-01-01T00:00:00Z", end: "2024-01-05T00:00:00Z", utc_offset_minutes: 180, tz_label: "UTC+3" },
  instants: I,
  factions: [{ slug: "red", name_en: "Red", name_ar: "الأحمر" }, { slug: "blue", name_en: "Blue", name_ar: "الأزرق" }],
  areas_km2: { red: [10, 20, 25], blue: [30, 20, 15] },
  changes: [
    { id: 1, at: I[0], faction: "red", summary_en: "Start red.", summary_ar: "بداية" },
    { id: 2, at: I[1], faction: "red", summary_en: "Red takes the <b>middle</b>.", summary_ar: "الأحمر يتقدم" },
    { id: 3, at: I[2], faction: "red", summary_en: "Red again.", summary_ar: "مجدداً" },
  ],
};

test("instantIndex finds the change in effect (half-open intervals)", () => {
  assert.equal(instantIndex(I, "2023-12-31T00:00:00Z"), -1);
  assert.equal(instantIndex(I, I[0]), 0);
  assert.equal(instantIndex(I, "2024-01-02T08:59:00Z"), 0);
  assert.equal(instantIndex(I, I[1]), 1);
  assert.equal(instantIndex(I, "2030-01-01T00:00:00Z"), 2);
});

test("areas, step changes and stepping", () => {
  assert.deepEqual(areasAt(TL, "2024-01-02T12:00:00Z"), { red: 20, blue: 20 });
  assert.deepEqual(changesAtStep(TL, "2024-01-02T12:00:00Z").map((c) => c.id), [2]);
  assert.equal(stepInstant(I, I[0], +1), I[1]);
  assert.equal(stepInstant(I, I[2], +1), I[2]);
  assert.equal(stepInstant(I, "2024-01-02T12:00:00Z", -1), I[1]);
  assert.equal(stepInstant(I, I[1], -1), I[0]);
  assert.equal(clampTime(TL.dataset, I, "2020-01-01T00:00:00Z"), Date.parse(I[0]));
  assert.equal(clampTime(TL.dataset, I, "nonsense"), null);
  assert.equal(isoUTC(Date.parse("2024-11-30T12:00:00+03:00")), "2024-11-30T09:00:00Z");
});

test("permalink: parse and build round trip", () => {
  assert.equal(parseTime("2024-11-30T12:00:00 03:00"), Date.parse("2024-11-30T09:00:00Z"));  // '+' decoded as space
  const q = buildQuery({ t: Date.parse("2024-11-30T09:00:00Z"), view: { lat: 36.19934, lon: 37.16261, zoom: 12 },
    factions: ["hts", "saa"], lang: "ar", offsetMinutes: 180 });
  const s = parseState("?" + q);
  assert.equal(new URLSearchParams(q).get("t"), "2024-11-30T12:00:00+03:00");
  assert.equal(s.t, Date.parse("2024-11-30T09:00:00Z"));
  assert.deepEqual(s.center, [36.1993, 37.1626]);
  assert.equal(s.zoom, 12);
  assert.deepEqual(s.factions, ["hts", "saa"]);
  assert.equal(s.lang, "ar");
  assert.deepEqual(parseState("?c=999,1&z=5&t=garbage"), {});
});

test("embed snippet escapes its attributes and keeps the fallback shape", () => {
  const s = embedSnippet({ origin: "https://f.example", query: "t=x&lang=ar", title: 'A "map" <b>' });
  assert.match(s, /^<iframe src="https:\/\/f\.example\/embed\?t=x&amp;lang=ar" title="A &quot;map&quot; &lt;b&gt;"/);
  assert.match(s, /aspect-ratio:4\/3/);
  assert.match(s, /<script src="https:\/\/f\.example\/static\/js\/embed-loader\.js" async><\/script>$/);
});

test("description says who holds what and what changed, in both languages", () => {
  const en = describeMap(TL, Date.parse(I[1]), "en");
  assert.match(en, /Red holds 20 km²; Blue holds 20 km²\./);
  assert.match(en, /Since the previous change \(1 Jan 2024, 03:00 UTC\+3\): Red takes the <b>middle<\/b>\./);
  const ar = describeMap(TL, Date.parse(I[1]), "ar");
  assert.match(ar, /الأحمر يسيطر على/);
  assert.match(ar, /الأحمر يتقدم/);
});


test("local times in a war's time zone carry the offset of each instant", () => {
  const KYIV = { tz: "Europe/Kyiv" };
  assert.equal(_offsetAt(KYIV, Date.UTC(2024, 2, 31, 0, 30)), 120);
  assert.equal(_offsetAt(KYIV, Date.UTC(2024, 2, 31, 1, 30)), 180);
  assert.equal(_formatLocal(new Date(Date.UTC(2024, 9, 27, 1, 30)), KYIV, "ignored", "en"), "27 Oct 2024, 03:30 UTC+2");
  assert.equal(_formatLocal(new Date(Date.UTC(2024, 9, 27, 0, 30)), KYIV, "ignored", "en"), "27 Oct 2024, 03:30 UTC+3");
  assert.equal(_isoLocal(new Date(Date.UTC(2024, 6, 1, 9, 0)), KYIV), "2024-07-01T12:00:00+03:00");
  assert.equal(_offsetAt(180, Date.UTC(2024, 6, 1)), 180);  // a fixed offset stays as it is
});
