"""Settings from the environment, with safe embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

# The interface languages, each named in itself (the switcher shows these). Adding one: README "Languages".
SUPPORTED_LANGUAGES = {"en": "English", "es": "Español", "pt": "Português", "fr": "Français"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


MIN_SECRET_KEY_BYTES = 32
MAKE_SECRET_KEY = "python -c \"import secrets; print(secrets.token_urlsafe(48))\""  # noqa: S105 - a recipe


def _secret_key(instance_path: Path, production: bool) -> str:
    """Return SECRET_KEY from the environment, else one generated once and kept in instance/.

    In production the key must be set and at least MIN_SECRET_KEY_BYTES long: it signs every login cookie, and a
    short one can be guessed offline from a single cookie."""
    key = os.environ.get("SECRET_KEY")
    if key and production and len(key.encode()) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(
            f"SECRET_KEY is too short ({len(key.encode())} bytes). In production (EXCHANGE_ENV=production) it must "
            f"be at least {MIN_SECRET_KEY_BYTES} bytes of random text; make one with: {MAKE_SECRET_KEY}"
        )
    if key:
        return key
    if production:
        raise RuntimeError(
            "SECRET_KEY is not set. In production (EXCHANGE_ENV=production) the app refuses to start "
            f"without it: set SECRET_KEY to at least {MIN_SECRET_KEY_BYTES} bytes of random text; make one with: "
            f"{MAKE_SECRET_KEY}"
        )
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


DEFAULT_PORT = 5000
_ANY_ADDRESS = {"", "0.0.0.0", "::", "[::]", "*"}  # noqa: S104 - names of "every interface", not a bind


def listen_url(host: str, port: int) -> str:
    """Return the address a browser on this machine opens for a server listening on `host`:`port`; listening on
    every interface (0.0.0.0, ::) is reached at 127.0.0.1."""
    host = (host or "").strip()
    if host in _ANY_ADDRESS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{port}"


def public_url_for_listening(config: dict, host: str, port: int) -> str:
    """Choose PUBLIC_URL for a server about to listen on `host`:`port`, write it into `config` and return it.

    PUBLIC_URL set (in the environment or the app's config) wins; unset, it is the listen address (`listen_url`),
    so `exchange demo --port 5101` writes links to port 5101 in emails, feeds and calendar files.
    """
    if config.get("PUBLIC_URL_SOURCE", "default") == "default":
        config["PUBLIC_URL"] = listen_url(host, port)
        config["PUBLIC_URL_SOURCE"] = "listen address"
    return config["PUBLIC_URL"]


def load_config(instance_path: str) -> dict:
    """Build the app config from the environment."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    production = os.environ.get("EXCHANGE_ENV", "development").lower() == "production"
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'exchange.sqlite'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "PRODUCTION": production,
        "SECRET_KEY": _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # How many reverse proxies (nginx, a load balancer) stand in front; their X-Forwarded-* are trusted.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", 0)),
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        # The public site's address, in every emailed link, calendar file and API link (common/urls.py). Unset,
        # `exchange demo` and `serve` take the address they listen on (`public_url_for_listening`); until then,
        # and for the other commands, the default port's.
        "PUBLIC_URL": (os.environ.get("PUBLIC_URL") or listen_url("127.0.0.1", DEFAULT_PORT)).rstrip("/"),
        "PUBLIC_URL_SOURCE": "PUBLIC_URL" if os.environ.get("PUBLIC_URL") else "default",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # Cookies: HttpOnly always, SameSite=Lax so the live room's same-origin socket carries them,
        # Secure in production (served over HTTPS).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * 30,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        # A login without "remember me" ends after this long idle, and after this long in any case.
        "SESSION_IDLE_SECONDS": int(os.environ.get("SESSION_IDLE_SECONDS", 2 * 60 * 60)),
        "SESSION_ABSOLUTE_SECONDS": int(os.environ.get("SESSION_ABSOLUTE_SECONDS", 24 * 60 * 60)),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session; a long form is not lost
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)),
        # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in instance/outbox/.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", 25)),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL")),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", 20)),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Peer Exchange <no-reply@peer-exchange.local>"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR") or str(instance / "outbox"),
        "MAIL_BACKGROUND": _bool(os.environ.get("MAIL_BACKGROUND"), True),
        "REMINDERS_BACKGROUND": _bool(os.environ.get("REMINDERS_BACKGROUND"), True),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", 8)),
        # Coalescing windows, in seconds (README "Emails and calendars"): a person's own registration email waits
        # this long and is replaced by a newer one meanwhile (her final state wins); organizers get at most one
        # registration digest per exchange per MAIL_ORGANIZER_WINDOW. 0 sends at once (still replacing unsent).
        "MAIL_PERSON_WINDOW": float(os.environ.get("MAIL_PERSON_WINDOW", 60)),
        "MAIL_ORGANIZER_WINDOW": float(os.environ.get("MAIL_ORGANIZER_WINDOW", 120)),
        # Which exchanges send organizers that digest: "approval" (those that need their approval) or "all".
        "MAIL_ORGANIZER_DIGEST": os.environ.get("MAIL_ORGANIZER_DIGEST", "approval"),
        "PASSWORD_RESET_HOURS": float(os.environ.get("PASSWORD_RESET_HOURS", 2)),
        # How long a link that proves an email address (sign-up, email change) works.
        "EMAIL_VERIFICATION_HOURS": float(os.environ.get("EMAIL_VERIFICATION_HOURS", 48)),
        # Rate-limit counters in Redis (REDIS_URL) are keyed with this prefix: one per installation on a shared Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "exchange-rl"),
        # The Redis channel all server processes of one installation share (one per installation on a shared Redis).
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL", "flask-socketio"),
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE", "threading"),
        # Engine.IO heartbeat: the server pings every PING_INTERVAL s and drops a client that has not answered
        # within PING_TIMEOUT s more (a vanished connection is noticed after about their sum).
        "SOCKETIO_PING_INTERVAL": float(os.environ.get("SOCKETIO_PING_INTERVAL", 25)),
        "SOCKETIO_PING_TIMEOUT": float(os.environ.get("SOCKETIO_PING_TIMEOUT", 20)),
        # A live room's write lock: a writer waits at most LIVE_LOCK_WAIT_SECONDS for it (then an error ack), a
        # hold longer than LIVE_LOCK_WARN_SECONDS is logged with the holder's stack, and /healthz says 503 while
        # one is held longer than LIVE_LOCK_STUCK_SECONDS.
        "LIVE_LOCK_WAIT_SECONDS": float(os.environ.get("LIVE_LOCK_WAIT_SECONDS", 10)),
        "LIVE_LOCK_WARN_SECONDS": float(os.environ.get("LIVE_LOCK_WARN_SECONDS", 3)),
        "LIVE_LOCK_STUCK_SECONDS": float(os.environ.get("LIVE_LOCK_STUCK_SECONDS", 5)),
        # The room page: first wait before reconnecting (doubled per failed attempt, with jitter, up to the MAX;
        # at once when the browser says the link is back) and how long it waits for an ack (seconds).
        "LIVE_RECONNECT_DELAY": float(os.environ.get("LIVE_RECONNECT_DELAY", 1)),
        "LIVE_RECONNECT_DELAY_MAX": float(os.environ.get("LIVE_RECONNECT_DELAY_MAX", 10)),
        "LIVE_ACK_TIMEOUT": float(os.environ.get("LIVE_ACK_TIMEOUT", 15)),
        # `exchange serve`: Python's collector thresholds for a long-running server ("default" keeps Python's
        # 700,10,10); the default here cut the longest pauses in a 2,000-person room from ~190 to ~70 ms.
        "GC_THRESHOLDS": os.environ.get("GC_THRESHOLDS", "10000,50,100"),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": SUPPORTED_LANGUAGES,
        # Catalogues ship inside the package (translations/<lang>/LC_MESSAGES/messages.po and the compiled .mo).
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS),
    }


def engine_options(database_url: str) -> dict:
    """Engine options per backend: pre-ping for servers, a busy timeout and threads for SQLite."""
    if database_url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False, "timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}
