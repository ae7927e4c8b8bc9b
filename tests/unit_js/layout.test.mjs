// static/js by role: shared/ imports only shared/; the viewer and the editor import shared/ and their own
// folder, never each other; one DOM helper, one month table, one translation table (shared/strings/), of which the
// viewer's pages download only the viewer's part.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../static/js");
const ALLOWED = { shared: ["shared"], viewer: ["viewer", "shared"], editor: ["editor", "shared"] };
const modules = Object.keys(ALLOWED).flatMap((dir) =>
  readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".js")).map((f) => join(dir, f)));
const source = (m) => readFileSync(join(ROOT, m), "utf8");

test("each folder imports only what its role allows", () => {
  for (const m of modules) {
    const dir = m.split("/")[0];
    for (const [, spec] of source(m).matchAll(/^import\s+(?:[^"']*?from\s+)?["']([^"']+)["']/gm)) {
      assert.ok(spec.startsWith("."), `${m} imports ${spec}: modules are named by relative path`);
      const target = relative(ROOT, resolve(ROOT, dir, spec)).split("/")[0];
      assert.ok(ALLOWED[dir].includes(target), `${m} imports ${spec} (${dir}/ may import ${ALLOWED[dir].join(", ")})`);
    }
  }
});

test("one DOM helper, one month-name table, one translation table", () => {
  for (const m of modules) {
    const s = source(m);
    if (m !== "shared/dom.js") assert.doesNotMatch(s, /const\s+el\s*=\s*\(|function\s+el\s*\(/, `${m} defines its own el()`);
    if (m !== "shared/timefmt.js") assert.doesNotMatch(s, /"Jan",\s*"Feb"|"يناير",\s*"فبراير"/, `${m} has its own month names`);
    assert.doesNotMatch(s, /\bar:\s*["'`{]/, `${m} has its own translations (they belong in shared/strings/)`);
  }
});

// The modules a page's entry script loads, following static imports (and `export ... from`).
function graph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(join(ROOT, file), "utf8").matchAll(/^(?:import|export)\s+(?:[^"';]*?from\s+)?["']([^"']+)["']/gm)) {
      visit(relative(ROOT, resolve(ROOT, dirname(file), spec)));
    }
  };
  visit(entry);
  return seen;
}

test("/ and /embed load only the viewer's part of the strings table; no script loads the templates' part", () => {
  for (const entry of ["viewer/main.js", "viewer/embed.js"]) {
    const files = graph(entry);
    assert.ok(files.has("shared/strings/viewer.js"), entry);
    assert.ok(!files.has("shared/strings/editor.js"), `${entry} loads the editor's strings`);
    assert.ok(!files.has("shared/strings/pages.js"), `${entry} loads the templates' strings`);
  }
  for (const entry of ["editor/main.js", "editor/upload.js", "editor/admin.js"]) {
    const files = graph(entry);
    assert.ok(files.has("shared/strings/editor.js"), entry);
    assert.ok(!files.has("shared/strings/pages.js"), `${entry} loads the templates' strings`);
  }
});
