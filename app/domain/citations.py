"""The one citation rule: what a change must cite and what makes a report citable. The editor's API (the
schemas' limits and app/usecases/changes.py), the data set loader (app/usecases/load.py, which `frontline data
check` runs first) and `frontline data check` itself (app/tools/datacheck.py) all decide with these functions,
so an export of a database the app accepted passes the data check.

The rule (errors): a change cites at least one report and at most MAX_CITATIONS different ones, every one of
them a stored report (a report cited twice counts once); a report has a title and a publisher, an instant
of publication, and an address that is http:// or https:// if it has one.

Notes (never errors: the app accepts them, and a data set with them is valid): a report no change cites
yet (an editor adds a report before citing it), and a report published before the instant of a change
that cites it (not at the data set's start). The second is common and legitimate: a series of snapshots
imported with one source report (`frontline import-snapshots --report`), a morning report cited for a
change dated that afternoon. `frontline data check` counts both.
"""
from __future__ import annotations

from datetime import datetime
from typing import Collection, Hashable, Iterable, Mapping, Sequence

MAX_CITATIONS = 50
URL_SCHEMES = ("http://", "https://")


def citation_problem(cited: Sequence[Hashable], known: Collection[Hashable]) -> str | None:
    """Why a change's citations (report ids or keys, as given) are refused, or None when they are valid."""
    if not cited:
        return "cites no report (every change must cite at least one)"
    distinct = list(dict.fromkeys(cited))
    if len(distinct) > MAX_CITATIONS:
        return f"cites {len(distinct)} reports (at most {MAX_CITATIONS})"
    missing = [r for r in distinct if r not in known]
    if missing:
        return f"cites unknown report(s) {missing[:10]}"
    return None


def report_problems(title: str | None, publisher: str | None, url: str | None) -> list[str]:
    """Why a report cannot be cited (its instant of publication is parsed by the caller, as every instant)."""
    out = [f"missing {name}" for name, value in (("title", title), ("publisher", publisher)) if not (value or "").strip()]
    if url and not url.startswith(URL_SCHEMES):
        out.append("url must start with http:// or https://")
    return out


def published_before(at: datetime, cited: Iterable[Hashable], published: Mapping[Hashable, datetime], *,
                      start_at: datetime | None = None) -> list[Hashable]:
    """The cited reports published before the change's instant (a note, not an error); none at the data set's start."""
    if start_at is not None and at == start_at:
        return []
    return [r for r in dict.fromkeys(cited) if r in published and published[r] < at]


def never_cited(reports: Iterable[Hashable], citations: Iterable[Iterable[Hashable]]) -> list[Hashable]:
    """The reports no change cites (a note, not an error)."""
    cited = {r for c in citations for r in c}
    return [r for r in reports if r not in cited]
