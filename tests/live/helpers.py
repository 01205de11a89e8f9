"""Live-room test helpers: Socket.IO test clients, real socketio.Clients, a proxy whose link can be cut."""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time

import requests
import socketio as socketio_client

from exchange.accounts.services import open_login
from exchange.extensions import socketio

NS = "/live"
PASSWORD = "correct horse battery"  # the password make_user gives everyone (tests/conftest.py)


def log_in(http, user, *, remember: bool = False):
    """Log the Flask test client `http` in as `user` without the form: a recorded login (`open_login`, committed in
    the current app context) and its id in the session cookie, as the login form leaves them. Returns `http`."""
    open_login(user, remember=remember)
    with http.session_transaction() as sess:
        sess["_user_id"] = user.get_id()
        sess["_fresh"] = True
    return http


class LiveClient:
    """A Socket.IO test client on /live that carries `user`'s login cookie (None: not logged in)."""

    def __init__(self, app, user=None):
        self.app = app
        self.user = user
        self.http = app.test_client()
        if user is not None:
            log_in(self.http, user)
        self.inbox: list[tuple[str, object]] = []
        # A fresh app context per call, as in production: its own database session and its own current_user.
        with app.app_context():
            self.sock = socketio.test_client(app, namespace=NS, flask_test_client=self.http)

    def emit(self, event: str, *args) -> dict:
        """Send a client event and return its ack."""
        with self.app.app_context():
            return self.sock.emit(event, *args, namespace=NS, callback=True)

    def join(self, session_id: int, after_seq: int | None = None) -> dict:
        payload = {"session_id": session_id}
        if after_seq is not None:
            payload["after_seq"] = after_seq
        ack = self.emit("join", payload)
        assert ack["ok"], ack
        return ack

    def _pull(self) -> None:
        with self.app.app_context():
            self.inbox += [(m["name"], m["args"][0]) for m in self.sock.get_received(NS)]

    def events(self) -> list[dict]:
        """Return every `room.event` received so far (in arrival order)."""
        self._pull()
        return [data for name, data in self.inbox if name == "room.event"]

    def presence(self) -> list[int]:
        self._pull()
        return [data["count"] for name, data in self.inbox if name == "presence"]

    def clear(self) -> None:
        self._pull()
        self.inbox.clear()

    def disconnect(self) -> None:
        if self.sock.is_connected(NS):
            with self.app.app_context():
                self.sock.disconnect(namespace=NS)



def wait_for(condition, timeout: float = 15.0, what: str = "condition") -> None:
    """Poll `condition` until it holds; fail (not time) the test when it never does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


class TcpProxy:
    """A loopback TCP relay in front of the server whose link can be cut, as a flaky mobile network would."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.links: list = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self.closed:
            try:
                inbound, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                inbound.close()
                continue
            outbound = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.links += [inbound, outbound]
            for a, b in ((inbound, outbound), (outbound, inbound)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for s in (source, sink):
            self._close(s)

    @staticmethod
    def _close(sock) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        """Drop every open connection and refuse new ones."""
        self.up = False
        with self.lock:
            links, self.links = self.links, []
        for s in links:
            self._close(s)

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.closed = True
        self.cut()
        self.listener.close()


def login_cookie(base_url: str, user, password: str | None = None) -> str:
    """Log in through the real login form, as a browser does; return the Cookie header."""
    http = requests.Session()
    page = http.get(f"{base_url}/accounts/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = http.post(f"{base_url}/accounts/login", timeout=10, allow_redirects=False,
                         data={"email": user.email, "password": password or PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.text
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


class RoomClient:
    """A real python-socketio client that behaves like static/js/live.js.

    It joins on every (re)connect, with `after_seq` once it has seen the room; it records every event it
    receives (live or replayed) so tests can check that nothing is missed or received twice.
    """

    def __init__(self, base_url: str, cookie: str, session_id: int, transports=("websocket",)):
        self.session_id = session_id
        self.lock = threading.Lock()
        self.received: list[tuple[str, dict]] = []  # ("live" | "replay", event)
        self._connection: list[int] = []  # for each received event, the connection (1, 2, ...) it came on
        self.acks: list[dict] = []
        self.last_seq: int | None = None
        self.joined = False
        self.connects = 0
        self.disconnects = 0
        self.presence: list[int] = []
        self.sio = socketio_client.Client(reconnection_delay=0.05, reconnection_delay_max=0.2, randomization_factor=0)
        self.sio.on("connect", self._on_connect, namespace=NS)
        self.sio.on("disconnect", self._on_disconnect, namespace=NS)
        self.sio.on("room.event", self._on_event, namespace=NS)
        self.sio.on("presence", lambda data: self.presence.append(data["count"]), namespace=NS)
        self.sio.connect(base_url, namespaces=[NS], transports=list(transports), headers={"Cookie": cookie},
                         wait_timeout=10)
        wait_for(lambda: self.joined, what="the first join")

    def _on_connect(self) -> None:
        with self.lock:
            self.connects += 1
            self.joined = False
            payload = {"session_id": self.session_id}
            if self.last_seq is not None:
                payload["after_seq"] = self.last_seq
        self.sio.emit("join", payload, namespace=NS, callback=self._on_join)

    def _on_disconnect(self, *_reason) -> None:
        with self.lock:
            self.disconnects += 1
            self.joined = False

    def _on_join(self, ack: dict) -> None:
        with self.lock:
            self.acks.append(ack)
            assert ack["ok"], ack
            for event in ack.get("events", []):
                self.received.append(("replay", event))
                self._connection.append(self.connects)
            self.last_seq = max(self.last_seq or 0, ack["last_seq"])
            self.joined = True

    def _on_event(self, event: dict) -> None:
        with self.lock:
            self.received.append(("live", event))
            self._connection.append(self.connects)
            if self.joined:
                self.last_seq = max(self.last_seq or 0, event["seq"])

    def call(self, event: str, payload: dict) -> dict:
        return self.sio.call(event, {"session_id": self.session_id, **payload}, namespace=NS, timeout=10)

    def seqs(self, source: str | None = None) -> list[int]:
        with self.lock:
            return [e["seq"] for s, e in self.received if source in (None, s)]

    def duplicates(self) -> list[int]:
        """Seqs this client got twice, apart from the documented overlap of a join: an event stored while the
        join was being answered comes both in the join's replay and live on that same connection (the client
        algorithm in docs/live-protocol.md keeps one). Two live copies, or a copy on a later connection of an
        event already had, are duplicates."""
        with self.lock:
            copies: dict[int, list[tuple[str, int]]] = {}
            for (source, event), connection in zip(self.received, self._connection, strict=True):
                copies.setdefault(event["seq"], []).append((source, connection))
        twice = []
        for seq, got in copies.items():
            if len(got) == 1:
                continue
            overlap = (len(got) == 2 and {source for source, _ in got} == {"live", "replay"}
                       and got[0][1] == got[1][1])
            if not overlap:
                twice.append(seq)
        return twice

    def events(self) -> list[dict]:
        with self.lock:
            return [e for _s, e in self.received]

    def close(self) -> None:
        ws = getattr(self.sio.eio, "ws", None)
        if ws is not None:
            # Werkzeug's development server never answers a client's close frame: do not wait 3 s for it.
            close = ws.close
            ws.close = lambda *args, **kwargs: close(timeout=0.1)
        self.sio.disconnect()
