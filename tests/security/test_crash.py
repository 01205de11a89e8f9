"""Crash without loss: SIGKILL the real server while clients send; restart it; every acked write is there once."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading

import requests
import socketio as socketio_client

from exchange.live import services as live
from exchange.live.models import ChatMessage, Question, QuestionVote
from tests.live.helpers import NS, login_cookie, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(app, tmp_path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
           "EXCHANGE_INSTANCE": str(tmp_path), "SOCKETIO_ASYNC_MODE": "threading"}
    env.pop("REDIS_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "exchange.cli", "serve", "--port", str(port), "--workers", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{base}/healthz", timeout=1).status_code == 200
        return False

    wait_for(up, timeout=30, what="the server to start")
    return proc, base


class Sender:
    """A real client that sends chat, questions and votes, and records every acknowledged result."""

    def __init__(self, base, cookie, session_id, name, question_ids):
        self.session_id, self.name, self.question_ids = session_id, name, question_ids
        self.chats: dict[str, int] = {}      # client_id -> acked message id
        self.questions: dict[str, int] = {}  # client_id -> acked question id
        self.votes: set[int] = set()         # question ids whose vote was acked
        self.sio = socketio_client.Client(reconnection=False)
        self.sio.connect(base, namespaces=[NS], transports=["websocket"], headers={"Cookie": cookie}, wait_timeout=10)
        assert self._call("join", {})["ok"]

    def _call(self, event, payload):
        return self.sio.call(event, {"session_id": self.session_id, **payload}, namespace=NS, timeout=5)

    def run(self) -> None:
        with contextlib.suppress(Exception):  # the server dies under us: what was acked is what counts
            for i in range(4):
                cid = f"{self.name}-chat-{i}"
                ack = self._call("chat.send", {"body": f"message {cid}", "client_id": cid})
                if ack.get("ok"):
                    self.chats[cid] = ack["message"]["id"]
                if i < 2:
                    cid = f"{self.name}-q-{i}"
                    ack = self._call("question.ask", {"body": f"question {cid}", "anonymous": i == 1, "client_id": cid})
                    if ack.get("ok"):
                        self.questions[cid] = ack["question"]["id"]
                qid = self.question_ids[i % len(self.question_ids)]
                if self._call("question.vote", {"question_id": qid, "value": 1}).get("ok"):
                    self.votes.add(qid)

    def acked(self) -> int:
        return len(self.chats) + len(self.questions) + len(self.votes)


def test_a_killed_server_loses_no_acknowledged_write(app, world, db, tmp_path):
    host = world.people["host"]
    question_ids = [live.ask_question(world.session.id, actor=host, body=f"Seed {n}", anonymous=False,
                                      client_id=f"seed-{n}")["question"]["id"] for n in range(2)]
    proc, base = _start(app, tmp_path)
    try:
        people = [world.people[k] for k in ("official", "organizer", "admin")]
        senders = [Sender(base, login_cookie(base, p), world.session.id, f"s{n}", question_ids)
                   for n, p in enumerate(people)]
        threads = [threading.Thread(target=s.run, daemon=True) for s in senders]
        for t in threads:
            t.start()
        wait_for(lambda: sum(s.acked() for s in senders) >= 6, timeout=30, what="some acked writes")
        proc.send_signal(signal.SIGKILL)  # mid-stream: no clean shutdown, no flush
        proc.wait(10)
        for t in threads:
            t.join(15)
        for s in senders:
            with contextlib.suppress(Exception):
                s.sio.disconnect()
        acked = {s.name: (dict(s.chats), dict(s.questions), set(s.votes)) for s in senders}
        assert sum(len(c) + len(q) + len(v) for c, q, v in acked.values()) >= 6

        proc, base = _start(app, tmp_path)  # same database
        # Clients retry everything they sent; the server answers acked ones with the first result.
        for n, p in enumerate(people):
            retry = Sender(base, login_cookie(base, p), world.session.id, f"s{n}", question_ids)
            for cid, message_id in acked[f"s{n}"][0].items():
                ack = retry._call("chat.send", {"body": f"message {cid}", "client_id": cid})
                assert ack["ok"] and ack["message"]["id"] == message_id, ack
            retry.sio.disconnect()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    db.session.expire_all()
    for n, p in enumerate(people):
        chats, questions, votes = acked[f"s{n}"]
        for cid, message_id in chats.items():
            rows = db.session.query(ChatMessage).filter_by(author_id=p.id, client_id=cid).all()
            assert [r.id for r in rows] == [message_id]
        for cid, question_id in questions.items():
            rows = db.session.query(Question).filter_by(author_id=p.id, client_id=cid).all()
            assert [r.id for r in rows] == [question_id]
        for question_id in votes:
            assert db.session.query(QuestionVote).filter_by(user_id=p.id, question_id=question_id).count() == 1
