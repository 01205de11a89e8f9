"""Live-room benchmark: N real Socket.IO clients over WebSocket in one room of the production server.

Starts `exchange serve` (its own instance directory and database) and, in the same run, the bare
Flask-SocketIO broadcast server (bench/bare_server.py) under the same load. The load generator is this
process: python-socketio AsyncClients on one asyncio loop. With 2+ cores the servers are pinned to core 0
and the generator to core 1 (sched_setaffinity), and the generator's own CPU is reported.

Profile per N: clients join at a steady rate; then for --chat-seconds 1% of them (at least one) each send a
chat message every 15 s on average (exponential gaps; the body carries the send time, so each receipt gives
a delivery latency); then a burst: 2% of them (at least 5) vote on a question at the same moment. Every
client must receive every message once: lost and duplicated deliveries are counted.

Also: a connect storm (1,000 clients at once), an upvote storm (500 clients voting 20 times a second) and a
client that never reads during the main load. Results go to bench/RESULTS.md (section "live").

    python bench/live_room.py                      # full run (~12 min)
    python bench/live_room.py --quick              # shorter phases, N up to 1000
    python bench/live_room.py --modes gevent --sizes 2000,3000 --database-url postgresql://...
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Sampler, free_port, machine, percentile, table, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NS = "/live"
SECRET_KEY = "bench-" + uuid.uuid4().hex
TWO_CORES = (psutil.cpu_count() or 1) >= 2
SERVER_CORES = "0"
GENERATOR_CORES = {1}


# --- the database: one open room, N registered people, their login cookies ---------------------------------------

@dataclass
class Room:
    session_id: int
    organizer_id: int
    user_ids: list[int]
    cookies: list[str]
    env: dict


def seed(instance: Path, database_url: str | None, people: int) -> Room:
    """Create the schema and an open room with `people` registered officials; sign their session cookies."""
    env = {**os.environ, "EXCHANGE_INSTANCE": str(instance), "SECRET_KEY": SECRET_KEY, "MAIL_BACKGROUND": "0",
           "REMINDERS_BACKGROUND": "0", "EXCHANGE_ENV": "development"}
    if database_url:
        env["DATABASE_URL"] = database_url
    os.environ.update({k: env[k] for k in ("EXCHANGE_INSTANCE", "SECRET_KEY", "MAIL_BACKGROUND",
                                           "REMINDERS_BACKGROUND")})
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    from datetime import timedelta

    from sqlalchemy import insert, select

    from exchange import create_app
    from exchange.accounts.models import LoginSession, User
    from exchange.common.time import utcnow
    from exchange.common.tokens import hash_token, new_token
    from exchange.exchanges.models import Exchange, ExchangeSession, Registration
    from exchange.extensions import db

    app = create_app()
    with app.app_context():
        db.drop_all()
        db.create_all()
        organizer = User(email="organizer@bench.test", name="Bench Organizer", role="organizer",
                         password_hash="!")  # noqa: S106 - nobody logs in with a password here
        start = utcnow() - timedelta(minutes=5)
        exchange = Exchange(kind="webinar", title="Benchmark webinar", status="published", visibility="public",
                            timezone="UTC", created_by=organizer)
        exchange.sessions.append(ExchangeSession(title="The big room", starts_at=start,
                                                 ends_at=start + timedelta(hours=2), timezone="UTC",
                                                 room_status="open"))
        db.session.add(exchange)
        db.session.commit()
        db.session.execute(insert(User), [
            {"email": f"p{i}@bench.test", "name": f"Participant {i}", "role": "official", "password_hash": "!",
             "timezone": "UTC", "language": "en", "disabled": False, "session_version": 1, "created_at": utcnow()}
            for i in range(people)])
        ids = list(db.session.scalars(select(User.id).where(User.email.like("p%@bench.test")).order_by(User.id)))
        db.session.execute(insert(Registration), [
            {"exchange_id": exchange.id, "user_id": uid, "status": "registered", "created_at": utcnow(),
             "updated_at": utcnow()} for uid in ids])
        db.session.commit()
        users = {u.id: u for u in db.session.scalars(select(User))}
        # One recorded login per person, as the login form leaves one (inserted at once: thousands of people).
        tokens = {uid: new_token() for uid in users}
        db.session.execute(insert(LoginSession), [
            {"user_id": uid, "token_hash": hash_token(token), "created_at": utcnow(), "remembered": False,
             "expires_at": utcnow() + timedelta(days=1)} for uid, token in tokens.items()])
        db.session.commit()
        serializer = app.session_interface.get_signing_serializer(app)
        now = int(time.time())

        def cookie(uid: int) -> str:
            data = {"_user_id": f"{uid}:{tokens[uid]}", "_fresh": True, "_started": now, "_seen": now}
            return f"{app.config.get('SESSION_COOKIE_NAME', 'session')}={serializer.dumps(data)}"

        room = Room(session_id=exchange.sessions[0].id, organizer_id=organizer.id, user_ids=ids,
                    cookies=[cookie(uid) for uid in ids], env=env)
        room.organizer_cookie = cookie(organizer.id)
        room.app = app
    return room


def new_question(room: Room) -> int:
    """A fresh visible question for a vote burst (votes on an old one would change nothing)."""
    from exchange.accounts.models import User
    from exchange.extensions import db
    from exchange.live import services

    with room.app.app_context():
        organizer = db.session.get(User, room.organizer_id)
        ack = services.ask_question(room.session_id, actor=organizer, body=f"Question {uuid.uuid4().hex[:6]}",
                                    anonymous=False, client_id=uuid.uuid4().hex)
        return ack["question"]["id"]


# --- servers ------------------------------------------------------------------------------------------------------

@dataclass
class Server:
    name: str
    mode: str
    proc: subprocess.Popen
    url: str

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            for child in psutil.Process(self.proc.pid).children(recursive=True):
                child.kill()
            self.proc.kill()
            self.proc.wait()


def start_server(kind: str, mode: str, room: Room, log: Path) -> Server:
    port = free_port()
    pin = ["taskset", "-c", SERVER_CORES] if TWO_CORES else []
    if kind == "ours":
        cmd = [*pin, sys.executable, "-c", "from exchange.cli import main; main()", "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--async-mode", mode]
    else:
        cmd = [*pin, sys.executable, str(ROOT / "bench" / "bare_server.py"), "--port", str(port),
               "--async-mode", mode]
    if os.environ.get("BENCH_PYSPY") and kind == "ours":  # profile our server: py-spy record (see RESULTS.md)
        cmd = ["py-spy", "record", "--idle", "-o", f"{os.environ['BENCH_PYSPY']}-{mode}-{port}.svg", "--", *cmd]
    proc = subprocess.Popen(cmd, env=room.env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{kind} server exited with {proc.returncode}; see {log}")
        try:
            urllib.request.urlopen(f"{url}/socket.io/?EIO=4&transport=polling", timeout=2).read()  # noqa: S310
            return Server(kind, mode, proc, url)
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start; see {log}")


# --- the load -------------------------------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    presence: int = 0
    join_times: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    last_chat: float = 0.0
    closing: bool = False  # set when the run disconnects its clients on purpose


class Bot:
    def __init__(self, index: int, cookie: str, stats: Stats):
        self.index = index
        self.cookie = cookie
        self.stats = stats
        self.chat: Counter = Counter()
        self.votes: Counter = Counter()
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("room.event", self.on_event, namespace=NS)
        self.sio.on("presence", self.on_presence, namespace=NS)
        self.sio.on("disconnect", self.on_disconnect, namespace=NS)
        self.joined_at: float | None = None

    async def on_disconnect(self, reason=None) -> None:
        if self.joined_at is not None and not self.stats.closing:  # a connection lost during the run
            self.stats.errors[f"disconnected: {reason or 'unknown'}"] += 1

    async def on_event(self, data) -> None:
        now = time.time()
        if data["type"] == "chat.posted":
            body = data["data"]["message"]["body"]
            if body.startswith("bench|"):
                _, cid, sent = body.split("|")
                self.stats.latencies.append(now - float(sent))
                self.stats.last_chat = now
                self.chat[cid] += 1
        elif data["type"] == "question.updated":
            self.votes[data["seq"]] += 1

    async def on_presence(self, _data) -> None:
        self.stats.presence += 1

    async def join(self, url: str, session_id: int) -> bool:
        began = time.monotonic()
        try:
            await self.sio.connect(url, headers={"Cookie": self.cookie}, transports=["websocket"],
                                   namespaces=[NS], wait_timeout=60)
            # python-engineio's client drops its own connection when it has sent nothing for ping interval + 5 s,
            # which happens to a bot whose server ping arrives > 5 s late behind a vote burst (the server had not
            # closed anything: "transport error" x 375 in one run). Browsers' socket.io client has no such rule
            # (it waits ping interval + ping timeout for a ping), so the bots wait as long before giving up.
            self.sio.eio.ping_timeout = self.sio.eio.ping_interval + self.sio.eio.ping_timeout
            ack = await self.sio.call("join", {"session_id": session_id}, namespace=NS, timeout=120)
        except Exception as exc:  # counted, not fatal: the report says how many failed
            self.stats.errors[f"join: {type(exc).__name__}"] += 1
            return False
        if not ack.get("ok"):
            self.stats.errors[f"join: {ack['error']['code']}"] += 1
            return False
        self.stats.join_times.append(time.monotonic() - began)
        self.joined_at = time.monotonic()
        return True

    async def call(self, event: str, payload: dict) -> dict | None:
        try:
            ack = await self.sio.call(event, payload, namespace=NS, timeout=60)
        except Exception as exc:
            self.stats.errors[f"{event}: {type(exc).__name__}"] += 1
            return None
        if not ack.get("ok"):
            self.stats.errors[f"{event}: {ack['error']['code']}"] += 1
            return None
        return ack


def stalled_client(url: str, cookie: str, session_id: int) -> socket.socket:
    """A WebSocket client that joins the room and then never reads (tiny receive buffer)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
                  f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  f"Sec-WebSocket-Version: 13\r\nCookie: {cookie}\r\n\r\n").encode())
    sock.recv(4096)  # the 101 answer (and maybe the Engine.IO open packet)

    def frame(text: str) -> bytes:
        data, mask = text.encode(), os.urandom(4)
        head = bytes([0x81, 0x80 | len(data)]) if len(data) < 126 else bytes([0x81, 0xFE]) + len(data).to_bytes(2, "big")
        return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))

    sock.sendall(frame(f"40{NS},"))
    time.sleep(0.2)
    sock.sendall(frame(f'42{NS},1["join",{{"session_id":{session_id}}}]'))
    return sock


