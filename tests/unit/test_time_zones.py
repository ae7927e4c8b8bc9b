"""Local times follow a war's IANA time zone on both sides of a daylight-saving change (issue 25)."""
from datetime import datetime, timezone

import pytest

from app.domain.errors import BadInput
from app.domain.times import offset_label, zoned
from app.domain.describe import _when

KYIV = {"time_zone": "Europe/Kyiv", "utc_offset_minutes": 120, "tz_label": "UTC+2"}


@pytest.mark.parametrize("utc, local, label", [
    # Spring forward: 31 March 2024, 03:00 local (01:00 UTC) becomes 04:00.
    ("2024-03-31T00:30:00", "2024-03-31 02:30", "UTC+2"),
    ("2024-03-31T01:30:00", "2024-03-31 04:30", "UTC+3"),
    # Fall back: 27 October 2024, 04:00 local (01:00 UTC) becomes 03:00.
    ("2024-10-27T00:30:00", "2024-10-27 03:30", "UTC+3"),
    ("2024-10-27T01:30:00", "2024-10-27 03:30", "UTC+2"),
])
def test_kyiv_local_time_on_both_sides_of_dst(utc, local, label):
    t = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    lt, lab = zoned(t, KYIV)
    assert lt.strftime("%Y-%m-%d %H:%M") == local and lab == label
    assert _when(t, KYIV, "en").endswith(label)


def test_fixed_offset_wars_keep_their_label():
    t = datetime(2024, 11, 30, 9, tzinfo=timezone.utc)
    lt, lab = zoned(t, {"utc_offset_minutes": 180, "tz_label": "UTC+3"})
    assert (lt.hour, lab) == (12, "UTC+3")


def test_labels_and_unknown_zone():
    from datetime import timedelta

    assert offset_label(timedelta(minutes=330)) == "UTC+5:30" and offset_label(timedelta(0)) == "UTC"
    with pytest.raises(BadInput, match="IANA"):
        zoned(datetime(2024, 1, 1, tzinfo=timezone.utc), {"time_zone": "Mars/Olympus", "utc_offset_minutes": 0, "tz_label": "UTC"})
