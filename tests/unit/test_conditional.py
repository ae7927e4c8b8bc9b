"""The one 304 rule (app/platform/conditional.py): If-None-Match as RFC 9110 13.1.2 reads it."""
import pytest

from app.platform.conditional import none_match

E = '"0123abcd"'


@pytest.mark.parametrize("header", [E, "*", " * ", f"W/{E}", f'"x", {E}', f'"x",W/{E}', f'"a,b", {E}', f"junk, {E}"])
def test_matches(header):
    assert none_match(header, E)
    assert none_match(header.encode(), E.encode())  # the micro-cache reads raw header bytes


@pytest.mark.parametrize("header", [None, "", '"0123abc"', '"0123abcd0"', "0123abcd", '"a,b"', "W/", '"x", "y"'])
def test_does_not_match(header):
    assert not none_match(header, E)


def test_weak_comparison_both_ways_and_no_etag_never_matches():
    assert none_match(E, f"W/{E}")
    assert not none_match("*", None) and not none_match(E, "")
