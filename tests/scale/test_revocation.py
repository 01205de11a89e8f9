"""Access taken away stops at once, on every process: a real socket is closed within 5 s of the change.

(a) One `exchange serve` process on the suite's database (SQLite by default, PostgreSQL with TEST_DATABASE_URL)
    and no Redis: the change is made by another program (the command line, a script), so only the database
    carries it.
(b) Two server processes on one Redis: a change made through process A's pages closes the person's socket that
    is connected to process B.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time

import pytest
import requests

from exchange.accounts.models import AccessRevocation
from exchange.server import GEVENT_BOOT
from tests.live import helpers as live_helpers
from tests.scale.helpers import ROOT, Cluster, ServerProcess, wait_for

PASSWORD = live_helpers.PASSWORD
EVICTION_SECONDS = 5  # the promise (README, SECURITY.md)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
measured: list[tuple[str, float]] = []  # (what, seconds from commit to the closed socket), printed with -s


@pytest.fixture
def lone_server(app, db, tmp_path):
    """One server process on the suite's database, without Redis."""
    made = Cluster(app, tmp_path, "")
    made.start(1, redis_url="")
    yield made
    made.close()


class GeventServer(ServerProcess):
    """One `exchange serve` worker in gevent mode (the production default), patched before the app is imported."""

    def start(self) -> GeventServer:
        command = [sys.executable, "-c", GEVENT_BOOT, "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   "--workers", "1", "--async-mode", "gevent"]
        env = {**self.env, "SOCKETIO_ASYNC_MODE": "gevent"}
        with self.log.open("a") as log:
            self.proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,  # noqa: S603
                                         stderr=subprocess.STDOUT)
        return self


def _run_elsewhere(cluster: Cluster, code: str) -> float:
    """Run `code` in a fresh Python process on the same database (no Redis); return when it committed."""
    script = "import time\nfrom exchange import create_app\napp = create_app()\nwith app.app_context():\n" + \
        textwrap.indent(textwrap.dedent(code), "    ") + "\nprint('committed', time.time())\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=cluster.env(""),  # noqa: S603
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return float(re.search(r"committed (\S+)", result.stdout).group(1))


def _cli(cluster: Cluster, *args: str) -> float:
    """Run `exchange ARGS` as another process (no Redis); return the time it finished."""
    result = subprocess.run([sys.executable, "-c", "from exchange.cli import main; main()", *args],  # noqa: S603
                            cwd=ROOT, env=cluster.env(""), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return time.time()


def _closed_within_5_seconds(client, since: float, what: str) -> float:
    wait_for(lambda: client.disconnects >= 1, timeout=EVICTION_SECONDS, what=what)
    took = time.time() - since
    measured.append((what, took))
    print(f"\n{what}: closed {took:.2f} s after the commit")
    return took


def _hears_nothing_more(speaker, listener, room_id: int) -> None:
    """A message sent after the eviction reaches the room but not the evicted person (even after a reconnect)."""
    sent = speaker.call("chat.send", {"body": "After the eviction", "client_id": f"after-{time.time()}"})
    assert sent["ok"], sent
    time.sleep(0.5)
    assert sent["seq"] not in listener.seqs(), "the person who lost access still receives the room's events"


def _browser(base_url: str, user, password: str = PASSWORD) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base_url}/accounts/login", timeout=10).text
    response = http.post(f"{base_url}/accounts/login", timeout=10, allow_redirects=False,
                         data={"email": user.email, "password": password, "csrf_token": _CSRF.search(page).group(1)})
    assert response.status_code == 302, response.text
    return http


def _cookie(http: requests.Session) -> str:
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


def _post(http: requests.Session, base_url: str, path: str, data: dict | None = None) -> float:
    token = _CSRF.search(http.get(f"{base_url}/accounts/profile", timeout=10).text).group(1)
    response = http.post(f"{base_url}{path}", data={"csrf_token": token, **(data or {})}, timeout=10,
                         allow_redirects=False)
    assert response.status_code == 302, response.text[:2000]
    return time.time()


# --- (a) one server process, the change made by another program, no Redis ---------------------------------------

def test_disabling_on_the_command_line_closes_the_socket_on_the_server(room, lone_server, stored):
    (server,) = lone_server.servers
    official = lone_server.connect(room.official, room.id, server)
    host = lone_server.connect(room.host, room.id, server)
    done = _cli(lone_server, "user", "disable", "--email", room.official.email)
    _closed_within_5_seconds(official, done, "exchange user disable (SQLite/PG, 1 process, no Redis)")
    _hears_nothing_more(host, official, room.id)
    assert host.disconnects == 0, "someone else's socket was closed"
    assert stored(AccessRevocation) == 1


def test_a_gevent_server_closes_the_socket_too(room, app, db, tmp_path):
    cluster = Cluster(app, tmp_path, "")
    server = GeventServer(cluster.env(""), tmp_path, "gevent").start()
    cluster.servers.append(server)
    try:
        server.wait_ready()
        official = cluster.connect(room.official, room.id, server)
        host = cluster.connect(room.host, room.id, server)
        done = _cli(cluster, "user", "disable", "--email", room.official.email)
        _closed_within_5_seconds(official, done, "exchange user disable, gevent server")
        _hears_nothing_more(host, official, room.id)
        assert host.disconnects == 0
    finally:
        cluster.close()


