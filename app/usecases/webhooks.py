"""Webhooks: endpoints told about every publish (a save, a revert, an import) that matches their filters.

Durable: `enqueue_for_revision` is called by the publishing service inside its own transaction, so a
delivery row exists exactly when the revision does. A worker thread in each app process sends due
deliveries (rows are leased with SKIP LOCKED, so several processes never send one twice at once), signs
each body with HMAC-SHA256 and the endpoint's secret, and retries with exponential backoff for a day.
Nothing here can slow or fail a save: the enqueue is one INSERT ... SELECT inside a savepoint, and sending
happens later, elsewhere.

Outgoing requests are http(s) only, follow no redirects, time out, and refuse private, loopback,
link-local and other non-global addresses unless the endpoint was added with allow_private; an IPv6
address that embeds an IPv4 address (IPv4-compatible, IPv4-mapped or -translated, NAT64, 6to4, Teredo) is
judged by that IPv4 address too, and refused whatever allow_private says when it is not global (such an
address is routed elsewhere, never to this network). The address checked is the address connected to (no
second DNS lookup an attacker could answer differently). The statements are app/store/webhooks.py.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import logging
import socket
import ssl
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import orjson
import psycopg
from sqlalchemy.orm import Session, sessionmaker

from app.read import feeds
from app.store import webhooks as store
from app.domain.times import iso
from app.domain.errors import BadInput, NotFound, require_storable

log = logging.getLogger("frontline.webhooks")

SIGNATURE_HEADER = "X-Frontline-Signature"
TIMEOUT_SECONDS = 10.0
GIVE_UP_AFTER = timedelta(days=1)
LEASE = timedelta(minutes=2)   # a claimed delivery is someone's for this long (more than a batch of timeouts)
BATCH = 5
MAX_DELAY = timedelta(hours=2)


class Refused(BadInput):
    """A URL the sender will not call."""


# --- URLs and addresses -------------------------------------------------------------------------------------

def check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path?query) of an acceptable URL, or Refused with the reason."""
    if not isinstance(url, str) or len(url) > 2000:
        raise Refused("the URL must be at most 2000 characters")
    try:
        u = urlsplit(url.strip())
        port = u.port
    except ValueError as e:
        raise Refused(f"not a URL: {e}") from None
    if u.scheme not in ("http", "https"):
        raise Refused("only http:// and https:// URLs can receive webhooks")
    if not u.hostname:
        raise Refused("the URL has no host")
    if u.username or u.password:
        raise Refused("put no user name or password in the URL; the signature authenticates the sender")
    if u.fragment:
        raise Refused("the URL must not have a #fragment")
    path = (u.path or "/") + (f"?{u.query}" if u.query else "")
    return u.scheme, u.hostname, port or (443 if u.scheme == "https" else 80), path


# IPv6 ranges whose addresses carry an IPv4 address (RFC 4291, 6145, 6052, 8215, 3056, 4380).
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")            # ::a.b.c.d (deprecated; :: and ::1 are not)
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # ::ffff:0:a.b.c.d (SIIT)
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")               # well-known NAT64 prefix: the IPv4 in the last 32 bits
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")       # local-use NAT64: any RFC 6052 prefix length inside it
SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")            # 6to4: the IPv4 in bits 16-47
TEREDO = ipaddress.IPv6Network("2001::/32")                 # Teredo: a server and an (inverted) client IPv4


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[tuple[ipaddress.IPv4Address, str]]:
    """The IPv4 addresses an IPv6 address carries, each with the mechanism's name (none for a plain one).
    For the local-use NAT64 prefix, whose length is the network's choice, every RFC 6052 position."""
    out: list[tuple[ipaddress.IPv4Address, str]] = []
    b = ip.packed
    if ip.ipv4_mapped is not None:
        out.append((ip.ipv4_mapped, "IPv4-mapped"))
    if ip in IPV4_COMPATIBLE and int(ip) > 1:
        out.append((ipaddress.IPv4Address(b[12:]), "IPv4-compatible"))
    if ip in IPV4_TRANSLATED:
        out.append((ipaddress.IPv4Address(b[12:]), "IPv4-translated"))
    if ip in NAT64:
        out.append((ipaddress.IPv4Address(b[12:]), "NAT64"))
    if ip in NAT64_LOCAL:  # RFC 6052 section 2.2: /48, /56, /64 and /96 (bits 64-71 are always zero)
        for v4 in (b[6:8] + b[9:11], b[7:8] + b[9:12], b[9:13], b[12:16]):
            out.append((ipaddress.IPv4Address(v4), "local-use NAT64"))
    if ip in SIX_TO_FOUR:
        out.append((ipaddress.IPv4Address(b[2:6]), "6to4"))
    if ip in TEREDO:
        server, client = ip.teredo
        out += [(server, "Teredo server"), (client, "Teredo client")]
    return out


