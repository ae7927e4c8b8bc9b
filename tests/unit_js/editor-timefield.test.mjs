// The editor's time fields: reading what a person types in the war's local time, and writing it back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { clampTo, formatField, normalizeDigits, parseField } from "../../static/js/editor/timefield.js";

const OFF = 180;  // UTC+3
const AT = Date.parse("2024-11-29T10:00:00+03:00");
const read = (text) => parseField(text, OFF, "UTC+3");

test("the field's own format, ISO 8601 and the page's own wording all read as the same local instant", () => {
  for (const text of ["2024-11-29 10:00", " 2024-11-29  10:00 ", "2024-11-29T10:00", "2024/11/29 10:00", "2024-11-29 10.00",
    "2024-11-29T10:00:00+03:00", "2024-11-29 10:00 UTC+3", "29 Nov 2024, 10:00 UTC+3", "29 November 2024 10:00",
    "Nov 29, 2024 10:00", "2024-11-29 10:00 AM", "29 نوفمبر 2024، 10:00 (UTC+3)", "29 تشرين الثاني 2024 10:00",
    "٢٠٢٤-١١-٢٩ ١٠:٠٠", "۲۰۲۴-۱۱-۲۹ ۱۰:۰۰", "2024-11-29 10:00 ص"]) {
    assert.deepEqual(read(text), { ms: AT }, text);
  }
  assert.deepEqual(read("2024-11-29"), { ms: Date.parse("2024-11-29T00:00:00+03:00") });
  assert.deepEqual(read("2024-11-29 10:00 PM"), { ms: Date.parse("2024-11-29T22:00:00+03:00") });
  assert.deepEqual(read("2024-11-29 12:30 am"), { ms: Date.parse("2024-11-29T00:30:00+03:00") });
  assert.deepEqual(read("2024-11-29 10:00 م"), { ms: Date.parse("2024-11-29T22:00:00+03:00") });
});

test("what cannot be read, or could be read two ways, is refused with a sentence saying what to write", () => {
  assert.match(read("11/29/2024 10:00 AM").error, /year first/);
  assert.match(read("03/04/2024").error, /read two ways/);
  assert.match(read("").error, /Give a date and time/);
  assert.match(read("2").error, /Could not read “2”/);
  assert.match(read("2024-11-31 10:00").error, /no such date: 2024-11-31/);
  assert.match(read("2023-02-29").error, /no such date/);
  assert.match(read("2024-11-29 25:00").error, /no such time/);
  assert.match(read("2024-11-29 10:61").error, /no such time/);
  assert.match(read("2024-11-29 13:00 pm").error, /no such time/);
  assert.match(read("2024-11-29 10").error, /hours and minutes/);
  assert.match(read("2024-11-29 10:00 UTC").error, /war's local time \(UTC\+3\)/);
  assert.match(read("2024-11-29T10:00:00Z").error, /war's local time/);
  assert.match(read("2024-11-29 10:00 +02:00").error, /war's local time/);
  assert.match(read("29 Brumaire 2024").error, /Could not read/);
});

test("the field shows the local time in Latin digits, year first; Arabic-Indic digits are read", () => {
  assert.equal(formatField(AT, OFF), "2024-11-29 10:00");
  assert.equal(formatField(Date.parse("2024-12-31T22:30:00Z"), OFF), "2025-01-01 01:30");
  assert.equal(formatField(AT, -300), "2024-11-29 02:00");
  assert.equal(normalizeDigits("٢٠٢٤،۱۰"), "2024,10");
});

test("clamping says which end it moved to", () => {
  assert.deepEqual(clampTo(5, 10, 20), { ms: 10, moved: -1 });
  assert.deepEqual(clampTo(25, 10, 20), { ms: 20, moved: 1 });
  assert.deepEqual(clampTo(15, 10, 20), { ms: 15, moved: 0 });
  assert.deepEqual(clampTo(15, null, null), { ms: 15, moved: 0 });
});

test("a war in a time zone reads and writes local times on both sides of a daylight-saving change", () => {
  const KYIV = { tz: "Europe/Kyiv" };  // 31 Mar 2024 03:00 -> 04:00; 27 Oct 2024 04:00 -> 03:00
  assert.deepEqual(parseField("2024-03-31 02:30", KYIV, "Europe/Kyiv"), { ms: Date.UTC(2024, 2, 31, 0, 30) });
  assert.deepEqual(parseField("2024-03-31 04:30", KYIV, "Europe/Kyiv"), { ms: Date.UTC(2024, 2, 31, 1, 30) });
  assert.deepEqual(parseField("2024-07-01 12:00 UTC+3", KYIV, "Europe/Kyiv"), { ms: Date.UTC(2024, 6, 1, 9, 0) });
  assert.ok(parseField("2024-01-10 12:00 UTC+3", KYIV, "Europe/Kyiv").error);  // winter in Kyiv is UTC+2
  assert.equal(formatField(Date.UTC(2024, 9, 27, 0, 30), KYIV), "2024-10-27 03:30");
  assert.equal(formatField(Date.UTC(2024, 9, 27, 1, 30), KYIV), "2024-10-27 03:30");
  assert.equal(formatField(Date.UTC(2024, 0, 10, 10, 0), KYIV), "2024-01-10 12:00");
});
