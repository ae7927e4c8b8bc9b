"""The one rule for every text Frontline stores: characters XML 1.0 can carry, and no Unicode noncharacters.

Every stored text ends up in an XML document somewhere (the Atom feed, KML, a page), and an XML document
cannot hold a C0 control other than tab, newline and carriage return, U+FFFE or U+FFFF, or half of a
surrogate pair. Noncharacters (U+FDD0-U+FDEF and the last two code points of every plane) are refused too:
they are for a program's internal use and mean nothing to a reader. Everything else (any script, emoji, C1
controls, private use) is text.

Writers (the API's schemas, the CLI, the imports) refuse such text with `check_text`, naming the field, the
character and its position; readers that format stored text for the outside (feeds, KML) pass it through
`storable`, so text written before this rule (or by hand) never makes them fail.

Pure: no web framework, no database.
"""
from __future__ import annotations

import re

# XML 1.0's Char production (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF) minus noncharacters.
# A Python str holds surrogates (U+D800-U+DFFF) only unpaired: a paired one is already one astral code point.
_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
    + "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(1, 17))
    + "]")

REPLACEMENT = "\ufffd"


class UnstorableText(ValueError):
    """A text holds a character the rule refuses. The message names the field, the character (as U+XXXX) and its
    position (the first character is position 1), and says what to do."""

    def __init__(self, field: str, char: str, position: int):
        self.field, self.char, self.position = field, char, position
        super().__init__(f"{field} {_problem(char, position)}")


def _problem(char: str, position: int) -> str:
    return f"contains U+{ord(char):04X} at position {position}, which cannot be stored: remove it"


def first_unstorable(value: str) -> tuple[int, str] | None:
    """(position counted from 1, character) of the first character the rule refuses, or None."""
    m = _REFUSED.search(value)
    return (m.start() + 1, m.group()) if m else None


def problem(value: str) -> str | None:
    """What is wrong with `value` without naming a field ("contains U+FFFE at position 12, which cannot be stored:
    remove it"), for callers that name the field themselves; None when it may be stored."""
    found = first_unstorable(value)
    return None if found is None else _problem(found[1], found[0])


def check_text(value: str, field: str) -> str:
    """`value` itself when every character may be stored, else UnstorableText naming `field`."""
    found = first_unstorable(value)
    if found is not None:
        raise UnstorableText(field, found[1], found[0])
    return value


def storable(value: str, replacement: str = REPLACEMENT) -> str:
    """`value` with every character the rule refuses replaced (by U+FFFD, which shows that something was there)."""
    return _REFUSED.sub(replacement, value)


def storable_all(obj):
    """`storable` on every string inside nested dicts, lists and tuples (keys included); other values as they are."""
    if isinstance(obj, str):
        return storable(obj)
    if isinstance(obj, dict):
        return {storable_all(k): storable_all(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(storable_all(v) for v in obj)
    return obj
