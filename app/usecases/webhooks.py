"""Webhooks: endpoints told about every publish (a save, a revert, an import) that matches their filters.

Durable: `enqueue_for_revision` is called by the publishing service inside its own transaction, so a
delivery row exists exactly when the revision does. A worker in each app process sends due deliveries,
signs each body with HMAC-SHA256 and the endpoint's secret, and retries with exponential backoff for a day.
Nothing here can slow or fail a save: the enqueue is one INSERT ... SELECT inside a savepoint, and sending
happens later, elsewhere.

No receiver slows another: each attempt has one deadline for everything (DNS, connect, TLS, send, read;
DEADLINE), deliveries to different endpoints go out in parallel (at most PARALLEL at once per process, one
per endpoint at a time), and a claim (a lease, taken with SKIP LOCKED) lasts longer than any attempt can, so
two processes never send one delivery at the same time. The result of an attempt is written only by the
holder of the claim. Delivery is at least once: a receiver drops repeats by `X-Frontline-Delivery`.

Outgoing requests are http(s) only, follow no redirects, and refuse private, loopback, link-local and other
non-global addresses unless the endpoint was added with allow_private; an IPv6 address that embeds an IPv4
address (IPv4-compatible, IPv4-mapped or -translated, NAT64, 6to4, Teredo) is judged by that IPv4 address
too, and refused whatever allow_private says when it is not global (such an address is routed elsewhere,
never to this network). The address checked is the address connected to (no second DNS lookup an
attacker could answer differently). The statements are app/store/webhooks.py.
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
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout, wait
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
DELIVERY_HEADER = "X-Frontline-Delivery"   # the delivery's id: the same on every retry, for dropping repeats
DEADLINE = 10.0                    # seconds for one whole attempt: DNS, connect, TLS, send, read
GIVE_UP_AFTER = timedelta(days=1)
LEASE = timedelta(minutes=2)       # a claimed delivery is its worker's for this long: far more than an attempt
LEASE_MARGIN = 5.0                 # seconds of a lease kept after the attempt, to build the body and write the result
PARALLEL = 8                       # deliveries in flight at once per process (to different endpoints)
BATCH = PARALLEL
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


_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="frontline-webhook-dns")


def resolve(host: str, port: int, *, allow_private: bool, timeout: float | None = None) -> str:
    """The address to connect to; Refused when the host does not resolve (within `timeout` seconds when
    given) or resolves to an address check_address refuses."""
    try:
        if timeout is None:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        else:
            infos = _resolver.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM).result(max(timeout, 0.01))
    except FutureTimeout:
        raise Refused(f"the host {host!r} did not resolve within {timeout:.0f} s") from None
    except (socket.gaierror, UnicodeError) as e:
        raise Refused(f"the host {host!r} does not resolve ({e})") from None
    addrs = [str(check_address(sockaddr[0], allow_private=allow_private, host=host)) for *_, sockaddr in infos]
    if not addrs:
        raise Refused(f"the host {host!r} does not resolve")
    return addrs[0]


class _Deadline:
    """Ends a connection's attempt at a fixed time: each socket operation may take at most the time left, and
    at the deadline the socket is shut down, which ends a read or a send blocked in another thread (a
    receiver that drips one byte at a time never resets a per-operation timeout for long)."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's deadline passed")
        return left

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.expired:
                self._shutdown()

    def _shutdown(self) -> None:
        try:  # the plain socket's shutdown, also under a TLS socket: it ends blocked calls, keeps TLS state
            socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
        except (OSError, TypeError):
            pass

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            if self._sock is not None:
                self._shutdown()

    def cancel(self) -> None:
        self._timer.cancel()


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host, port, ip, deadline: _Deadline):
        super().__init__(host, port, timeout=deadline.left())
        self._ip, self._deadline = ip, deadline

    def connect(self):
        self.sock = socket.create_connection((self._ip, self.port), self._deadline.left())
        self._deadline.watch(self.sock)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, ip, deadline: _Deadline, context=None):
        super().__init__(host, port, timeout=deadline.left(), context=context or ssl.create_default_context())
        self._ip, self._deadline = ip, deadline

    def connect(self):
        raw = socket.create_connection((self._ip, self.port), self._deadline.left())
        self._deadline.watch(raw)
        sock = self._context.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
        self._deadline.watch(sock)  # the same file descriptor, now the TLS socket's
        sock.settimeout(self._deadline.left())
        sock.do_handshake()
        self.sock = sock


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, body: bytes, headers: dict, *, allow_private: bool, timeout: float = DEADLINE,
         ssl_context: ssl.SSLContext | None = None) -> tuple[int | None, str | None]:
    """POST once, all of it (DNS, connect, TLS, send, read) within `timeout` seconds. (HTTP status or None,
    error text or None); success is a 2xx and no error. TLS is verified against the system's certificate
    authorities (or `ssl_context`) and the URL's host name. No socket is made for a refused address."""
    deadline = None
    try:
        start = time.monotonic()
        scheme, host, port, path = check_url(url)
        ip = resolve(host, port, allow_private=allow_private, timeout=timeout)
        deadline = _Deadline(timeout - (time.monotonic() - start))
        if scheme == "https":
            conn = _PinnedHTTPS(host, port, ip, deadline, ssl_context)
        else:
            conn = _PinnedHTTP(host, port, ip, deadline)
        try:
            conn.request("POST", path, body=body, headers={**headers, "Content-Length": str(len(body))})
            resp = conn.getresponse()
            status = resp.status  # the answer: what follows is read only to be polite, and may be cut short
            try:
                resp.read(65536)
            except (OSError, http.client.HTTPException, ValueError):
                pass
        finally:
            conn.close()
    except Refused as e:
        return None, e.message
    except (OSError, http.client.HTTPException, ValueError) as e:
        if deadline is not None and (deadline.expired or isinstance(e, TimeoutError)):
            return None, f"no complete answer within {timeout:g} s (the deadline of an attempt)"
        return None, f"{e.__class__.__name__}: {e}"[:500]
    finally:
        if deadline is not None:
            deadline.cancel()
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
    resolve(host, port, allow_private=allow_private, timeout=DEADLINE)
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
    """Sends due deliveries: a daemon thread claims them (woken by each publish, and every `poll_seconds`),
    a pool of `parallel` threads sends them, one per endpoint at a time. `base_delay` is the first retry's
    wait in seconds; `deadline` bounds an attempt and `lease` a claim (a lease must outlast an attempt)."""

    def __init__(self, Session: sessionmaker, *, base_url: str, listen_url: str | None = None, poll_seconds: float = 1.0,
                 base_delay: float = 10.0, deadline: float | None = None, lease: timedelta | None = None,
                 parallel: int | None = None):
        self.Session, self.base_url, self.listen_url = Session, base_url.rstrip("/"), listen_url
        self.poll_seconds, self.base_delay = poll_seconds, base_delay
        self.deadline = DEADLINE if deadline is None else deadline
        self.lease = LEASE if lease is None else lease
        self.parallel = PARALLEL if parallel is None else parallel
        if self.lease.total_seconds() < self.deadline + LEASE_MARGIN + 1:
            raise ValueError("a webhook lease must outlast an attempt's deadline by more than "
                             f"{LEASE_MARGIN:g} s")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._busy: set[int] = set()   # endpoints with a delivery in flight from this worker
        self._next_prune = 0.0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="frontline-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._pool is not None:  # attempts in flight end by their deadline; queued ones wait for their lease
            self._pool.shutdown(wait=False, cancel_futures=True)

    def _tick(self) -> None:
        try:
            self.fill()
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
        # A finished attempt claims the next at once (fill), so a backlog does not wait for the poll.
        while not self._stop.is_set():
            try:
                if not self.listen_url:
                    raise RuntimeError("no listen url")
                with psycopg.connect(self.listen_url, autocommit=True, connect_timeout=3) as conn:
                    conn.execute("LISTEN frontline_revision")
                    while not self._stop.is_set():
                        self._tick()
                        for _ in conn.notifies(timeout=self.poll_seconds, stop_after=1):
                            pass
            except Exception:
                self._tick()
                self._stop.wait(self.poll_seconds)

    def fill(self) -> list:
        """Claim due deliveries for the free sending slots (one per endpoint not already being sent to by this
        worker) and start sending them; returns their futures."""
        if self._stop.is_set():
            return []
        with self._lock:
            free = self.parallel - len(self._busy)
            if free <= 0:
                return []
            with self.Session() as s:
                claimed = store.claim(s, lease_seconds=int(self.lease.total_seconds()), batch=free,
                                      busy=sorted(self._busy))
                s.commit()
            if not claimed:
                return []
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="frontline-webhook")
            claimed_at = time.monotonic()
            futures = []
            for d in claimed:
                self._busy.add(d["endpoint_id"])
                try:
                    futures.append(self._pool.submit(self._send, d, claimed_at))
                except RuntimeError:  # stopped meanwhile: the lease runs out and another worker sends it
                    self._busy.discard(d["endpoint_id"])
            return futures

    def _send(self, d, claimed_at: float) -> None:
        try:
            self._attempt(d, claimed_at)
        except Exception as e:  # e.g. the database went away mid-attempt: the lease expires, it is retried
            log.warning("webhook delivery %s: %s", d["id"], e.__class__.__name__)
        finally:
            with self._lock:
                self._busy.discard(d["endpoint_id"])
        if self._thread is not None:  # running (not driven by run_once): the freed slot takes the next at once
            self._tick()

    def run_once(self) -> int:
        """Claim one round of due deliveries, send them and wait; returns how many were attempted."""
        futures = self.fill()
        wait(futures)
        return len(futures)

    def _attempt(self, d, claimed_at: float) -> None:
        body = bytes(d["body"]) if d["body"] is not None else None
        if body is None:
            # Built once, at the first attempt, and kept: every retry sends the same bytes and signature.
            with self.Session() as s:
                body = body_for_revision(s, d["revision_id"], base=self.base_url)
                store.keep_body(s, d["id"], body)
                s.commit()
        # The attempt ends before the claim does (with time left to write its result), so no other worker
        # can take the delivery while this one may still be sending it.
        left = self.lease.total_seconds() - LEASE_MARGIN - (time.monotonic() - claimed_at)
        if left <= 1:
            log.warning("webhook delivery %s: too little of its lease left to send it; it waits for the lease", d["id"])
            return
        headers = {"Content-Type": "application/json", "User-Agent": "Frontline-Webhooks/1",
                   SIGNATURE_HEADER: sign(d["secret"], body), DELIVERY_HEADER: str(d["id"]),
                   "X-Frontline-Event": "revision"}
        status, error = post(d["url"], body, headers, allow_private=d["allow_private"], timeout=min(self.deadline, left))
        attempts = d["attempts"] + 1
        now = datetime.now(timezone.utc)
        with self.Session() as s:
            if error is None:
                kept = store.delivered(s, d["id"], lease=d["lease_until"], attempts=attempts, status=status)
            else:
                next_at = now + retry_delay(attempts, self.base_delay)
                gave_up = next_at - d["created_at"] > GIVE_UP_AFTER
                kept = store.failed_attempt(s, d["id"], lease=d["lease_until"], gave_up=gave_up, attempts=attempts,
                                            status=status, error=error[:500], next_at=next_at)
                log.info("webhook delivery %s to %s failed (attempt %s): %s", d["id"], d["url"], attempts, error)
            s.commit()
        if not kept:
            log.warning("webhook delivery %s: its lease ended before its result was written", d["id"])
