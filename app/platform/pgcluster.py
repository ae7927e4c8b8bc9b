"""A private PostgreSQL + PostGIS cluster for development and tests.

Used only when no DATABASE_URL is configured. The cluster lives in the project's state folder (`var/pg`),
listens on a free loopback port and is reached with a generated password. PostgreSQL refuses to run as
root: when we are root the cluster runs as the `postgres` system user (Debian's packages create it). A
clone under a private home (e.g. /root, or a 0700 temp folder) is not reachable by that user; then the
cluster's data is kept under /var/lib/frontline/<hash of the project path>/ and `frontline db status` says so.

Durable by default: fsync, full_page_writes and synchronous_commit are on, and every finished segment of the
write-ahead log (at the latest every `archive_timeout` seconds when anything was written) is copied to the
WAL archive (`<home>/wal-archive`, i.e. var/pg/wal-archive, unless configured). `backup()` takes a base
backup with pg_basebackup, `restore()` replays the archive over one (to its end, or to an instant). The test
suite asks for a fast cluster (durable=False: fsync and full_page_writes off, so a power cut may lose
or corrupt it, but a crash of PostgreSQL alone loses no acknowledged commit; no archive); a running cluster is never made less durable by
a later start() that asks for less, only more (the settings live in `frontline.conf` in the data folder,
included by postgresql.conf, so they change with a reload).
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
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL

from app.domain.errors import SetupError

DB_NAME = "frontline"
DB_USER = "frontline"
CONF = "frontline.conf"          # our settings, in the data folder, included by postgresql.conf
RECOVERY_KEYS = ("restore_command", "recovery_target_time", "recovery_target_action")


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


def _conf_value(v) -> str:
    return "'" + str(v).replace("\\", "\\\\").replace("'", "''") + "'"


@dataclass
class Cluster:
    state_dir: Path
    durable: bool = True             # fsync and full_page_writes (synchronous_commit is always on)
    wal_archive: str | Path = ""     # "" = <home>/wal-archive; "off" = no archive
    archive_timeout: int = 60        # seconds: the most a written segment waits before it is archived

    def __post_init__(self):
        self.state_dir = Path(self.state_dir).resolve()

    @property
    def archive_dir(self) -> Path | None:
        if str(self.wal_archive).strip().lower() == "off":
            return None
        return Path(self.wal_archive).resolve() if str(self.wal_archive).strip() else self.home / "wal-archive"

    @property
    def backups_dir(self) -> Path:
        return self.home / "base-backups"

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

    def _chown(self, path: Path) -> None:
        if _is_root():
            shutil.chown(path, "postgres")

    def _mkdir_for_pg(self, path: Path) -> None:
        """A folder the cluster's user can write (only the folder itself is given to it, never its parents)."""
        path.mkdir(parents=True, exist_ok=True)
        self._chown(path)

    def archive_command(self, durable: bool) -> str:
        """Copy a finished WAL segment into the archive: never over an existing file (unless it is the same,
        e.g. re-archived after a crash), copied under a temporary name and renamed, flushed when durable."""
        import shlex

        a = self.archive_dir
        if a is None:
            return "true"  # archive_mode stays on (it needs a restart to change); segments are just recycled
        dst, tmp = shlex.quote(str(a)) + "/%f", shlex.quote(str(a)) + "/%f.part"
        flush = f" && sync {tmp}" if durable else ""
        return f"if test -f {dst}; then cmp -s %p {dst}; else cp %p {tmp}{flush} && mv {tmp} {dst}; fi"

    def write_conf(self, *, durable: bool, archive_command: str, recovery: dict | None = None) -> None:
        """Our settings in the data folder (reloadable: the durability ones and archive_command)."""
        on = "on" if durable else "off"
        lines = ["# Written by Frontline (app/platform/pgcluster.py) at each start; edits are overwritten.",
                 f"fsync = {on}", f"full_page_writes = {on}",
                 # Always on: off would lose acknowledged commits when PostgreSQL itself crashes, not only the
                 # machine; with fsync off it costs no more than a write() per commit.
                 "synchronous_commit = on",
                 "archive_mode = on", f"archive_command = {_conf_value(archive_command)}",
                 f"archive_timeout = {int(self.archive_timeout)}"]
        lines += [f"{k} = {_conf_value(v)}" for k, v in (recovery or {}).items()]
        conf = self.datadir / CONF
        conf.write_text("\n".join(lines) + "\n")
        self._chown(conf)
        main = self.datadir / "postgresql.conf"
        include = f"include_if_exists = '{CONF}'"
        if include not in main.read_text():
            with main.open("a") as f:
                f.write(f"\n{include}\n")

    def current(self) -> dict:
        """The running server's durability and archive settings."""
        keys = ("fsync", "full_page_writes", "synchronous_commit", "archive_mode", "archive_command")
        with self._connect() as conn:
            return {k: conn.execute(f"SHOW {k}").fetchone()[0] for k in keys}

    def start(self) -> str:
        if not (self.datadir / "PG_VERSION").exists():
            self.init()
        if self.archive_dir is not None:
            self._mkdir_for_pg(self.archive_dir)
        if not self.running():
            port = self.port()
            if not port_free(port):
                port = free_port()
                (self.home / "port").write_text(str(port))
            self.write_conf(durable=self.durable, archive_command=self.archive_command(self.durable))
            self._pg_ctl_start()
        else:
            # Asking for more than the running server gives raises it (a reload); never lowers it.
            now = self.current()
            durable = self.durable or now["fsync"] == "on"
            command = self.archive_command(durable) if self.archive_dir is not None else now["archive_command"]
            if (durable and now["fsync"] != "on") or command != now["archive_command"]:
                self.write_conf(durable=durable, archive_command=command)
                self._reload()
        self.ensure_database(DB_NAME)
        return self.url()

    def _pg_ctl_start(self, timeout: int = 60) -> None:
        opts = f"-p {self.port()} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.home} -c max_connections=200"
        r = subprocess.run(
            _as_pg([str(_bindir() / "pg_ctl"), "start", "-w", "-t", str(timeout), "-D", str(self.datadir),
                    "-l", str(self.home / "server.log"), "-o", opts]),
            capture_output=True, text=True,
        )
        if r.returncode != 0:
            raise SetupError(f"PostgreSQL did not start:\n{r.stdout}{r.stderr}\n{self.log_tail()}")

    def log_tail(self) -> str:
        log = self.home / "server.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""

    def _reload(self) -> None:
        subprocess.run(_as_pg([str(_bindir() / "pg_ctl"), "reload", "-D", str(self.datadir)]), capture_output=True, check=True)
        time.sleep(0.2)  # the postmaster rereads its files asynchronously

    def stop(self) -> bool:
        if not self.running():
            return False
        subprocess.run(_as_pg([str(_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.datadir)]),
                       capture_output=True, check=True)
        return True

    # ------------------------------------------------------------------------- base backups and restore
    def backup(self, into: str | Path | None = None) -> Path:
        """A base backup (pg_basebackup, with the WAL it needs) into `into` (new or empty), else into
        base-backups/<UTC end time> under the cluster's home. Returns its folder."""
        if not self.running():
            raise SetupError("the database is not running; start it with `frontline db start`")
        if into is None:
            self._mkdir_for_pg(self.backups_dir)
            target = self.backups_dir / f".partial-{_stamp()}"
        else:
            target = Path(into).resolve()
            if target.exists() and (not target.is_dir() or any(target.iterdir())):
                raise SetupError(f"{target} exists and is not an empty folder")
            target.mkdir(parents=True, exist_ok=True)
            self._chown(target)
        r = subprocess.run(
            _as_pg([str(_bindir() / "pg_basebackup"), "-D", str(target), "-h", "127.0.0.1", "-p", str(self.port()),
                    "-U", DB_USER, "-X", "stream", "--checkpoint=fast", "--no-password"]),
            capture_output=True, text=True, env={**os.environ, "PGPASSWORD": self.password()})
        if r.returncode != 0:
            if into is None:
                shutil.rmtree(target, ignore_errors=True)
            raise SetupError(f"pg_basebackup failed:\n{r.stderr.strip()}")
        if into is None:
            final = self.backups_dir / _stamp()
            target.rename(final)
            return final
        return target

    def backups(self) -> list[tuple[datetime, Path]]:
        """The base backups under base-backups/, oldest first, each with the instant it was complete."""
        out = []
        if self.backups_dir.is_dir():
            for p in self.backups_dir.iterdir():
                try:
                    out.append((datetime.strptime(p.name, STAMP).replace(tzinfo=timezone.utc), p))
                except ValueError:
                    continue
        return sorted(out)

    def restore(self, backup: str | Path | None = None, *, to: datetime | None = None) -> dict:
        """Stop the cluster, move its data folder aside, copy a base backup in its place and replay the WAL
        archive over it (and the WAL segments of the old folder the archive lacks, when it still exists): to
        its end, or to the instant `to`. Waits until recovery has ended and the cluster takes writes."""
        archive = self.archive_dir
        if to is not None and archive is None:
            raise SetupError("--to needs the WAL archive, and archiving is off (FRONTLINE_WAL_ARCHIVE=off)")
        if backup is None:
            usable = [p for t, p in self.backups() if to is None or t <= to]
            if not usable:
                raise SetupError("no base backup to restore" + (f" that was complete before {to.isoformat()}" if to else "")
                                 + f" in {self.backups_dir} (take one with `frontline backup`)")
            backup = usable[-1]
        base = Path(backup).resolve()
        if not (base / "PG_VERSION").exists():
            raise SetupError(f"{base} is not a base backup (no PG_VERSION in it)")
        if self.running():
            subprocess.run(_as_pg([str(_bindir() / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.datadir)]),
                           capture_output=True)
        aside = None
        if self.datadir.exists():
            aside = self.home / f"data.before-restore-{_stamp()}"
            self.datadir.rename(aside)
        r = subprocess.run(_as_pg(["cp", "-a", str(base), str(self.datadir)]), capture_output=True, text=True)
        if r.returncode != 0:
            raise SetupError(f"could not copy the base backup {base}: {r.stderr.strip()}")
        for name in ("postmaster.pid", "recovery.signal", "standby.signal"):
            (self.datadir / name).unlink(missing_ok=True)
        # WAL the old folder wrote but the archive had not taken yet (PostgreSQL's documented procedure).
        if aside is not None and (aside / "pg_wal").is_dir():
            for seg in sorted((aside / "pg_wal").iterdir()):
                if len(seg.name) == 24 and seg.is_file() and not (archive and (archive / seg.name).exists()):
                    subprocess.run(_as_pg(["cp", "-p", str(seg), str(self.datadir / "pg_wal" / seg.name)]), capture_output=True)
        import shlex

        recovery = {"restore_command": f"cp {shlex.quote(str(archive))}/%f %p" if archive else "false",
                    "recovery_target_action": "promote"}
        if to is not None:
            recovery["recovery_target_time"] = to.astimezone(timezone.utc).isoformat(sep=" ")
        self.write_conf(durable=self.durable, archive_command=self.archive_command(self.durable), recovery=recovery)
        signal = self.datadir / "recovery.signal"
        signal.write_text("")
        self._chown(signal)
        if not port_free(self.port()):
            (self.home / "port").write_text(str(free_port()))
        self._pg_ctl_start(timeout=24 * 3600)
        deadline = time.monotonic() + 24 * 3600
        while True:
            try:
                with self._connect(timeout=10) as conn:
                    if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        break
            except Exception:
                if not self.running():
                    raise SetupError(f"recovery failed:\n{self.log_tail()}") from None
            if time.monotonic() > deadline:
                raise SetupError("recovery did not end")
            time.sleep(0.3)
        self.write_conf(durable=self.durable, archive_command=self.archive_command(self.durable))
        self._reload()
        return {"backup": base, "moved_aside": aside}

    def _connect(self, timeout: float = 30):
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                return psycopg.connect(host="127.0.0.1", port=self.port(), user=DB_USER, password=self.password(),
                                       dbname="postgres", autocommit=True, connect_timeout=5)
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def ensure_database(self, name: str, *, fresh: bool = False) -> str:
        conn = self._connect()
        with conn:
            if fresh:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


STAMP = "%Y%m%dT%H%M%S.%fZ"


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime(STAMP)


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
