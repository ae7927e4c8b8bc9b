"""The domain tables (SQLAlchemy 2.0 typed mappings, GeoAlchemy2 geometry in EPSG:4326): the one description of
the schema. The Alembic migrations build exactly this (tests/db/test_schema_drift.py compares a migrated database
with it, column by column, constraint by constraint, index by index), and `frontline export` walks these tables.
A schema change is a new migration and the same change here. Alembic's autogenerate compares tables, columns,
types, server defaults, plain indexes, keys and foreign keys; it does not see CHECK and exclusion constraints,
index methods and operator classes (GiST, GIN), partial-index predicates or triggers, so the drift test also
compares the catalogs of a migrated database and of one built from these models.

Constraint names: most follow the naming convention of app/store/db.py. Those a migration wrote in plain SQL
without a name got PostgreSQL's default name (`<table>_<column>_check`, `_fkey`, `_key`, `_pkey`); they are
declared here with that name (`conv(...)`: taken as is, not run through the convention) rather than renamed
in the databases that already have them.

Time semantics: every timestamp is timezone-aware and stored in UTC (timestamptz). A zone's validity is the
half-open interval [valid_from, valid_to) in `valid` (tstzrange, '[)'); an open upper bound means "until
further notice". `revs` is the half-open range of data revisions in which a zone row is part of the map:
[created in, replaced in). The public map is the rows whose `revs` is open; a revision-pinned embed reads
the rows whose `revs` contains its revision, so what an article published stays reproducible.
"""
from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Column, DateTime, Float, ForeignKey, ForeignKeyConstraint, Index, Integer,
    LargeBinary, PrimaryKeyConstraint, String, Table, Text, UniqueConstraint, func, text,
)
from sqlalchemy.dialects.postgresql import ARRAY, INT4RANGE, JSONB, TSTZRANGE, ExcludeConstraint
from sqlalchemy.sql.naming import conv
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.store.db import Base

SRID = 4326
# The extensions the schema needs (migration 0001 creates them): PostGIS for geometry, btree_gist for the
# one-zone-per-faction exclusion constraint, pg_trgm for place search.
EXTENSIONS = ("postgis", "btree_gist", "pg_trgm")
# Triggers, written in SQL in migrations/versions/001_0001_domain_schema.py (the models cannot declare them):
# (table, trigger) -> the function it runs. tests/db/test_schema_drift.py checks the database has exactly these.
TRIGGERS = {
    # Invariant 4: every change cites at least one report (deferred constraint triggers).
    ("control_changes", "change_cites_report"): "frontline_change_cites_report",
    ("change_reports", "change_keeps_a_report"): "frontline_change_cites_report",
    # Invariant 3: geometry inside the data set's extent.
    ("control_zones", "zone_inside_extent"): "frontline_inside_extent",
    ("control_changes", "change_inside_extent"): "frontline_inside_extent",
    # NOTIFY frontline_revision: every app process hears of a new revision.
    ("revisions", "revision_notify"): "frontline_notify_revision",
}
CONFIDENCE = ("confirmed", "claimed", "inferred")
# The tables every war shares (accounts and the list of wars), in `public`; every other table is a war's own.
SHARED_TABLES = frozenset({"users", "user_sessions", "login_attempts", "wars", "war_editors"})
ROLES = ("editor", "admin")


class War(Base):
    """The wars this instance holds: one data set each. A war's tables (every table below but the accounts and
    these two) live in its own PostgreSQL schema (`schema`, put first on the search path of each of its
    transactions), so its revisions, caches, feeds and webhooks are its own. The first war of a database keeps
    the tables of `public` (a database from before wars is that war, unchanged); `frontline war add` creates
    the schema of any other (app/store/wars.py)."""
    __tablename__ = "wars"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    schema: Mapped[str] = mapped_column(String(63), unique=True)
    is_default: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    position: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z0-9][a-z0-9-]*$'", name="slug_format"),
        Index("ix_wars_one_default", "is_default", unique=True, postgresql_where=text("is_default")),
    )


class WarEditor(Base):
    """Which wars an editor may edit (admins may edit every war)."""
    __tablename__ = "war_editors"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    war_id: Mapped[int] = mapped_column(ForeignKey("wars.id", ondelete="CASCADE"), primary_key=True)


