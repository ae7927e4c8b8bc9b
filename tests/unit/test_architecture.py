"""The layout's rules, checked on the code's own imports (an AST walk; nothing is imported or run).

docs/architecture.md states each rule and names the test here that enforces it. A rule that fails says which
module broke it and where, e.g. a route module importing the store:

    app/api/public.py:12 imports app.store.queries: the HTTP API (app.api) may not import app.store
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

# What each package may import of the app (besides itself). The package docstrings say the same in words.
ALLOWED = {
    "app.domain": set(),
    "app.platform": {"app.domain"},
    "app.store": {"app.domain", "app.platform"},
    "app.read": {"app.domain", "app.store", "app.platform"},
    "app.usecases": {"app.domain", "app.store", "app.platform", "app.read"},
    "app.tools": {"app.domain", "app.store", "app.platform", "app.usecases"},
    "app.api": {"app.domain", "app.platform", "app.read", "app.usecases", "app.tools", "app.web"},
    "app.web": {"app.domain", "app.platform", "app.read", "app.usecases", "app.api"},
    "app.cli": {"app.domain", "app.platform", "app.store", "app.read", "app.usecases", "app.tools", "app.main"},
    "app.main": {"app.domain", "app.platform", "app.read", "app.api", "app.web", "app.store"},
}
# Third-party packages a layer may not import at all.
FORBIDDEN_LIBS = {
    "app.domain": {"fastapi", "starlette", "sqlalchemy", "geoalchemy2", "psycopg", "jinja2", "uvicorn"},
    "app.store": {"fastapi", "starlette", "jinja2", "uvicorn"},
    "app.read": {"fastapi", "starlette", "jinja2", "uvicorn"},
    "app.usecases": {"fastapi", "starlette", "jinja2", "uvicorn"},
    "app.api": {"sqlalchemy", "geoalchemy2", "psycopg"},  # but errors.py maps the database's errors, deps.py hands out sessions
    "app.web": {"sqlalchemy", "geoalchemy2", "psycopg"},
}


# The two places at the HTTP edge that must name the database library: the error table maps its exceptions to
# 503/422, and the session dependency hands each request its unit of work (use cases commit it, routes never).
EDGE_EXCEPTIONS = {("app.api.errors", "sqlalchemy"), ("app.api.errors", "psycopg"), ("app.api.deps", "sqlalchemy")}


def modules():
    for path in sorted(APP.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def package_of(name: str) -> str | None:
    parts = name.split(".")
    if len(parts) < 2:
        return None
    return ".".join(parts[:2])


def imports_of(path: Path, modname: str):
    tree = ast.parse(path.read_text(), filename=str(path))
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = modname.split(".")
                base = base if is_pkg else base[:-1]
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            yield node.lineno, mod
            if mod == "app" or (node.level and not node.module):
                for a in node.names:
                    yield node.lineno, f"{mod}.{a.name}"


def violations(app_dir: Path = APP):
    out = []
    for name, path in modules():
        own = package_of(name) or name
        if own not in ALLOWED:
            continue
        for line, imp in imports_of(path, name):
            where = f"{path.relative_to(ROOT)}:{line} imports {imp}"
            top = imp.split(".")[0]
            if top in FORBIDDEN_LIBS.get(own, ()) and (name, top) not in EDGE_EXCEPTIONS:
                out.append(f"{where}: {own} may not import {top}")
            if imp.startswith("app.") and imp not in ("app", "app.PROJECT_ROOT"):
                target = package_of(imp)
                if target and target != own and target not in ALLOWED[own]:
                    out.append(f"{where}: {own} may not import {target}")
    return out


def test_layers_import_only_what_their_docstring_allows():
    found = violations()
    assert not found, "imports against the layout (docs/architecture.md):\n" + "\n".join(found)


def test_every_package_says_what_it_may_import():
    for pkg in ALLOWED:
        path = APP / pkg.split(".", 1)[1] / "__init__.py" if pkg != "app.main" else APP / "main.py"
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        assert "may import" in doc.lower(), f"{path.relative_to(ROOT)} has no docstring saying what it may import"


# A call of SQLAlchemy's statement builders (bare, or as sa./sqlalchemy. attributes), not any method of that name:
# Pillow's `draw.text(...)` or a dict's `.update(...)` is no SQL.
SQL = re.compile(r"(?<![\w.])(text|select|insert|update|delete)\(|\b(?:sa|sqlalchemy)\.(text|select|insert|update|delete)\(|"
                 r"\bexec_driver_sql\(|\"\"\"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b|"
                 r"[\"'](SELECT|INSERT INTO|UPDATE|DELETE FROM|WITH)\s", re.S)


def sql_outside_store():
    out = []
    for name, path in modules():
        if name.startswith("app.store") or name.startswith("app.platform.pgcluster"):
            continue
        text = path.read_text()
        for m in SQL.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0).strip()[:40]}")
    return out


def test_domain_imports_without_the_web_framework_or_the_database():
    import subprocess
    import sys

    code = ("import app.domain.timeline, app.domain.cells, app.domain.dissolve, app.domain.geometry, app.domain.times, "
            "app.domain.frontedit, app.domain.errors, sys; "
            "bad = [m for m in ('fastapi', 'starlette', 'sqlalchemy', 'psycopg', 'geoalchemy2') if m in sys.modules]; "
            "assert not bad, bad")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_the_rule_catches_a_route_importing_the_store(tmp_path, monkeypatch):
    """The check itself can fail: a route module that imports the store is reported."""
    route = APP / "api" / "public.py"
    text = route.read_text()
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: (text + "\nfrom app.store import queries\n")
                        if self == route else Path.read_bytes(self).decode())
    found = violations()
    assert any(v.startswith("app/api/public.py") and "app.api may not import app.store" in v for v in found), found


def test_no_sql_outside_the_store():
    found = sql_outside_store()
    assert not found, "SQL outside app/store (move the statement into a store module):\n" + "\n".join(found)


SESSION_USE = re.compile(r"\.(commit|rollback|execute|begin)\(|\bSession\(\)|\bReadSession\(\)")


def test_no_route_opens_or_commits_a_session():
    """Routes get their unit of work from app/api/deps.py and hand it to a use case, which commits."""
    out = []
    for name, path in modules():
        if not (name.startswith("app.api") or name.startswith("app.web")) or name == "app.api.deps":
            continue
        text = path.read_text()
        for m in SESSION_USE.finditer(text):
            out.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}: {m.group(0)}")
    assert not out, "routes opening, running or committing sessions:\n" + "\n".join(out)


def test_no_private_name_used_across_modules():
    """`from app.x import _name` reaches into another module's privates."""
    out = []
    for name, path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app"):
                for a in node.names:
                    if a.name.startswith("_"):
                        out.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{a.name}")
    assert not out, "private names used from another module (make them public, or move the caller):\n" + "\n".join(out)


def test_the_architecture_doc_lists_every_module():
    """docs/architecture.md's table names every module of app/, and no module that is gone."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    listed = set(re.findall(r"`(app/[\w/]+\.py)`", doc))
    actual = {str(path.relative_to(ROOT)) for _, path in modules()}
    assert not actual - listed, f"modules missing from docs/architecture.md: {sorted(actual - listed)}"
    assert not listed - actual, f"docs/architecture.md names modules that do not exist: {sorted(listed - actual)}"
