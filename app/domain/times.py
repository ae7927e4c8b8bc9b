"""Instants. Aware datetimes only: stored in UTC, shown in the data set's local time with its label."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.domain.errors import BadInput


def parse_instant(value: str, name: str = "time") -> datetime:
    """ISO 8601 with an offset (`2024-11-30T12:00:00+03:00` or `...Z`). A naive time is ambiguous: refused."""
    if not isinstance(value, str) or not value or len(value) > 40 or not value.isprintable():
        raise BadInput(f"{name} must be an ISO 8601 instant with an offset, e.g. 2024-11-30T12:00:00+03:00")
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace(" ", "+", 1) if value.count(" ") == 1 and "T" in value else value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name}={value[:40]!r} is not an ISO 8601 instant; use e.g. 2024-11-30T12:00:00+03:00") from None
    if dt.tzinfo is None:
        raise BadInput(f"{name}={value[:40]!r} has no offset; add one, e.g. 2024-11-30T12:00:00+03:00")
    if not (1900 <= dt.year <= 2200):
        raise BadInput(f"{name}={value[:40]!r} is out of range")
    return dt.astimezone(timezone.utc)


def local(dt: datetime, offset_minutes: int) -> datetime:
    return dt.astimezone(timezone(timedelta(minutes=offset_minutes)))


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` (Europe/Kyiv); BadInput when the system's time zone data does not know it."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"unknown time zone {name[:60]!r}: give an IANA name such as Asia/Damascus or Europe/Kyiv") from None


def offset_label(offset: timedelta | None) -> str:
    """`UTC+3`, `UTC-4:30`, `UTC`: how a local time is labelled."""
    minutes = int((offset or timedelta()).total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    return f"UTC{sign}{minutes // 60}" + (f":{minutes % 60:02d}" if minutes % 60 else "")


def zoned(dt: datetime, ds: Mapping) -> tuple[datetime, str]:
    """`dt` in a war's local time and that time's label. `ds` is its data set row: with a `time_zone` (IANA)
    the offset is the zone's at that instant (daylight saving included) and the label says it (`UTC+2` in
    winter, `UTC+3` in summer for Europe/Kyiv); without one, the fixed `utc_offset_minutes` and `tz_label`."""
    name = ds.get("time_zone")
    if name:
        lt = dt.astimezone(zone(name))
        return lt, offset_label(lt.utcoffset())
    return local(dt, ds["utc_offset_minutes"]), ds["tz_label"]


def local_iso(dt: datetime, offset_minutes: int) -> str:
    """ISO 8601 in the data set's local time (`2024-11-30T12:00:00+03:00`), as data set folders write instants.
    `iso` below is the UTC form every API response uses."""
    return local(dt, offset_minutes).isoformat()


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with Z; None for an open bound."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
