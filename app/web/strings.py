"""The one table of interface strings, read for the templates: the same files the browser imports as ES modules
(static/js/shared/strings/*.js, English and Arabic side by side, one key style), parsed here line by line.

Each file is `export default {` then one entry per line, `key: { en: "…", ar: "…" },`, and `};`, with whole-line
`//` comments. The strings are JSON string literals (double quotes, JSON escapes), so `json.loads` reads each one
exactly as the browser does. A line in any other shape, a key in two parts or an entry without both languages is
an error (on the first page rendered, and in tests/unit/test_strings.py), never a word silently missing. Templates call `t("key", name=value)`; an unknown key reads as
itself, as in the browser (tests/unit/test_strings.py fails on any key a template or a script names and the table
lacks). Server error messages stay in English (they are sentences for a person and for scripts alike).
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path

from app import PROJECT_ROOT

STRINGS_DIR = PROJECT_ROOT / "static" / "js" / "shared" / "strings"
# The table's parts, by who reads them: the viewer's scripts (and every page), the editor's scripts, the templates.
PARTS = ("viewer", "editor", "pages")
LANGS = ("en", "ar")

_STR = r'"(?:[^"\\\n]|\\.)*"'
_ENTRY = re.compile(rf'^\s*([A-Za-z][A-Za-z0-9_]*): \{{ en: ({_STR}), ar: ({_STR}) \}},\s*$')
_NAME = re.compile(r"\{(\w+)\}")


def parse_part(path: Path) -> dict[str, dict[str, str]]:
    """One part of the table: {key: {"en": ..., "ar": ...}}. Raises ValueError naming the file and line."""
    entries: dict[str, dict[str, str]] = {}
    state = "head"
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        bare = line.strip()
        if not bare or bare.startswith("//"):
            continue
        where = f"{path.name}:{n}"
        if state == "head" and bare == "export default {":
            state = "body"
        elif state == "body" and bare == "};":
            state = "end"
        elif state == "body" and (m := _ENTRY.match(line)):
            key = m.group(1)
            if key in entries:
                raise ValueError(f"{where}: {key} is already in this part")
            try:
                en, ar = json.loads(m.group(2)), json.loads(m.group(3))
            except json.JSONDecodeError as e:
                raise ValueError(f"{where}: {key}: not a JSON string ({e})") from None
            if not en.strip() or not ar.strip():
                raise ValueError(f"{where}: {key} needs both languages")
            entries[key] = {"en": en, "ar": ar}
        else:
            raise ValueError(f"{where}: not an entry of the strings table: {bare[:80]}")
    if state != "end":
        raise ValueError(f"{path.name}: no `export default {{ ... }};`")
    return entries


@functools.lru_cache(maxsize=1)
def parts() -> dict[str, dict[str, dict[str, str]]]:
    """The table's parts by name; a key is in exactly one part."""
    out = {name: parse_part(STRINGS_DIR / f"{name}.js") for name in PARTS}
    seen: dict[str, str] = {}
    for name, entries in out.items():
        for key in entries:
            if key in seen:
                raise ValueError(f"strings: {key} is in both {seen[key]}.js and {name}.js")
            seen[key] = name
    return out


@functools.lru_cache(maxsize=1)
def table() -> dict[str, dict[str, str]]:
    """The whole table (the templates may use any key of any part)."""
    return {k: v for entries in parts().values() for k, v in entries.items()}


def lang_of(value: str | None) -> str:
    return "ar" if value == "ar" else "en"


def tr(lang: str, key: str, **names: object) -> str:
    """The string `key` in `lang` with its {names} filled; the key itself when the table has no such key."""
    entry = table().get(key)
    text = entry[lang_of(lang)] if entry else key
    return _NAME.sub(lambda m: str(names.get(m.group(1), "")), text)
