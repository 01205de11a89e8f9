"""A small Engine.IO 4 / Socket.IO 5 client on asyncio, for chaos tests of the live room.

python-socketio's own Client always answers pings and always reads, so it cannot play the people a chaos test
needs: one whose phone went into a tunnel (the TCP connection stays open, nothing is read, no ping is answered),
one on a link so slow that the server's packets pile up, one that reconnects again and again. This client speaks
just enough of the protocols (docs/live-protocol.md) over the standard library: HTTP long-polling with one TCP
connection per request, and RFC 6455 WebSocket frames (masked, as a client must). One asyncio loop carries
hundreds of them. Knobs: `silent()`, `slow_reader(delay)`, `close()` / `abort()`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import time
from collections.abc import Callable

NS = "/live"
SEPARATOR = "\x1e"  # Engine.IO 4 joins polling packets with the record separator
USER_AGENT = "peer-exchange-chaos/1"


class ConnectionLost(Exception):
    """The server closed the connection, or the connection failed."""


# --- HTTP/1.1 (one request per connection) and WebSocket frames -------------------------------------------------

def _request_head(method: str, path: str, host: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"User-Agent: {USER_AGENT}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _dechunk(body: bytes) -> bytes:
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


async def _open(host: str, port: int, rcvbuf: int | None = None):
    """Open a TCP connection; a small `rcvbuf` makes the kernel push back at once when we stop reading."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    return await asyncio.open_connection(sock=sock, limit=max(rcvbuf or 0, 2**16))


