"""Accounts (admins only): add editors, set roles, disable accounts, reset passwords, and the /admin page.

Every change to an account that could take away access (new password, disabled, role changed) ends that
user's sessions at once, so it takes effect on their next request, not when a cookie expires.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.usecases import accounts as auth
from app.usecases.wars import listing as war_listing
from app.api.deps import CurrentAdmin, SessionDep, login_redirect, session_user
from app.api.schemas import Storable
from app.domain.errors import BadInput
from app.web.strings import lang_of
from app.web.templating import render

router = APIRouter(tags=["admin"])




class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(min_length=1, max_length=64), Storable]
    role: Literal["editor", "admin"] = "editor"
    password: Annotated[str | None, Field(max_length=1000, description="empty: one is generated and shown once"),
                        Storable] = None


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["editor", "admin"] | None = None
    active: bool | None = None
    wars: list[Annotated[str, Field(max_length=48, pattern=r"^[a-z0-9][a-z0-9-]*$")]] | None = Field(
        default=None, max_length=1000, description="the slugs of the wars an editor edits (replaces the list)")


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: Annotated[str | None, Field(max_length=1000, description="empty: one is generated and shown once"),
                        Storable] = None


def _no_store(body, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/api/admin/users", summary="Every account (admin)")
def users(session: SessionDep, admin: CurrentAdmin):
    return _no_store(auth.list_users(session))


@router.post("/api/admin/users", status_code=201, summary="Add an account; a generated password is shown once (admin)")
def add_user(session: SessionDep, admin: CurrentAdmin, body: UserCreate):
    password = body.password or auth.generate_password()
    uid = auth.create_user(session, body.username.strip(), password, body.role)
    out = {"id": uid, "username": body.username.strip(), "role": body.role}
    if not body.password:
        out["password"] = password  # the only time it is ever shown
    return _no_store(out, 201)


@router.patch("/api/admin/users/{user_id}", summary="Change an account's role or disable/enable it (admin)")
def update_user(session: SessionDep, admin: CurrentAdmin, user_id: int, body: UserUpdate):
    _check_id(user_id)
    if user_id == admin["id"] and (body.active is False or body.role == "editor"):
        raise BadInput("you cannot disable or demote your own account; ask another admin")
    auth.update_user(session, user_id, role=body.role, active=body.active, wars=body.wars)
    return _no_store(next((u for u in auth.list_users(session) if u["id"] == user_id), {"id": user_id}))


@router.post("/api/admin/users/{user_id}/password", summary="Reset a password (admin); ends the user's sessions")
def reset_password(session: SessionDep, admin: CurrentAdmin, user_id: int, body: PasswordReset):
    _check_id(user_id)
    password = body.password or auth.generate_password()
    auth.set_password(session, user_id, password)
    return _no_store({"id": user_id, **({} if body.password else {"password": password})})


def _check_id(user_id: int) -> None:
    if not (1 <= user_id <= 2_000_000_000):
        raise BadInput("user id out of range")


@router.get("/admin", include_in_schema=False)
def admin_page(request: Request, session: SessionDep, lang: Annotated[str, Query(max_length=5)] = "en"):
    lang = lang_of(lang)
    user = session_user(request, session)
    if user is None:
        return login_redirect("/admin", lang)
    page = {"user": user, "lang": lang}
    if user["role"] != "admin":
        return render(request, "admin.html", {**page, "refused": True, "config": {}},
                      headers={"Cache-Control": "no-store"}, status_code=403)
    config = {"urls": {"users": "/api/admin/users", "user": "/api/admin/users/{id}",
                       "password": "/api/admin/users/{id}/password", "logout": "/logout", "login": "/login"},
              "me": {"id": user["id"], "name": user["username"]},
              "wars": [{"slug": w["slug"], "title_en": w["title_en"], "title_ar": w["title_ar"]}
                       for w in war_listing(session)]}
    return render(request, "admin.html", {**page, "refused": False, "config": config},
                  headers={"Cache-Control": "no-store"})