async def wait_until(check, timeout: float) -> float:
    began = time.monotonic()
    while not check() and time.monotonic() - began < timeout:
        await asyncio.sleep(0.05)
    return time.monotonic() - began


async def run_load(url: str, room: Room, n: int, *, chat_seconds: float, join_rate: float | None,
                   question_id: int | None, server_pid: int, stalled: bool = False,
                   vote_storm: tuple[float, float] | None = None) -> dict:
    """Drive one run of the profile against `url` and return its figures."""
    stats = Stats()
    bots = [Bot(i, room.cookies[i], stats) for i in range(n)]
    server = Sampler(server_pid).start()
    me = Sampler(os.getpid())
    out: dict = {"n": n}
    stall = stalled_client(url, room.cookies[n], room.session_id) if stalled else None

    # 1. join at a steady rate (or all at once: the connect storm)
    began = time.monotonic()

    async def join_later(bot: Bot, delay: float) -> bool:
        await asyncio.sleep(delay)
        return await bot.join(url, room.session_id)

    joined = await asyncio.gather(*(join_later(b, i / join_rate if join_rate else 0) for i, b in enumerate(bots)))
    out["join_s"] = time.monotonic() - began
    out["joined"] = sum(joined)
    out["join_p95"] = percentile(stats.join_times, 95)
    live = [b for b, ok in zip(bots, joined, strict=True) if ok]
    # let the join traffic (presence counts) drain before measuring chat: quiet for 1 s, at most 60 s
    settle_began, last = time.monotonic(), -1
    while time.monotonic() - settle_began < 60:
        last, _ = stats.presence, await asyncio.sleep(1)
        if stats.presence == last:
            break
    out["settle_s"] = time.monotonic() - settle_began
    out["join_server_cpu"] = server.cpu_percent()

    # 2. chat: 1% of participants, one message every 15 s on average each
    server.reset()
    me.reset()
    sent: list[str] = []
    if chat_seconds and live:
        senders = random.sample(live, max(1, len(live) // 100))
        end = time.monotonic() + chat_seconds

        async def chatter(bot: Bot) -> None:
            gap = random.uniform(0, min(15, chat_seconds))  # each sender speaks at least once
            while True:
                await asyncio.sleep(min(gap, max(0.0, end - time.monotonic())))
                gap = random.expovariate(1 / 15)
                if time.monotonic() >= end:
                    return
                cid = uuid.uuid4().hex[:12]
                ack = await bot.call("chat.send", {"session_id": room.session_id, "client_id": cid,
                                                   "body": f"bench|{cid}|{time.time():.6f}"})
                if ack is not None:
                    sent.append(cid)

        stats.latencies.clear()
        chat_began_wall = time.time()
        await asyncio.gather(*(chatter(b) for b in senders))
        expected = len(sent) * len(live)
        await wait_until(lambda: sum(sum(b.chat.values()) for b in live) >= expected, 15)
        # deliveries per second over the phase, or until the last delivery when they trail past its end
        chat_wall = max(chat_seconds, stats.last_chat - chat_began_wall)
        received = [b.chat[cid] for b in live for cid in sent]
        out.update(messages=len(sent), deliveries=sum(received), lost=sum(1 for c in received if c == 0),
                   dup=sum(c - 1 for c in received if c > 1), dps=sum(received) / chat_wall,
                   p50=percentile(stats.latencies, 50) * 1000, p95=percentile(stats.latencies, 95) * 1000,
                   p99=percentile(stats.latencies, 99) * 1000)
    out["server_cpu"] = server.cpu_percent()
    out["gen_cpu"] = me.cpu_percent()

    # 3. a burst of question votes (or the upvote storm)
    if question_id is not None and live:
        server.reset()
        me.reset()
        acks: list[dict] = []
        ack_times: list[float] = []
        burst_began = time.monotonic()
        if vote_storm:
            rate, seconds = vote_storm
            storm_end = burst_began + seconds

            async def storm(bot: Bot) -> None:
                k = 0
                while time.monotonic() < storm_end:
                    k += 1
                    await asyncio.sleep(max(0.0, burst_began + k / rate - time.monotonic()))
                    t0 = time.monotonic()
                    ack = await bot.call("question.vote", {"session_id": room.session_id,
                                                           "question_id": question_id, "value": k % 2})
                    ack_times.append(time.monotonic() - t0)
                    if ack is not None:
                        acks.append(ack)

            await asyncio.gather(*(storm(b) for b in live))
        else:
            voters = random.sample(live, min(len(live), max(5, len(live) // 50)))

            async def vote(bot: Bot) -> None:
                t0 = time.monotonic()
                ack = await bot.call("question.vote", {"session_id": room.session_id, "question_id": question_id,
                                                       "value": 1})
                ack_times.append(time.monotonic() - t0)
                if ack is not None:
                    acks.append(ack)

            await asyncio.gather(*(vote(b) for b in voters))
        seqs = [a["seq"] for a in acks if "seq" in a]
        await wait_until(lambda: all(len(b.votes) >= len(seqs) for b in live), 30)
        drain = time.monotonic() - burst_began
        received = [b.votes[s] for b in live for s in seqs]
        out.update(votes=len(seqs), vote_deliveries=sum(received), vote_lost=sum(1 for c in received if c == 0),
                   vote_dup=sum(c - 1 for c in received if c > 1), vote_drain=drain,
                   vote_dps=sum(received) / drain, vote_ack_p50=percentile(ack_times, 50) * 1000,
                   vote_ack_p99=percentile(ack_times, 99) * 1000, vote_server_cpu=server.cpu_percent(),
                   vote_gen_cpu=me.cpu_percent())
    out["peak_rss_mb"] = server.peak_rss / 2**20
    out["errors"] = dict(stats.errors)
    out["presence_msgs"] = stats.presence
    stats.closing = True
    await asyncio.gather(*(b.sio.disconnect() for b in live), return_exceptions=True)
    if stall is not None:
        stall.close()
    server.stop()
    await asyncio.sleep(1)
    return out


# --- the runs -----------------------------------------------------------------------------------------------------

def fmt(value, digits: int = 0) -> str:
    if value is None or value != value:  # None or NaN
        return "–"
    return f"{value:,.{digits}f}"


MAIN_HEADERS = ["mode", "server", "N", "joined", "join p95 s", "settle s", "msgs", "deliveries", "chat deliv/s",
                "p50 ms", "p95 ms", "p99 ms", "lost", "dup", "votes", "vote drain s", "vote deliv/s", "vote lost/dup",
                "server CPU %", "gen CPU %", "peak RSS MB", "errors"]


def main_row(mode: str, kind: str, r: dict) -> list:
    return [mode, kind, r["n"], r["joined"], fmt(r["join_p95"], 2), fmt(r["settle_s"], 1), r.get("messages", 0), r.get("deliveries", 0),
            fmt(r.get("dps"), 0), fmt(r.get("p50")), fmt(r.get("p95")), fmt(r.get("p99")), r.get("lost", 0),
            r.get("dup", 0), r.get("votes", 0), fmt(r.get("vote_drain"), 1), fmt(r.get("vote_dps")),
            f"{r.get('vote_lost', 0)}/{r.get('vote_dup', 0)}", fmt(r["server_cpu"]), fmt(r["gen_cpu"]),
            fmt(r["peak_rss_mb"]), "; ".join(f"{k} ×{v}" for k, v in r["errors"].items()) or "0"]


def holds(r: dict) -> bool:
    p99 = r.get("p99")
    return (r["joined"] == r["n"] and r.get("lost", 0) == 0 and r.get("dup", 0) == 0
            and (p99 is None or p99 != p99 or p99 <= 500) and r.get("vote_lost", 0) == 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modes", default="threading,gevent", help="async modes to compare")
    parser.add_argument("--sizes", default="100,500,1000,2000,3000,4000,5000",
                        help="room sizes; stops growing at the first that misses a target")
    parser.add_argument("--chat-seconds", type=float, default=30)
    parser.add_argument("--join-rate", type=float, default=200, help="joins per second")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: SQLite in a temp dir)")
    parser.add_argument("--servers", default="ours,bare", help="which servers to run (ours, bare)")
    parser.add_argument("--quick", action="store_true", help="10 s chat, N up to 1000, 5 s storm")
    parser.add_argument("--no-extras", action="store_true", help="skip connect storm, upvote storm, stalled client")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    chat_seconds, storm_seconds = args.chat_seconds, 30.0
    if args.quick:
        sizes, chat_seconds, storm_seconds = [s for s in sizes if s <= 1000], 10.0, 5.0
    if TWO_CORES:
        os.sched_setaffinity(0, GENERATOR_CORES)
    header = machine()
    print(header, flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    log = work / "servers.log"
    room = seed(work / "instance", args.database_url, max(sizes + [1000]) + 1)
    print(f"seeded {len(room.user_ids)} participants; server logs in {log}", flush=True)

    rows: list[list] = []
    results: dict[tuple[str, str, int], dict] = {}
    for mode in modes:
        for n in sizes:
            for kind in args.servers.split(","):
                server = start_server(kind, mode, room, log)
                try:
                    qid = new_question(room) if kind == "ours" else 1
                    r = asyncio.run(run_load(server.url, room, n, chat_seconds=chat_seconds,
                                             join_rate=args.join_rate, question_id=qid, server_pid=server.proc.pid))
                finally:
                    server.stop()
                results[(mode, kind, n)] = r
                rows.append(main_row(mode, kind, r))
                print(table(MAIN_HEADERS, rows[-1:]).splitlines()[-1], flush=True)
            if n >= 2000 and not holds(results[(mode, "ours", n)]):  # 100 to 2,000 always; beyond while it holds
                print(f"{mode}: N={n} misses a target; not going higher", flush=True)
                break

    def score(mode: str) -> tuple[int, float]:
        held = [n for (m, k, n), r in results.items() if m == mode and k == "ours" and holds(r)]
        biggest = max(held, default=0)
        return biggest, -(results.get((mode, "ours", biggest), {}).get("p99") or 1e9)

    best = max(modes, key=score)
    ratios = []
    for (mode, kind, n), r in results.items():
        bare = results.get((mode, "bare", n))
        if kind == "ours" and bare:
            ratios.append([mode, n, fmt(r.get("dps")), fmt(bare.get("dps")),
                           fmt((r.get("dps") or 0) / (bare.get("dps") or 1), 2),
                           fmt(r.get("vote_dps")), fmt(bare.get("vote_dps")),
                           fmt((r.get("vote_dps") or 0) / (bare.get("vote_dps") or 1), 2),
                           fmt(r.get("p99")), fmt(bare.get("p99"))])
    ratio_headers = ["mode", "N", "ours chat deliv/s", "bare chat deliv/s", "ratio", "ours vote deliv/s",
                     "bare vote deliv/s", "vote ratio", "ours p99 ms", "bare p99 ms"]
    print("\n" + table(ratio_headers, ratios), flush=True)

    extras: list[str] = []
    if not args.no_extras:
        extras = run_extras(room, best, log, chat_seconds, storm_seconds, args.join_rate, results)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    cores = ("servers pinned to core 0 (taskset -c 0), the load generator to core 1 (sched_setaffinity); "
             "anything else running shows in the load average above" if TWO_CORES else "one core shared by all")
    body = [
        "## Live room (`bench/live_room.py`)", "", header, f"load average at end {load}", "",
        f"Command: `python bench/live_room.py {' '.join(sys.argv[1:])}`. Database: "
        f"{'PostgreSQL' if args.database_url else 'SQLite'}. Cores: {cores}. Chat phase {chat_seconds:.0f} s, "
        f"joins at {args.join_rate:.0f}/s. Latency: send time in the message body to receipt at each client.",
        "", table(MAIN_HEADERS, rows), "", "### Ours against the bare Flask-SocketIO server (same run)", "",
        table(ratio_headers, ratios), "",
        f"Best async mode in this run: **{best}** (largest room that held every target, then lower p99).", "",
        *extras,
    ]
    print("\n".join(extras), flush=True)
    if not args.no_write:
        write_section("live", "\n".join(body))
        print("written to bench/RESULTS.md", flush=True)


def run_extras(room: Room, mode: str, log: Path, chat_seconds: float, storm_seconds: float, join_rate: float,
               results: dict) -> list[str]:
    """Connect storm, upvote storm and a client that never reads, in the chosen mode, on our server."""
    lines = [f"### Storms and a stalled client ({mode} mode, our server)", ""]

    def once(**kwargs) -> dict:
        server = start_server("ours", mode, room, log)
        try:
            qid = new_question(room) if kwargs.pop("vote", True) else None
            return asyncio.run(run_load(server.url, room, server_pid=server.proc.pid, question_id=qid, **kwargs))
        finally:
            server.stop()

    r = once(n=1000, chat_seconds=0, join_rate=None, vote=False)
    line = (f"- **Connect storm**: 1,000 clients connecting and joining at once: {r['joined']} joined in "
            f"{r['join_s']:.1f} s (join p95 {r['join_p95']:.1f} s), errors: {r['errors'] or 0}, "
            f"server CPU {r['join_server_cpu']:.0f}%, peak RSS {r['peak_rss_mb']:.0f} MB.")
    print(line, flush=True)
    lines.append(line)
    r = once(n=500, chat_seconds=0, join_rate=join_rate, vote_storm=(20, storm_seconds))
    offered = 500 * 20
    line = (f"- **Upvote storm**: 500 clients each voting 20 times a second (offered {offered:,}/s, each waits for "
            f"its ack) for {storm_seconds:.0f} s: {r['votes']:,} votes stored ({r['votes'] / storm_seconds:,.0f}/s), "
            f"ack p50 {r['vote_ack_p50']:.0f} ms / p99 {r['vote_ack_p99']:.0f} ms, {r['vote_deliveries']:,} "
            f"deliveries ({r['vote_dps']:,.0f}/s), lost {r['vote_lost']}, duplicated {r['vote_dup']}, drained in "
            f"{r['vote_drain']:.1f} s; server CPU {r['vote_server_cpu']:.0f}%, generator CPU {r['vote_gen_cpu']:.0f}%, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB; errors: {r['errors'] or 0}.")
    print(line, flush=True)
    lines.append(line)
    n = 1000
    r = once(n=n, chat_seconds=chat_seconds, join_rate=join_rate, stalled=True)
    base = results.get((mode, "ours", n), {})
    line = (f"- **A client that never reads** during the main load at N={n}: others' chat p99 {fmt(r.get('p99'))} ms "
            f"(without it in the main table: {fmt(base.get('p99'))} ms), lost {r.get('lost')}, duplicated "
            f"{r.get('dup')}, vote lost/dup {r.get('vote_lost')}/{r.get('vote_dup')}; server peak RSS "
            f"{r['peak_rss_mb']:.0f} MB (without it: {fmt(base.get('peak_rss_mb'))} MB).")
    print(line, flush=True)
    lines.append(line)
    return [*lines, ""]


if __name__ == "__main__":
    main()