def ws_frame(opcode: int, payload: bytes) -> bytes:
    """Encode one final client frame; clients must mask (RFC 6455 section 5.3)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 2**16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = os.urandom(4)
    keystream = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(keystream, "big")).to_bytes(n, "big") if n else b""
    return head + mask + masked


def ws_parse(buffer: bytearray) -> tuple[int, int, bytes] | None:
    """Take one whole frame (fin, opcode, payload) off the front of `buffer`, or None when it is incomplete."""
    if len(buffer) < 2:
        return None
    b1, b2 = buffer[0], buffer[1]
    n, at = b2 & 0x7F, 2
    if n == 126:
        if len(buffer) < 4:
            return None
        n, at = struct.unpack_from("!H", buffer, 2)[0], 4
    elif n == 127:
        if len(buffer) < 10:
            return None
        n, at = struct.unpack_from("!Q", buffer, 2)[0], 10
    mask = b""
    if b2 & 0x80:
        mask, at = bytes(buffer[at:at + 4]), at + 4
    if len(buffer) < at + n:
        return None
    payload = bytes(buffer[at:at + n])
    del buffer[:at + n]
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return b1 & 0x80, b1 & 0x0F, payload


# --- Engine.IO + Socket.IO -------------------------------------------------------------------------------------

class LiveSocket:
    """One Engine.IO connection (WebSocket or long-polling) with the `/live` namespace connected on it.

    `on_event(name, data)` is called for every server event; `emit()` returns a future for the ack.
    """

    def __init__(self, host: str, port: int, cookie: str, transport: str, on_event: Callable[[str, object], None]):
        assert transport in ("websocket", "polling")
        self.host, self.port, self.cookie, self.transport = host, port, cookie, transport
        self.on_event = on_event
        self.sid: str | None = None
        self.delay = 0.0  # slow_reader: pause this long before each read
        self.is_silent = False
        self.lost = asyncio.Event()  # the server closed the connection or it failed
        self.reason = ""
        self._acks: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self._connected = asyncio.get_running_loop().create_future()
        self._tasks: list[asyncio.Task] = []
        self._writers: list[asyncio.StreamWriter] = []  # kept open on purpose while silent
        self._ws_writer: asyncio.StreamWriter | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue()

    # -- the knobs ------------------------------------------------------------------------------------------------

    def silent(self) -> None:
        """Vanish without closing: stop reading, polling and ponging; the TCP connections stay open."""
        self.is_silent = True
        for task in self._tasks:
            task.cancel()
        for writer in self._writers:
            if not writer.transport.is_closing():
                writer.transport.pause_reading()

    def slow_reader(self, delay: float) -> None:
        """Read the socket only every `delay` seconds (a slow link); pings are answered late, not never."""
        self.delay = delay

    async def close(self) -> None:
        """Leave cleanly: Socket.IO disconnect, Engine.IO close, TCP close."""
        if not self.lost.is_set() and not self.is_silent:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._send_now(["41" + NS + ",", "1"]), 2)
        self.abort()

    def abort(self) -> None:
        """Drop the connection at once (a network that died), without any closing packet."""
        for task in self._tasks:
            task.cancel()
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()
        self.lost.set()

    # -- connecting ---------------------------------------------------------------------------------------------

    def _path(self) -> str:
        path = f"/socket.io/?EIO=4&transport={self.transport}&t={time.monotonic_ns():x}"
        return path + (f"&sid={self.sid}" if self.sid else "")

    async def connect(self, timeout: float = 20.0) -> None:
        """Open the transport and connect the namespace (no Socket.IO auth: the login cookie says who we are)."""
        async def run() -> None:
            if self.transport == "websocket":
                await self._ws_handshake()
                self._tasks.append(asyncio.create_task(self._ws_reader()))
            else:
                status, body = await self._http("GET", b"")
                if status != 200:
                    raise ConnectionLost(f"handshake answered {status}: {body[:200]!r}")
                for packet in body.decode().split(SEPARATOR):
                    self._engine_packet(packet)
                self._tasks.append(asyncio.create_task(self._poller()))
                self._tasks.append(asyncio.create_task(self._poster()))
            self._send("40" + NS + ",")
            await self._connected

        try:
            await asyncio.wait_for(run(), timeout)
        except BaseException:
            self.abort()
            raise

    async def _ws_handshake(self) -> None:
        rcvbuf = 4096 if self.delay else None
        reader, writer = await _open(self.host, self.port, rcvbuf)
        self._writers.append(writer)
        self._ws_writer, self._ws_reader_stream = writer, reader
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(_request_head("GET", self._path(), f"{self.host}:{self.port}", {
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13", "Cookie": self.cookie}))
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionLost(f"WebSocket upgrade refused: {head[:200]!r}")

    async def _http(self, method: str, body: bytes, *, keep: bool = True) -> tuple[int, bytes]:
        """One HTTP request on a fresh connection (`Connection: close`); returns status and body."""
        reader, writer = await _open(self.host, self.port, 4096 if self.delay else None)
        if keep:
            self._writers.append(writer)
        try:
            headers = {"Cookie": self.cookie, "Connection": "close", "Accept": "*/*"}
            if method == "POST":
                headers.update({"Content-Type": "text/plain;charset=UTF-8", "Content-Length": str(len(body))})
            writer.write(_request_head(method, self._path(), f"{self.host}:{self.port}", headers) + body)
            await writer.drain()
            raw = b""
            while chunk := await reader.read(65536):
                raw += chunk
                if self.delay:
                    await asyncio.sleep(self.delay)
        finally:
            if not self.is_silent:
                writer.transport.abort()
                with contextlib.suppress(ValueError):
                    self._writers.remove(writer)
        head, _, content = raw.partition(b"\r\n\r\n")
        if not head:
            raise ConnectionLost("empty HTTP answer")
        if b"transfer-encoding: chunked" in head.lower():
            content = _dechunk(content)
        return int(head.split(b" ", 2)[1]), content

    # -- receiving ----------------------------------------------------------------------------------------------

    async def _ws_reader(self) -> None:
        buffer, message = bytearray(), b""
        reader = self._ws_reader_stream
        try:
            while True:
                if self.delay:
                    await asyncio.sleep(self.delay)
                chunk = await reader.read(4096 if self.delay else 65536)
                if not chunk:
                    raise ConnectionLost("server closed the WebSocket")
                buffer += chunk
                while (frame := ws_parse(buffer)) is not None:
                    fin, opcode, payload = frame
                    if opcode == 0x8:
                        raise ConnectionLost("WebSocket close frame")
                    if opcode == 0x9:
                        self._ws_writer.write(ws_frame(0xA, payload))
                        continue
                    if opcode in (0x0, 0x1, 0x2):
                        message += payload
                        if fin:
                            self._engine_packet(message.decode())
                            message = b""
        except (ConnectionLost, OSError, asyncio.IncompleteReadError) as exc:
            self._lose(str(exc) or type(exc).__name__)

    async def _poller(self) -> None:
        try:
            while True:
                status, body = await self._http("GET", b"")
                if status != 200:
                    raise ConnectionLost(f"poll answered {status}")
                for packet in body.decode().split(SEPARATOR):
                    self._engine_packet(packet)
                if self.delay:
                    await asyncio.sleep(self.delay)
        except (ConnectionLost, OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
            self._lose(str(exc) or type(exc).__name__)

    def _lose(self, reason: str) -> None:
        if self.is_silent:
            return
        self.reason = self.reason or reason
        self.abort()
        for future in self._acks.values():
            if not future.done():
                future.set_exception(ConnectionLost(reason))
        if not self._connected.done():
            self._connected.set_exception(ConnectionLost(reason))

    def _engine_packet(self, packet: str) -> None:
        if not packet or self.is_silent:
            return
        kind, rest = packet[0], packet[1:]
        if kind == "0":
            self.sid = json.loads(rest)["sid"]
        elif kind == "2":
            self._send("3" + rest)  # pong
        elif kind == "1":
            raise ConnectionLost("Engine.IO close packet")
        elif kind == "4":
            self._socketio_packet(rest)

    def _socketio_packet(self, packet: str) -> None:
        kind, rest = packet[0], packet[1:]
        namespace = "/"
        if rest.startswith("/"):
            namespace, _, rest = rest.partition(",")
        if namespace != NS:
            return
        digits = len(rest) - len(rest.lstrip("0123456789"))
        ack_id, data = (int(rest[:digits]) if digits else None), (json.loads(rest[digits:]) if rest[digits:] else None)
        if kind == "0" and not self._connected.done():
            self._connected.set_result(data)
        elif kind == "4" and not self._connected.done():
            self._connected.set_exception(ConnectionLost(f"namespace refused: {data}"))
        elif kind == "1":
            self._lose("Socket.IO disconnect from the server")
        elif kind == "2":
            self.on_event(data[0], data[1] if len(data) > 1 else None)
        elif kind == "3" and ack_id in self._acks:
            future = self._acks.pop(ack_id)
            if not future.done():
                future.set_result(data[0] if data else None)

    # -- sending ------------------------------------------------------------------------------------------------

    def emit(self, event: str, payload: dict) -> asyncio.Future:
        """Send a client event with an ack id; the future holds the ack."""
        self._next_id += 1
        future = asyncio.get_running_loop().create_future()
        self._acks[self._next_id] = future
        self._send(f"42{NS},{self._next_id}" + json.dumps([event, payload], separators=(",", ":")))
        return future

    def _send(self, packet: str) -> None:
        if self.is_silent or self.lost.is_set():
            return
        if self.transport == "websocket":
            self._ws_writer.write(ws_frame(0x1, packet.encode()))
        else:
            self._outbox.put_nowait(packet)

    async def _send_now(self, packets: list[str]) -> None:
        if self.transport == "websocket":
            for packet in packets:
                self._ws_writer.write(ws_frame(0x1, packet.encode()))
            await self._ws_writer.drain()
        else:
            await self._http("POST", SEPARATOR.join(packets).encode(), keep=False)

    async def _poster(self) -> None:
        """Long-polling: send queued packets one POST at a time, batched as the protocol allows."""
        try:
            while True:
                packets = [await self._outbox.get()]
                while not self._outbox.empty():
                    packets.append(self._outbox.get_nowait())
                status, body = await self._http("POST", SEPARATOR.join(packets).encode())
                if status != 200:
                    raise ConnectionLost(f"POST answered {status}: {body[:100]!r}")
        except (ConnectionLost, OSError, asyncio.IncompleteReadError) as exc:
            self._lose(str(exc) or type(exc).__name__)


# --- people in the room --------------------------------------------------------------------------------------

ACK_BOUND = 2.0  # every ack within this (the spec's bound)
ACK_GIVE_UP = 10.0  # an ack later than this counts as missing


class Ack:
    """One client event and its answer (latency None: no answer within ACK_GIVE_UP)."""

    __slots__ = ("who", "event", "sent", "latency", "ok", "code", "lost")

    def __init__(self, who: str, event: str, sent: float):
        self.who, self.event, self.sent = who, event, sent
        self.latency: float | None = None
        self.ok: bool | None = None
        self.code: str | None = None
        self.lost = False  # the connection was lost before the answer (not the server's silence)


class Person:
    """One person's client, as static/js/live.js behaves: join on every connect, `after_seq` after the first.

    It records what a checker needs: the seq of the first snapshot, every seq applied (live or replayed) in the
    order applied, live copies of a seq it already had (duplicates), and how the joins went.
    """

    def __init__(self, room: Room, name: str, user_id: int, cookie: str, server: tuple[str, int], *,
                 transport: str = "websocket", moderator: bool = False, slow: float = 0.0):
        self.room, self.name, self.user_id, self.cookie, self.server = room, name, user_id, cookie, server
        self.transport, self.moderator, self.slow = transport, moderator, slow
        self.sock: LiveSocket | None = None
        self.first_seq: int | None = None  # last_seq of the first join's snapshot
        self.covered: list[tuple[int, int]] = []  # (after_seq, last_seq] answered by a `reset` snapshot
        self.applied: list[int] = []
        self.have: set[int] = set()
        self.passed_over: set[int] = set()  # seqs below an after_seq that this client never had (see checks)
        self.duplicates = self.overlaps = self.disorder = 0
        self.twice: list[str] = []  # how each duplicate came, for the failure message
        self.source: dict[int, str] = {}  # seq -> how it was first applied ("live on connection n", "replay n")
        self.joins = self.drops = 0
        self.joined = False
        self.leaving = False
        self._buffer: list[int] = []
        self._conn_seen: set[int] = set()

    @property
    def last_seq(self) -> int | None:
        if self.first_seq is None:
            return None
        return max(self.first_seq, self.applied[-1] if self.applied else 0, *(hi for _, hi in self.covered))

    def _on_event(self, name: str, data) -> None:
        if name != "room.event" or not isinstance(data, dict) or data.get("session_id") != self.room.session_id:
            return
        seq = data["seq"]
        self.room.last_delivery = time.monotonic()
        if data["type"] == "question.asked" and data["data"]["question"]["status"] == "visible":
            self.room.questions.add(data["data"]["question"]["id"])
        if seq in self._conn_seen:  # the same connection got it twice
            self.duplicates += 1
            self.twice.append(f"seq {seq} twice live on connection {self.joins + 1}")
            return
        self._conn_seen.add(seq)
        if not self.joined:
            self._buffer.append(seq)
        elif self.source.get(seq) == f"the replay of join {self.joins}":
            self.overlaps += 1  # stored while this join was read: live and in the answer (docs: "possibly both")
        elif seq in self.have:
            self.duplicates += 1
            self.twice.append(f"seq {seq} live on connection {self.joins} after {self.source[seq]}")
        else:
            self._apply(seq, f"live on connection {self.joins}")

    def _apply(self, seq: int, source: str) -> None:
        if self.applied and seq < self.applied[-1]:
            self.disorder += 1
        self.have.add(seq)
        self.applied.append(seq)
        self.source[seq] = source

    async def call(self, event: str, payload: dict) -> dict | None:
        """Send one event to the room and wait for its ack (recorded in the room's figures)."""
        record = Ack(self.name, event, time.monotonic())
        self.room.acks.append(record)
        sock = self.sock
        if sock is None or sock.lost.is_set():
            record.lost = True
            return None
        try:
            ack = await asyncio.wait_for(asyncio.shield(sock.emit(event, {"session_id": self.room.session_id,
                                                                          **payload})), ACK_GIVE_UP)
        except ConnectionLost:
            record.lost = True
            return None
        except TimeoutError:
            return None
        record.latency = time.monotonic() - record.sent
        record.ok = bool(ack and ack.get("ok"))
        if not record.ok:
            record.code = ((ack or {}).get("error") or {}).get("code", "?")
        return ack

    async def connect(self) -> bool:
        """Open a connection and join (with after_seq once this client has seen the room); True when joined."""
        self.joined, self._buffer, self._conn_seen = False, [], set()
        self.sock = LiveSocket(*self.server, self.cookie, self.transport, self._on_event)
        self.sock.slow_reader(self.slow)
        try:
            await self.sock.connect()
        except (ConnectionLost, OSError, TimeoutError):
            self.sock.abort()
            return False
        after = self.last_seq
        if after is not None:
            self.passed_over |= {s for s in range(self.first_seq + 1, after + 1) if s not in self.have}
        ack = await self.call("join", {} if after is None else {"after_seq": after})
        if not ack or not ack.get("ok"):
            return False
        self.joins += 1
        replay = [e["seq"] for e in ack.get("events", [])]
        if "snapshot" in ack and self.first_seq is None:
            self.first_seq = ack["last_seq"]
        elif "snapshot" in ack:  # reset: the room says "replace all state"
            self.covered.append((after, ack["last_seq"]))
        for seq in replay:
            if seq in self.have:
                self.overlaps += 1
            else:
                self._apply(seq, f"the replay of join {self.joins}")
        for seq in self._buffer:  # live events that came while the join was on its way
            if seq in self.have or (self.joins == 1 and seq <= self.first_seq):
                self.overlaps += 1
            else:
                self._apply(seq, f"live on connection {self.joins} before its join ack")
        self.joined = True
        return True

    async def stay(self) -> None:
        """Keep connected until the room ends: after a loss we did not cause, reconnect as live.js does."""
        while not self.room.stopping.is_set():
            if self.sock is None or self.sock.lost.is_set():
                if self.sock is not None:
                    self.drops += 1
                    await asyncio.sleep(0.5)
                await self.connect()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.sock.lost.wait(), 1.0)


