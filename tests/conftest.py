"""The suite's one fixture vocabulary: a name means one thing in every test directory.

App and database: app, db, client (with CSRF-aware form posts), run (the `exchange` command), outbox, smtp_server.
People and things: make_user, login_as, organizer (a User), organizer_client, reference (the shipped focus areas,
topics and cities), make_expert (an ExpertProfile), make_expert_user (an approved expert's User), make_official
(a User with an OfficialProfile), make_exchange, register, add_speaker.
The live room: room, stored, live_client, live_server, room_client, wait_for (helpers in tests/live/helpers.py).
"""

from __future__ import annotations

import email
import os
import re
import threading
from email.message import Message
from email.policy import default as default_policy
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import select, text
from werkzeug.serving import make_server

from exchange import create_app
from exchange.accounts.models import User
from exchange.accounts.services import hash_password
from exchange.cli import cli
from exchange.common.time import utcnow
from exchange.experts.models import (
    AvailabilityWindow,
    City,
    ExpertLanguage,
    ExpertProfile,
    OfficialProfile,
    Topic,
)
from exchange.experts.reference import load_reference_data
from exchange.extensions import db as _db
from exchange.extensions import socketio
from tests.live.helpers import LiveClient, RoomClient, log_in, login_cookie, wait_for
from tests.mail.helpers import Sink, free_port

TEST_PASSWORD = "correct horse battery"
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_PASSWORD_HASH: dict[str, str] = {}
WEEKDAYS_9_TO_5 = [(d, 9 * 60, 17 * 60) for d in range(5)]


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
            # A proven address, as every account had before verification existed; pass None for an unverified one.
            "email_verified_at": utcnow(),
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
        return log_in(c or client, user)

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
    """Create a published public webinar with one session starting in a day (overrides set any column).

    Its creator (`created_by`, a new organizer unless given) is on its team, as when an organizer creates one;
    `team` names co-organizers to add."""
    from datetime import timedelta

    from exchange.common.time import utcnow
    from exchange.exchanges.models import Exchange, ExchangeSession, ExchangeTeamMember

    def make(*, sessions: int = 1, starts_at=None, duration=timedelta(hours=1), session_zone: str = "UTC",
             team=(), **overrides) -> Exchange:
        values = {"kind": "webinar", "title": "Open data in practice", "status": "published",
                  "visibility": "public", "timezone": "UTC"}
        values.update(overrides)
        if "created_by" not in values:
            values["created_by"] = make_user(role="organizer")
        exchange = Exchange(**values)
        creator = values["created_by"]
        for member in ([creator] if creator is not None and creator.role in ("organizer", "admin") else []) + list(team):
            exchange.team.append(ExchangeTeamMember(user=member, added_by=creator))
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


