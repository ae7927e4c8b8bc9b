"""Instants. Aware datetimes only: stored in UTC, shown in the data set's local time with its label."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

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


def local_iso(dt: datetime, offset_minutes: int) -> str:
    """ISO 8601 in the data set's local time (`2024-11-30T12:00:00+03:00`), as data set folders write instants.
    `iso` below is the UTC form every API response uses."""
    return local(dt, offset_minutes).isoformat()


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with Z; None for an open bound."""
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