class Room:
    """The shared state of one chaos run: the session, every ack, what the actors may vote on."""

    def __init__(self, session_id: int):
        self.session_id = session_id
        self.acks: list[Ack] = []
        self.questions: set[int] = set()
        self.poll: dict | None = None
        self.stopping = asyncio.Event()
        self.last_delivery = time.monotonic()


# --- the run -------------------------------------------------------------------------------------------------

class Plan:
    """Who takes part: the host and the participants (name, user id, login cookie), and the servers."""

    def __init__(self, session_id: int, host: tuple[str, int, str], people: list[tuple[str, int, str]],
                 servers: list[tuple[str, int]], seconds: float, *, steady: int = 200, reconnecters: int = 12,
                 polling_every: int = 5, slow_every: int = 20, actor_every: int = 3, vanish_every: float = 3.0,
                 act_every: float = 20.0, seed: int = 15):
        self.session_id, self.host, self.people, self.servers = session_id, host, people, servers
        self.seconds, self.steady, self.reconnecters = seconds, steady, reconnecters
        self.polling_every, self.slow_every, self.actor_every = polling_every, slow_every, actor_every
        self.vanish_every, self.act_every, self.seed = vanish_every, act_every, seed
        assert len(people) > steady + reconnecters, "some people must be left to vanish"


