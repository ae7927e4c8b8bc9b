"""The wars of an instance: the `wars` table, each war's schema and the search path of its transactions.

A war's tables (app/store/models.py: every table but SHARED_TABLES) live in its own schema; a session works in
one war by putting that schema first on its search path for each transaction (`bind`), so every statement of the
store reads and writes that war's tables unchanged, and the accounts (in `public`) stay shared. The first war of
a database lives in `public` (migration 0005); `create` makes the schema of any other from the models, with the
triggers migration 0001 wrote in SQL. Who may edit which war is `war_editors`.
"""
from __future__ import annotations

import re

from sqlalchemy import event, text
from sqlalchemy.orm import Session, sessionmaker

from app.store.models import SHARED_TABLES, Base

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,47}$")
PUBLIC = "public"

LIST = text("SELECT id, slug, schema, is_default, position FROM wars ORDER BY position, id")
BY_SLUG = text("SELECT id, slug, schema, is_default, position FROM wars WHERE slug = :slug")
INSERT = text("""
    INSERT INTO wars (slug, schema, is_default, position)
    VALUES (:slug, :schema, NOT EXISTS (SELECT 1 FROM wars), COALESCE((SELECT max(position) + 1 FROM wars), 0))
    RETURNING id""")
GRANT_ORPHANS = text("""
    INSERT INTO war_editors (user_id, war_id)
    SELECT u.id, :war FROM users u
    WHERE u.role = 'editor' AND NOT EXISTS (SELECT 1 FROM war_editors e WHERE e.user_id = u.id)
    ON CONFLICT DO NOTHING""")
GRANT = text("INSERT INTO war_editors (user_id, war_id) VALUES (:user, :war) ON CONFLICT DO NOTHING")
REVOKE = text("DELETE FROM war_editors WHERE user_id = :user AND war_id = :war")
MAY_EDIT = text("SELECT EXISTS (SELECT 1 FROM war_editors WHERE user_id = :user AND war_id = :war)")
EDITOR_WARS = text("""
    SELECT e.user_id, w.slug FROM war_editors e JOIN wars w ON w.id = e.war_id ORDER BY w.position, w.id""")
PUBLIC_HAS_DATA = text("SELECT EXISTS (SELECT 1 FROM public.dataset)")
SET_DEFAULT = (text("UPDATE wars SET is_default = false WHERE is_default AND slug <> :slug"),
               text("UPDATE wars SET is_default = true WHERE slug = :slug"))

# The triggers of a war's tables (the functions, in public, are migration 0001's; they read the war's tables
# through the search path).
TRIGGER_DDL = """
CREATE CONSTRAINT TRIGGER change_cites_report AFTER INSERT ON control_changes
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.frontline_change_cites_report();
CREATE CONSTRAINT TRIGGER change_keeps_a_report AFTER DELETE OR UPDATE ON change_reports
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.frontline_change_cites_report();
CREATE TRIGGER zone_inside_extent BEFORE INSERT OR UPDATE OF geom ON control_zones
  FOR EACH ROW EXECUTE FUNCTION public.frontline_inside_extent();
CREATE TRIGGER change_inside_extent BEFORE INSERT OR UPDATE OF geom ON control_changes
  FOR EACH ROW EXECUTE FUNCTION public.frontline_inside_extent();
CREATE TRIGGER revision_notify AFTER INSERT ON revisions FOR EACH ROW EXECUTE FUNCTION public.frontline_notify_revision();
"""


class UnknownWar(LookupError):
    pass


def schema_for(slug: str) -> str:
    return "war_" + slug.replace("-", "_")


def _check_schema(schema: str) -> str:
    if schema != PUBLIC and not re.fullmatch(r"war_[a-z0-9_]{1,48}", schema):
        raise ValueError(f"not a war schema: {schema!r}")
    return schema


def bind(session: Session, schema: str) -> None:
    """Work in the war of `schema` for the rest of the session's transaction (SET LOCAL search_path)."""
    if schema != PUBLIC:
        session.execute(text("SELECT set_config('search_path', :p, true)"), {"p": f"{_check_schema(schema)}, public"})


def sessionmaker_for(engine, schema: str) -> sessionmaker:
    """Sessions whose every transaction works in the war of `schema`."""
    maker = sessionmaker(engine, expire_on_commit=False)
    if schema != PUBLIC:
        _check_schema(schema)

        @event.listens_for(maker, "after_begin")
        def _search_path(session, transaction, connection):
            connection.exec_driver_sql(f"SELECT set_config('search_path', '{schema}, public', true)")
    return maker


def all_wars(session: Session) -> list[dict]:
    return [dict(r) for r in session.execute(LIST).mappings()]


def by_slug(session: Session, slug: str) -> dict:
    r = session.execute(BY_SLUG, {"slug": slug}).mappings().one_or_none()
    if r is None:
        raise UnknownWar(slug)
    return dict(r)


def default(session: Session) -> dict | None:
    """The default war (the one `/` and every URL without `war=` serve), None when the database holds none."""
    wars = all_wars(session)
    return next((w for w in wars if w["is_default"]), wars[0] if wars else None)


def resolve(session: Session, slug: str | None) -> dict | None:
    """The war of `slug`, or the default war when None (None when the database holds no war yet)."""
    return by_slug(session, slug) if slug else default(session)