def test_a_registration_cancelled_in_another_process_closes_the_socket(room, lone_server):
    (server,) = lone_server.servers
    official = lone_server.connect(room.official, room.id, server)
    host = lone_server.connect(room.host, room.id, server)
    committed = _run_elsewhere(lone_server, f"""
        from exchange.accounts.models import User
        from exchange.exchanges.models import Exchange
        from exchange.exchanges.registrations import cancel_registration
        from exchange.extensions import db
        cancel_registration(db.session.get(Exchange, {room.exchange.id}), actor=db.session.get(User, {room.official.id}))
    """)
    _closed_within_5_seconds(official, committed, "registration cancelled in another process")
    _hears_nothing_more(host, official, room.id)
    assert host.disconnects == 0


def test_a_password_changed_in_another_process_closes_the_socket(room, lone_server):
    (server,) = lone_server.servers
    official = lone_server.connect(room.official, room.id, server)
    committed = _run_elsewhere(lone_server, f"""
        from exchange.accounts.models import User
        from exchange.accounts.services import change_password
        from exchange.extensions import db
        user = db.session.get(User, {room.official.id})
        change_password(user, actor=user, current_password={PASSWORD!r}, new_password="a brand new passphrase")
    """)
    _closed_within_5_seconds(official, committed, "password changed in another process")


def test_a_speaker_removed_in_another_process_is_closed_and_others_stay(room, lone_server):
    (server,) = lone_server.servers
    moderator = lone_server.connect(room.moderator, room.id, server)
    official = lone_server.connect(room.official, room.id, server)
    speaker = next(s for s in room.session.speakers if s.user_id == room.moderator.id)
    committed = _run_elsewhere(lone_server, f"""
        from exchange.accounts.models import User
        from exchange.exchanges.models import SessionSpeaker
        from exchange.exchanges.services import remove_speaker
        from exchange.extensions import db
        remove_speaker(db.session.get(SessionSpeaker, {speaker.id}), actor=db.session.get(User, {room.organizer.id}))
    """)
    _closed_within_5_seconds(moderator, committed, "speaker removed in another process")
    assert official.disconnects == 0


def test_a_change_rolled_back_in_another_process_closes_nothing(room, lone_server, stored):
    (server,) = lone_server.servers
    official = lone_server.connect(room.official, room.id, server)
    _run_elsewhere(lone_server, f"""
        from exchange.accounts.models import User
        from exchange.extensions import db
        user = db.session.get(User, {room.official.id})
        user.disabled = True
        db.session.flush()
        db.session.rollback()
    """)
    time.sleep(2.5)  # two rounds of the server's access watcher
    assert official.disconnects == 0
    assert stored(AccessRevocation) == 0


# --- (b) two server processes and Redis: changed through A, closed on B ------------------------------------------

def _password_change(cluster, room, a):
    http = _browser(a.url, room.official)
    return _post(http, a.url, "/accounts/profile/password",
                 {"pw-current_password": PASSWORD, "pw-password": "a brand new passphrase",
                  "pw-confirm": "a brand new passphrase"})


def _unregister(cluster, room, a):
    return _post(_browser(a.url, room.official), a.url, f"/exchanges/{room.exchange.id}/unregister", {"confirm": "1"})


def _delete_account(cluster, room, a):
    return _post(_browser(a.url, room.official), a.url, "/accounts/profile/delete", {"del-password": PASSWORD})


def _speaker_removed_by_organizer(cluster, room, a):
    speaker = next(s for s in room.session.speakers if s.user_id == room.official.id)
    return _post(_browser(a.url, room.organizer), a.url, f"/exchanges/{room.exchange.id}/speakers/{speaker.id}/remove",
                 {"confirm": "1"})


@pytest.mark.parametrize("change", [_password_change, _unregister, _delete_account, _speaker_removed_by_organizer],
                         ids=["password-changed", "unregistered", "account-deleted", "speaker-removed"])
def test_a_change_through_process_a_closes_the_socket_on_process_b(room, cluster, db, add_speaker, change):
    if change is _speaker_removed_by_organizer:  # the official is a panelist here (and not registered)
        registration = next(r for r in room.exchange.registrations if r.user_id == room.official.id)
        db.session.delete(registration)
        add_speaker(room.official, room.session, "panelist")
    a, b = cluster.start(2)
    official = cluster.connect(room.official, room.id, b)
    host = cluster.connect(room.host, room.id, b)
    done = change(cluster, room, a)
    _closed_within_5_seconds(official, done, f"{change.__name__.strip('_')} on A, socket on B (Redis)")
    _hears_nothing_more(host, official, room.id)
    assert host.disconnects == 0


def test_logging_out_on_process_a_closes_that_logins_socket_on_process_b(room, cluster):
    a, b = cluster.start(2)
    http = _browser(a.url, room.official)
    same_login = live_helpers.RoomClient(b.url, _cookie(http), room.id)
    cluster.clients.append(same_login)
    other_device = cluster.connect(room.official, room.id, b)  # another login of the same person
    done = _post(http, a.url, "/accounts/logout")
    _closed_within_5_seconds(same_login, done, "logout on A, that login's socket on B (Redis)")
    time.sleep(0.5)
    assert other_device.disconnects == 0, "logging out on one device closed another device's room"
