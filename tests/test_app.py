"""The app factory, settings, base layout, error pages, security headers and health check."""

from __future__ import annotations

import re

import pytest

from exchange import create_app
from exchange.extensions import socketio


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("EXCHANGE_ENV", raising=False)
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("EXCHANGE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app()


@pytest.mark.parametrize("key", ["short", "x" * 31, "é" * 15])
def test_production_refuses_a_secret_key_shorter_than_32_bytes_and_says_how_to_make_one(tmp_path, monkeypatch, key):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("EXCHANGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(RuntimeError, match="SECRET_KEY is too short") as refused:
        create_app()
    assert "at least 32 bytes" in str(refused.value) and "secrets.token_urlsafe(48)" in str(refused.value)


def test_production_accepts_a_32_byte_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("EXCHANGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "é" * 16)  # 16 characters, 32 bytes
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    assert create_app().config["SECRET_KEY"] == "é" * 16


def test_production_sets_secure_cookies_and_hsts(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("EXCHANGE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.sqlite'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_database_url_from_environment_uses_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://user@db.example/exchange")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.example/exchange"


def test_embedded_default_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'exchange.sqlite'}"


def test_socketio_async_mode_is_explicit(app):
    assert app.config["SOCKETIO_ASYNC_MODE"] == "threading"
    assert socketio.async_mode == "threading"


def test_home_page_speaks_to_each_kind_of_user(client):
    html = client.get("/").get_data(as_text=True)
    for phrase in ("City officials and civic leaders", "U.S. city administrators", "Program organizers",
                   "Embedding a Culture of Innovation", "Managing Information", "Deepening Citizen Engagement"):
        assert phrase in html


def test_layout_has_landmarks_skip_link_and_no_outside_hosts(client):
    html = client.get("/").get_data(as_text=True)
    assert 'class="skip-link" href="#main"' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    # Every script, stylesheet, image and frame comes from this site.
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "#")) for s in sources), sources
    assert "<script>" not in html  # no inline scripts: the CSP forbids them


def test_security_headers(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only in production, behind HTTPS


@pytest.mark.parametrize(("path", "status", "phrase"), [
    ("/no/such/page", 404, "Page not found"),
    ("/outbox/", 302, None),
])
def test_friendly_error_pages(client, path, status, phrase):
    response = client.get(path)
    assert response.status_code == status
    if phrase:
        assert phrase in response.get_data(as_text=True)
        assert "<main" in response.get_data(as_text=True)


def test_forbidden_page_for_non_organizer(client, make_user, login_as):
    login_as(make_user(role="official"))
    response = client.get("/outbox/")
    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)


def test_server_error_page_hides_the_trace(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Something went wrong" in text and "secret internals" not in text and "Traceback" not in text


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "database": "ok", "live": {"stuck_rooms": []}}


def test_healthz_reports_unreachable_redis(app, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.config["REDIS_URL"] = None
    assert response.status_code == 503
    assert response.get_json()["redis"].startswith("error")


def test_language_switch_changes_interface_language_setting(client, db, make_user, login_as):
    user = make_user(language="en")
    login_as(user)
    client.submit("/language", {"lang": "pt", "next": "/accounts/profile"}, page="/")
    db.session.refresh(user)
    assert user.language == "pt"
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="pt">' in html


def test_anonymous_language_follows_accept_language(client):
    html = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_create_app_registers_every_session_hook_once(app):
    """The SQLAlchemy session listeners come from create_app's register_*() calls, once however many apps exist."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from exchange import create_app
    from exchange.common import realtime
    from exchange.exchanges import models as exchange_models
    from exchange.live import access

    hooks = [("after_commit", realtime._run_after_commit), ("after_soft_rollback", realtime._drop_on_rollback),
             ("after_flush", exchange_models._note_moved_sessions),
             ("after_flush_postexec", exchange_models._keep_time_bounds),
             ("before_flush", access._watch_rights), ("after_commit", access._forget),
             ("after_soft_rollback", access._forget)]
    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    for name, listener in hooks:
        assert event.contains(Session, name, listener), (name, listener.__name__)
        registered = [fn for fn in getattr(Session().dispatch, name) if fn is listener]
        assert len(registered) == 1, (name, listener.__name__)


def test_create_app_adds_the_rules_that_read_a_features_rows(app):
    """The exchange.* and live.* permission rules come from create_app's register_rules() calls, not from imports."""
    from exchange.common import permissions
    from exchange.exchanges import permissions as exchange_rules
    from exchange.live import seats

    create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert permissions.RULES["exchange.view"] is exchange_rules.can_view_exchange
    assert permissions.RULES["exchange.join"] is exchange_rules.can_join_exchange
    assert permissions.RULES["exchange.register"] is exchange_rules.may_register
    assert permissions.RULES["exchange.calendar"] is exchange_rules.may_see_exchange_calendar
    assert permissions.RULES["live.join"] is seats.may_join
    assert permissions.RULES["live.moderate"] is seats.may_moderate
