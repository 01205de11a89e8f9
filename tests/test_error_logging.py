"""Running the server: every 500 and every failed live event leaves its traceback in the log, under `demo` (which
upgrades the database in-process, through Alembic's logging setup) and `serve`, threading and gevent (issue 17 §4)."""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import textwrap
from logging.config import fileConfig
from pathlib import Path

import pytest
import requests
from flask_migrate import upgrade

from exchange import create_app
from exchange.live import services as live_services
from exchange.server import configure_logging
from tests.live.helpers import wait_for
from tests.mail.helpers import free_port

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "migrations" / "alembic.ini"


class Records(logging.Handler):
    """Keep every record that reaches the root logger, as the server's console handler sees them."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        return [f"{r.getMessage()}\n{logging.Formatter().formatException(r.exc_info)}"
                for r in self.records if r.exc_info]


@contextlib.contextmanager
def root_records():
    records = Records()
    logging.getLogger().addHandler(records)
    try:
        yield records
    finally:
        logging.getLogger().removeHandler(records)


def _boom_app(tmp_path, monkeypatch):
    monkeypatch.setenv("EXCHANGE_INSTANCE", str(tmp_path))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'boom.sqlite'}", "SECRET_KEY": "x" * 40})

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom inside a view")

    return app


def test_a_500_after_the_migration_step_is_logged_with_its_traceback(tmp_path, monkeypatch):
    app = _boom_app(tmp_path, monkeypatch)
    with app.app_context():
        upgrade()  # what `exchange demo` does first: Alembic reads migrations/alembic.ini's logging setup
    with root_records() as log:
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "It has been logged" in response.get_data(as_text=True)
    assert any("Exception on /boom [GET]" in t and "RuntimeError: kaboom inside a view" in t for t in log.tracebacks())


@pytest.fixture
def logging_state():
    """Give back every logger's `disabled` flag and level, and the root's handlers, after the test."""
    loggers = {name: (lg.disabled, lg.level) for name, lg in logging.root.manager.loggerDict.items()
               if isinstance(lg, logging.Logger)}
    root = (logging.root.level, list(logging.root.handlers))
    yield
    for name, (disabled, level) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.level = disabled, level
    logging.root.setLevel(root[0])
    logging.root.handlers[:] = root[1]


def test_the_server_turns_the_apps_loggers_back_on_whatever_disabled_them(tmp_path, monkeypatch, logging_state):
    app = _boom_app(tmp_path, monkeypatch)
    logging.getLogger("exchange.live.sockets")  # exists, as it does once the app is imported
    fileConfig(ALEMBIC_INI, disable_existing_loggers=True)  # the old migration step: every logger silenced
    with root_records() as log:
        app.test_client().get("/boom")
    assert log.tracebacks() == []  # silenced: what issue 17 saw
    configure_logging()  # what `exchange demo` and `serve` run before serving
    with root_records() as log:
        app.test_client().get("/boom")
    assert any("RuntimeError: kaboom inside a view" in t for t in log.tracebacks())
    assert not logging.getLogger("exchange.live.sockets").disabled


def test_a_failed_live_event_after_the_migration_step_is_logged_with_its_traceback(app, room, live_client,
                                                                                  monkeypatch):
    upgrade()  # again, in this process: Alembic's logging setup runs each time

    def broken(*_args, **_kwargs):
        raise RuntimeError("kaboom inside a live event")

    monkeypatch.setattr(live_services, "send_chat", broken)
    official = live_client(room.official)
    official.join(room.id)
    with root_records() as log:
        ack = official.emit("chat.send", {"session_id": room.id, "body": "hello", "client_id": "c1"})
    assert ack == {"ok": False, "error": {"code": "internal", "message": "Something went wrong on our side. Try again."}}
    assert any("live event chat.send failed" in t and "RuntimeError: kaboom inside a live event" in t
               for t in log.tracebacks())


SERVER = textwrap.dedent("""
    {patch}
    import sys
    from flask_migrate import upgrade
    from exchange import create_app
    from exchange.server import serve_in_process

    app = create_app()
    with app.app_context():
        upgrade()  # as `exchange demo` does before serving

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom in a real server")

    serve_in_process(app, "127.0.0.1", int(sys.argv[1]))
""")


@pytest.mark.parametrize("mode", ["threading", "gevent"])
def test_a_real_server_logs_every_500_with_its_traceback(tmp_path, mode):
    port = free_port()
    patch = "from gevent import monkey; monkey.patch_all()" if mode == "gevent" else ""
    env = {**os.environ, "EXCHANGE_INSTANCE": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "SOCKETIO_ASYNC_MODE": mode, "MAIL_BACKGROUND": "0", "REMINDERS_BACKGROUND": "0", "SECRET_KEY": "x" * 40,
           "GC_THRESHOLDS": "default"}
    for name in ("REDIS_URL", "EXCHANGE_ENV", "PUBLIC_URL"):
        env.pop(name, None)
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", SERVER.format(patch=patch), str(port)], env=env,  # noqa: S603
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        def up() -> bool:
            with contextlib.suppress(requests.RequestException):
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            return False

        wait_for(up, timeout=60, what="the server to start")
        assert requests.get(f"http://127.0.0.1:{port}/boom", timeout=5).status_code == 500
        wait_for(lambda: "kaboom in a real server" in stderr.read_text(), timeout=10, what="the traceback in the log")
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    log = stderr.read_text()
    assert "Exception on /boom [GET]" in log and "Traceback (most recent call last)" in log
    assert "RuntimeError: kaboom in a real server" in log
