"""Settings: one pydantic-settings class. Nothing reads the environment at import time.

Secrets have no default. The CLI supplies a generated secret key kept in the project's state folder when
none is configured, so `make run` works on a fresh clone; production sets FRONTLINE_SECRET_KEY / SECRET_KEY.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from app import PROJECT_ROOT
from app.domain.errors import SetupError


def _check_db_url(value: str | None, name: str) -> str | None:
    if value in (None, ""):
        return None
    try:
        url = make_url(value)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse text
        raise ValueError(f"{name} is not a database URL ({exc}); expected postgresql://user:password@host:port/dbname") from None
    if not url.drivername.startswith("postgresql"):
        raise ValueError(f"{name} must point at PostgreSQL with PostGIS (postgresql://...), not {url.drivername!r}")
    # psycopg 3 is the driver: normalise bare postgresql:// URLs to it.
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FRONTLINE_", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL", "FRONTLINE_DATABASE_URL"))
    # A streaming replica for the read path; writes and read-your-own-write go to database_url.
    database_read_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_READ_URL", "FRONTLINE_DATABASE_READ_URL"))
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("HOST", "FRONTLINE_HOST"))
    port: int = Field(default=8000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "FRONTLINE_PORT"))
    secret_key: SecretStr = Field(validation_alias=AliasChoices("SECRET_KEY", "FRONTLINE_SECRET_KEY"))
    tile_url: str = Field(default="https://tile.openstreetmap.org/{z}/{x}/{y}.png", validation_alias=AliasChoices("TILE_URL", "FRONTLINE_TILE_URL"))
    tile_attribution: str = Field(
        default='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
        validation_alias=AliasChoices("TILE_ATTRIBUTION", "FRONTLINE_TILE_ATTRIBUTION"),
    )
    # Where the private cluster, generated secret and caches live (ignored by git).
    state_dir: Path = Field(default=PROJECT_ROOT / "var", validation_alias=AliasChoices("FRONTLINE_STATE_DIR",))
    dataset_dir: Path = Field(default=PROJECT_ROOT / "data")
    # The private cluster: durable (fsync etc.) unless false (the test suite, for speed); the write-ahead log
    # archived to wal_archive ("" = var/pg/wal-archive, "off" = none) at least every wal_archive_seconds.
    pg_durable: bool = True
    wal_archive: str = ""
    wal_archive_seconds: int = Field(default=60, ge=1, le=3600)
    # Cookies get the Secure flag; set when the app is served over HTTPS (behind a proxy).
    secure_cookies: bool = False
    # Write-path limits: a body larger than this is refused before parsing, a geometry with more vertices too.
    max_body_bytes: int = Field(default=2_000_000, ge=10_000)
    max_vertices: int = Field(default=20_000, ge=100)
    # How often a worker checks the database for a newer published revision (LISTEN/NOTIFY does it at once).
    revision_poll_seconds: float = Field(default=2.0, gt=0)
    gzip_level: int = Field(default=5, ge=1, le=9)
    # Reverse proxies whose X-Forwarded-For / Forwarded headers are believed (addresses or networks, comma-
    # separated). Empty: the peer's own address is the client's (sign-in throttling counts per address).
    trusted_proxies: str = ""
    # The site's public address (https://host[:port][/prefix]): absolute links in feeds, /corrections and webhooks
    # start with it. Unset: they follow the request's Host, and those responses say `Vary: Host`.
    public_url: str | None = None
    # Expensive public reads (pictures). A picture costs width x height x frames; above the budget it is
    # refused with 422. Renders run in a pool of worker processes; when `render_workers` are busy and
    # `render_queue` more wait, further renders get 503 with Retry-After at once.
    render_budget_pixels: int = Field(default=60_000_000, ge=40_000)
    render_workers: int = Field(default=1, ge=1, le=32)
    render_queue: int = Field(default=2, ge=0, le=1000)
    render_timeout_seconds: float = Field(default=120, gt=0)
    # Bytes of rendered responses kept in memory (least recently used evicted first).
    response_cache_bytes: int = Field(default=256 * 1024 * 1024, ge=0)
    # Build the timeline windows of each new revision in the background (the latest first, at most a quarter of
    # the response cache), so jumps in a long war are served from memory. Off: each is built by its first reader.
    prebuild_windows: bool = True
    # What `/` shows: "auto" (one war: its viewer, as before wars; several: the list of wars), "list" or "viewer"
    # (always the default war's viewer; the list stays at /wars).
    home_page: Literal["auto", "list", "viewer"] = "auto"
    # Uncached renders per client address per minute for anonymous clients (0: no limit).
    render_rate_per_minute: int = Field(default=6, ge=0)
    # Connection limits applied by `frontline serve` (see docs/deploy.md for the matching nginx settings).
    max_header_bytes: int = Field(default=32 * 1024, ge=1024)
    max_header_count: int = Field(default=100, ge=10)
    max_request_line_bytes: int = Field(default=8 * 1024, ge=256)
    header_timeout_seconds: float = Field(default=10, gt=0)
    body_timeout_seconds: float = Field(default=30, gt=0)
    keep_alive_seconds: int = Field(default=5, ge=1)
    max_connections: int = Field(default=1000, ge=10)

    @field_validator("database_url")
    @classmethod
    def _db(cls, v):
        return _check_db_url(v, "DATABASE_URL")

    @field_validator("database_read_url")
    @classmethod
    def _db_read(cls, v):
        return _check_db_url(v, "DATABASE_READ_URL")

    @field_validator("tile_url")
    @classmethod
    def _tiles(cls, v: str):
        if v and not all(k in v for k in ("{z}", "{x}", "{y}")):
            raise ValueError("TILE_URL must contain {z}, {x} and {y} (or be empty to use only the shipped base geography)")
        return v

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, v: str):
        from app.platform.proxies import parse_proxies

        try:
            parse_proxies(v)
        except ValueError as exc:
            raise ValueError(f"FRONTLINE_TRUSTED_PROXIES must be comma-separated addresses or networks ({exc})") from None
        return v

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str | None):
        from urllib.parse import urlsplit

        u = urlsplit(v or "")
        if v and (u.scheme not in ("http", "https") or not u.hostname or u.query or u.fragment or "@" in u.netloc):
            raise ValueError("FRONTLINE_PUBLIC_URL must be http(s)://host[:port][/path], without user, query or fragment")
        return v.rstrip("/") if v else None

    @field_validator("secret_key")
    @classmethod
    def _secret(cls, v: SecretStr):
        if len(v.get_secret_value()) < 16:
            raise ValueError("SECRET_KEY must be at least 16 characters")
        return v


def state_dir() -> Path:
    return Path(os.environ.get("FRONTLINE_STATE_DIR", PROJECT_ROOT / "var")).resolve()


def secret_key() -> str:
    """A configured secret, or one generated once into the state folder (never committed)."""
    for k in ("FRONTLINE_SECRET_KEY", "SECRET_KEY"):
        if os.environ.get(k):
            return os.environ[k]
    p = state_dir() / "secret_key"
    if not p.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(secrets.token_urlsafe(48))
        os.chmod(p, 0o600)
    return p.read_text().strip()


def private_cluster(settings: Settings):
    from app.platform.pgcluster import Cluster

    return Cluster(settings.state_dir, durable=settings.pg_durable, wal_archive=settings.wal_archive,
                   archive_timeout=settings.wal_archive_seconds)


def load_settings(**overrides):
    """Settings from the environment; with no DATABASE_URL, the private cluster (started if needed)."""
    settings = read_settings(**overrides)
    if settings.database_url is None:
        settings = settings.model_copy(update={"database_url": private_cluster(settings).start()})
    return settings


def read_settings(**overrides):
    """Settings from the environment, starting nothing."""
    from pydantic import ValidationError

    try:
        settings = Settings(secret_key=secret_key(), **overrides)
    except ValidationError as e:
        msgs = "\n".join(f"  {'.'.join(map(str, err['loc'])) or 'setting'}: {err['msg']}" for err in e.errors())
        raise SetupError(f"bad configuration:\n{msgs}") from None
    return settings
