"""Concurrent writers (threads, each with its own connection): no duplicate seq, no lost vote or ballot.

The same tests run on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import User
from exchange.extensions import db as _db
from exchange.live import roomlock, services
from exchange.live.models import ChatMessage, LiveEvent, LiveRoom, Poll, Question
from exchange.live.roomlock import RoomLock

THREADS = 8


@pytest.fixture(autouse=True)
def as_separate_processes(monkeypatch):
    """Give every writer its own process lock, as if each thread were another server process.

    Only the database then keeps the room's writers in line: the counter row lock is what is tested.
    """
    monkeypatch.setattr(roomlock, "room_lock", RoomLock)  # a new lock per writer: none is shared


def run_together(app, user_ids, work) -> list:
    """Run work(user) in one thread per user, all starting at once; return the exceptions raised."""
    barrier = threading.Barrier(len(user_ids))
    errors: list = []

    def run(user_id):
        with app.app_context():
            user = _db.session.get(User, user_id)
            barrier.wait()
            try:
                work(user)
            except Exception as exc:  # collected and asserted on below
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def many_officials(room, make_user, register, n=THREADS) -> list[int]:
    people = [make_user(name=f"Official {i}") for i in range(n)]
    for person in people:
        register(person, room.exchange)
    return [p.id for p in people]


def test_concurrent_messages_get_unique_gapless_seqs(app, room, make_user, register, monkeypatch, db):
    monkeypatch.setitem(app.config, "LIVE_CHAT_RATE", (100, 10))
    ids = many_officials(room, make_user, register)

    def post(user):
        for n in range(5):
            services.send_chat(room.id, actor=user, body=f"{user.name} #{n}", client_id=f"{user.id}-{n}")

    assert run_together(app, ids, post) == []
    db.session.expire_all()
    seqs = list(db.session.scalars(select(LiveEvent.seq).where(LiveEvent.session_id == room.id).order_by(LiveEvent.seq)))
    assert seqs == list(range(1, THREADS * 5 + 1))
    assert db.session.get(LiveRoom, room.id).last_seq == THREADS * 5
    # The message's own seq matches its event, and per author the order is kept.
    rows = db.session.execute(select(ChatMessage.author_id, ChatMessage.seq, ChatMessage.body).order_by(ChatMessage.seq)).all()
    for uid in ids:
        bodies = [b for a, _s, b in rows if a == uid]
        assert [b.rsplit("#", 1)[1] for b in bodies] == ["0", "1", "2", "3", "4"]


def test_concurrent_votes_are_all_counted(app, room, make_user, register, db):
    ids = many_officials(room, make_user, register)
    question = services.ask_question(room.id, actor=room.host, body="Which city first?", anonymous=False,
                                     client_id="q")["question"]
    poll = services.open_poll(room.id, actor=room.host, prompt="Pick", options=["A", "B"])["poll"]
    option = poll["options"][0]["id"]

    def vote(user):
        services.vote_question(room.id, actor=user, question_id=question["id"], value=1)
        services.vote_poll(room.id, actor=user, poll_id=poll["id"], choices=[option])

    assert run_together(app, ids, vote) == []
    db.session.expire_all()
    assert db.session.get(Question, question["id"]).votes == THREADS
    final = services.poll_view(db.session.get(Poll, poll["id"]))
    assert final["voters"] == THREADS and final["options"][0]["votes"] == THREADS
    seqs = list(db.session.scalars(select(LiveEvent.seq).where(LiveEvent.session_id == room.id).order_by(LiveEvent.seq)))
    assert seqs == list(range(1, 2 + 2 * THREADS + 1))
    # The last stored question.updated carries the final count: no update overtook another.
    last = db.session.scalar(select(LiveEvent).where(LiveEvent.type == "question.updated").order_by(LiveEvent.seq.desc()))
    assert last.data["question"]["votes"] == THREADS


def test_the_same_client_id_sent_twice_at_once_stores_one_message(app, room, db):
    results: list = []

    def post(user):
        results.append(services.send_chat(room.id, actor=user, body="Once", client_id="retry"))

    assert run_together(app, [room.official.id, room.official.id], post) == []
    assert results[0] == results[1]
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 1
