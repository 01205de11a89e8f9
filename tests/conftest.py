"""Shared fixtures: app, db, client (with CSRF-aware form posts), make_user, login_as, outbox."""

from __future__ import annotations

import email
import os
import re
from email.message import Message
from email.policy import default as default_policy

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from exchange import create_app
from exchange.accounts.models import User
from exchange.accounts.services import hash_password
from exchange.extensions import db as _db

TEST_PASSWORD = "correct horse battery"
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_PASSWORD_HASH: dict[str, str] = {}


def database_url(tmp_path_factory) -> str:
    """Return TEST_DATABASE_URL (PostgreSQL in CI) or a fresh SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


class FormClient(FlaskClient):
    """A test client that can submit forms the way a browser does, CSRF token included."""

    def open(self, *args, **kwargs):
        # Each request gets its own app context (its own `g` and database session), as in production;
        # otherwise the test's context would be reused and Flask-Login's cached user would leak across requests.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self, page: str = "/accounts/login") -> str:
        html = self.get(page).get_data(as_text=True)
        match = _CSRF_RE.search(html)
        assert match, f"no csrf_token on {page}"
        return match.group(1)

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        """GET `page` (default `url`) for a CSRF token, then POST `data` with it to `url`."""
        payload = dict(data or {})
        payload.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=payload, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["EXCHANGE_INSTANCE"] = str(instance)
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "MAIL_BACKGROUND": False,
        "MAIL_SERVER": None,
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "PUBLIC_URL": "http://localhost",
        "SERVER_NAME": None,
        "GC_THRESHOLDS": "default",  # a test that runs `serve` in this process must not freeze the suite's heap
    })
    app.test_client_class = FormClient
    from exchange.extensions import socketio

    socketio._test_app_server = socketio.server  # the session app's Socket.IO server, restored per test
    with app.app_context():
        from flask_migrate import upgrade

        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade()  # the schema comes from the migrations, as in production
        _db.session.remove()
    yield app


def _clean_tables() -> None:
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    if _db.engine.dialect.name == "postgresql":
        _db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - names come from our own metadata
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app):
    """Give each test an app context and empty tables."""
    from exchange.extensions import limiter, socketio
    from exchange.live import services as live_services

    # A test that builds a second app re-binds the shared Socket.IO server to it; bind it back.
    if app.extensions.get("socketio") is socketio and getattr(socketio, "_test_app_server", None) is not None:
        socketio.server = socketio._test_app_server
    with app.app_context():
        limiter.reset()  # each test starts with fresh rate-limit counters
        live_services.presence_counts.reset()  # and no room known to be big from an earlier test's tables
        yield _db
        _db.session.rollback()
        _clean_tables()
        _db.session.remove()


@pytest.fixture
def client(app) -> FormClient:
    return app.test_client()


@pytest.fixture
def make_user(db):
    """Create a user quickly (password TEST_PASSWORD); keyword overrides set any column."""
    counter = {"n": 0}

    def make(**overrides) -> User:
        counter["n"] += 1
        if "hash" not in _PASSWORD_HASH:
            _PASSWORD_HASH["hash"] = hash_password(TEST_PASSWORD)
        values = {
            "email": f"person{counter['n']}@example.org",
            "name": f"Person {counter['n']}",
            "role": "official",
            "timezone": "UTC",
            "language": "en",
            "password_hash": _PASSWORD_HASH["hash"],
        }
        values.update(overrides)
        user = User(**values)
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def login_as(client):
    """Log `client` in as `user` without going through the form."""

    def login(user: User, c: FlaskClient | None = None) -> FlaskClient:
        c = c or client
        with c.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        return c

    return login


@pytest.fixture
def outbox(db, tmp_path):
    """Read the outbox: a list of parsed email messages, oldest first."""
    from exchange.mail.models import OutboxMessage

    class Outbox:
        def rows(self, *, superseded: bool = False) -> list[OutboxMessage]:
            """Return the messages that are or will be sent (and, with `superseded`, those replaced unsent)."""
            query = db.select(OutboxMessage).order_by(OutboxMessage.id)
            if not superseded:
                query = query.where(OutboxMessage.status != "superseded")
            return list(db.session.scalars(query))

        def deliver(self, *, after: float | None = None) -> int:
            """Deliver what is due once the coalescing windows have passed (time-machine); return how many."""
            from datetime import timedelta

            import time_machine
            from flask import current_app

            from exchange.common.time import utcnow
            from exchange.mail.services import deliver_pending

            config = current_app.config
            wait = after if after is not None else max(config["MAIL_PERSON_WINDOW"], config["MAIL_ORGANIZER_WINDOW"]) + 1
            folder = config["MAIL_OUTBOX_DIR"]
            config["MAIL_OUTBOX_DIR"] = str(tmp_path / "delivered")  # files named by a future time stay apart
            try:
                with time_machine.travel(utcnow() + timedelta(seconds=wait), tick=False):
                    sent = deliver_pending(limit=10_000).sent
            finally:
                config["MAIL_OUTBOX_DIR"] = folder
            db.session.expire_all()
            return sent

        def messages(self, to: str | None = None) -> list[Message]:
            return [email.message_from_string(r.raw, policy=default_policy) for r in self.rows()
                    if to is None or r.to_addr == to]

        def last(self, to: str | None = None) -> Message:
            found = self.messages(to)
            assert found, f"no email{' to ' + to if to else ''} in the outbox"
            return found[-1]

    return Outbox()


def body_text(message: Message) -> str:
    """Return the text/plain body of an email."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


@pytest.fixture
def make_exchange(db, make_user):
    """Create a published public webinar with one session starting in a day (overrides set any column)."""
    from datetime import timedelta

    from exchange.common.time import utcnow
    from exchange.exchanges.models import Exchange, ExchangeSession

    def make(*, sessions: int = 1, starts_at=None, duration=timedelta(hours=1), session_zone: str = "UTC",
             **overrides) -> Exchange:
        values = {"kind": "webinar", "title": "Open data in practice", "status": "published",
                  "visibility": "public", "timezone": "UTC"}
        values.update(overrides)
        if "created_by" not in values:
            values["created_by"] = make_user(role="organizer")
        exchange = Exchange(**values)
        start = starts_at or (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
        for index in range(sessions):
            begin = start + index * (duration + timedelta(minutes=15))
            exchange.sessions.append(ExchangeSession(title=f"{exchange.title} — part {index + 1}", starts_at=begin,
                                                     ends_at=begin + duration, timezone=session_zone))
        db.session.add(exchange)
        db.session.commit()
        return exchange

    return make


@pytest.fixture
def register(db):
    """Put `user` in `exchange` with a registration status (default registered)."""
    from exchange.exchanges.models import Registration

    def add(user, exchange, status: str = "registered") -> Registration:
        registration = Registration(user=user, exchange=exchange, status=status)
        db.session.add(registration)
        db.session.commit()
        return registration

    return add


@pytest.fixture
def add_speaker(db):
    """Make `user` a speaker of `session` with a role (host, moderator, panelist), accepted."""
    from exchange.exchanges.models import SessionSpeaker

    def add(user, session, role: str = "panelist", status: str = "accepted") -> SessionSpeaker:
        speaker = SessionSpeaker(user=user, session=session, role=role, status=status)
        db.session.add(speaker)
        db.session.commit()
        return speaker

    return add
