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
def joined_clients(room, live_client):
    clients = {who: live_client(getattr(room, who)) for who in ("official", "other", "panelist", "moderator", "organizer")}
    for c in clients.values():
        c.join(room.id)
    return clients


def test_anonymous_question_hides_its_author_from_everyone_but_moderators(room, joined_clients):
    ack = ask(joined_clients["official"], room, anonymous=True)
    assert ack["ok"] and ack["question"]["author"] is None and ack["question"]["mine"] is True
    for who in ("official", "other", "panelist"):
        (event,) = joined_clients[who].events()
        assert event["type"] == "question.asked" and event["data"]["question"]["author"] is None
        assert "Adaeze" not in str(event)
    for who in ("moderator", "organizer"):
        question = joined_clients[who].events()[0]["data"]["question"]
        assert question["author"]["name"] == "Adaeze Official" and question["anonymous"] is True
    for who, name in (("other", None), ("moderator", "Adaeze Official")):
        replayed = joined_clients[who].emit("join", {"session_id": room.id, "after_seq": 0})["events"][0]
        snap = joined_clients[who].emit("join", {"session_id": room.id})["snapshot"]["questions"][0]
        assert (replayed["data"]["question"]["author"] or {}).get("name") == name
        assert (snap["author"] or {}).get("name") == name


def test_named_question_shows_its_author(room, joined_clients):
    ask(joined_clients["official"], room)
    assert joined_clients["other"].events()[0]["data"]["question"]["author"]["name"] == "Adaeze Official"


@pytest.mark.parametrize(("body", "ok"), [("q" * 500, True), ("q" * 501, False), (" ", False)])
def test_question_length(room, joined_clients, stored, body, ok):
    assert ask(joined_clients["official"], room, body)["ok"] is ok
    assert stored(Question) == int(ok)


def test_repeated_client_id_returns_the_first_question(room, joined_clients, stored):
    first = ask(joined_clients["official"], room, "First", client_id="same")
    assert ask(joined_clients["official"], room, "Second", client_id="same") == first
    assert stored(Question) == 1


def test_one_vote_per_person_toggles(room, joined_clients, stored):
    question = ask(joined_clients["official"], room)["question"]
    assert vote(joined_clients["other"], room, question["id"])["votes"] == 1
    again = vote(joined_clients["other"], room, question["id"])
    assert again == {"ok": True, "question_id": question["id"], "votes": 1, "voted": True}  # no second vote, no event
    assert vote(joined_clients["panelist"], room, question["id"])["votes"] == 2
    assert vote(joined_clients["other"], room, question["id"], 0)["votes"] == 1
    assert stored(QuestionVote) == 1
    updates = [e["data"]["question"]["votes"] for e in joined_clients["official"].events() if e["type"] == "question.updated"]
    assert updates == [1, 2, 1]
    snap = joined_clients["panelist"].emit("join", {"session_id": room.id})["snapshot"]["questions"][0]
    assert snap["voted"] is True and snap["votes"] == 1 and snap["mine"] is False


@pytest.mark.parametrize("value", [2, -1])
def test_vote_values_are_1_or_0(room, joined_clients, value):
    question = ask(joined_clients["official"], room)["question"]
    assert vote(joined_clients["other"], room, question["id"], value)["error"]["code"] == "invalid"


def test_premoderated_question_reaches_only_moderators_and_its_author(room, joined_clients, db):
    room.session.premoderate_questions = True
    db.session.commit()
    ack = ask(joined_clients["official"], room, "Sensitive?", anonymous=True)
    assert ack["question"]["status"] == "pending"
    assert joined_clients["other"].events() == [] and joined_clients["panelist"].events() == []
    assert joined_clients["official"].events()[0]["data"]["question"]["status"] == "pending"
    assert joined_clients["moderator"].events()[0]["data"]["question"]["author"]["name"] == "Adaeze Official"
    assert vote(joined_clients["other"], room, ack["question"]["id"])["error"]["code"] == "not_found"
    assert joined_clients["other"].emit("join", {"session_id": room.id})["snapshot"]["questions"] == []
    assert len(joined_clients["official"].emit("join", {"session_id": room.id})["snapshot"]["questions"]) == 1
    approved = moderate(joined_clients["moderator"], room, ack["question"]["id"], "approve")
    assert approved["question"]["status"] == "visible"
    shown = joined_clients["other"].events()[-1]
    assert shown["type"] == "question.updated" and shown["data"]["question"]["status"] == "visible"
    assert shown["data"]["question"]["author"] is None


