"""Input and output shapes of the write API (separate classes; never one for both)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl
from pydantic_core import PydanticCustomError

from app.domain.citations import MAX_CITATIONS
from app.domain.text import problem as text_problem

# Writes are strict: JSON types are not coerced (true, "3" or 3.0 are not the id 3; a number is not a time).
STRICT = ConfigDict(extra="forbid", strict=True)
UNSTORABLE = "unstorable_text"  # the error type of a text the text rule refuses


def _storable(v: Any) -> Any:
    """The one text rule (app.domain.text), before any other check: a JSON string may carry what a Python str holds
    but pydantic cannot (an unpaired surrogate), so the rule sees the value as it arrived."""
    if isinstance(v, str):
        wrong = text_problem(v)
        if wrong is not None:
            # Without the field's name: the error handler puts the field's location before it.
            raise PydanticCustomError(UNSTORABLE, "{problem}", {"problem": wrong})
    return v


# Every text an editor or admin stores carries this (ChangeCreate, ReportCreate, RevertRequest, accounts, uploads).
Storable = BeforeValidator(_storable)


def _not_blank(v: str) -> str:
    if not v.strip():
        raise ValueError("must not be blank (it holds only spaces)")
    return v.strip()


def Text(max_length: int, **kw):
    """Required text: at least one character that is not a space; stored without surrounding spaces."""
    return Annotated[str, Field(min_length=1, max_length=max_length, **kw), Storable, AfterValidator(_not_blank)]


def OptionalText(max_length: int, **kw):
    return Annotated[str, Field(max_length=max_length, **kw), Storable]


class ChangeCreate(BaseModel):
    model_config = STRICT
    faction: Text(32, description="faction slug, or 'contested'")
    at: Text(40, description="ISO 8601 instant with an offset", examples=["2024-11-30T12:00:00+03:00"])
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon (RFC 7946, lon/lat)")
    confidence: Literal["confirmed", "claimed", "inferred"] = "confirmed"
    report_ids: list[int] = Field(min_length=1, max_length=MAX_CITATIONS)  # the citation rule (app/domain/citations.py)
    note: OptionalText(4000) = ""
    summary_en: OptionalText(1000) = ""
    summary_ar: OptionalText(1000) = ""
    base_revision: int = Field(ge=0, description="the revision the editor saw; a stale one is refused with 409")
    confirm_adds_source: bool = Field(False, description="save a change that changes nothing (the area is already "
                                      "the faction's at that instant) because it adds a source; without it, 409")
    confirm_large: bool = Field(False, description="save a large flip (over 100 km2 or 5% of a faction's area at "
                                "the instant); without it, 409")


class ChangePreview(BaseModel):
    model_config = STRICT
    faction: Text(32)
    at: Text(40)
    geometry: dict[str, Any]
    confidence: Literal["confirmed", "claimed", "inferred"] = "confirmed"
    report_ids: list[int] = Field(min_length=1, max_length=MAX_CITATIONS)  # the citation rule (app/domain/citations.py)
    note: OptionalText(4000) = ""
    # The same body as a save may be previewed (the summary is not needed to preview).
    summary_en: OptionalText(1000) = ""
    summary_ar: OptionalText(1000) = ""
    confirm_adds_source: bool = False  # accepted (and ignored) so that a save's body previews as it is
    confirm_large: bool = False


class ChangeSaved(BaseModel):
    revision: int
    change_id: int


class RevertRequest(BaseModel):
    model_config = STRICT
    base_revision: int = Field(ge=0)
    reason: OptionalText(1000) = ""


class Reverted(BaseModel):
    revision: int
    changes: list[int]


class ReportCreate(BaseModel):
    model_config = STRICT
    title: Text(500)
    publisher: Text(200)
    published_at: Text(40, examples=["2024-11-30T10:00:00+03:00"])
    url: HttpUrl | None = None
    language: Literal["en", "ar", "fr", "tr", "ku", "other"] = "en"
    summary: OptionalText(5000, description="the claims, in the editor's own words") = ""


class ReportPublic(BaseModel):
    id: int
    title: str
    publisher: str
    published_at: str
    url: str | None
    language: str
    summary: str


class MatchRequest(BaseModel):
    model_config = STRICT
    text: str = Field(max_length=100_000)


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer: a machine code and a sentence a person can act on."""
    error: str
    message: str
    detail: dict[str, Any] | None = None


ERROR_RESPONSES = {code: {"model": ErrorBody, "description": d} for code, d in (
    (401, "not signed in"), (403, "wrong role or missing CSRF token"), (404, "unknown resource or revision"),
    (409, "stale write: the map changed since the editor loaded it"), (413, "request body too large"),
    (422, "malformed or out-of-range input"), (429, "too many failed sign-ins"), (503, "database unavailable"))}
