"""The one table of interface strings (static/js/shared/strings/, read by app/web/strings.py and by the browser).

Each key a template or a script names is in the table, in English and in Arabic, in a part the page can read:
the templates read the whole table, the editor's scripts parts 1 and 2, the viewer's and shared scripts part 1
only (the viewer never downloads the others). The pages hold no words of their own outside the table.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from app import PROJECT_ROOT
from app.web import pages, strings

TEMPLATES = PROJECT_ROOT / "templates"
JS = PROJECT_ROOT / "static" / "js"
# The pages with a reader's language (?lang=ar). The API reference and the OGC API pages are for developers and
# in English only, like the API's own messages.
LOCALISED = ("viewer.html", "embed.html", "corrections.html", "editor.html", "admin.html", "login.html", "base.html",
             "wars.html")
# Words a page may show as they are in both languages: names and notations, not sentences.
LITERALS = {"Frontline", "UTC", "JSON", "https"}

_T_CALL = re.compile(r"\bt\(\s*([^)]*)\)")
_KEY = re.compile(r"""^(["'])([A-Za-z0-9_]+)\1\s*(,.*)?$""", re.S)


def template_keys(name: str) -> list[str]:
    """The keys a template passes to t(); a t() whose key is not a literal fails here (the keys of the sign-in's
    messages are checked apart, they are pages.LOGIN_ERRORS' values)."""
    source = (TEMPLATES / name).read_text()
    keys = []
    for arg in _T_CALL.findall(source):
        m = _KEY.match(arg.strip())
        if m:
            keys.append(m.group(2))
        else:
            assert (name, arg) == ("login.html", "error"), f"{name}: t({arg}) names no key the test can check"
    return keys


def script_keys(source: str) -> set[str]:
    """The literal keys of tr(lang, <expression>) calls: every string literal of the second argument (so both
    branches of `tr(lang, on ? "pause" : "play")` count)."""
    keys = set()
    for m in re.finditer(r"\btr\(", source):
        depth, i, comma = 1, m.end(), None
        while i < len(source):
            c = source[i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            if depth == 0 or (c == "," and depth == 1 and comma is not None):
                break  # the end of the second argument
            if c == "," and depth == 1:
                comma = i
            i += 1
        if comma is None:
            continue
        # the literals a comparison tests (`v === "auto" ? ...`) are values, not keys
        arg = re.sub(r'[!=]==?\s*"[^"]*"', "", source[comma + 1:i])
        keys.update(re.findall(r'"([A-Za-z0-9_]+)"', arg))
    return keys


def test_the_table_loads_with_both_languages_and_each_key_in_one_part():
    parts = strings.parts()
    assert set(parts) == {"viewer", "editor", "pages"}
    seen = set()
    for name, entries in parts.items():
        assert entries, name
        assert not seen & set(entries), f"keys in two parts: {seen & set(entries)}"
        seen |= set(entries)
        for key, entry in entries.items():
            assert set(entry) == {"en", "ar"} and entry["en"].strip() and entry["ar"].strip(), key
            names_en, names_ar = (set(re.findall(r"\{(\w+)\}", entry[lang])) for lang in ("en", "ar"))
            assert names_en == names_ar, f"{key}: the languages fill different {{names}}"


def test_a_line_the_server_cannot_read_is_an_error(tmp_path):
    bad = tmp_path / "part.js"
    bad.write_text('export default {\n  ok: { en: "Yes", ar: "نعم" },\n  half: { en: "Only English" },\n};\n')
    with pytest.raises(ValueError, match="part.js:3"):
        strings.parse_part(bad)
    bad.write_text('export default {\n  empty: { en: "Yes", ar: "" },\n};\n')
    with pytest.raises(ValueError, match="both languages"):
        strings.parse_part(bad)


def test_python_and_the_browser_read_the_same_table():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = ("const out = {}; for (const p of %s) out[p] = (await import(`./static/js/shared/strings/${p}.js`)).default;"
              " console.log(JSON.stringify(out));") % json.dumps(list(strings.PARTS))
    r = subprocess.run([node, "--experimental-detect-module", "--input-type=module", "-e", script], cwd=PROJECT_ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == strings.parts()


@pytest.mark.parametrize("name", LOCALISED)
def test_every_key_a_template_names_is_in_the_table(name):
    table = strings.table()
    missing = sorted({k for k in template_keys(name) if k not in table})
    assert not missing, f"{name} names keys the strings table lacks: {missing}"


def test_the_sign_in_messages_are_keys_of_the_table():
    table = strings.table()
    assert set(pages.LOGIN_ERRORS.values()) | {"ed_loginFailed"} <= set(table)


def test_every_key_a_script_names_is_in_a_part_its_page_loads():
    parts = strings.parts()
    readable = {"viewer": set(parts["viewer"]), "shared": set(parts["viewer"]),
                "editor": set(parts["viewer"]) | set(parts["editor"])}
    missing = []
    for folder, keys in readable.items():
        for path in sorted((JS / folder).glob("*.js")):
            for key in sorted(script_keys(path.read_text()) - keys):
                missing.append(f"static/js/{folder}/{path.name}: {key}")
    assert not missing, "keys a script names that its page's part of the table lacks:\n" + "\n".join(missing)


def test_the_key_check_sees_both_branches_and_nested_calls():
    assert script_keys('tr(lang, on ? "pause" : "play"); x(tr(LANG, "ed_none", { n: f("zz") }))') == {
        "pause", "play", "ed_none"}
    assert script_keys('tr(lang, v === "auto" ? "themeAuto" : v)') == {"themeAuto"}


class _Text(HTMLParser):
    """The words a person sees or hears: text, and the attributes browsers and screen readers show."""
    SHOWN = {"title", "aria-label", "placeholder", "alt"}

    def __init__(self):
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        self.words += [v for k, v in attrs if k in self.SHOWN and v]

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


@pytest.mark.parametrize("name", LOCALISED)
def test_a_page_has_no_words_outside_the_table(name):
    """Template text and shown attributes, with every Jinja tag taken out, hold no word but the LITERALS: no
    English-only sentence and no `{% if ar %}` text."""
    source = re.sub(r"\{%\s*block body_class\s*%\}.*?\{%\s*endblock\s*%\}", " ", (TEMPLATES / name).read_text())  # a class
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
    parser = _Text()
    parser.feed(source)
    words = {w for text in parser.words for w in re.findall(r"[^\W\d_]+", text)}
    assert not words - LITERALS, f"{name} shows words that are not in the strings table: {sorted(words - LITERALS)}"


def test_t_reads_the_key_in_the_page_language_with_its_names():
    assert strings.tr("en", "ed_sideNKmKm", n=2, km2="3.5") == "Side 2: 3.5 km²"
    assert strings.tr("ar", "play") == "تشغيل"
    assert strings.tr("fr", "play") == "Play"
    assert strings.tr("ar", "no_such_key") == "no_such_key"
