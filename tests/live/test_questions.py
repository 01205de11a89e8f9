"""Q&A: anonymity, limits, votes, pre-moderation, dismissal reasons, answers and pins."""

from __future__ import annotations

import pytest

from exchange.live.models import LiveEvent, Question, QuestionVote


def ask(client, room, body="How did you start?", anonymous=False, client_id="q1"):
    return client.emit("question.ask", {"session_id": room.id, "body": body, "anonymous": anonymous,
                                        "client_id": client_id})


def moderate(client, room, question_id, action, **extra):
    return client.emit("question.moderate", {"session_id": room.id, "question_id": question_id, "action": action,
                                             **extra})


def vote(client, room, question_id, value=1):
    return client.emit("question.vote", {"session_id": room.id, "question_id": question_id, "value": value})


@pytest.fixture
def people(room, live_client):
    clients = {who: live_client(getattr(room, who)) for who in ("official", "other", "panelist", "moderator", "organizer")}
    for c in clients.values():
        c.join(room.id)
    return clients


def test_anonymous_question_hides_its_author_from_everyone_but_moderators(room, people):
    ack = ask(people["official"], room, anonymous=True)
    assert ack["ok"] and ack["question"]["author"] is None and ack["question"]["mine"] is True
    for who in ("official", "other", "panelist"):
        (event,) = people[who].events()
        assert event["type"] == "question.asked" and event["data"]["question"]["author"] is None
        assert "Adaeze" not in str(event)
    for who in ("moderator", "organizer"):
        question = people[who].events()[0]["data"]["question"]
        assert question["author"]["name"] == "Adaeze Official" and question["anonymous"] is True
    for who, name in (("other", None), ("moderator", "Adaeze Official")):
        replayed = people[who].emit("join", {"session_id": room.id, "after_seq": 0})["events"][0]
        snap = people[who].emit("join", {"session_id": room.id})["snapshot"]["questions"][0]
        assert (replayed["data"]["question"]["author"] or {}).get("name") == name
        assert (snap["author"] or {}).get("name") == name


def test_named_question_shows_its_author(room, people):
    ask(people["official"], room)
    assert people["other"].events()[0]["data"]["question"]["author"]["name"] == "Adaeze Official"


@pytest.mark.parametrize(("body", "ok"), [("q" * 500, True), ("q" * 501, False), (" ", False)])
def test_question_length(room, people, stored, body, ok):
    assert ask(people["official"], room, body)["ok"] is ok
    assert stored(Question) == int(ok)


def test_repeated_client_id_returns_the_first_question(room, people, stored):
    first = ask(people["official"], room, "First", client_id="same")
    assert ask(people["official"], room, "Second", client_id="same") == first
    assert stored(Question) == 1


def test_one_vote_per_person_toggles(room, people, stored):
    question = ask(people["official"], room)["question"]
    assert vote(people["other"], room, question["id"])["votes"] == 1
    again = vote(people["other"], room, question["id"])
    assert again == {"ok": True, "question_id": question["id"], "votes": 1, "voted": True}  # no second vote, no event
    assert vote(people["panelist"], room, question["id"])["votes"] == 2
    assert vote(people["other"], room, question["id"], 0)["votes"] == 1
    assert stored(QuestionVote) == 1
    updates = [e["data"]["question"]["votes"] for e in people["official"].events() if e["type"] == "question.updated"]
    assert updates == [1, 2, 1]
    snap = people["panelist"].emit("join", {"session_id": room.id})["snapshot"]["questions"][0]
    assert snap["voted"] is True and snap["votes"] == 1 and snap["mine"] is False


@pytest.mark.parametrize("value", [2, -1])
def test_vote_values_are_1_or_0(room, people, value):
    question = ask(people["official"], room)["question"]
    assert vote(people["other"], room, question["id"], value)["error"]["code"] == "invalid"


def test_premoderated_question_reaches_only_moderators_and_its_author(room, people, db):
    room.session.premoderate_questions = True
    db.session.commit()
    ack = ask(people["official"], room, "Sensitive?", anonymous=True)
    assert ack["question"]["status"] == "pending"
    assert people["other"].events() == [] and people["panelist"].events() == []
    assert people["official"].events()[0]["data"]["question"]["status"] == "pending"
    assert people["moderator"].events()[0]["data"]["question"]["author"]["name"] == "Adaeze Official"
    assert vote(people["other"], room, ack["question"]["id"])["error"]["code"] == "not_found"
    assert people["other"].emit("join", {"session_id": room.id})["snapshot"]["questions"] == []
    assert len(people["official"].emit("join", {"session_id": room.id})["snapshot"]["questions"]) == 1
    approved = moderate(people["moderator"], room, ack["question"]["id"], "approve")
    assert approved["question"]["status"] == "visible"
    shown = people["other"].events()[-1]
    assert shown["type"] == "question.updated" and shown["data"]["question"]["status"] == "visible"
    assert shown["data"]["question"]["author"] is None


