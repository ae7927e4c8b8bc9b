"""Statements on webhooks: endpoints, the deliveries queued for a revision, and the worker's lease on them.

Deliveries are leased with FOR UPDATE SKIP LOCKED, so several app processes never send one twice at once
(app/usecases/webhooks.py sends them): a claim takes the earliest due delivery of each endpoint (so one
endpoint's backlog never hides another's), and the lease's end, returned with it, is the claim's token: an
attempt's result is written only while the delivery is still leased to that token. Bound parameters always.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import RowMapping
from sqlalchemy.orm import Session

ADD_ENDPOINT = text("""INSERT INTO webhook_endpoints (url, secret, factions, place_slug, km, allow_private)
                       VALUES (:url, :secret, :factions, :place, :km, :allow) RETURNING id""")

ENDPOINTS = text("""
    SELECT e.id, e.url, e.factions, e.place_slug, e.km, e.allow_private, e.active, e.created_at,
           count(d.id) FILTER (WHERE d.status = 'pending') AS pending,
           count(d.id) FILTER (WHERE d.status = 'delivered') AS delivered,
           count(d.id) FILTER (WHERE d.status = 'failed') AS failed
    FROM webhook_endpoints e LEFT JOIN webhook_deliveries d ON d.endpoint_id = e.id
    GROUP BY e.id ORDER BY e.id""")

REMOVE_ENDPOINT = text("DELETE FROM webhook_endpoints WHERE id = :id")

DELIVERIES = text("""
    SELECT d.id, d.endpoint_id, e.url, d.revision_id, d.status, d.attempts, d.last_status, d.last_error,
           d.created_at, d.next_attempt_at, d.delivered_at
    FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
    WHERE CAST(:ep AS integer) IS NULL OR d.endpoint_id = :ep
    ORDER BY d.id DESC LIMIT :limit""")

ANY_ACTIVE = text("SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE active)")

# One delivery per active endpoint whose filters (factions, a place and a distance) match one of the changes.
ENQUEUE = text("""
    INSERT INTO webhook_deliveries (endpoint_id, revision_id)
    SELECT e.id, :rev FROM webhook_endpoints e
    WHERE e.active AND EXISTS (
        SELECT 1 FROM control_changes c JOIN factions f ON f.id = c.faction_id
        WHERE c.id = ANY(:ids)
          AND (e.factions IS NULL OR f.slug = ANY(e.factions))
          AND (e.place_slug IS NULL OR EXISTS (
               SELECT 1 FROM places p WHERE p.slug = e.place_slug
               AND ST_DWithin(c.geom::geography, p.geom::geography, e.km * 1000))))
    ON CONFLICT DO NOTHING
""")

PRUNE = text("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < now() - CAST(:keep AS interval)")

CLAIM = text("""
    UPDATE webhook_deliveries d SET next_attempt_at = now() + CAST(:lease AS interval)
    FROM webhook_endpoints e
    WHERE e.id = d.endpoint_id AND d.id IN (
        SELECT due.id FROM webhook_endpoints x
        CROSS JOIN LATERAL (
            SELECT w.id, w.next_attempt_at FROM webhook_deliveries w
            WHERE w.endpoint_id = x.id AND w.status = 'pending' AND w.next_attempt_at <= now()
            ORDER BY w.next_attempt_at, w.id LIMIT 1 FOR UPDATE SKIP LOCKED) due
        WHERE x.id <> ALL(CAST(:busy AS integer[]))
        ORDER BY due.next_attempt_at, due.id LIMIT :batch)
    RETURNING d.id, d.endpoint_id, d.revision_id, d.attempts, d.body, d.created_at, d.next_attempt_at AS lease_until,
              e.url, e.secret, e.allow_private
""")

KEEP_BODY = text("UPDATE webhook_deliveries SET body = :b WHERE id = :id AND body IS NULL")
# Only the holder of the lease (its end is the token) writes an attempt's result.
DELIVERED = text("""UPDATE webhook_deliveries SET status = 'delivered', attempts = :a, last_status = :st,
                    last_error = NULL, delivered_at = now()
                    WHERE id = :id AND status = 'pending' AND next_attempt_at = :lease""")
FAILED_ATTEMPT = text("""UPDATE webhook_deliveries SET status = :status, attempts = :a, last_status = :st,
                         last_error = :err, next_attempt_at = :next
                         WHERE id = :id AND status = 'pending' AND next_attempt_at = :lease""")


def add_endpoint(session: Session, *, url: str, secret: str, factions: list[str] | None, place: str | None, km: float,
                 allow_private: bool) -> int:
    return session.execute(ADD_ENDPOINT, {"url": url, "secret": secret, "factions": factions, "place": place, "km": km,
                                          "allow": allow_private}).scalar_one()


def endpoints(session: Session) -> list[RowMapping]:
    """Every endpoint with its pending, delivered and failed delivery counts."""
    return list(session.execute(ENDPOINTS).mappings())


def remove_endpoint(session: Session, endpoint_id: int) -> bool:
    """False when there was no such endpoint. Its deliveries go with it (ON DELETE CASCADE)."""
    return session.execute(REMOVE_ENDPOINT, {"id": endpoint_id}).rowcount > 0


def deliveries(session: Session, *, limit: int, endpoint_id: int | None) -> list[RowMapping]:
    """The latest deliveries (of one endpoint when given), newest first."""
    return list(session.execute(DELIVERIES, {"ep": endpoint_id, "limit": limit}).mappings())


def any_active(session: Session) -> bool:
    return bool(session.execute(ANY_ACTIVE).scalar_one())


def enqueue(session: Session, rev: int, change_ids: list[int]) -> int:
    """Queue revision `rev` for every active endpoint whose filters match one of `change_ids`; how many."""
    return session.execute(ENQUEUE, {"rev": rev, "ids": change_ids}).rowcount


def prune(session: Session, keep_days: int) -> None:
    """Forget finished deliveries older than `keep_days`."""
    session.execute(PRUNE, {"keep": f"{keep_days} days"})


def claim(session: Session, *, lease_seconds: int, batch: int, busy: list[int] | None = None) -> list[RowMapping]:
    """Lease up to `batch` due deliveries for `lease_seconds`, at most one per endpoint and none of the endpoints
    in `busy` (skipping those another process holds). Each comes with `lease_until`, its claim's token."""
    return list(session.execute(CLAIM, {"lease": f"{lease_seconds} seconds", "batch": batch,
                                        "busy": list(busy or [])}).mappings())


def keep_body(session: Session, delivery_id: int, body: bytes) -> None:
    session.execute(KEEP_BODY, {"b": body, "id": delivery_id})


def delivered(session: Session, delivery_id: int, *, lease: datetime, attempts: int, status: int | None) -> bool:
    """Mark it delivered; False (nothing written) when its lease `lease` is no longer the current one."""
    return session.execute(DELIVERED, {"a": attempts, "st": status, "id": delivery_id, "lease": lease}).rowcount > 0


def failed_attempt(session: Session, delivery_id: int, *, lease: datetime, gave_up: bool, attempts: int,
                   status: int | None, error: str, next_at: datetime) -> bool:
    """Record a failed attempt (and when to retry, or that it gave up); False when the lease is not ours."""
    return session.execute(FAILED_ATTEMPT, {"status": "failed" if gave_up else "pending", "a": attempts, "st": status,
                                            "err": error, "next": next_at, "id": delivery_id,
                                            "lease": lease}).rowcount > 0
