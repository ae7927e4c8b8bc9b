"""Jinja2 rendering. Server config reaches the JS through a data- attribute (no hard-coded paths in JS); the
words come from the one table of strings (strings.py) through t("key"), in the page's `lang`."""
from __future__ import annotations

import functools
import json

import jinja2
from fastapi import Request
from fastapi.templating import Jinja2Templates

from app import PROJECT_ROOT
from app.web.strings import tr


@jinja2.pass_context
def _t(context, key: str, **names) -> str:
    """t("key") in a template: the key in the language the route passed as `lang` (English without one)."""
    return tr(context.get("lang", "en"), key, **names)


@functools.lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
    t.env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    t.env.globals["t"] = _t
    return t


def render(request: Request, name: str, context: dict, *, headers: dict | None = None, status_code: int = 200):
    return templates().TemplateResponse(request, name, context, headers=headers, status_code=status_code)
