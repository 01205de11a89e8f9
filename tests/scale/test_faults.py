"""Faults: a server process killed mid-session, and the message queue's Redis restarted under the servers."""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading

import redis
import requests
import socketio
from sqlalchemy import func, select

from exchange.live import services
from exchange.live.models import ChatMessage
from tests.scale.helpers import ROOT


def _send(client, body: str, client_id: str) -> dict | None:
    """Send a chat message; return the ack, or None when the connection dies before the ack comes."""
    try:
        return client.sio.call("chat.send", {"session_id": client.session_id, "body": body, "client_id": client_id},
                               namespace="/live", timeout=3)
    except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError,
            socketio.exceptions.DisconnectedError):
        return None


def test_clients_of_a_killed_process_move_to_the_other_and_miss_nothing(room, cluster, db, wait_for):
    a, b = cluster.start(2)
    to_a = cluster.router(a)  # what a proxy does: sends these clients to A while A lives
    official = cluster.connect(room.official, room.id, to_a)
    other = cluster.connect(room.other, room.id, to_a)
    host = cluster.connect(room.host, room.id, b)
    acked: dict[str, int] = {}  # client_id -> seq, for every message whose sender got the ack
    first = _send(official, "before the crash", "o0")
    acked["o0"] = first["seq"]

    stop = threading.Event()

    def keep_talking() -> None:  # `other` keeps chatting across the crash
        n = 0
        while not stop.is_set() and n < 5:
            ack = _send(other, f"chatting {n}", f"x{n}")
            if ack and ack.get("ok"):
                acked[f"x{n}"] = ack["seq"]
                n += 1

    talker = threading.Thread(target=keep_talking)
    talker.start()
    wait_for(lambda: "x1" in acked, what="the chatter to get going")
    to_a.target_port = b.port  # the proxy routes new connections to B ...
    a.kill()  # ... and A dies (SIGKILL) mid-session
    for n in range(1, 3):
        ack = _send(host, f"while A is gone {n}", f"h{n}")
        acked[f"h{n}"] = ack["seq"]
    wait_for(lambda: official.connects >= 2 and official.joined and other.connects >= 2 and other.joined,
             what="A's clients to reconnect through the proxy to B")
    last = _send(official, "after the move", "o1")
    acked["o1"] = last["seq"]
    talker.join(30)
    stop.set()
    assert len([k for k in acked if k.startswith("x")]) == 5

    for client in (official, other, host):
        wait_for(lambda c=client: set(acked.values()) <= set(c.seqs()), what="every acknowledged message")
        assert not client.duplicates(), "a message arrived twice"
    assert {e["seq"] for s, e in official.received if s == "replay"} & set(acked.values()), "nothing was replayed"
    db.session.expire_all()
    for client_id in acked:
        assert db.session.scalar(select(func.count()).select_from(ChatMessage)
                                 .where(ChatMessage.client_id == client_id)) == 1


def test_an_event_stored_but_never_published_reaches_every_connected_client_once(room, cluster, wait_for):
    a, b = cluster.start(2)
    host = cluster.connect(room.host, room.id, a)
    other = cluster.connect(room.other, room.id, b)
    # Stored by a process that died between its commit and its publish: this test's own app, whose Socket.IO
    # server has no message queue and no clients, commits events that no server ever hears of.
    chat = services.send_chat(room.id, actor=room.official, body="stored, never published", client_id="lost")
    question = services.ask_question(room.id, actor=room.official, body="Who pays for the sensors?", anonymous=True,
                                     client_id="lost-q")
    latecomer = cluster.connect(room.panelist, room.id, b)  # joined after: both are in its join answer already
    lost = {chat["seq"], question["seq"]}
    for client in (host, other):
        wait_for(lambda c=client: lost <= set(c.seqs()), what="the stored events to reach a connected client")
    said = other.call("chat.send", {"body": "and life goes on", "client_id": "o1"})
    wait_for(lambda: said["seq"] in host.seqs() and said["seq"] in latecomer.seqs(), what="the next message")
    assert not lost & set(latecomer.seqs()), "a client got an event that was already in its join answer"
    for client in (host, other, latecomer):
        assert not client.duplicates(), "a message arrived twice"
    asked = {c: next(e for e in c.events() if e["seq"] == question["seq"]) for c in (host, other)}
    assert asked[host]["data"]["question"]["author"]["id"] == room.official.id  # moderators see who asked
    assert asked[other]["data"]["question"]["author"] is None  # nobody else does, repaired or not


