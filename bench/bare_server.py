"""The baseline: a bare Flask-SocketIO broadcast server with the live room's message pattern, nothing else.

No login, no database: `join` puts the connection in the room (no presence count); `chat.send` and `question.vote` are broadcast to the room as `room.event` with a sequence
number, and acked. Run: python bench/bare_server.py --port 5055 --async-mode threading|gevent
"""

from __future__ import annotations

import sys

if "gevent" in sys.argv:  # like our gevent workers: patch before anything else is imported
    from gevent import monkey

    monkey.patch_all()

import argparse  # noqa: E402
import itertools  # noqa: E402
import threading  # noqa: E402

from flask import Flask  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

NS = "/live"


def create(async_mode: str) -> tuple[Flask, SocketIO]:
    app = Flask(__name__)
    sio = SocketIO(app, async_mode=async_mode, ping_interval=25, ping_timeout=20)
    seq = itertools.count(1)
    lock = threading.Lock()

    def event(type_: str, data: dict) -> dict:
        with lock:
            number = next(seq)
        return {"seq": number, "session_id": 1, "type": type_, "at": None, "data": data}

    @sio.on("join", namespace=NS)
    def on_join(payload=None):
        join_room("room", namespace=NS)
        return {"ok": True, "role": "participant", "status": "open", "last_seq": 0}

    @sio.on("chat.send", namespace=NS)
    def on_chat(payload):
        data = event("chat.posted", {"message": {"id": 0, "body": payload["body"], "deleted": False}})
        sio.emit("room.event", data, to="room", namespace=NS)
        return {"ok": True, "seq": data["seq"]}

    @sio.on("question.vote", namespace=NS)
    def on_vote(payload):
        data = event("question.updated", {"question": {"id": payload["question_id"], "votes": 0}})
        sio.emit("room.event", data, to="room", namespace=NS)
        return {"ok": True, "seq": data["seq"]}

    return app, sio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--async-mode", choices=["threading", "gevent"], default="threading")
    args = parser.parse_args()
    app, sio = create(args.async_mode)
    print(f"bare server on 127.0.0.1:{args.port} ({args.async_mode})", flush=True)
    sio.run(app, host="127.0.0.1", port=args.port, debug=False, use_reloader=False, log_output=False,
            allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    main()