def test_moderators_questions_skip_premoderation(room, people, db):
    room.session.premoderate_questions = True
    db.session.commit()
    assert ask(people["moderator"], room)["question"]["status"] == "visible"


def test_dismissal_reason_is_shown_only_to_the_author(room, people, db):
    room.session.premoderate_questions = True
    db.session.commit()
    pending = ask(people["official"], room, "Off topic", client_id="a")["question"]
    moderate(people["moderator"], room, pending["id"], "dismiss", reason="Not about open data")
    assert people["other"].events() == []
    mine = people["official"].events()[-1]["data"]["question"]
    assert mine["status"] == "dismissed" and mine["reason"] == "Not about open data"
    # A question the room saw: everyone learns it is dismissed, only the author why.
    room.session.premoderate_questions = False
    db.session.commit()
    shown = ask(people["official"], room, "Shown", client_id="b")["question"]
    moderate(people["moderator"], room, shown["id"], "dismiss", reason="Asked already")
    other = people["other"].events()[-1]["data"]["question"]
    assert other["status"] == "dismissed" and other["reason"] == ""
    author_updates = [e for e in people["official"].events() if e["type"] == "question.updated"
                      and e["data"]["question"]["id"] == shown["id"]]
    assert author_updates[-1]["data"]["question"]["reason"] == "Asked already"
    assert "Asked already" not in str(people["other"].emit("join", {"session_id": room.id, "after_seq": 0}))
    assert "Asked already" in str(people["official"].emit("join", {"session_id": room.id, "after_seq": 0}))
    snap = people["official"].emit("join", {"session_id": room.id})["snapshot"]["questions"]
    assert {q["reason"] for q in snap} == {"Not about open data", "Asked already"}


def test_answer_pin_and_reopen(room, people):
    question = ask(people["official"], room)["question"]
    qid = question["id"]
    assert moderate(people["moderator"], room, qid, "pin")["question"]["pinned"] is True
    answered = moderate(people["moderator"], room, qid, "answer", answer="We began with 311 data.")
    assert answered["question"]["status"] == "answered" and answered["question"]["answer"] == "We began with 311 data."
    assert answered["question"]["answered_at"]
    event = people["other"].events()[-1]["data"]["question"]
    assert event["status"] == "answered" and event["answer"] == "We began with 311 data."
    assert moderate(people["moderator"], room, qid, "unpin")["question"]["pinned"] is False
    assert moderate(people["moderator"], room, qid, "reopen")["question"]["status"] == "visible"


@pytest.mark.parametrize(("first", "then", "code"), [
    (None, "approve", "conflict"),  # only pending questions are approved
    (None, "reopen", "conflict"),
    ("dismiss", "answer", "conflict"),
    ("dismiss", "pin", "conflict"),
    ("dismiss", "dismiss", "conflict"),
    (None, "shout", "invalid"),
])
def test_impossible_moderation_is_refused(room, people, stored, first, then, code):
    qid = ask(people["official"], room)["question"]["id"]
    if first:
        assert moderate(people["moderator"], room, qid, first)["ok"]
    events = stored(LiveEvent)
    ack = moderate(people["moderator"], room, qid, then)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert stored(LiveEvent) == events


def test_written_answer_can_be_attached_after_the_room_closes(room, people, live_client):
    qid = ask(people["official"], room)["question"]["id"]
    assert live_client(room.host).emit("room.close", {"session_id": room.id})["ok"]
    ack = moderate(people["moderator"], room, qid, "answer", answer="Written later.")
    assert ack["ok"] and ack["question"]["answer"] == "Written later."
    assert people["official"].events()[-1]["data"]["question"]["answer"] == "Written later."


def test_too_long_answer_and_reason_are_refused(room, people):
    qid = ask(people["official"], room)["question"]["id"]
    assert moderate(people["moderator"], room, qid, "answer", answer="a" * 5001)["error"]["code"] == "invalid"
    assert moderate(people["moderator"], room, qid, "dismiss", reason="r" * 501)["error"]["code"] == "invalid"


def test_question_rate_limit(room, people):
    for n in range(3):
        assert ask(people["official"], room, f"Q{n}", client_id=f"q{n}")["ok"]
    assert ask(people["official"], room, "Q3", client_id="q3")["error"]["code"] == "rate_limited"