def check_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address, *, allow_private: bool,
                  host: str | None = None) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    """The address to connect to for `address` (an IPv4-mapped IPv6 address becomes its IPv4 address), or
    Refused: a non-global address without allow_private, and an IPv6 address embedding a non-global IPv4
    address (loopback, private...) in any case, since it is routed off this machine, not to that address."""
    ip = ipaddress.ip_address(str(address).split("%")[0]) if not isinstance(
        address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else address
    name = host if host and host != str(ip) else None
    where = f"{name} resolves to {ip}" if name else f"{ip}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in NAT64_LOCAL:  # which IPv4 address it carries depends on the prefix length the network chose
            maybe = ", ".join(dict.fromkeys(str(v4) for v4, _ in embedded_ipv4(ip)))
            raise Refused(f"{where}, a local-use NAT64 address (64:ff9b:1::/48) that may carry {maybe}: translated "
                          "on a private network, like a private, loopback or reserved address; give the IPv4 "
                          "address itself (with --allow-private if it is meant to be on your network)")
        for v4, kind in embedded_ipv4(ip):
            if not v4.is_global:
                raise Refused(f"{where}, an {kind} address of {v4}: a private, loopback or reserved address; "
                              "give the IPv4 address itself (with --allow-private if it is meant to be on your network)")
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    if not allow_private and not ip.is_global:
        raise Refused(f"{where}, a private, loopback or reserved address; "
                      "add the endpoint with --allow-private if it really is meant to be on your network")
    return ip


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to; Refused when the host does not resolve or resolves to an address
    check_address refuses."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise Refused(f"the host {host!r} does not resolve ({e})") from None
    addrs = [str(check_address(sockaddr[0], allow_private=allow_private, host=host)) for *_, sockaddr in infos]
    if not addrs:
        raise Refused(f"the host {host!r} does not resolve")
    return addrs[0]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, ip, timeout):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self):
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, ip, timeout, context=None):
        super().__init__(host, port, timeout=timeout, context=context or ssl.create_default_context())
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, body: bytes, headers: dict, *, allow_private: bool, timeout: float = TIMEOUT_SECONDS,
         ssl_context: ssl.SSLContext | None = None) -> tuple[int | None, str | None]:
    """POST once. (HTTP status or None, error text or None); success is a 2xx and no error. TLS is
    verified against the system's certificate authorities (or `ssl_context`) and the URL's host name."""
    try:
        scheme, host, port, path = check_url(url)
        ip = resolve(host, port, allow_private=allow_private)
        if scheme == "https":
            conn = _PinnedHTTPS(host, port, ip, timeout, ssl_context)
        else:
            conn = _PinnedHTTP(host, port, ip, timeout)
        try:
            conn.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
            resp = conn.getresponse()
            resp.read(65536)
            status = resp.status
        finally:
            conn.close()
    except Refused as e:
        return None, e.message
    except (OSError, http.client.HTTPException) as e:
        return None, f"{e.__class__.__name__}: {e}"[:500]
    if 200 <= status < 300:
        return status, None
    if 300 <= status < 400:
        return status, f"HTTP {status}: redirects are not followed; register the final URL"
    return status, f"HTTP {status}"


# --- endpoints ----------------------------------------------------------------------------------------------

def add_endpoint(session: Session, url: str, secret: str, *, factions: list[str] | None = None, place: str | None = None,
                 km: float = 0.0, allow_private: bool = False) -> int:
    """Register an endpoint (its URL, secret and filters checked first) and commit; returns its id."""
    require_storable(url, "url")
    _, host, port, _ = check_url(url)
    resolve(host, port, allow_private=allow_private)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 200:
        raise BadInput("the secret must be 16 to 200 characters (e.g. `openssl rand -hex 32`)")
    require_storable(secret, "secret")
    factions = [f.strip() for f in (factions or []) if f.strip()] or None
    if factions:
        known = feeds.faction_slugs(session)
        bad = [f for f in factions if f not in known]
        if bad:
            raise BadInput(f"unknown faction(s) {', '.join(bad)}; use one of: {', '.join(known)}")
    if place is not None and feeds.place(session, place) is None:
        raise BadInput(f"unknown place {place!r}; find its slug with GET /api/places?q=...")
    if place is None and km:
        raise BadInput("--km needs --place")
    if not 0 <= km <= 500:
        raise BadInput("--km must be between 0 and 500")
    eid = store.add_endpoint(session, url=url.strip(), secret=secret, factions=factions, place=place, km=km,
                             allow_private=allow_private)
    session.commit()
    return eid


def list_endpoints(session: Session) -> list[dict]:
    return [{**dict(r), "created_at": iso(r["created_at"])} for r in store.endpoints(session)]


def remove_endpoint(session: Session, endpoint_id: int) -> None:
    """Remove an endpoint and its deliveries, and commit."""
    if not store.remove_endpoint(session, endpoint_id):
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    session.commit()


def delivery_log(session: Session, *, limit: int = 50, endpoint_id: int | None = None) -> list[dict]:
    rows = store.deliveries(session, limit=limit, endpoint_id=endpoint_id)
    return [{**dict(r), **{k: iso(r[k]) for k in ("created_at", "next_attempt_at", "delivered_at")}} for r in rows]


# --- queueing (inside the publishing transaction) ----------------------------------------------------------