def test_moderators_questions_skip_premoderation(room, joined_clients, db):
    room.session.premoderate_questions = True
    db.session.commit()
    assert ask(joined_clients["moderator"], room)["question"]["status"] == "visible"


def test_dismissal_reason_is_shown_only_to_the_author(room, joined_clients, db):
    room.session.premoderate_questions = True
    db.session.commit()
    pending = ask(joined_clients["official"], room, "Off topic", client_id="a")["question"]
    moderate(joined_clients["moderator"], room, pending["id"], "dismiss", reason="Not about open data")
    assert joined_clients["other"].events() == []
    mine = joined_clients["official"].events()[-1]["data"]["question"]
    assert mine["status"] == "dismissed" and mine["reason"] == "Not about open data"
    # A question the room saw: everyone learns it is dismissed, only the author why.
    room.session.premoderate_questions = False
    db.session.commit()
    shown = ask(joined_clients["official"], room, "Shown", client_id="b")["question"]
    moderate(joined_clients["moderator"], room, shown["id"], "dismiss", reason="Asked already")
    other = joined_clients["other"].events()[-1]["data"]["question"]
    assert other["status"] == "dismissed" and other["reason"] == ""
    author_updates = [e for e in joined_clients["official"].events() if e["type"] == "question.updated"
                      and e["data"]["question"]["id"] == shown["id"]]
    assert author_updates[-1]["data"]["question"]["reason"] == "Asked already"
    assert "Asked already" not in str(joined_clients["other"].emit("join", {"session_id": room.id, "after_seq": 0}))
    assert "Asked already" in str(joined_clients["official"].emit("join", {"session_id": room.id, "after_seq": 0}))
    snap = joined_clients["official"].emit("join", {"session_id": room.id})["snapshot"]["questions"]
    assert {q["reason"] for q in snap} == {"Not about open data", "Asked already"}


def test_answer_pin_and_reopen(room, joined_clients):
    question = ask(joined_clients["official"], room)["question"]
    qid = question["id"]
    assert moderate(joined_clients["moderator"], room, qid, "pin")["question"]["pinned"] is True
    answered = moderate(joined_clients["moderator"], room, qid, "answer", answer="We began with 311 data.")
    assert answered["question"]["status"] == "answered" and answered["question"]["answer"] == "We began with 311 data."
    assert answered["question"]["answered_at"]
    event = joined_clients["other"].events()[-1]["data"]["question"]
    assert event["status"] == "answered" and event["answer"] == "We began with 311 data."
    assert moderate(joined_clients["moderator"], room, qid, "unpin")["question"]["pinned"] is False
    assert moderate(joined_clients["moderator"], room, qid, "reopen")["question"]["status"] == "visible"


@pytest.mark.parametrize(("first", "then", "code"), [
    (None, "approve", "conflict"),  # only pending questions are approved
    (None, "reopen", "conflict"),
    ("dismiss", "answer", "conflict"),
    ("dismiss", "pin", "conflict"),
    ("dismiss", "dismiss", "conflict"),
    (None, "shout", "invalid"),
])
def test_impossible_moderation_is_refused(room, joined_clients, stored, first, then, code):
    qid = ask(joined_clients["official"], room)["question"]["id"]
    if first:
        assert moderate(joined_clients["moderator"], room, qid, first)["ok"]
    events = stored(LiveEvent)
    ack = moderate(joined_clients["moderator"], room, qid, then)
    assert ack["ok"] is False and ack["error"]["code"] == code
    assert stored(LiveEvent) == events


