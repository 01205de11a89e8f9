"""The `exchange` command line: user create, demo data, outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import User
from exchange.demo import DEMO_PASSWORD, DEMO_PEOPLE
from exchange.extensions import db as _db


def test_user_create_with_password(run, db):
    result = run("user", "create", "--email", "Org@Example.org", "--name", "Olu Organizer", "--role", "organizer",
                 "--password", "long enough password")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "org@example.org"))
    assert user.role == "organizer"
    assert user.email_verified_at is not None  # the person who creates an account vouches for its address


def test_user_create_prompts_for_password(run, db):
    result = run("user", "create", "--email", "p@example.org", "--name", "P", "--role", "expert",
                 input="prompted pass phrase\nprompted pass phrase\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User.role).where(User.email == "p@example.org")) == "expert"


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "official", "--password", "short"], "at least 10 characters"),
    (["--role", "official", "--password", "Password2024"], "too easy to guess"),
    (["--role", "king", "--password", "long enough password"], "Invalid value for '--role'"),
    (["--role", "official", "--password", "long enough password", "--timezone", "Nowhere/Land"], "Unknown time zone"),
])
def test_user_create_rejects_bad_input_with_a_message(run, db, args, message):
    result = run("user", "create", "--email", "bad@example.org", "--name", "Bad", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_user_create_refuses_duplicate_email(run, make_user):
    make_user(email="dup@example.org")
    result = run("user", "create", "--email", "DUP@example.org", "--name", "D", "--role", "official",
                 "--password", "long enough password")
    assert result.exit_code != 0 and "already exists" in result.output


def test_demo_loads_idempotently_and_prints_logins(run, db):
    first = run("demo", "--no-serve")
    assert first.exit_code == 0, first.output
    second = run("demo", "--no-serve")
    assert second.exit_code == 0, second.output
    assert DEMO_PASSWORD in second.output
    for _role, email, *_ in DEMO_PEOPLE:
        assert email in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_PEOPLE)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email_verified_at.is_(None))) == 0


def test_demo_logins_work(run, client):
    run("demo", "--no-serve")
    _role, email, *_ = DEMO_PEOPLE[1]
    response = client.submit("/accounts/login", {"email": email, "password": DEMO_PASSWORD}, follow_redirects=True)
    assert "You are logged in." in response.get_data(as_text=True)


def test_outbox_send_and_status(run, client, db):
    client.submit("/accounts/signup", {"name": "Ana", "email": "ana@example.org", "password": "long enough password",
                                       "timezone": "UTC", "language": "en"})
    status = run("outbox", "status")
    assert "pending       1" in status.output
    sent = run("outbox", "send")
    assert "Sent 1, failed 0" in sent.output
    assert "sent          1" in run("outbox", "status").output


def test_user_disable(run, make_user, db):
    user = make_user(email="off@example.org")
    result = run("user", "disable", "--email", "off@example.org")
    assert result.exit_code == 0 and "disabled" in result.output
    db.session.refresh(user)
    assert user.disabled


def test_demo_program_has_reference_data_a_live_webinar_and_a_conference_next_week(run, db):
    from datetime import timedelta

    from exchange.common.time import utcnow
    from exchange.exchanges.models import Exchange
    from exchange.experts.models import City, ExpertProfile, FocusArea

    run("demo", "--no-serve")
    assert db.session.scalar(select(func.count()).select_from(FocusArea)) == 3
    assert db.session.scalar(select(func.count()).select_from(City)) >= 30
    assert db.session.scalar(select(func.count()).select_from(ExpertProfile).where(ExpertProfile.status == "approved")) >= 3
    exchanges = {e.kind: e for e in db.session.scalars(select(Exchange))}
    now = utcnow()
    live = exchanges["webinar"].sessions[0]
    assert live.starts_at <= now < live.ends_at and live.room_status == "open"
    assert all(timedelta(days=6) < s.starts_at - now < timedelta(days=8) for s in exchanges["conference"].sessions)
    assert len(exchanges["conference"].tracks) == 2


def test_demo_run_again_later_makes_the_webinar_live_again(run, db):
    from datetime import timedelta

    import time_machine

    from exchange.common.time import utcnow
    from exchange.exchanges.models import Exchange

    run("demo", "--no-serve")
    later = utcnow() + timedelta(days=3)
    with time_machine.travel(later):
        run("demo", "--no-serve")
        db.session.expire_all()
        webinar = db.session.scalar(select(Exchange).where(Exchange.kind == "webinar"))
        session = webinar.sessions[0]
        assert session.starts_at <= utcnow() < session.ends_at
        assert session.ical_sequence == 1


def test_several_workers_need_redis(run, app):
    assert app.config.get("REDIS_URL") is None
    result = run("serve", "--workers", "2")
    assert result.exit_code != 0
    assert "set REDIS_URL" in result.output


@pytest.fixture
def collector():
    """Give a test the garbage collector and put it back as it was (thresholds, nothing frozen)."""
    import gc

    before = gc.get_threshold()
    gc.unfreeze()
    yield gc
    gc.unfreeze()
    gc.set_threshold(*before)


def test_serve_collects_garbage_less_often_and_skips_what_start_up_made(collector):
    from exchange.server import tune_gc

    collector.set_threshold(700, 10, 10)
    tune_gc("default")
    assert collector.get_threshold() == (700, 10, 10) and collector.get_freeze_count() == 0
    tune_gc("10000,50,100")
    assert collector.get_threshold() == (10000, 50, 100)
    assert collector.get_freeze_count() > 0  # the app and modules loaded so far are no longer scanned


@pytest.mark.parametrize("bad", ["10000,50", "0,10,10", "many"])
def test_serve_refuses_bad_gc_thresholds_with_a_message(collector, bad):
    import click

    from exchange.server import tune_gc

    before = collector.get_threshold()
    with pytest.raises(click.ClickException) as caught:
        tune_gc(bad)
    assert "GC_THRESHOLDS must be three positive numbers" in caught.value.message
    assert collector.get_threshold() == before and collector.get_freeze_count() == 0


@pytest.mark.parametrize(("host", "port", "url"), [
    ("127.0.0.1", 5101, "http://127.0.0.1:5101"),
    ("0.0.0.0", 5101, "http://127.0.0.1:5101"),  # noqa: S104 - every interface: reached at the loopback
    ("::", 8080, "http://127.0.0.1:8080"),
    ("192.168.1.20", 5000, "http://192.168.1.20:5000"),
    ("::1", 5101, "http://[::1]:5101"),
    ("exchange.local", 5101, "http://exchange.local:5101"),
])
def test_without_public_url_the_server_takes_the_address_it_listens_on(tmp_path, monkeypatch, host, port, url):
    from exchange.config import load_config, public_url_for_listening

    monkeypatch.delenv("PUBLIC_URL", raising=False)
    config = load_config(str(tmp_path))
    assert config["PUBLIC_URL"] == "http://127.0.0.1:5000"  # before any server chose (other commands)
    assert public_url_for_listening(config, host, port) == url
    assert config["PUBLIC_URL"] == url


def test_a_public_url_that_is_set_wins_over_the_listen_address(tmp_path, monkeypatch):
    from exchange.config import load_config, public_url_for_listening

    monkeypatch.setenv("PUBLIC_URL", "https://exchange.example.org/")
    config = load_config(str(tmp_path))
    assert public_url_for_listening(config, "0.0.0.0", 5101) == "https://exchange.example.org"  # noqa: S104
    assert config["PUBLIC_URL"] == "https://exchange.example.org"


def _cli_app(tmp_path, monkeypatch, **env):
    """Create the app as the `exchange` command does: from the environment only."""
    from exchange import create_app

    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite'}")
    monkeypatch.setenv("MAIL_BACKGROUND", "0")
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("EXCHANGE_ENV", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = create_app()
    app.config.update(WTF_CSRF_ENABLED=False)  # the test posts forms directly
    return app


def _run(app, *args):
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from exchange.cli import cli

    with app.app_context():  # the suite's app context is active; the command must find this app's
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def test_demo_on_another_port_writes_that_port_in_every_link(tmp_path, monkeypatch):
    from exchange.exchanges.models import Exchange
    from exchange.mail.models import OutboxMessage

    app = _cli_app(tmp_path, monkeypatch)
    result = _run(app, "demo", "--no-serve", "--port", "5101")
    assert result.exit_code == 0, result.output
    assert "Links in emails and calendars use http://127.0.0.1:5101" in result.output
    base = "http://127.0.0.1:5101"
    with app.app_context():
        client = app.test_client()
        client.post("/accounts/login", data={"email": "lagos@demo.peer-exchange.org", "password": DEMO_PASSWORD})
        client.post("/calendar/token")
        profile = client.get("/accounts/profile").get_data(as_text=True)
        assert f'value="{base}/calendar/' in profile  # the private feed address
        assert "webcal://127.0.0.1:5101/calendar/" in profile
        assert "127.0.0.1%3A5101%2Fcalendar%2F" in profile  # Google's and Outlook's subscribe links
        exchange = _db.session.scalar(select(Exchange).where(Exchange.status == "published").order_by(Exchange.id))
        page = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
        assert f'href="{base}/exchanges/{exchange.id}/calendar.ics" download' in page
        assert "webcal://127.0.0.1:5101/exchanges/" in page
        assert "calendar.google.com" in page and "127.0.0.1%3A5101" in page
        assert ":5000" not in profile + page
        ics = client.get(f"/exchanges/{exchange.id}/calendar.ics").get_data(as_text=True)
        assert f"URL:{base}/" in ics.replace("\r\n ", "") and ":5000" not in ics
        client.post("/accounts/logout")
        client.post("/accounts/reset", data={"email": "lagos@demo.peer-exchange.org"})
        raw = _db.session.scalars(select(OutboxMessage.raw).order_by(OutboxMessage.id.desc())).first()
        assert f"{base}/accounts/reset/" in raw.replace("=\n", "")


def test_demo_keeps_a_public_url_that_is_set(tmp_path, monkeypatch):
    app = _cli_app(tmp_path, monkeypatch, PUBLIC_URL="https://exchange.example.org")
    result = _run(app, "demo", "--no-serve", "--port", "5101")
    assert result.exit_code == 0, result.output
    assert "Links in emails and calendars use https://exchange.example.org (set)" in result.output
    assert app.config["PUBLIC_URL"] == "https://exchange.example.org"


def test_the_demo_shows_teams_two_organizers_run_the_webinar_and_only_olivia_the_conference(run, db, client):
    from exchange.exchanges.models import Exchange, ExchangeTeamMember

    run("demo", "--no-serve")
    assert run("demo", "--no-serve").exit_code == 0  # a second run adds nobody twice
    teams = {}
    for external_id in ("demo-webinar-open-data", "demo-conference-engagement"):
        exchange = db.session.scalar(select(Exchange).where(Exchange.external_id == external_id))
        teams[external_id] = sorted(db.session.scalars(select(User.email).join(
            ExchangeTeamMember, ExchangeTeamMember.user_id == User.id).where(ExchangeTeamMember.exchange_id == exchange.id)))
    assert teams == {"demo-webinar-open-data": ["coorganizer@demo.peer-exchange.org", "organizer@demo.peer-exchange.org"],
                     "demo-conference-engagement": ["organizer@demo.peer-exchange.org"]}
    client.submit("/accounts/login", {"email": "coorganizer@demo.peer-exchange.org", "password": DEMO_PASSWORD})
    webinar, conference = (db.session.scalar(select(Exchange.id).where(Exchange.external_id == e)) for e in teams)
    assert client.get(f"/exchanges/{webinar}/edit").status_code == 200
    assert client.get(f"/exchanges/{conference}/edit").status_code == 404


def test_demo_server_says_once_what_it_is_without_werkzeugs_contradictory_warnings(run, db, monkeypatch):
    """`exchange demo` used to print both "Werkzeug appears to be used in a production deployment" and "This is a
    development server"; it now says one true thing."""
    import logging

    from werkzeug._internal import _log

    from exchange import server
    from exchange.extensions import socketio

    def fake_run(app, **kwargs):  # what Flask-SocketIO and Werkzeug log when they start (stdin not a terminal)
        _log("warning", "Werkzeug appears to be used in a production deployment. Consider switching to a production web server instead.")
        _log("info", "WARNING: This is a development server. Do not use it in a production deployment.")
        _log("info", " * Running on http://127.0.0.1:5000")

    monkeypatch.setattr(socketio, "run", fake_run)
    monkeypatch.setattr(server, "start_background_jobs", lambda app: None)
    werkzeug_logger = logging.getLogger("werkzeug")
    filters, level = list(werkzeug_logger.filters), werkzeug_logger.level
    seen: list[str] = []
    collector = logging.Handler()
    collector.emit = lambda record: seen.append(record.getMessage())
    werkzeug_logger.addHandler(collector)
    werkzeug_logger.setLevel(logging.INFO)
    try:
        result = run("demo", "--port", "0")
    finally:
        werkzeug_logger.filters[:] = filters
        werkzeug_logger.removeHandler(collector)
        werkzeug_logger.setLevel(level)
    assert result.exit_code == 0, result.output
    assert "demo's development server" in result.output
    printed = " ".join(seen)
    assert "production deployment" not in printed and "This is a development server" not in printed
    assert "Running on" in printed