def test_processes_resubscribe_after_a_redis_restart_and_clients_replay_the_outage(room, cluster, own_redis,
                                                                                   wait_for):
    a, b = cluster.start(2, redis_url=own_redis.url)
    host = cluster.connect(room.host, room.id, a)
    official = cluster.connect(room.official, room.id, b)
    wait_for(lambda: cluster.numsub(own_redis.url) == 2, timeout=10, what="both processes subscribed")
    before = host.call("chat.send", {"body": "before the outage", "client_id": "h0"})
    wait_for(lambda: before["seq"] in official.seqs(), what="a message across processes")

    own_redis.kill()
    health = requests.get(f"{a.url}/healthz", timeout=5)
    assert health.status_code == 503
    assert health.json()["redis"].startswith("error")
    during = [host.call("chat.send", {"body": f"during the outage {n}", "client_id": f"h{n + 1}"}) for n in range(2)]
    assert all(ack["ok"] for ack in during)  # the database took them; the queue could not carry them
    missed = [ack["seq"] for ack in during]

    own_redis.start()  # same port: the processes find it by themselves
    wait_for(lambda: cluster.numsub(own_redis.url) == 2, timeout=10, what="both processes subscribed again")
    wait_for(lambda: set(missed) <= set(official.seqs()), what="the official to replay what the outage cost")
    assert {e["seq"] for s, e in official.received if s == "replay"} >= set(missed)
    assert requests.get(f"{b.url}/healthz", timeout=5).status_code == 200
    wait_for(lambda: host.joined and official.joined, what="both clients back in the room")
    after = official.call("chat.send", {"body": "rooms work again", "client_id": "o1"})
    wait_for(lambda: after["seq"] in host.seqs(), what="a message across processes after the restart")

    # Pub/sub connections killed by Redis itself: both processes subscribe again by themselves.
    admin = redis.Redis.from_url(own_redis.url)
    assert admin.client_kill_filter(_type="pubsub") == 2
    wait_for(lambda: cluster.numsub(own_redis.url) == 2, timeout=10, what="both processes subscribed after CLIENT KILL")
    admin.close()
    wait_for(lambda: host.joined and official.joined, what="both clients back after the resync")
    final = host.call("chat.send", {"body": "and again", "client_id": "h9"})
    wait_for(lambda: final["seq"] in official.seqs(), what="a message across processes after CLIENT KILL")
    for client in (host, official):
        assert not client.duplicates(), "a message arrived twice"


def test_serve_workers_starts_subscribed_processes_and_restarts_a_killed_one(cluster, wait_for):
    def two_free_ports() -> int:
        # Below the kernel's ephemeral range: a port from bind(0) can be taken, once the killed worker has let it
        # go, by some process's next outgoing connection, and the restarted worker then never gets it back.
        while True:
            with socket.socket() as first:
                try:
                    first.bind(("127.0.0.1", random.randrange(20000, 32000)))
                except OSError:
                    continue
                port = first.getsockname()[1]
                with socket.socket() as second:
                    try:
                        second.bind(("127.0.0.1", port + 1))
                    except OSError:
                        continue
                    return port

    port = two_free_ports()
    log = cluster.tmp / "supervisor.log"
    with log.open("w") as out:
        supervisor = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", "from exchange.cli import main; main()", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--workers", "2"], cwd=ROOT, env=cluster.env(cluster.redis_url),
            stdout=out, stderr=subprocess.STDOUT)
    try:
        def healthy(p: int) -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{p}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        wait_for(lambda: healthy(port) and healthy(port + 1), timeout=30, what="both workers")
        wait_for(lambda: cluster.numsub() == 2, timeout=10, what="both workers subscribed before any client")
        pid = int(re.search(rf"worker on port {port + 1}: pid (\d+)", log.read_text()).group(1))
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: len(re.findall(rf"worker on port {port + 1}: pid", log.read_text())) == 2,
                 timeout=15, what="the supervisor to restart the worker")
        wait_for(lambda: healthy(port + 1) and cluster.numsub() == 2, timeout=30, what="the new worker subscribed")
    finally:
        supervisor.terminate()
        supervisor.wait(20)
