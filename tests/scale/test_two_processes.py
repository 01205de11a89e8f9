"""Two real server processes, one database, one Redis: everything in a live room crosses between them."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import redis

from exchange.live.models import LiveEvent


def _types(client) -> list[str]:
    return [e["type"] for e in client.events()]


def test_chat_votes_polls_presence_and_hands_cross_between_processes(room, cluster, wait_for):
    a, b = cluster.start(2)
    host = cluster.connect(room.host, room.id, a)
    official = cluster.connect(room.official, room.id, b)
    wait_for(lambda: host.presence[-1:] == [2], what="presence 2 at A once B's client joined")

    said = official.call("chat.send", {"body": "Hello from process B", "client_id": "b1"})
    wait_for(lambda: said["seq"] in host.seqs(), what="B's chat at A")
    assert host.events()[-1]["data"]["message"]["body"] == "Hello from process B"
    reply = host.call("chat.send", {"body": "Hello from process A", "client_id": "a1"})
    wait_for(lambda: reply["seq"] in official.seqs(), what="A's chat at B")

    asked = official.call("question.ask", {"body": "How do you budget transit?", "anonymous": False, "client_id": "q"})
    assert asked["ok"], asked
    voted = host.call("question.vote", {"question_id": asked["question"]["id"], "value": 1})
    wait_for(lambda: voted["seq"] in official.seqs(), what="A's vote at B")
    assert official.events()[-1]["data"]["question"]["votes"] == 1

    poll = host.call("poll.open", {"prompt": "Bus or rail first?", "options": ["Bus", "Rail"]})
    wait_for(lambda: poll["seq"] in official.seqs(), what="the poll at B")
    rail = poll["poll"]["options"][1]["id"]
    ballot = official.call("poll.vote", {"poll_id": poll["poll"]["id"], "choices": [rail]})
    wait_for(lambda: ballot["seq"] in host.seqs(), what="B's ballot at A")
    assert host.events()[-1]["data"]["poll"]["options"][1]["votes"] == 1

    hand = official.call("hand.raise", {"raised": True})
    wait_for(lambda: hand["seq"] in host.seqs(), what="B's raised hand at the host on A")
    assert host.events()[-1]["data"] == {"user": host.events()[-1]["data"]["user"], "raised": True}
    assert host.events()[-1]["data"]["user"]["id"] == room.official.id

    official.close()
    wait_for(lambda: host.presence[-1:] == [1], what="presence back to 1 at A when B's client leaves")
    # Both processes saw the same numbered history.
    assert set(official.seqs()) <= set(host.seqs())


def test_everything_on_the_queue_is_json_with_iso_times(room, cluster, wait_for):
    a, b = cluster.start(2)
    listener = redis.Redis.from_url(cluster.redis_url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(cluster.channel)
    raw: list[bytes] = []
    stop = threading.Event()

    def collect() -> None:
        while not stop.is_set():
            message = listener.get_message(timeout=0.1)
            if message:
                raw.append(message["data"])

    thread = threading.Thread(target=collect, daemon=True)
    thread.start()
    host = cluster.connect(room.host, room.id, a)
    official = cluster.connect(room.official, room.id, b)
    official.call("chat.send", {"body": "JSON only", "client_id": "j"})
    poll = host.call("poll.open", {"prompt": "Clear?", "options": ["Yes", "No"]})
    wait_for(lambda: poll["seq"] in official.seqs(), what="the poll at B")
    wait_for(lambda: len(raw) >= 3, what="messages on the queue")
    stop.set()
    thread.join(2)
    listener.close()

    decoded = [json.loads(data) for data in raw]  # fails on pickle or anything else that is not JSON
    events = [m["data"][0] for m in decoded if m.get("method") == "emit" and m.get("event") == "room.event"]
    assert {e["type"] for e in events} >= {"chat.posted", "poll.opened"}
    for event in events:
        assert event["at"].endswith("+00:00")  # ISO 8601 in UTC, as stored
    opened = next(e for e in events if e["type"] == "poll.opened")
    assert opened["data"]["poll"]["opened_at"].endswith("+00:00")


def test_a_moderator_action_from_the_command_line_reaches_clients_on_both_processes(room, cluster, app, stored,
                                                                                     wait_for):
    a, b = cluster.start(2)
    host = cluster.connect(room.host, room.id, a)
    official = cluster.connect(room.official, room.id, b)
    env = cluster.env(cluster.redis_url)
    result = subprocess.run([sys.executable, "-c", "from exchange.cli import main; main()", "live", "close",  # noqa: S603
                             "--session", str(room.id), "--as", room.host.email],
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is closed" in result.stdout
    for client in (host, official):
        wait_for(lambda c=client: "room.status" in _types(c), what="the closing at both processes")
        assert client.events()[-1]["data"] == {"status": "closed"}
    assert stored(LiveEvent) == 1
    refused = official.call("chat.send", {"body": "Still open?", "client_id": "late"})
    assert refused["ok"] is False

