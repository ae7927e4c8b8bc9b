"""Jinja2 rendering. Server config reaches the JS through a data- attribute (no hard-coded paths in JS)."""
from __future__ import annotations

import functools
import json

from fastapi import Request
from fastapi.templating import Jinja2Templates

from app import PROJECT_ROOT


@functools.lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
    t.env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    return t


def render(request: Request, name: str, context: dict, *, headers: dict | None = None, status_code: int = 200):
    return templates().TemplateResponse(request, name, context, headers=headers, status_code=status_code)
