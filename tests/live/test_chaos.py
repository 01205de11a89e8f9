"""Chaos in a full live room: 200+ people on real servers while some vanish, read slowly or reconnect on and on.

Black-box: the servers are `exchange serve` processes on free ports (gevent; threading, as `exchange demo` serves;
two gevent processes sharing Redis), the clients speak Socket.IO over the network (tests/live/chaos.py), and the
truth is the room's stored event log. It checks that every event reaches every client that stayed, once and in
order, that every ack comes within 2 s, and that the room still takes a fresh join at the end.

The heartbeat is fast here (SOCKETIO_PING_INTERVAL 2 s, SOCKETIO_PING_TIMEOUT 5 s), so a vanished client is
noticed within seconds, while the room is busy. CHAOS_SECONDS (default 120) sets how long the chaos lasts.

Logins: 250+ logins through the form would hit its rate limits (and take minutes of password hashing), so the
test signs each person's Flask session cookie with the servers' SECRET_KEY, filled by the login view's own
`start_login_session` (the `_login` nonce, Flask-Login's user id with the session version), exactly what the form
would have set.
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import sys
import threading
import uuid

import pytest
from flask import session as flask_session
from sqlalchemy import select

from exchange.accounts.models import User
from exchange.accounts.services import hash_password
from exchange.exchanges.models import Registration, SessionSpeaker
from exchange.live.models import LiveEvent
from exchange.server import GEVENT_BOOT, PLAIN_BOOT
from tests.live.chaos import USER_AGENT, Plan, examine, run_chaos
from tests.scale.helpers import ROOT, RedisServer, ServerProcess

PARTICIPANTS = 252  # 200 stay, 12 reconnect on and on, the rest vanish one after the other
SECONDS = float(os.environ.get("CHAOS_SECONDS", 120))

KINDS = {
    # name: (processes, async mode, shared Redis)
    "gevent": (1, "gevent", False),
    "threading": (1, "threading", False),
    "two-processes-redis": (2, "gevent", True),
}


class ChaosServer(ServerProcess):
    """One `exchange serve --workers 1` process in the given async mode (gevent patches before anything)."""

    def __init__(self, env: dict, log_dir, name: str, mode: str):
        super().__init__(env, log_dir, name)
        self.mode = mode

    def start(self) -> ChaosServer:
        import subprocess

        boot = GEVENT_BOOT if self.mode == "gevent" else PLAIN_BOOT
        command = [sys.executable, "-c", boot, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", "1", "--async-mode", self.mode]
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self


def _signed_cookie(app, user: User) -> str:
    """The session cookie the login form would set for `user` (see the module docstring)."""
    from exchange.accounts.login import start_login_session

    with app.test_request_context("/accounts/login", method="POST", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"User-Agent": USER_AGENT}):
        start_login_session(user, remember=False)
        value = app.session_interface.get_signing_serializer(app).dumps(dict(flask_session))
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


@pytest.fixture
def full_room(app, db, make_user, make_exchange):
    """An open webinar room with a host and PARTICIPANTS registered officials; names, ids and login cookies."""
    organizer = make_user(role="organizer", name="Olivia Organizer")
    exchange = make_exchange(created_by=organizer, title="Chaos in the megacity")
    session = exchange.sessions[0]
    session.room_status = "open"
    host = User(email="host@example.org", name="Hana Host", role="expert", timezone="UTC", language="en",
                password_hash=hash_password("correct horse battery"))
    people = [User(email=f"official{n}@example.org", name=f"Official {n}", role="official", timezone="UTC",
                   language="en", password_hash=host.password_hash) for n in range(PARTICIPANTS)]
    db.session.add_all([host, *people])
    db.session.add(SessionSpeaker(user=host, session=session, role="host", status="accepted"))
    db.session.add_all(Registration(user=p, exchange=exchange, status="registered") for p in people)
    db.session.commit()
    seats = (session.id, (host.name, host.id, _signed_cookie(app, host)),
             [(p.name, p.id, _signed_cookie(app, p)) for p in people])
    db.session.rollback()
    return seats


@pytest.fixture
def servers(app, tmp_path, request, full_room):
    """Start the servers of one kind on the suite's database, once it is seeded; yield the kind's name and them."""
    processes, mode, shared = KINDS[request.param]
    private_redis = None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "WERKZEUG_")) and k != "REDIS_URL"}
    channel = f"exchange-chaos-{uuid.uuid4().hex}"
    env.update({
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "EXCHANGE_INSTANCE": str(tmp_path / "instance"),
        "SOCKETIO_ASYNC_MODE": mode,
        "SOCKETIO_PING_INTERVAL": "2",
        # 5 s: a vanished client is still noticed within seconds, while a steady one whose pong is late because two
        # cores run 250 clients and the server (and a GC pause) is not thrown out as if it had vanished.
        "SOCKETIO_PING_TIMEOUT": "5",
        "SOCKETIO_CHANNEL": channel,
        "RATELIMIT_KEY_PREFIX": channel,
        "MAIL_BACKGROUND": "0",
        "REMINDERS_BACKGROUND": "0",
        "PYTHONUNBUFFERED": "1",
    })
    if shared:
        if os.environ.get("TEST_REDIS_URL"):
            env["REDIS_URL"] = os.environ["TEST_REDIS_URL"]
        else:  # a redis-server of our own: nobody else's keys or databases touched
            private_redis = RedisServer(tmp_path)
            private_redis.start()
            env["REDIS_URL"] = private_redis.url
    started = [ChaosServer(env, tmp_path, f"{request.param}-{n}", mode).start() for n in range(processes)]
    try:
        for server in started:
            server.wait_ready()
        yield request.param, started
    finally:
        for server in started:
            server.stop()
        if private_redis is not None:
            private_redis.kill()


def in_own_thread(work):
    """Run `work` on a thread of its own: an earlier test's Playwright (sync API) keeps an event loop running on
    this one, where asyncio.run() refuses to start."""
    out: dict = {}

    def run() -> None:
        try:
            out["result"] = work()
        except BaseException as exc:  # re-raised in the test's thread
            out["error"] = exc

    thread = threading.Thread(target=run, name="chaos-clients")
    thread.start()
    thread.join()
    if "error" in out:
        raise out["error"]
    return out["result"]


@pytest.mark.parametrize("servers", list(KINDS), indirect=True)
def test_a_room_of_200_survives_vanishing_slow_and_reconnecting_clients(full_room, servers, db):
    kind, processes = servers
    session_id, host, people = full_room
    plan = Plan(session_id, host, people, [("127.0.0.1", s.port) for s in processes], SECONDS)
    # The clients' own garbage collector must not pass for a slow server: everything made so far is left out of
    # its sight, as `exchange serve` does for itself (server.tune_gc).
    gc.collect()
    gc.freeze()
    try:
        outcome = in_own_thread(lambda: asyncio.run(run_chaos(plan, random.Random(15))))
    finally:
        gc.unfreeze()

    db.session.rollback()  # a fresh read of what the servers stored
    stored = [tuple(row) for row in db.session.execute(
        select(LiveEvent.seq, LiveEvent.public, LiveEvent.user_id).where(LiveEvent.session_id == session_id))]
    table, problems = examine(outcome, stored, ordered=len(processes) == 1)
    print(f"\nchaos in the live room, {kind} ({len(processes)} process(es), {SECONDS:.0f} s):\n{table}")
    logs = ", ".join(str(s.log) for s in processes)
    assert not problems, (f"chaos in the live room ({kind}) broke it:\n- " + "\n- ".join(problems)
                          + f"\n\nfigures:\n{table}\nserver logs: {logs}")