class Dataset(Base):
    """The data set of one war (one row in each war's schema). `end_at` NULL: the war is going on."""
    __tablename__ = "dataset"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title_en: Mapped[str] = mapped_column(Text)
    title_ar: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    notes_en: Mapped[str] = mapped_column(Text, default="")
    utc_offset_minutes: Mapped[int] = mapped_column(Integer)
    tz_label: Mapped[str] = mapped_column(String(32))
    # An IANA time zone (Europe/Kyiv): local times follow it, daylight saving included. NULL: the fixed
    # offset above (data sets from before time zones).
    time_zone: Mapped[str | None] = mapped_column(Text, nullable=True)
    start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Where the viewer opens: 'start' of the period or the 'latest' change.
    opens_at: Mapped[str] = mapped_column(String(8), server_default=text("'start'"))
    extent = mapped_column(Geometry("POLYGON", srid=SRID, spatial_index=False), nullable=False)
    home_view: Mapped[dict] = mapped_column(JSONB, default=dict)
    # Zones are stored cut into square cells of this size (degrees) over the extent (see app/domain/cells.py).
    cell_deg: Mapped[float] = mapped_column(Float, default=0.1, server_default=text("0.1"))
    # The cells split into four (app/domain/cells.py: the quadtree's inner nodes).
    cell_splits = mapped_column(ARRAY(Integer), nullable=False, server_default="{}")
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="period"),
        CheckConstraint("opens_at IN ('start', 'latest')", name="opens_at"),
        CheckConstraint("cell_deg > 0", name=conv("dataset_cell_deg_check")),  # migration 0002
    )


class Faction(Base):
    __tablename__ = "factions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_ar: Mapped[str] = mapped_column(Text)
    short_en: Mapped[str] = mapped_column(Text, default="")
    short_ar: Mapped[str] = mapped_column(Text, default="")
    color: Mapped[str] = mapped_column(String(7))
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_ar: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    __table_args__ = (
        CheckConstraint("slug ~ '^[a-z][a-z0-9-]*$'", name="slug_format"),
        CheckConstraint("color ~ '^#[0-9a-fA-F]{6}$'", name="color_format"),
    )


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text, nullable=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (CheckConstraint(f"role IN {ROLES}", name="role"),)


class UserSession(Base):
    """Server-side sessions: the cookie holds a random token, the table its SHA-256 (stateless app processes)."""
    __tablename__ = "user_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), index=True)
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    success: Mapped[bool] = mapped_column(Boolean)


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    title: Mapped[str] = mapped_column(Text)
    publisher: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    url: Mapped[str | None] = mapped_column(Text, nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    __table_args__ = (
        CheckConstraint("length(title) BETWEEN 1 AND 500", name="title_length"),
        CheckConstraint("url IS NULL OR url ~ '^https?://'", name="url_scheme"),
    )


class Revision(Base):
    """Every edit is a revision: who, when, why, and what it did (`details`)."""
    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), nullable=True)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    author: Mapped[User | None] = relationship(lazy="joined")
    __table_args__ = (
        CheckConstraint("kind IN ('load', 'change', 'revert', 'import', 'period')", name="kind"),
        # The feeds and the webhook bodies list revisions by time.
        Index("ix_revisions_created_at", "created_at"),
    )


