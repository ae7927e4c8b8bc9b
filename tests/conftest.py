"""Test fixtures: a real PostGIS (the private cluster, or the server of DATABASE_URL), never a mock.

- Databases are created fresh once per session and migrated: `seed` holds the Aleppo data set from data/,
  `mini` a tiny synthetic one (tests/fixtures/mini) for write-path tests.
- Database tests run inside a transaction that is rolled back, even when the code under test commits
  (join_transaction_mode="create_savepoint").
- API and browser tests talk real HTTP to a live server (uvicorn in a thread) outside that transaction;
  tests that write call `reset_db`, which restores every table from a pristine copy taken after loading.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import PROJECT_ROOT, cli
from app.usecases import load as loader

# The test suite's cluster may lose its last writes in a power cut: fsync off and no WAL archive, for speed
# (`make run` starts it durable, and a start never lowers a running cluster's durability).
os.environ.setdefault("FRONTLINE_PG_DURABLE", "false")
os.environ.setdefault("FRONTLINE_WAL_ARCHIVE", "off")

FIXTURES = Path(__file__).parent / "fixtures"
OUTPUT = PROJECT_ROOT / "test-output"
EDITOR = ("editor1", "editor-password-1")
ADMIN = ("admin1", "admin-password-1")
# TRUNCATE locks in this order: the delivery queue before its endpoints, as the webhook worker's claim does,
# so a reset and a claim in flight cannot deadlock.
TABLES = ["dataset", "factions", "users", "wars", "war_editors", "reports", "places", "revisions", "control_changes", "change_reports",
          "control_zones", "user_sessions", "login_attempts", "webhook_deliveries", "webhook_endpoints"]


def plain_url(url: str) -> str:
    """A SQLAlchemy URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def drop_database(base_url: str, url: str) -> None:
    """Drop the database of `url` (a test's own), connecting through `base_url`'s server."""
    u = make_url(base_url)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password, dbname="postgres",
                         autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _create_database(base_url: str, name: str) -> str:
    url = make_url(base_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password, dbname="postgres",
                         autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def _prepare(settings, name: str, folder: Path) -> str:
    # FRONTLINE_TEST_DB lets several suites share one server without dropping each other's databases.
    url = _create_database(settings.database_url, f"{os.environ.get('FRONTLINE_TEST_DB', 'frontline_test')}_{name}")
    s = settings.model_copy(update={"database_url": url})
    cli.migrate(s)
    engine = create_engine(url)
    with Session(engine) as ses:
        loader.load(ses, folder)
        from app.usecases import accounts as auth
        auth.add_user(ses, *EDITOR, "editor")
        auth.add_user(ses, *ADMIN, "admin")
        ses.commit()
    with engine.begin() as conn:
        conn.execute(text("CREATE SCHEMA pristine"))
        for t in TABLES:
            conn.execute(text(f"CREATE TABLE pristine.{t} AS TABLE public.{t}"))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def base_settings():
    os.environ.setdefault("FRONTLINE_STATE_DIR", str(PROJECT_ROOT / "var"))
    return cli.load_settings()


@pytest.fixture(scope="session")
def seed_url(base_settings):
    return _prepare(base_settings, "seed", base_settings.dataset_dir)


@pytest.fixture(scope="session")
def mini_url(base_settings):
    return _prepare(base_settings, "mini", FIXTURES / "mini")


def reset(url: str) -> None:
    """Restore every table from the pristine copy (for tests that write through a live server)."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=False) as conn:
        conn.execute("SET session_replication_role = replica")  # skip FK and trigger checks while copying back
        conn.execute("TRUNCATE " + ", ".join(TABLES) + " CASCADE")
        for t in TABLES:
            conn.execute(f"INSERT INTO public.{t} SELECT * FROM pristine.{t}")
        conn.execute("SELECT pg_notify('frontline_revision', '0')")
        conn.commit()


def _db_session(url):
    engine = create_engine(url)
    conn = engine.connect()
    trans = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        trans.rollback()
        conn.close()
        engine.dispose()


@pytest.fixture
def seed_db(seed_url):
    yield from _db_session(seed_url)


@pytest.fixture
def mini_db(mini_url):
    yield from _db_session(mini_url)


class LiveServer:
    def __init__(self, settings):
        import uvicorn

        from app.main import create_app
        from app.platform.pgcluster import free_port

        self.settings = settings
        self.port = free_port()
        self.app = create_app(settings)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def readmodel(self):
        return self.app.state.readmodel

    def reset(self):
        reset(self.settings.database_url)
        self.readmodel.clear()
        self.readmodel.refresh()

    def overlaps(self) -> list:
        """Invariant 1 on the server's database: pairs of zones of different factions that overlap."""
        from app.usecases import changes as services

        engine = create_engine(self.settings.database_url)
        try:
            with Session(engine) as s:
                return services.check_overlaps(s)
        finally:
            engine.dispose()

    def client(self, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60, **kw)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _live(base_settings, url):
    # The shared servers take every test's pictures from one address: no per-address picture limit here (the
    # limit itself is tested on its own server, tests/hardening).
    s = base_settings.model_copy(update={"database_url": url, "revision_poll_seconds": 0.5, "tile_url": "",
                                         "render_rate_per_minute": 0})
    srv = LiveServer(s)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def live_seed(base_settings, seed_url):
    yield from _live(base_settings, seed_url)


@pytest.fixture(scope="session")
def live_mini(base_settings, mini_url):
    yield from _live(base_settings, mini_url)


@pytest.fixture
def mini_server(live_mini):
    """The mini live server, reset to its pristine data before and after the test (for writes)."""
    live_mini.reset()
    yield live_mini
    live_mini.reset()


@pytest.fixture
def seed_server(live_seed):
    live_seed.reset()
    yield live_seed
    live_seed.reset()


def login(client: httpx.Client, user=EDITOR) -> str:
    r = client.post("/login", data={"username": user[0], "password": user[1]})
    assert r.status_code == 200, r.text
    return client.cookies["csrf_token"]


@pytest.fixture
def editor_client(mini_server):
    with mini_server.client() as c:
        token = login(c)
        c.headers["X-CSRF-Token"] = token
        yield c
