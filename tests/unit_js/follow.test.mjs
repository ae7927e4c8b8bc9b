// follow.js's pure parts, run by `node --test` (tests/unit/test_js.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { isPinned, isNewer } from "../../static/js/viewer/follow.js";

test("a page pinned to a revision or an instant never follows", () => {
  assert.equal(isPinned("?rev=3"), true);
  assert.equal(isPinned("?t=2024-11-30T12:00:00%2B03:00&as_of=2024-12-01T00:00:00Z"), true);
  assert.equal(isPinned("?t=2024-11-30T12:00:00%2B03:00&c=36.2,37.1&z=9"), false);
  assert.equal(isPinned(""), false);
});

test("only a later revision is news", () => {
  assert.equal(isNewer(4, 5), true);
  assert.equal(isNewer(5, 5), false);
  assert.equal(isNewer(5, 4), false);
  assert.equal(isNewer(undefined, 1), true);
  assert.equal(isNewer(4, "5"), false);
  assert.equal(isNewer(4, NaN), false);
});