change_reports = Table(
    "change_reports",
    Base.metadata,
    Column("change_id", ForeignKey("control_changes.id", ondelete="CASCADE"), primary_key=True),
    Column("report_id", ForeignKey("reports.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class ControlChange(Base):
    """The editing primitive: at `at`, `geom` passes to `faction` (possibly the `contested` pseudo-faction).

    Changes are applied in order of (at, id). A change made in revision R is part of the map from R on
    until a revision retracts it (`retracted_in`; a revert of that revert restores it).
    """
    __tablename__ = "control_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    faction_id: Mapped[int] = mapped_column(ForeignKey("factions.id"))
    confidence: Mapped[str] = mapped_column(String(16))
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)
    summary_en: Mapped[str] = mapped_column(Text, default="", server_default="")
    summary_ar: Mapped[str] = mapped_column(Text, default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_in: Mapped[int] = mapped_column(ForeignKey("revisions.id"))
    retracted_in: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"), nullable=True)
    # Computed once when the change is written (a change never changes), read at every publish.
    area_km2: Mapped[float | None] = mapped_column(Float, nullable=True)
    npoints: Mapped[int | None] = mapped_column(Integer, nullable=True)
    faction: Mapped[Faction] = relationship(lazy="joined")
    reports: Mapped[list[Report]] = relationship(secondary=change_reports, lazy="selectin", order_by=Report.published_at)
    __table_args__ = (
        CheckConstraint(f"confidence IN {CONFIDENCE}", name="confidence"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_SRID(geom) = 4326", name="geom_valid"),
    )


class ControlZone(Base):
    """What is served, stored in pieces: the part of a faction's zone inside one grid cell (`cell`; -1 for a
    whole polygon written before cells existed) over [valid_from, valid_to), derived from the changes. The zone
    of a faction at an instant is the union of its pieces valid then."""
    __tablename__ = "control_zones"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    faction_id: Mapped[int] = mapped_column(ForeignKey("factions.id"))
    cell: Mapped[int] = mapped_column(Integer)
    valid = mapped_column(TSTZRANGE, nullable=False)
    revs = mapped_column(INT4RANGE, nullable=False)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)
    area_km2: Mapped[float] = mapped_column(Float)
    # The changes (ids) that last shaped this zone version: the "why" behind it.
    change_ids = mapped_column(JSONB, nullable=False, default=list)
    __table_args__ = (
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom) AND ST_SRID(geom) = 4326", name="geom_valid"),
        CheckConstraint("NOT isempty(valid) AND lower(valid) IS NOT NULL AND lower_inc(valid) AND NOT upper_inc(valid)", name="valid_half_open"),
        CheckConstraint("NOT isempty(revs) AND lower(revs) IS NOT NULL", name="revs_nonempty"),
        # Invariant 2, per cell: one piece per faction and cell at any instant, in any revision (btree_gist).
        ExcludeConstraint(("faction_id", "="), ("cell", "="), ("valid", "&&"), ("revs", "&&"), name="one_zone_per_faction", using="gist"),
        Index("ix_control_zones_live_cell", "cell", postgresql_where="upper_inf(revs)"),
        # What one revision wrote and retired, without reading the history.
        Index("ix_control_zones_rev_from", text("lower(revs)")),
        Index("ix_control_zones_rev_to", text("upper(revs)")),
        Index("ix_control_zones_geom_valid", "geom", "valid", postgresql_using="gist"),
        Index("ix_control_zones_valid", "valid", postgresql_using="gist"),
        # The public map reads only live rows: a partial GiST index keeps that lookup independent of history.
        Index("ix_control_zones_live_valid", "valid", postgresql_using="gist", postgresql_where="upper_inf(revs)"),
    )


class Place(Base):
    __tablename__ = "places"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(Text)
    name_ar: Mapped[str] = mapped_column(Text, default="")
    variants: Mapped[list] = mapped_column(JSONB, default=list)
    kind: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int] = mapped_column(Integer, default=3)
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)
    # Lower-cased, accent-free search text (names + variants), filled by the loader; trigram-indexed.
    search_text: Mapped[str] = mapped_column(Text, default="")
    __table_args__ = (
        CheckConstraint("rank BETWEEN 1 AND 5", name="rank"),
        # Place search by similarity (pg_trgm).
        Index("ix_places_search_trgm", "search_text", postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}),
    )


class WebhookEndpoint(Base):
    """An address told about every publish that matches its filters (app/usecases/webhooks.py). The secret is
    kept in clear: it signs each body (HMAC), as any webhook sender's does."""
    __tablename__ = "webhook_endpoints"
    id: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    # Filters: only changes to these factions (slugs; NULL: any), only within `km` of this place (NULL: anywhere).
    factions: Mapped[list[str] | None] = mapped_column(ARRAY(Text), nullable=True)
    place_slug: Mapped[str | None] = mapped_column(Text, nullable=True)
    km: Mapped[float] = mapped_column(Float, server_default=text("0"))
    allow_private: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (  # names as migration 0201 left them (PostgreSQL's defaults)
        PrimaryKeyConstraint("id", name=conv("webhook_endpoints_pkey")),
        CheckConstraint("url ~ '^https?://' AND length(url) <= 2000", name=conv("webhook_endpoints_url_check")),
        CheckConstraint("length(secret) BETWEEN 16 AND 200", name=conv("webhook_endpoints_secret_check")),
        CheckConstraint("km >= 0 AND km <= 500", name=conv("webhook_endpoints_km_check")),
    )


class WebhookDelivery(Base):
    """The durable delivery queue and its log: one row per endpoint and revision, queued in the publishing
    transaction, sent and retried by the worker (app/usecases/webhooks.py)."""
    __tablename__ = "webhook_deliveries"
    id: Mapped[int] = mapped_column(BigInteger)
    endpoint_id: Mapped[int] = mapped_column(Integer)
    revision_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the HTTP status of the last attempt
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # the signed body, kept for retries
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (  # names as migration 0201 left them (PostgreSQL's defaults)
        PrimaryKeyConstraint("id", name=conv("webhook_deliveries_pkey")),
        ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"], ondelete="CASCADE",
                             name=conv("webhook_deliveries_endpoint_id_fkey")),
        ForeignKeyConstraint(["revision_id"], ["revisions.id"], ondelete="CASCADE",
                             name=conv("webhook_deliveries_revision_id_fkey")),
        UniqueConstraint("endpoint_id", "revision_id", name=conv("webhook_deliveries_endpoint_id_revision_id_key")),
        CheckConstraint("status IN ('pending', 'delivered', 'failed')", name=conv("webhook_deliveries_status_check")),
        # The worker's lookup of what is due.
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
    )
