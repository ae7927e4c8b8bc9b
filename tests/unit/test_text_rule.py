"""The one text rule (app/domain/text.py): only characters XML 1.0 can carry, and no Unicode noncharacters.

The rule is checked against an independent oracle, lxml (libxml2), for every code point: a character the rule
lets through must be one an XML document can hold."""
from __future__ import annotations

import pytest
from lxml import etree

from app.domain.text import UnstorableText, check_text, first_unstorable, storable


def _noncharacter(cp: int) -> bool:
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def _xml_can_carry(ch: str) -> bool:
    e = etree.Element("x")
    try:
        e.text = ch
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("value", [
    "Green takes the test area", "", "سيطرة الفصائل على حلب", "line one\nline two\r\n\ttabbed",
    "emoji 😀 and \U0010FFFD (plane 16, not a noncharacter)", "\uFFFD replacement, \uFEFF BOM, \uE000 private use",
    "\x7f DEL and \x85 NEL (C1, allowed by XML 1.0)",
])
def test_text_xml_can_carry_passes_unchanged(value):
    assert first_unstorable(value) is None
    assert check_text(value, "summary_en") is value
    assert storable(value) == value


@pytest.mark.parametrize("ch", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ud800", "\udbff", "\udc00",
                                "\udfff", "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0001ffff",
                                "\U0010fffe", "\U0010ffff"])
def test_each_refused_character_is_named_with_its_position(ch):
    value = "Green takes" + ch + " the test area"
    assert first_unstorable(value) == (12, ch)
    with pytest.raises(UnstorableText) as exc:
        check_text(value, "summary_en")
    assert isinstance(exc.value, ValueError)
    assert str(exc.value) == f"summary_en contains U+{ord(ch):04X} at position 12, which cannot be stored: remove it"
    assert (exc.value.field, exc.value.char, exc.value.position) == ("summary_en", ch, 12)


def test_the_first_offending_character_is_reported():
    assert first_unstorable("ok\x01then\uffff") == (3, "\x01")
    assert first_unstorable("a😀\ufffe") == (3, "\ufffe")  # positions count characters, not UTF-16 units or bytes


def test_storable_replaces_only_the_refused_characters():
    assert storable("a\ufffeb\x01c\td\U0001ffffe😀\ud800") == "a\ufffdb\ufffdc\td\ufffde😀\ufffd"
    assert storable("a\ufffeb\x01", "") == "ab"
    cleaned = storable("".join(map(chr, range(0, 0x20))) + "\ufdd5\uffff")
    assert first_unstorable(cleaned) is None


def test_the_rule_is_xml_1_0_characters_without_noncharacters():
    """Every code point: the rule accepts it exactly when lxml can put it in a document and it is no noncharacter."""
    wrong = [cp for cp in range(0x110000)
             if (first_unstorable(chr(cp)) is None) != (_xml_can_carry(chr(cp)) and not _noncharacter(cp))]
    assert wrong == []