def test_written_answer_can_be_attached_after_the_room_closes(room, joined_clients, live_client):
    qid = ask(joined_clients["official"], room)["question"]["id"]
    assert live_client(room.host).emit("room.close", {"session_id": room.id})["ok"]
    ack = moderate(joined_clients["moderator"], room, qid, "answer", answer="Written later.")
    assert ack["ok"] and ack["question"]["answer"] == "Written later."
    assert joined_clients["official"].events()[-1]["data"]["question"]["answer"] == "Written later."


def test_too_long_answer_and_reason_are_refused(room, joined_clients):
    qid = ask(joined_clients["official"], room)["question"]["id"]
    assert moderate(joined_clients["moderator"], room, qid, "answer", answer="a" * 5001)["error"]["code"] == "invalid"
    assert moderate(joined_clients["moderator"], room, qid, "dismiss", reason="r" * 501)["error"]["code"] == "invalid"


def test_question_rate_limit(room, joined_clients):
    for n in range(3):
        assert ask(joined_clients["official"], room, f"Q{n}", client_id=f"q{n}")["ok"]
    assert ask(joined_clients["official"], room, "Q3", client_id="q3")["error"]["code"] == "rate_limited"


def test_a_preset_dismissal_reason_reaches_only_the_author_in_her_language(room, joined_clients, app, db):
    from flask_babel import force_locale

    shown = ask(joined_clients["official"], room, "Where is lunch?", client_id="p")["question"]
    done = moderate(joined_clients["moderator"], room, shown["id"], "dismiss", reason_code="off_topic",
                    reason="Try the chat.")
    assert done["question"]["reason_code"] == "off_topic"
    other = joined_clients["other"].events()[-1]["data"]["question"]
    assert other["status"] == "dismissed" and other["reason_code"] == "" and other["reason"] == ""
    mine = [e for e in joined_clients["official"].events() if e["type"] == "question.updated"][-1]["data"]["question"]
    assert (mine["reason_code"], mine["reason"]) == ("off_topic", "Try the chat.")
    assert "off_topic" not in str(joined_clients["other"].emit("join", {"session_id": room.id, "after_seq": 0}))
    # On the summary and in the transcript, the preset is written in the reader's words, then the moderator's.
    stored = db.session.get(Question, shown["id"])
    with app.test_request_context(), force_locale("es"):
        assert stored.reason_text == "Fuera del tema de esta sesión — Try the chat."
    # Reopening clears both; an unknown code is refused and changes nothing.
    moderate(joined_clients["moderator"], room, shown["id"], "reopen")
    refused = moderate(joined_clients["moderator"], room, shown["id"], "dismiss", reason_code="rude")
    assert refused["ok"] is False and refused["error"]["message"] == "Choose one of the offered reasons."
    db.session.expire_all()
    assert db.session.get(Question, shown["id"]).status == "visible"
    assert db.session.get(Question, shown["id"]).reason_code == ""


def test_only_moderators_learn_who_is_muted_when_they_join(room, joined_clients):
    official = joined_clients["official"]
    me = official.emit("join", {"session_id": room.id})["snapshot"]
    muted = joined_clients["moderator"].emit("chat.mute", {"session_id": room.id, "user_id": official.user.id,
                                                           "minutes": 15})
    assert muted["ok"] is True
    seen = joined_clients["moderator"].emit("join", {"session_id": room.id})["snapshot"]["mutes"]
    assert list(seen) == [str(official.user.id)] and seen[str(official.user.id)] == muted["muted_until"]
    assert joined_clients["other"].emit("join", {"session_id": room.id})["snapshot"]["mutes"] == {}
    assert me["mutes"] == {}
    joined_clients["moderator"].emit("chat.mute", {"session_id": room.id, "user_id": official.user.id, "minutes": 0})
    assert joined_clients["moderator"].emit("join", {"session_id": room.id})["snapshot"]["mutes"] == {}
