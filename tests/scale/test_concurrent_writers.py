"""Writers on two processes at once: seq numbers stay unique and dense, vote counts and ballots stay exact."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from exchange.live.models import ChatMessage, LiveEvent, Poll, PollBallot, Question, QuestionVote


def _together(jobs) -> None:
    """Run the jobs in threads released at the same moment; re-raise the first failure."""
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]


def test_concurrent_chat_votes_and_ballots_from_two_processes_stay_exact(room, cluster, db, wait_for):
    a, b = cluster.start(2)
    people = [room.host, room.moderator, room.panelist, room.official, room.other]
    clients = {p.id: cluster.connect(p, room.id, (a, b)[n % 2]) for n, p in enumerate(people)}
    host = clients[room.host.id]
    asked = host.call("question.ask", {"body": "Which city first?", "anonymous": False, "client_id": "q"})
    poll = host.call("poll.open", {"prompt": "Pick one", "options": ["North", "South", "East"]})
    question_id, poll_id = asked["question"]["id"], poll["poll"]["id"]
    north, south, east = (o["id"] for o in poll["poll"]["options"])
    acked: list[int] = []

    def hammer(person) -> None:
        client = clients[person.id]
        for n in range(5):  # five chat messages (the per-person rate limit), each acknowledged
            ack = client.call("chat.send", {"body": f"{person.name} says {n}", "client_id": f"c{n}"})
            assert ack["ok"], ack
            acked.append(ack["seq"])
            # change one's ballot every time; the last one is South for everyone
            ballot = client.call("poll.vote", {"poll_id": poll_id, "choices": [(east, north, east, north, south)[n]]})
            assert ballot["ok"], ballot
            if person.id != room.host.id:  # everyone else toggles their vote, ending with a vote
                vote = client.call("question.vote", {"question_id": question_id, "value": (1, 0, 1, 0, 1)[n]})
                assert vote["ok"], vote

    _together([lambda p=p: hammer(p) for p in people])

    db.session.expire_all()
    seqs = list(db.session.scalars(select(LiveEvent.seq).where(LiveEvent.session_id == room.id)))
    assert len(seqs) == len(set(seqs)), "a seq number was given twice"
    assert sorted(seqs) == list(range(1, len(seqs) + 1)), "seq numbers have holes"
    assert db.session.scalar(select(func.count()).select_from(ChatMessage)) == 25
    assert db.session.scalar(select(Question.votes).where(Question.id == question_id)) == 4
    assert db.session.scalar(select(func.count()).select_from(QuestionVote)) == 4
    ballots = list(db.session.scalars(select(PollBallot.choices).where(PollBallot.poll_id == poll_id)))
    assert sorted(ballots) == [[south]] * 5
    assert db.session.get(Poll, poll_id).status == "open"
    # Every client on either process heard every acknowledged chat message, once.
    for client in clients.values():
        wait_for(lambda c=client: set(acked) <= set(c.seqs()), what="every message at every client")
        assert not client.duplicates(), "a message arrived twice"
    last = max(seqs)
    wait_for(lambda: all(last in c.seqs() for c in clients.values()), what="the last event everywhere")