class Outcome:
    """Everything a run recorded, for the checks and the figures."""

    def __init__(self, room: Room, host: Person, steady: list[Person], reconnecters: list[Person],
                 vanished: list[Person], started: float):
        self.room, self.host, self.steady, self.reconnecters, self.vanished = room, host, steady, reconnecters, vanished
        self.started = started
        self.fresh_join: float | None = None  # seconds to the ack of a brand-new connection's join at the end
        self.fresh_join_error = ""
        self.setup_seconds = 0.0
        self.chaos_seconds = 0.0
        self.first_silent: float | None = None

    @property
    def checked(self) -> list[Person]:
        return [self.host, *self.steady, *self.reconnecters]


async def run_chaos(plan: Plan, rng) -> Outcome:
    """Fill the room, run the chaos for `plan.seconds`, let it settle and take a fresh join; return the record."""
    room = Room(plan.session_id)
    server = lambda n: plan.servers[n % len(plan.servers)]  # noqa: E731 - clients spread over every process
    host = Person(room, "host", plan.host[1], plan.host[2], server(0), moderator=True)
    steady = [Person(room, name, uid, cookie, server(n),
                     transport="polling" if n % plan.polling_every == 0 else "websocket",
                     slow=0.25 if n % plan.slow_every == 3 else 0.0)
              for n, (name, uid, cookie) in enumerate(plan.people[:plan.steady])]
    rejoin = [Person(room, name, uid, cookie, server(n), transport=("websocket", "polling")[n % 2])
              for n, (name, uid, cookie) in enumerate(plan.people[plan.steady:plan.steady + plan.reconnecters])]
    pool = plan.people[plan.steady + plan.reconnecters:]
    vanished: list[Person] = []
    setup = time.monotonic()
    outcome = Outcome(room, host, steady, rejoin, vanished, setup)
    tasks: list[asyncio.Task] = []

    # Setup: the host opens a poll; everyone joins, five at a time (a room filling up, not a stampede).
    assert await host.connect(), "the host could not join"
    tasks.append(asyncio.create_task(host.stay()))
    opened = await host.call("poll.open", {"prompt": "Which comes first?", "client_id": "chaos-poll",
                                           "options": ["Open data", "Budgets", "Transit", "Housing"]})
    assert opened and opened["ok"], f"the host could not open a poll: {opened}"
    room.poll = opened["poll"]
    gate = asyncio.Semaphore(5)

    async def enter(person: Person) -> None:
        async with gate:
            await person.connect()
        await person.stay()

    tasks += [asyncio.create_task(enter(p)) for p in steady]
    deadline = time.monotonic() + 180
    while sum(p.joined for p in steady) < len(steady) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    outcome.setup_seconds = time.monotonic() - setup
    started = outcome.started = time.monotonic()

    async def act(person: Person, n: int) -> None:
        """Chat, ask, vote on questions and in the poll, raise and lower a hand, at random."""
        count = 0
        while not room.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.stopping.wait(), rng.expovariate(1 / plan.act_every))
            if room.stopping.is_set() or not person.joined:
                continue
            count += 1
            roll = rng.random()
            if roll < 0.3:
                await person.call("chat.send", {"body": f"{person.name} says {count}", "client_id": f"c{n}-{count}"})
            elif roll < 0.4:
                await person.call("question.ask", {"body": f"{person.name} asks {count}?", "anonymous": rng.random() < 0.3,
                                                   "client_id": f"q{n}-{count}"})
            elif roll < 0.65 and room.questions:
                await person.call("question.vote", {"question_id": rng.choice(sorted(room.questions)),
                                                    "value": rng.choice((0, 1))})
            elif roll < 0.85:
                await person.call("poll.vote", {"poll_id": room.poll["id"],
                                                "choices": [rng.choice(room.poll["options"])["id"]]})
            else:
                await person.call("hand.raise", {"raised": rng.random() < 0.6})

    async def vanish_now(n: int) -> None:
        """Someone joins, perhaps says something, and then their link goes silent (TCP open, nothing more)."""
        name, uid, cookie = pool[n % len(pool)]
        person = Person(room, f"{name}#{n}", uid, cookie, server(n), transport=("polling", "websocket")[n % 3 == 2])
        vanished.append(person)
        if await person.connect():
            if n % 2:
                await person.call("chat.send", {"body": "Hello, my train enters a tunnel", "client_id": f"v{n}"})
            await asyncio.sleep(rng.uniform(0, 2))
        person.sock.silent()
        if outcome.first_silent is None:
            outcome.first_silent = time.monotonic() - started

    async def vanishers() -> None:
        n = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.stopping.wait(), plan.vanish_every)
            if room.stopping.is_set():
                return
            tasks.append(asyncio.create_task(vanish_now(n)))
            n += 1

    async def reconnect_forever(person: Person) -> None:
        """Join, stay a few seconds, drop (cleanly or not), join again with after_seq; end connected."""
        rounds = 0
        await asyncio.sleep(rng.uniform(0, 3))  # not all twelve the moment the room fills
        while True:
            if not await person.connect():
                person.drops += 1
            if room.stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(room.stopping.wait(), rng.uniform(2, 8))
            if room.stopping.is_set() and person.joined:
                return
            rounds += 1
            await (person.sock.close() if rounds % 2 else asyncio.sleep(0))
            person.sock.abort()

    # Slow readers only listen: their acks would time their own link, and the bound is the server's.
    actors = [asyncio.create_task(act(p, n)) for n, p in enumerate(steady) if n % plan.actor_every == 1 and not p.slow]
    actors.append(asyncio.create_task(act(host, -1)))
    busy = [*actors, asyncio.create_task(vanishers()), *(asyncio.create_task(reconnect_forever(p)) for p in rejoin)]
    await asyncio.sleep(plan.seconds)
    room.stopping.set()
    outcome.chaos_seconds = time.monotonic() - started
    await asyncio.wait(busy, timeout=ACK_GIVE_UP + 30)

    # Settle: let the last events reach everyone (quiet for 3 s, at most 20 s).
    settle = time.monotonic() + 20
    while time.monotonic() < settle and time.monotonic() - room.last_delivery < 3:
        await asyncio.sleep(0.2)

    # A brand-new connection of someone who was not in the room joins: the room must still take people in.
    name, uid, cookie = pool[0]
    fresh = Person(room, f"{name}#fresh", uid, cookie, server(1))
    began = time.monotonic()
    if await fresh.connect():
        outcome.fresh_join = room.acks[-1].latency
    else:
        last = room.acks[-1] if room.acks[-1].who == fresh.name else None
        outcome.fresh_join_error = (f"no join ack within {ACK_GIVE_UP:.0f} s" if last and last.latency is None
                                    else f"could not connect or join ({time.monotonic() - began:.1f} s)")
    for person in [fresh, *outcome.checked, *vanished]:
        if person.sock is not None:
            person.sock.abort()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return outcome


