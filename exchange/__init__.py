"""Peer Exchange: the app factory."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from .common import assets, templating
from .common.errors import DomainError
from .common.web import BoundedIntConverter
from .config import load_config
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate, socketio

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    """Create the app: settings, extensions, blueprints, socket handlers, error pages."""
    instance_path = os.environ.get("EXCHANGE_INSTANCE") or str(ROOT / "instance")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True,
                template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.config.update(load_config(app.instance_path))
    # `<int:…>` in every route refuses numbers no id column holds (404, not a 500); before any route exists.
    app.url_map.converters["int"] = BoundedIntConverter
    if config:
        app.config.update(config)
        if "PUBLIC_URL" in config and "PUBLIC_URL_SOURCE" not in config:
            app.config["PUBLIC_URL_SOURCE"] = "config"  # set by the caller: it wins over the listen address
        if "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            from .config import engine_options

            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config["SQLALCHEMY_DATABASE_URI"])

    _init_extensions(app)
    _register_hooks()
    _register_rules()
    _register_blueprints(app)
    _connect_signals()
    _register_error_handlers(app)
    templating.register_template_helpers(app)
    _register_feature_filters(app)
    app.after_request(_security_headers)
    return app


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401 - every model registered before migrations and create_all look
    from .accounts.services import load_user
    from .common.queue import message_queue

    db.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite, which has almost no ALTER TABLE.
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    compress.init_app(app)
    assets.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "exchange-rl")
    limiter.init_app(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_user)
    babel.init_app(app, locale_selector=templating.select_locale,
                   timezone_selector=templating.select_timezone)
    missing = sorted(app.config["LANGUAGES"].keys() - {"en"} - _shipped_languages(app))
    if missing:  # the site would silently speak English to these readers
        log.warning("no compiled catalogue for %s: run `exchange i18n compile`", ", ".join(missing))
    socketio.init_app(
        app,
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        # Redis as the message queue when REDIS_URL is set (exchange/common/queue.py); None: one process.
        client_manager=message_queue(app.config.get("REDIS_URL"), app.config["SOCKETIO_CHANNEL"]),
        json=None,
        # Same origin only: the login cookie must not let another site's page into a live room.
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS"),
        max_http_buffer_size=app.config.get("SOCKETIO_MAX_BUFFER", 64 * 1024),
        ping_interval=app.config.get("SOCKETIO_PING_INTERVAL", 25),
        ping_timeout=app.config.get("SOCKETIO_PING_TIMEOUT", 20),
    )


def _register_hooks() -> None:
    """Register the SQLAlchemy session listeners the features rely on, each by its own `register_*()`.

    Listeners hang on the Session class, so they serve every app of the process; each function registers its
    own once, however many apps are made. What each guarantees is in its docstring (docs/architecture.md, "Hooks"):
    - common/realtime.py `register_hooks`: side effects (emits, disconnects) run only after commit, never under a
      lock; a rollback drops them;
    - exchanges/models.py `register_time_bounds`: an exchange's first start and last end follow its sessions,
      in the same transaction;
    - live/access.py `register_listeners`: a lost right (account, password, registration, speaker place) adds an
      access revocation to the same transaction, and every process closes that person's live sockets;
    - reports/search.py `register_search_index`: on SQLite, the library's search index follows the text of notes,
      questions and follow-ups, in the same transaction.
    """
    from .common.realtime import register_hooks
    from .exchanges.models import register_time_bounds
    from .live.access import register_listeners
    from .reports.search import register_search_index

    register_hooks()
    register_time_bounds()
    register_listeners()
    register_search_index()


def _register_rules() -> None:
    """Add the permission rules that need a feature's own rows to `common.permissions`, each by its `register_rules()`.

    `common/permissions.py` never imports a feature, so these rules exist only once an app is made; adding them again
    (several apps in one process) changes nothing (docs/architecture.md, "Signals and registered rules"):
    - exchanges/permissions.py `register_rules`: `exchange.manage` (its team), `.view`, `.join`, `.register`,
      `.calendar`, asked of an exchange's team, speakers, registrations and invitations, one EXISTS query each;
    - live/seats.py `register_rules`: `live.join`, `live.moderate`, `live.export`, from the person's role in the room;
    - reports/permissions.py `register_rules`: `reports.view`, `followup.assign`, `followup.answer` (the team of
      the exchange, the assigned expert).
    """
    from .exchanges.permissions import register_rules as register_exchange_rules
    from .live.seats import register_rules as register_live_rules
    from .reports.permissions import register_rules as register_report_rules

    register_exchange_rules()
    register_live_rules()
    register_report_rules()


def _register_feature_filters(app: Flask) -> None:
    """Template filters that belong to a feature: `person_name` (accounts: the deleted-account label)."""
    from .accounts.privacy import person_name

    app.add_template_filter(person_name, "person_name")


def _shipped_languages(app: Flask) -> set[str]:
    folder = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    return {p.parent.parent.name for p in folder.glob("*/LC_MESSAGES/messages.mo")}


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .api.views import bp as api_bp
    from .calendar.views import bp as calendar_bp
    from .exchanges.views import bp as exchanges_bp
    from .experts.views import bp as experts_bp
    from .live import sockets as _live_sockets  # noqa: F401 - registers the /live Socket.IO handlers
    from .live.views import bp as live_bp
    from .mail.views import bp as mail_bp
    from .main.views import bp as main_bp
    from .reports.views import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(experts_bp)
    app.register_blueprint(exchanges_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(live_bp)
    app.register_blueprint(reports_bp)


def _connect_signals() -> None:
    from .reports.absentees import connect_signals as connect_absentees
    from .reports.followups import connect_signals as connect_follow_ups

    connect_follow_ups()  # live.room.room_closed -> follow-ups, in the close's transaction
    connect_absentees()  # live.room.room_closed -> the absentees' answers emails, in the same transaction


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _error_page(status: int, title, message):
    if _wants_json():
        return jsonify({"error": {"code": status, "message": str(message)}}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _register_error_handlers(app: Flask) -> None:
    pages = {
        400: (_l("Bad request"), _l("The request could not be understood. Check what you sent and try again.")),
        403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
        404: (_l("Page not found"), _l("There is nothing at this address. It may have moved, or never existed.")),
        405: (_l("Not allowed"), _l("This page cannot be used that way.")),
        413: (_l("Too large"), _l("What you sent is too large. Send something smaller.")),
        429: (_l("Slow down"), _l("Too many requests in a short time. Wait a moment and try again.")),
        500: (_l("Something went wrong"), _l("An error on our side stopped this page. It has been logged; please try again later.")),
    }
    for status, (title, message) in pages.items():
        app.register_error_handler(status, lambda _e, s=status, t=title, m=message: _error_page(s, t, m))

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return _error_page(400, _l("Form expired"),
                           _l("The form expired or was not sent from this site. Go back, reload the page and try again."))

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        # A missing object and a forbidden one answer alike to people who may not see it.
        return _error_page(exc.status, pages.get(exc.status, pages[400])[0], exc.message)


CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self' ws: wss:; frame-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; "
       "form-action 'self'; object-src 'none'")


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    from flask import current_app

    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
