"""Running the server: one process in place, or N single-worker processes supervised by this one.

Each worker is a whole Peer Exchange server (HTTP + Socket.IO) on its own port; with REDIS_URL they share
Socket.IO rooms through Redis, and a reverse proxy (see docs/deploy/nginx.conf) spreads clients over them
with sticky sessions. In gevent mode a worker patches the standard library before anything else is
imported, which is why workers start as fresh interpreters rather than forks of this one.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import click

# The first statement a gevent worker runs: patch, then import the app.
GEVENT_BOOT = "from gevent import monkey; monkey.patch_all(); from exchange.cli import main; main()"
PLAIN_BOOT = "from exchange.cli import main; main()"


def gevent_patched() -> bool:
    """Tell whether this process runs with gevent's monkey patches."""
    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return monkey.is_module_patched("socket")


def start_background_jobs(app) -> None:
    """Start the jobs every server process runs: the live access watcher, email delivery (and others features add)."""
    from .live.access import start_watcher
    from .mail.services import start_background_delivery

    start_watcher(app)  # closes the live sockets of people who lost access, whichever process made the change
    if app.config.get("MAIL_BACKGROUND"):
        start_background_delivery(app)
    # Reminders run inside the server unless REMINDERS_BACKGROUND=0 (then `exchange reminders send` from cron).
    if app.config.get("REMINDERS_BACKGROUND"):
        from .calendar.services import start_reminder_scheduler

        start_reminder_scheduler(app)
    if app.config.get("SURVEYS_BACKGROUND", app.config.get("REMINDERS_BACKGROUND")):  # same switch by default
        from .reports.surveys import start_survey_scheduler

        start_survey_scheduler(app)


LOG_FORMAT = "%(asctime)s %(levelname)s [%(name)s] %(message)s"


def configure_logging() -> None:
    """Make sure the app's errors reach the log (stderr) with their tracebacks, whatever configured logging before.

    A 500 is logged by Flask (`Exception on … [GET]` and the traceback, on the `exchange` logger) and a failed live
    event by `exchange.live.sockets` ("live event … failed"). `exchange demo` upgrades the database in-process, and
    Alembic's `fileConfig` used to disable every logger that existed (migrations/env.py now keeps them); a logger
    disabled that way drops its records silently. So: the app's loggers are enabled, log INFO and up, and reach a
    handler — the root's when logging is configured (Alembic's console, a deployment's own), else one of ours.
    """
    app_logger = logging.getLogger("exchange")
    for name, logger in [("exchange", app_logger), *logging.root.manager.loggerDict.items()]:
        if isinstance(logger, logging.Logger) and (name == "exchange" or name.startswith("exchange.")):
            logger.disabled = False
    if app_logger.level == logging.NOTSET or app_logger.level > logging.INFO:
        app_logger.setLevel(logging.INFO)
    if not _has_handler(app_logger):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        app_logger.addHandler(handler)


def _has_handler(logger: logging.Logger | None) -> bool:
    while logger is not None:
        if logger.handlers:
            return True
        logger = logger.parent if logger.propagate else None
    return False


def tune_gc(thresholds: str) -> None:
    """Collect garbage less often and skip what start-up made: fewer, shorter pauses in a busy server.

    With 2,000 people in one room the heap holds a few hundred thousand long-lived objects (their connections),
    and Python's default thresholds (700, 10, 10) ran full collections of 50-190 ms every few seconds, each one a
    pause for every message in flight (bench/RESULTS.md). `gc.freeze()` moves everything alive after start-up
    (modules, the app, the translations) out of the collector's sight for good.
    """
    if thresholds.strip().lower() == "default":
        return
    try:
        values = [int(v) for v in thresholds.split(",")]
    except ValueError:
        values = []
    if len(values) != 3 or min(values) < 1:
        raise click.ClickException(f"GC_THRESHOLDS must be three positive numbers or 'default', not {thresholds!r}")
    gc.collect()
    gc.freeze()
    gc.set_threshold(*values)


class _DemoServerNotices(logging.Filter):
    """Drop Werkzeug's two start-up warnings in the demo: "appears to be used in a production deployment" (printed
    by Flask-SocketIO when stdin is no terminal) and "This is a development server", which contradict each other;
    the demo says once what it is instead."""

    HIDDEN = ("appears to be used in a production deployment", "This is a development server")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(text in record.getMessage() for text in self.HIDDEN)


def serve_in_process(app, host: str, port: int, *, demo: bool = False) -> None:
    """Serve HTTP and Socket.IO from this process until interrupted (`demo`: the demo's one-line notice instead
    of Werkzeug's warnings)."""
    from .extensions import socketio

    tune_gc(app.config.get("GC_THRESHOLDS", "default"))  # first: a bad value stops the server before anything runs
    configure_logging()  # every 500 and failed live event leaves its traceback in the log
    start_background_jobs(app)
    # python-socketio subscribes to the message queue only when the first client connects; subscribe now, so that
    # every server process is listening from the start (and counts in PUBSUB NUMSUB).
    if not socketio.server.manager_initialized:
        socketio.server.manager_initialized = True
        socketio.server.manager.initialize()
    # FlaskGroup marks the process as "run from the CLI", which makes app.run() a no-op; we do mean to serve.
    os.environ.pop("FLASK_RUN_FROM_CLI", None)
    click.echo(f"Serving Peer Exchange on http://{host}:{port}/ (pid {os.getpid()}, async mode {socketio.async_mode}); "
               "Ctrl+C stops.")
    if demo:
        logging.getLogger("werkzeug").addFilter(_DemoServerNotices())
        click.echo("This is the demo's development server; run `exchange serve` in production.")
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, log_output=False,
                 allow_unsafe_werkzeug=True)


@dataclass
class Supervisor:
    """Start N worker processes on consecutive ports and restart any that dies, until stopped."""

    host: str
    port: int
    workers: int
    async_mode: str
    public_url: str | None = None  # every worker's PUBLIC_URL (links name one site, not a worker's own port)
    children: dict[int, subprocess.Popen] = field(default_factory=dict)
    stopping: bool = False

    def command(self, port: int) -> list[str]:
        boot = GEVENT_BOOT if self.async_mode == "gevent" else PLAIN_BOOT
        return [sys.executable, "-c", boot, "serve", "--host", self.host, "--port", str(port), "--workers", "1",
                "--async-mode", self.async_mode]

    def spawn(self, port: int) -> None:
        env = {**os.environ, "SOCKETIO_ASYNC_MODE": self.async_mode, "EXCHANGE_WORKER": "1"}
        if self.public_url:
            env["PUBLIC_URL"] = self.public_url
        self.children[port] = subprocess.Popen(self.command(port), env=env)  # noqa: S603 - our own command
        click.echo(f"worker on port {port}: pid {self.children[port].pid}")

    def stop(self, *_args) -> None:
        self.stopping = True
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for offset in range(self.workers):
            self.spawn(self.port + offset)
        while not self.stopping:
            time.sleep(0.5)
            for port, child in list(self.children.items()):
                if child.poll() is not None and not self.stopping:
                    click.echo(f"worker on port {port} exited with {child.returncode}; restarting", err=True)
                    time.sleep(1)
                    self.spawn(port)
        deadline = time.monotonic() + 15
        for child in self.children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
        return 0