def enqueue_for_revision(session: Session, rev: int) -> int:
    """Queue one delivery per active endpoint whose filters match a change revision `rev` created, retracted
    or restored. Call it in the publishing transaction, before its commit. Never raises: a problem here is
    logged and the publish goes on (in a savepoint, so the transaction stays usable)."""
    try:
        with session.begin_nested():
            if not store.any_active(session):
                return 0
            ids = feeds.touched(session, rev)
            if not ids:
                return 0
            return store.enqueue(session, rev, ids)
    except Exception:
        log.exception("could not queue webhooks for revision %s; the publish goes on without them", rev)
        return 0


# --- sending ------------------------------------------------------------------------------------------------

def body_for_revision(session: Session, rev: int, *, base: str) -> bytes:
    """The JSON every endpoint gets for revision `rev`: the revision, its changes as JSON Feed items (with
    `_frontline.retracted_in` set on those it withdrew), and a link to the map."""
    r = session.execute(feeds.REVISION, {"rev": rev}).mappings().one()
    ds = feeds.dataset(session)
    items = feeds.entries_by_id(session, feeds.touched(session, rev), base=base)
    changes = [feeds.json_item(e, ds) for e in items]
    link = items[0]["link"] if items else f"{base}/"
    doc = {"event": "revision", "revision": {"id": r["id"], "published_at": iso(r["created_at"]), "kind": r["kind"],
                                             "reverts": r["reverts_id"]},
           "changes": changes, "link": link, "feed": f"{base}/api/changes.json"}
    return orjson.dumps(doc)


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """After the n-th failed attempt: base, 3x base, 9x base, ... capped at two hours."""
    return min(timedelta(seconds=base_seconds * 3 ** max(0, attempts - 1)), MAX_DELAY)


# The delivery log keeps finished deliveries for a month (pending ones give up after a day anyway).
KEEP_LOG = timedelta(days=30)


class Worker:
    """Sends due deliveries from a daemon thread. `base_delay` is the first retry's wait in seconds."""

    def __init__(self, Session: sessionmaker, *, base_url: str, listen_url: str | None = None, poll_seconds: float = 1.0,
                 base_delay: float = 10.0):
        self.Session, self.base_url, self.listen_url = Session, base_url.rstrip("/"), listen_url
        self.poll_seconds, self.base_delay = poll_seconds, base_delay
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_prune = 0.0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="frontline-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _drain(self) -> None:
        try:
            while self.run_once() and not self._stop.is_set():
                pass
            if time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + 3600
                with self.Session() as s:
                    store.prune(s, KEEP_LOG.days)
                    s.commit()
        except Exception as e:  # the database may be down: try again later
            log.warning("webhook worker: %s", e.__class__.__name__)

    def _loop(self) -> None:
        # Woken by the revisions trigger's NOTIFY (a publish just committed its deliveries), and every
        # poll_seconds anyway for retries that come due and for a notification missed across a reconnect.
        while not self._stop.is_set():
            try:
                if not self.listen_url:
                    raise RuntimeError("no listen url")
                with psycopg.connect(self.listen_url, autocommit=True, connect_timeout=3) as conn:
                    conn.execute("LISTEN frontline_revision")
                    while not self._stop.is_set():
                        self._drain()
                        for _ in conn.notifies(timeout=self.poll_seconds, stop_after=1):
                            pass
            except Exception:
                self._drain()
                self._stop.wait(self.poll_seconds)

    def run_once(self) -> int:
        """Claim and send one batch of due deliveries; returns how many were attempted."""
        with self.Session() as s:
            claimed = store.claim(s, lease_seconds=int(LEASE.total_seconds()), batch=BATCH)
            s.commit()
        for d in claimed:
            try:
                self._attempt(d)
            except Exception as e:  # e.g. the database went away mid-attempt: the lease expires, it is retried
                log.warning("webhook delivery %s: %s", d["id"], e.__class__.__name__)
        return len(claimed)

    def _attempt(self, d) -> None:
        body = bytes(d["body"]) if d["body"] is not None else None
        if body is None:
            # Built once, at the first attempt, and kept: every retry sends the same bytes and signature.
            with self.Session() as s:
                body = body_for_revision(s, d["revision_id"], base=self.base_url)
                store.keep_body(s, d["id"], body)
                s.commit()
        headers = {"Content-Type": "application/json", "User-Agent": "Frontline-Webhooks/1",
                   SIGNATURE_HEADER: sign(d["secret"], body), "X-Frontline-Delivery": str(d["id"]),
                   "X-Frontline-Event": "revision"}
        status, error = post(d["url"], body, headers, allow_private=d["allow_private"])
        attempts = d["attempts"] + 1
        now = datetime.now(timezone.utc)
        with self.Session() as s:
            if error is None:
                store.delivered(s, d["id"], attempts=attempts, status=status)
            else:
                next_at = now + retry_delay(attempts, self.base_delay)
                gave_up = next_at - d["created_at"] > GIVE_UP_AFTER
                store.failed_attempt(s, d["id"], gave_up=gave_up, attempts=attempts, status=status, error=error[:500],
                                     next_at=next_at)
                log.info("webhook delivery %s to %s failed (attempt %s): %s", d["id"], d["url"], attempts, error)
            s.commit()