@pytest.fixture
def run(app):
    """Run the `exchange` command line against the test app; return click's Result."""

    def invoke(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), input=input)

    return invoke


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback that the app delivers to; yields its Sink (messages, envelopes)."""
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield sink
    app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
    controller.stop()


# --- people and reference data -------------------------------------------------------------------------------------

@pytest.fixture
def organizer(make_user):
    """An organizer (a User): Olivia, in New York."""
    return make_user(role="organizer", name="Olivia Organizer", email="olivia@example.org", timezone="America/New_York")


@pytest.fixture
def organizer_client(app, organizer, login_as):
    """A test client of its own, logged in as `organizer`."""
    return login_as(organizer, app.test_client())


@pytest.fixture
def reference(db):
    """Load the shipped focus areas, topics and cities; `reference.city(slug)` returns a City."""
    load_reference_data()
    db.session.commit()

    class Ref:
        @staticmethod
        def city(slug: str) -> City:
            return db.session.scalar(select(City).where(City.slug == slug))

    return Ref()


@pytest.fixture
def make_expert(db, make_user, reference):
    """Create an expert profile (approved unless told) and return the ExpertProfile; overrides set profile columns."""

    def make(*, user=None, status: str = "approved", topics=("open-data",), languages=(("en", "native"),),
             timezone: str = "America/New_York", windows=WEEKDAYS_9_TO_5, name: str | None = None,
             **fields) -> ExpertProfile:
        if user is None:
            extra = {"name": name} if name else {}
            user = make_user(role="expert" if status == "approved" else "official", timezone=timezone, **extra)
        topic_rows = list(db.session.scalars(select(Topic).where(Topic.slug.in_(topics))))
        values = {"job_title": "Chief Data Officer", "city_government": "City of Somewhere", "state": "NY",
                  "department": "Innovation", "bio": "Ran the open data program.", "timezone": timezone}
        values.update(fields)
        profile = ExpertProfile(user=user, status=status, topics=topic_rows,
                                focus_areas=list({t.focus_area for t in topic_rows}), **values)
        profile.languages = [ExpertLanguage(code=c, level=lvl) for c, lvl in languages]
        profile.availability = [AvailabilityWindow(weekday=d, start_minute=s, end_minute=e) for d, s, e in windows]
        db.session.add(profile)
        db.session.commit()
        return profile

    return make


@pytest.fixture
def make_expert_user(db, make_user):
    """Create an approved expert and return the User; `windows` [(weekday, start minute, end minute)] in their
    zone, or none; overrides set user columns. (make_expert returns the profile.)"""

    def make(*, windows=None, timezone: str = "America/Chicago", **overrides) -> User:
        user = make_user(role="expert", timezone=timezone, **overrides)
        profile = ExpertProfile(user=user, status="approved", job_title="CIO", city_government="City", state="IL",
                                timezone=timezone)
        profile.availability = [AvailabilityWindow(weekday=d, start_minute=s, end_minute=e) for d, s, e in windows or []]
        db.session.add(profile)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_official(db, make_user, reference):
    """Create an official (a User) with a profile in a city (by slug) and a stakeholder group."""

    def make(*, city: str = "lagos", group: str = "innovation_staff", languages: str = "en", **user_fields) -> User:
        city_row = reference.city(city)
        user_fields.setdefault("timezone", city_row.timezone)
        user = make_user(role="official", **user_fields)
        db.session.add(OfficialProfile(user=user, city=city_row, organization="City Hall", role_title="Director",
                                       stakeholder_group=group, languages=languages))
        db.session.commit()
        return user

    return make


# --- the live room -------------------------------------------------------------------------------------------------

@pytest.fixture
def room(db, make_user, make_exchange, register, add_speaker):
    """An open webinar room: host, moderator, panelist, two registered officials, an organizer and outsiders."""
    organizer = make_user(role="organizer", name="Olivia Organizer")
    exchange = make_exchange(created_by=organizer, video_url="https://meet.jit.si/peer-exchange-test")
    session = exchange.sessions[0]
    session.room_status = "open"
    db.session.commit()
    people = {
        "host": make_user(role="expert", name="Hana Host"),
        "moderator": make_user(role="expert", name="Moe Moderator"),
        "panelist": make_user(role="expert", name="Pablo Panelist"),
        "official": make_user(name="Adaeze Official"),
        "other": make_user(name="Budi Other"),
        "waitlisted": make_user(name="Wanda Waitlisted"),
        "outsider": make_user(name="Oscar Outsider"),
        "declined": make_user(role="expert", name="Dee Declined"),
    }
    add_speaker(people["host"], session, "host")
    add_speaker(people["moderator"], session, "moderator")
    add_speaker(people["panelist"], session, "panelist")
    add_speaker(people["declined"], session, "host", status="declined")
    register(people["official"], exchange)
    register(people["other"], exchange)
    register(people["waitlisted"], exchange, "waitlisted")
    return SimpleNamespace(exchange=exchange, session=session, id=session.id, organizer=organizer, **people)


@pytest.fixture
def stored(db):
    """Count the rows of a model with a fresh query (not the identity map)."""
    from sqlalchemy import func, select

    def count(model) -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(model))

    return count


@pytest.fixture
def live_client(app, db):
    """Make LiveClients; they disconnect at the end of the test."""
    made: list[LiveClient] = []

    def make(user=None) -> LiveClient:
        client = LiveClient(app, user)
        made.append(client)
        return client

    yield make
    for client in made:
        client.disconnect()


@pytest.fixture(name="wait_for")
def wait_for_fixture():
    """Give tests `wait_for(condition, what=...)`."""
    return wait_for


@pytest.fixture
def live_server(app, db):
    """Serve the app (HTTP + Socket.IO, threading mode) on a free loopback port; yield its base URL."""
    # Flask-SocketIO's test client patches the server object for good (packets to in-memory queues,
    # synchronous handlers); give the real server its real behaviour back.
    for name in ("_send_packet", "_send_eio_packet"):
        socketio.server.__dict__.pop(name, None)
    socketio.server.async_handlers = socketio.server.eio.async_handlers = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def room_client(live_server):
    """Connect RoomClients (logged in through the login form) to the live server or a proxy in front of it."""
    made: list[RoomClient] = []

    def connect(user, session_id: int, *, via: str | None = None, transports=("websocket",),
                cookie: str | None = None) -> RoomClient:
        base = via or live_server
        client = RoomClient(base, cookie or login_cookie(live_server, user), session_id, transports)
        made.append(client)
        return client

    yield connect
    for client in made:
        client.close()
