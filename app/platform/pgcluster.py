"""A private PostgreSQL + PostGIS cluster for development and tests.

Used only when no DATABASE_URL is configured. The cluster lives in the project's state folder (`var/pg`),
listens on a free loopback port and is reached with a generated password. PostgreSQL refuses to run as
root: when we are root the cluster runs as the `postgres` system user (Debian's packages create it). A
clone under a private home (e.g. /root, or a 0700 temp folder) is not reachable by that user; then the
cluster's data is kept under /var/lib/frontline/<hash of the project path>/ and `frontline db status` says so.
"""
from __future__ import annotations

import glob
import hashlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from app.domain.errors import SetupError

DB_NAME = "frontline"
DB_USER = "frontline"


def _bindir() -> Path:
    """The newest PostgreSQL server that has PostGIS next to it (Debian layout), else the newest at all."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    for c in candidates:
        ver = Path(c).parent.name
        if glob.glob(f"/usr/share/postgresql/{ver}/extension/postgis.control"):
            return Path(c)
    if candidates:
        ver = Path(candidates[0]).parent.name
        raise SetupError(
            f"PostGIS is not installed for PostgreSQL {ver}. Install it with:\n"
            f"    sudo apt-get update && sudo apt-get install -y postgresql-{ver}-postgis-3\n"
            "or set DATABASE_URL to a PostgreSQL server that has PostGIS."
        )
    raise SetupError(
        "No PostgreSQL server found. Install it with:\n"
        "    sudo apt-get update && sudo apt-get install -y postgresql-15 postgresql-15-postgis-3\n"
        "or set DATABASE_URL to a PostgreSQL server that has PostGIS."
    )


def _is_root() -> bool:
    return os.geteuid() == 0


def _as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if _is_root() else cmd


def _reachable_by_postgres(path: Path) -> bool:
    if not _is_root():
        return True
    probe = path if path.exists() else path.parent
    r = subprocess.run(_as_pg(["test", "-w", str(probe), "-a", "-x", str(probe)]), capture_output=True)
    return r.returncode == 0


@dataclass
class Cluster:
    state_dir: Path

    def __post_init__(self):
        self.state_dir = Path(self.state_dir).resolve()

    @property
    def home(self) -> Path:
        """Folder holding the cluster: under the project when postgres can reach it, else under /var/lib."""
        local = self.state_dir / "pg"
        pointer = self.state_dir / "pg-location"
        if pointer.exists():
            return Path(pointer.read_text().strip())
        if local.exists() or not _is_root():
            return local
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            shutil.chown(self.state_dir, "postgres")
        except (LookupError, PermissionError):
            pass
        if _reachable_by_postgres(self.state_dir):
            return local
        digest = hashlib.sha1(str(self.state_dir.resolve()).encode()).hexdigest()[:12]
        return Path("/var/lib/frontline") / digest / "pg"

    @property
    def datadir(self) -> Path:
        return self.home / "data"

    def _secret(self, name: str) -> Path:
        return self.state_dir / name

    def password(self) -> str:
        return self._secret("pg-password").read_text().strip()

    def port(self) -> int:
        return int((self.home / "port").read_text())

    def url(self, database: str = DB_NAME) -> str:
        return URL.create("postgresql+psycopg", DB_USER, self.password(), "127.0.0.1", self.port(), database).render_as_string(hide_password=False)

    def running(self) -> bool:
        if not (self.datadir / "PG_VERSION").exists():
            return False
        r = subprocess.run(_as_pg([str(_bindir() / "pg_ctl"), "status", "-D", str(self.datadir)]), capture_output=True)
        return r.returncode == 0

    def init(self) -> None:
        bindir = _bindir()
        home = self.home
        if home != self.state_dir / "pg":
            (self.state_dir / "pg-location").write_text(str(home))
        home.mkdir(parents=True, exist_ok=True)
        if _is_root():
            for p in [home, *home.parents]:
                if p == Path("/var/lib") or p == self.state_dir.parent:
                    break
                shutil.chown(p, "postgres")
        pw = secrets.token_urlsafe(24)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._secret("pg-password").write_text(pw)
        os.chmod(self._secret("pg-password"), 0o600)
        pwfile = home / "pwfile"
        pwfile.write_text(pw)
        if _is_root():
            shutil.chown(pwfile, "postgres")
        try:
            r = subprocess.run(
                _as_pg([str(bindir / "initdb"), "-D", str(self.datadir), "-U", DB_USER, f"--pwfile={pwfile}",
                        "--auth-host=scram-sha-256", "--auth-local=peer", "-E", "UTF8", "--locale=C.UTF-8"]),
                capture_output=True, text=True,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if r.returncode != 0:
            raise SetupError(f"initdb failed:\n{r.stdout}\n{r.stderr}")
        (home / "port").write_text(str(free_port()))

    def start(self) -> str:
        if not (self.datadir / "PG_VERSION").exists():
            self.init()
        if not self.running():
            port = self.port()
            if not port_free(port):
                port = free_port()
                (self.home / "port").write_text(str(port))
            opts = f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.home} -c fsync=off -c max_connections=200"
            r = subprocess.run(
                _as_pg([str(_bindir() / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.datadir),
                        "-l", str(self.home / "server.log"), "-o", opts]),
                capture_output=True, text=True,
            )
            if r.returncode != 0:
                log = (self.home / "server.log").read_text()[-2000:] if (self.home / "server.log").exists() else ""
                raise SetupError(f"PostgreSQL did not start:\n{r.stdout}{r.stderr}\n{log}")
        self.ensure_database(DB_NAME)
        return self.url()

    def stop(self) -> bool:
        if not self.running():
            return False
        subprocess.run(_as_pg([str(_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.datadir)]),
                       capture_output=True, check=True)
        return True

    def ensure_database(self, name: str, *, fresh: bool = False) -> str:
        import psycopg

        deadline = time.monotonic() + 30
        while True:
            try:
                conn = psycopg.connect(host="127.0.0.1", port=self.port(), user=DB_USER, password=self.password(),
                                       dbname="postgres", autocommit=True, connect_timeout=5)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        with conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        # Like PostgreSQL itself: a port in TIME_WAIT after our own restart is free to reuse.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
