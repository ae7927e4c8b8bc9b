"""Editor endpoints for uploading one snapshot (GeoJSON or KML) at an instant: inspect the file, preview the
changes it makes (km2, areas on the map), save them as one revision. Routes only; the work is app/usecases/archive.py."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.usecases import archive
from app.api.deps import CurrentEditor, ReadModelDep, SessionDep
from app.domain.times import parse_instant
from app.api.schemas import Storable

router = APIRouter(prefix="/api/snapshot-upload", tags=["editor"])

# The text of the file travels inside JSON; the app's body limit (FRONTLINE_MAX_BODY_BYTES) caps it first.
MAX_CHARS = 20_000_000


class UploadFile(BaseModel):
    content: str = Field(min_length=1, max_length=MAX_CHARS, description="the GeoJSON, GeoJSON-seq or KML text")
    # The file's name and the note are stored (the revision's reason and details, each change's note).
    filename: Annotated[str, Field(max_length=200), Storable] = "upload.geojson"


class UploadPlan(UploadFile):
    at: str = Field(max_length=40, description="the instant the snapshot shows, ISO 8601 with an offset")
    remainder: str = Field(max_length=40, description="faction that gets area lost and taken by no one in the file")
    faction: str | None = Field(None, max_length=40, description="every feature is this faction's area ...")
    faction_field: str | None = Field(None, max_length=100, description="... or the faction given by this property")
    assign: dict[str, str] = Field(default_factory=dict, description="property value -> faction slug ('' leaves it out)")
    report_ids: list[int] = Field(default_factory=list, max_length=50)
    confidence: Literal["confirmed", "claimed"] = "confirmed"
    note: Annotated[str, Field(max_length=4000), Storable] = ""


class UploadSave(UploadPlan):
    base_revision: int = Field(ge=0, le=2_000_000_000)


def _upload(body: UploadPlan) -> archive.Upload:
    return archive.Upload(content=body.content, filename=body.filename, at=parse_instant(body.at, "at"),
                          remainder=body.remainder, faction=body.faction or None, faction_field=body.faction_field or None,
                          assign=body.assign, report_ids=body.report_ids, confidence=body.confidence, note=body.note)


@router.get("/context", summary="Factions, period, local time and revision for the upload form (editor)")
def context(request: Request, session: SessionDep, user: CurrentEditor):
    out = archive.upload_context(session)
    out["max_bytes"] = request.app.state.settings.max_body_bytes
    return JSONResponse(out, headers={"Cache-Control": "no-store"})


@router.post("/inspect", summary="Features and property values of a file, to map them to factions (editor)")
def inspect(session: SessionDep, user: CurrentEditor, body: UploadFile):
    return archive.inspect_upload(body.content, body.filename)


@router.post("/preview", summary="The changes a snapshot would make at its instant, with km2 (nothing is stored)")
def preview(session: SessionDep, user: CurrentEditor, body: UploadPlan):
    return archive.preview_upload(session, _upload(body))


@router.post("", status_code=201, summary="Save a snapshot's changes as one revision (editor; base_revision for concurrency)")
def save(session: SessionDep, readers: ReadModelDep, user: CurrentEditor, body: UploadSave):
    return archive.save_upload(session, _upload(body), base_revision=body.base_revision, author_id=user["id"],
                               readers=readers)