def create(session: Session, slug: str) -> dict:
    """Register the war `slug` with an empty schema of its own (the first war of a database whose `public`
    tables hold no data set takes those). The caller commits."""
    if not SLUG.match(slug):
        raise ValueError(f"a war's slug is lower-case letters, digits and hyphens (at most 48), not {slug!r}")
    if session.execute(BY_SLUG, {"slug": slug}).first() is not None:
        raise ValueError(f"a war called {slug!r} exists already")
    taken = {w["schema"] for w in all_wars(session)}
    if PUBLIC not in taken and not session.execute(PUBLIC_HAS_DATA).scalar_one():
        schema = PUBLIC
    else:
        schema = schema_for(slug)
        create_schema(session, schema)
    war_id = session.execute(INSERT, {"slug": slug, "schema": schema}).scalar_one()
    # Editors made before any war existed edit the first one.
    session.execute(GRANT_ORPHANS, {"war": war_id})
    return by_slug(session, slug)


def create_schema(session: Session, schema: str) -> None:
    """A war's schema with its (empty) tables, made from the models, and their triggers."""
    session.execute(text(f"CREATE SCHEMA {_check_schema(schema)}"))
    session.execute(text("SELECT set_config('search_path', :p, true)"), {"p": f"{schema}, public"})
    conn = session.connection()
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SHARED_TABLES]
    Base.metadata.create_all(conn, tables=tables, checkfirst=False)
    conn.exec_driver_sql(TRIGGER_DDL)
    session.execute(text("SELECT set_config('search_path', 'public', true)"))


def set_default(session: Session, slug: str) -> None:
    by_slug(session, slug)
    for statement in SET_DEFAULT:
        session.execute(statement, {"slug": slug})


def grant(session: Session, user_id: int, war_id: int) -> None:
    session.execute(GRANT, {"user": user_id, "war": war_id})


def revoke(session: Session, user_id: int, war_id: int) -> None:
    session.execute(REVOKE, {"user": user_id, "war": war_id})


def may_edit(session: Session, user_id: int, war_id: int) -> bool:
    return bool(session.execute(MAY_EDIT, {"user": user_id, "war": war_id}).scalar_one())


def editor_wars(session: Session) -> dict[int, list[str]]:
    """user id -> the slugs of the wars that editor may edit."""
    out: dict[int, list[str]] = {}
    for r in session.execute(EDITOR_WARS).mappings():
        out.setdefault(r["user_id"], []).append(r["slug"])
    return out


def status(session: Session, schema: str) -> dict | None:
    """What /api/wars says of one war: titles, status, period, time zone, revision and last update (None when
    its data set is not loaded yet)."""
    s = _check_schema(schema)
    r = session.execute(text(f"""
        SELECT d.title_en, d.title_ar, d.description_en, d.description_ar, d.start_at, d.end_at, d.time_zone,
               d.utc_offset_minutes, d.tz_label, d.opens_at,
               ST_XMin(d.extent) x0, ST_YMin(d.extent) y0, ST_XMax(d.extent) x1, ST_YMax(d.extent) y1,
               (SELECT COALESCE(max(id), 0) FROM {s}.revisions) AS revision,
               (SELECT max(created_at) FROM {s}.revisions) AS updated_at,
               (SELECT max(at) FROM {s}.control_changes WHERE retracted_in IS NULL) AS latest_change
        FROM {s}.dataset d LIMIT 1""")).mappings().one_or_none()
    return dict(r) if r else None


SET_END = text("UPDATE dataset SET end_at = :end_at")


def set_end(session: Session, end_at) -> None:
    """End (a time) or reopen (None) the war the session is bound to."""
    session.execute(SET_END, {"end_at": end_at})


LATEST_CHANGE = text("SELECT max(at) FROM control_changes WHERE retracted_in IS NULL")


def latest_change(session: Session):
    """The instant of the latest published change of the war the session works in (None: no change)."""
    return session.execute(LATEST_CHANGE).scalar_one()


def drop(session: Session, slug: str) -> None:
    """Remove the war `slug`: its schema and its row (the war in `public` keeps its tables, emptied)."""
    war = by_slug(session, slug)
    if war["schema"] == PUBLIC:
        from app.store.load import wipe

        wipe(session)
    else:
        session.execute(text(f"DROP SCHEMA {_check_schema(war['schema'])} CASCADE"))
    session.execute(text("DELETE FROM wars WHERE id = :id"), {"id": war["id"]})


REGISTER_HERE = text("""
    INSERT INTO wars (slug, schema, is_default, position)
    SELECT :slug, current_schema(), NOT EXISTS (SELECT 1 FROM wars), COALESCE((SELECT max(position) + 1 FROM wars), 0)
    WHERE NOT EXISTS (SELECT 1 FROM wars WHERE schema = current_schema())
    ON CONFLICT DO NOTHING
    RETURNING id""")


def register_here(session: Session, slug: str) -> None:
    """After a load: the war the session works in is registered (a database loaded before any war existed, or by
    a caller that did not make the war first, gets its war named by the data set); editors without a war edit it."""
    slug = re.sub(r"[^a-z0-9-]+", "-", slug.lower()).strip("-")[:48] or "war"
    war_id = session.execute(REGISTER_HERE, {"slug": slug}).scalar_one_or_none()
    if war_id is not None:
        session.execute(GRANT_ORPHANS, {"war": war_id})
