"""Reads for site-wide pages and the health check."""

from __future__ import annotations

import redis
from sqlalchemy import text

from ..exchanges.services import upcoming_public
from ..extensions import db
from ..live import roomlock


def health(redis_url: str | None, *, stuck_after: float = 5.0) -> dict:
    """Check the database and, when configured, Redis, and that no live room's writes are stuck; report each.

    `live.stuck_rooms` lists the rooms of this process whose write lock has been held for more than
    `stuck_after` seconds (their holder's stack is in the log): the process is unhealthy while there is one.
    """
    stuck = [{"session_id": room.session_id, "held_seconds": room.held_seconds}
             for room in roomlock.stuck(stuck_after)]
    report: dict = {"ok": not stuck, "database": "ok", "live": {"stuck_rooms": stuck}}
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
    except Exception as exc:  # any failure means unhealthy; the type is enough for an operator
        db.session.rollback()
        report.update(ok=False, database=f"error: {type(exc).__name__}")
    if redis_url:
        try:
            client = redis.Redis.from_url(redis_url, socket_connect_timeout=1, socket_timeout=1)
            client.ping()
            report["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            report.update(ok=False, redis=f"error: {type(exc).__name__}")
    return report


def home_summary(user) -> dict:
    """Return what the home page shows this visitor (extended by later features)."""
    return {"role": getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None,
            "upcoming_exchanges": upcoming_public(limit=5)}


def remember_language(user, *, language: str) -> None:
    """Store a language chosen from the switcher in the person's profile."""
    user.language = language
    db.session.commit()