# --- the checks ----------------------------------------------------------------------------------------------

def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def examine(outcome: Outcome, stored: list[tuple[int, bool, int | None]], *, ordered: bool) -> tuple[str, list[str]]:
    """Compare what every client got with the stored events; return the figures and the problems found.

    `stored` holds (seq, public, user_id) of every event of the room. A participant may see the public events
    and the private ones about themselves; the host sees all. A client that stayed (or came back, as live.js
    does) must have applied every event it may see from its first snapshot on, each once; with `ordered`
    (one server process) in strictly increasing seq order. Several processes may deliver two events of
    concurrent writers swapped (docs/live-protocol.md): then order is not checked, and a seq the client had
    not yet got when it rejoined above it (`passed_over`) is reported, not failed.
    """
    problems: list[str] = []
    acks = outcome.room.acks
    answered = [a.latency for a in acks if a.latency is not None]
    missing = [a for a in acks if a.latency is None and not a.lost]
    late = [a for a in acks if a.latency is not None and a.latency > ACK_BOUND]
    codes: dict[str, int] = {}
    by_event: dict[str, list[float]] = {}
    for a in acks:
        if a.latency is not None:
            by_event.setdefault(a.event, []).append(a.latency)
    for a in acks:
        if a.code:
            codes[a.code] = codes.get(a.code, 0) + 1
    last_seq = max((s for s, _, _ in stored), default=0)
    short, extra, passed = [], [], 0
    for person in outcome.checked:
        if person.first_seq is None:
            short.append((person, ["never joined"]))
            continue
        may_see = {s for s, public, uid in stored if person.moderator or public or uid == person.user_id}
        covered = {s for lo, hi in person.covered for s in range(lo + 1, hi + 1)}
        expected = {s for s in may_see if s > person.first_seq} - covered
        lost = sorted(expected - person.have)
        if not ordered:
            passed += len(set(lost) & person.passed_over)
            lost = [s for s in lost if s not in person.passed_over]
        if lost:
            short.append((person, lost))
        if person.have - may_see:
            extra.append((person, sorted(person.have - may_see)))
    duplicates = sum(p.duplicates for p in outcome.checked)
    disorder = sum(p.disorder for p in outcome.checked)
    t0 = outcome.started
    first_missing = min((a.sent - t0 for a in missing), default=None)
    last_answer = max((a.sent + a.latency - t0 for a in acks if a.latency is not None), default=None)
    joined = sum(p.first_seq is not None for p in outcome.steady)
    fmt = lambda v: "-" if v is None else f"{v:.2f}"  # noqa: E731
    rows = [
        ("participants connected (steady, joined)", f"{joined} of {len(outcome.steady)}"),
        ("polling / websocket / slow readers", f"{sum(p.transport == 'polling' for p in outcome.steady)} / "
                                                f"{sum(p.transport == 'websocket' for p in outcome.steady)} / "
                                                f"{sum(bool(p.slow) for p in outcome.steady)}"),
        ("setup s / chaos s", f"{outcome.setup_seconds:.1f} / {outcome.chaos_seconds:.1f}"),
        ("events stored (last seq) / public", f"{last_seq} / {sum(pub for _, pub, _ in stored)}"),
        ("acks sent / answered / missing / late > 2 s", f"{len(acks)} / {len(answered)} / {len(missing)} / {len(late)}"),
        ("acks lost with their connection", str(sum(a.lost for a in acks))),
        ("ack p50 / p99 / max s", f"{fmt(_quantile(answered, 0.5))} / {fmt(_quantile(answered, 0.99))} / "
                                  f"{fmt(max(answered, default=None))}"),
        ("ack p99 / max s by event", ", ".join(
            f"{name} {_quantile(v, 0.99):.2f}/{max(v):.2f}" for name, v in sorted(by_event.items()))),
        ("error acks", ", ".join(f"{k} {v}" for k, v in sorted(codes.items())) or "none"),
        ("first missing ack sent at t s / last ack answered at t s", f"{fmt(first_missing)} / {fmt(last_answer)}"),
        ("vanished (first went silent at t s)", f"{len(outcome.vanished)} ({fmt(outcome.first_silent)})"),
        ("reconnects (reconnecters) / joins", f"{sum(p.joins - 1 for p in outcome.reconnecters if p.joins)} / "
                                              f"{sum(p.joins for p in outcome.reconnecters)}"),
        ("unexpected drops of steady clients", str(sum(p.drops for p in outcome.steady) + outcome.host.drops)),
        ("clients missing events / deliveries missing", f"{len(short)} / {sum(len(s) for _, s in short)}"),
        ("duplicates / out of order / replay overlaps", f"{duplicates} / {disorder} / "
                                                        f"{sum(p.overlaps for p in outcome.checked)}"),
        ("passed over in a rejoin (several processes)", str(passed)),
        ("fresh join at the end: ack s", fmt(outcome.fresh_join) if outcome.fresh_join is not None
         else outcome.fresh_join_error),
    ]
    width = max(len(k) for k, _ in rows)
    table = "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)
    if missing:
        problems.append(f"{len(missing)} of {len(acks)} acks never came (within {ACK_GIVE_UP:.0f} s); the first "
                        f"was sent {fmt(first_missing)} s into the run: "
                        + ", ".join(f"{a.who} {a.event}" for a in missing[:5]))
    if late:
        worst = max(late, key=lambda a: a.latency)
        problems.append(f"{len(late)} acks took longer than {ACK_BOUND:.0f} s (worst {worst.latency:.2f} s: "
                        f"{worst.who} {worst.event}, sent {worst.sent - t0:.1f} s into the run)")
    if codes.get("internal"):
        problems.append(f"{codes['internal']} acks were internal errors")
    if short:
        person, seqs = short[0]
        problems.append(f"{len(short)} clients lack events they may see; e.g. {person.name} ({person.transport}) "
                        f"lacks {len(seqs)}: {seqs[:10]}{' …' if len(seqs) > 10 else ''}")
    if extra:
        person, seqs = extra[0]
        problems.append(f"{len(extra)} clients got events not meant for them; e.g. {person.name}: {seqs[:10]}")
    if duplicates:
        twice = next(p for p in outcome.checked if p.twice)
        problems.append(f"{duplicates} events reached a client twice; e.g. {twice.name} ({twice.transport}, "
                        f"server {twice.server[1]}): " + "; ".join(twice.twice[:3]))
    if ordered and disorder:
        problems.append(f"{disorder} events arrived out of seq order")
    if outcome.fresh_join is None or outcome.fresh_join > ACK_BOUND:
        problems.append(f"a fresh join at the end was not answered within {ACK_BOUND:.0f} s "
                        f"({fmt(outcome.fresh_join) if outcome.fresh_join is not None else outcome.fresh_join_error})")
    return table, problems
