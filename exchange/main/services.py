"""Reads for site-wide pages and the health check."""

from __future__ import annotations

import redis
from sqlalchemy import text

from ..extensions import db


def health(redis_url: str | None) -> dict:
    """Check the database and, when configured, Redis; report each."""
    report: dict = {"ok": True, "database": "ok"}
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
    from ..exchanges.services import upcoming_public

    return {"role": getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None,
            "upcoming_exchanges": upcoming_public(limit=5)}


def remember_language(user, *, language: str) -> None:
    """Store a language chosen from the switcher in the person's profile."""
    user.language = language
    db.session.commit()
