"""The demo program: loaded idempotently by `exchange demo` (safe to run again and again)."""

from __future__ import annotations

from sqlalchemy import select

from .accounts.models import User
from .accounts.services import hash_password
from .extensions import db

DEMO_PASSWORD = "demo-peer-exchange"

# (role, email, name, time zone, language)
DEMO_PEOPLE = [
    ("admin", "admin@demo.peer-exchange.org", "Ada Admin", "America/New_York", "en"),
    ("organizer", "organizer@demo.peer-exchange.org", "Olivia Organizer", "America/New_York", "en"),
    ("expert", "chicago.cio@demo.peer-exchange.org", "Marcus Reed", "America/Chicago", "en"),
    ("expert", "la.data@demo.peer-exchange.org", "Elena Vargas", "America/Los_Angeles", "en"),
    ("expert", "boston.engage@demo.peer-exchange.org", "Priya Natarajan", "America/New_York", "en"),
    ("official", "lagos@demo.peer-exchange.org", "Adaeze Okafor", "Africa/Lagos", "en"),
    ("official", "jakarta@demo.peer-exchange.org", "Budi Santoso", "Asia/Jakarta", "en"),
    ("official", "mexico@demo.peer-exchange.org", "Lucía Hernández", "America/Mexico_City", "es"),
    ("official", "saopaulo@demo.peer-exchange.org", "João Silva", "America/Sao_Paulo", "pt"),
    ("official", "mumbai@demo.peer-exchange.org", "Anjali Mehta", "Asia/Kolkata", "en"),
]


def _ensure_users() -> dict[str, User]:
    users: dict[str, User] = {}
    password_hash = None
    for role, email, name, zone, language in DEMO_PEOPLE:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            user = User(email=email, name=name, role=role, timezone=zone, language=language,
                        password_hash=password_hash)
            db.session.add(user)
        users[email] = user
    db.session.flush()
    return users


def load_demo() -> list[tuple[str, str]]:
    """Create or refresh the demo program; return (role, email) of the demo logins."""
    _ensure_users()
    db.session.commit()
    return [(role, email) for role, email, *_ in DEMO_PEOPLE]
