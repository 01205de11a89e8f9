"""Q&A around the clock: registrants ask and vote while the room is still scheduled (before the session), with
pre-moderation and anonymity kept; chat, polls and hands wait for the room to open; the questions keep their
"early" mark; nothing is taken once the session has ended or the room has closed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.common.time import utcnow
from exchange.live.models import Attendance, Question, QuestionVote


@pytest.fixture
def scheduled(room, db):
    """The room fixture before its session: the room is not open yet (the session starts tomorrow)."""
    room.session.room_status = "scheduled"
    db.session.commit()
    return room


def ask(client, room, body="What did the first year cost?", anonymous=False, client_id="early-1"):
    return client.emit("question.ask", {"session_id": room.id, "body": body, "anonymous": anonymous,
                                        "client_id": client_id})


def vote(client, room, question_id, value=1):
    return client.emit("question.vote", {"session_id": room.id, "question_id": question_id, "value": value})


def test_a_registrant_asks_and_votes_before_the_session_and_others_see_it_marked_early(scheduled, live_client,
                                                                                        stored):
    official, other = live_client(scheduled.official), live_client(scheduled.other)
    assert official.join(scheduled.id)["status"] == "scheduled"
    other.join(scheduled.id)
    ack = ask(official, scheduled)
    assert ack["ok"], ack
    assert ack["question"]["early"] is True and ack["question"]["status"] == "visible"
    (event,) = other.events()
    assert event["type"] == "question.asked" and event["data"]["question"]["early"] is True
    voted = vote(other, scheduled, ack["question"]["id"])
    assert voted["ok"] and voted["votes"] == 1 and voted["voted"] is True
    assert stored(QuestionVote) == 1
    # Taking the vote back works before the session too.
    assert vote(other, scheduled, ack["question"]["id"], 0)["votes"] == 0


def test_early_questions_keep_their_mark_when_the_room_opens_and_later_ones_have_none(scheduled, live_client):
    official, host = live_client(scheduled.official), live_client(scheduled.host)
    early = ask(official, scheduled)["question"]
    assert host.emit("room.open", {"session_id": scheduled.id})["ok"]
    late = ask(official, scheduled, body="And the second year?", client_id="late-1")["question"]
    assert late["early"] is False
    snapshot = host.join(scheduled.id)["snapshot"]["questions"]
    assert {q["id"]: q["early"] for q in snapshot} == {early["id"]: True, late["id"]: False}


@pytest.mark.parametrize(("event", "who", "payload"), [
    ("chat.send", "official", {"body": "Hello early", "client_id": "c1"}),
    ("hand.raise", "official", {"raised": True}),
    ("poll.open", "host", {"prompt": "Which?", "options": ["A", "B"], "multiple": False}),
])
def test_chat_polls_and_hands_stay_closed_until_the_room_opens(scheduled, live_client, stored, event, who, payload):
    client = live_client(getattr(scheduled, who))
    ack = client.emit(event, {"session_id": scheduled.id, **payload})
    assert ack["ok"] is False and ack["error"]["code"] == "room_not_open", ack


@pytest.mark.parametrize("how", ["ended", "cancelled", "closed"])
def test_no_questions_or_votes_once_the_session_ended_was_cancelled_or_the_room_closed(scheduled, live_client, db,
                                                                                       stored, how):
    official, other = live_client(scheduled.official), live_client(scheduled.other)
    question = ask(official, scheduled)["question"]
    session = scheduled.session
    if how == "ended":
        session.starts_at, session.ends_at = utcnow() - timedelta(hours=2), utcnow() - timedelta(minutes=1)
    elif how == "cancelled":
        session.status = "cancelled"
    else:
        session.room_status = "closed"
    db.session.commit()
    refused = ask(official, scheduled, body="Too late?", client_id="late")
    assert refused["ok"] is False and refused["error"]["code"] == "room_not_open"
    assert vote(other, scheduled, question["id"])["error"]["code"] == "room_not_open"
    assert stored(Question) == 1 and stored(QuestionVote) == 0


def test_pre_moderation_holds_early_questions_for_the_moderators(scheduled, live_client, db):
    scheduled.session.premoderate_questions = True
    db.session.commit()
    official, other, moderator = (live_client(getattr(scheduled, who)) for who in ("official", "other", "moderator"))
    for client in (official, other, moderator):
        client.join(scheduled.id)
    question = ask(official, scheduled)["question"]
    assert question["status"] == "pending" and question["early"] is True
    assert other.events() == []
    assert other.join(scheduled.id)["snapshot"]["questions"] == []
    assert vote(other, scheduled, question["id"])["ok"] is False  # not shown: nothing to vote on
    (held,) = moderator.events()
    assert held["data"]["question"]["status"] == "pending"
    assert moderator.emit("question.moderate", {"session_id": scheduled.id, "question_id": question["id"],
                                                "action": "approve"})["ok"]
    shown = other.events()[-1]["data"]["question"]
    assert shown["status"] == "visible" and shown["early"] is True
    assert vote(other, scheduled, question["id"])["votes"] == 1


def test_an_anonymous_early_question_hides_its_author_from_all_but_the_moderators(scheduled, live_client):
    official, other, moderator = (live_client(getattr(scheduled, who)) for who in ("official", "other", "moderator"))
    for client in (other, moderator):
        client.join(scheduled.id)
    ask(official, scheduled, anonymous=True)
    seen = other.events()[0]["data"]["question"]
    assert seen["author"] is None and seen["early"] is True and "Adaeze" not in str(other.events())
    assert moderator.events()[0]["data"]["question"]["author"]["name"] == "Adaeze Official"
    assert other.join(scheduled.id)["snapshot"]["questions"][0]["author"] is None


def test_looking_in_before_the_session_is_not_attending_it_but_being_there_when_it_opens_is(scheduled, live_client,
                                                                                            db):
    early_bird, leaver, host = (live_client(getattr(scheduled, who)) for who in ("official", "other", "host"))
    early_bird.join(scheduled.id)
    leaver.join(scheduled.id)
    leaver.emit("leave", {"session_id": scheduled.id})

    def attended() -> set[int]:
        db.session.expire_all()
        return set(db.session.scalars(select(Attendance.user_id).where(Attendance.session_id == scheduled.id)))

    assert attended() == set()
    assert host.emit("room.open", {"session_id": scheduled.id})["ok"]
    assert attended() == {scheduled.official.id}


def test_the_summary_page_marks_the_questions_asked_before_the_session(scheduled, live_client, client, login_as):
    official, host = live_client(scheduled.official), live_client(scheduled.host)
    ask(official, scheduled, body="Asked while the room was scheduled")
    assert host.emit("room.open", {"session_id": scheduled.id})["ok"]
    ask(official, scheduled, body="Asked in the session", client_id="late")
    assert host.emit("room.close", {"session_id": scheduled.id})["ok"]
    login_as(scheduled.other)
    page = client.get(f"/sessions/{scheduled.id}/summary").get_data(as_text=True)
    early_item = page[page.index("Asked while the room was scheduled"):]
    early_item = early_item[:early_item.index("</li>")]
    late_item = page[page.index("Asked in the session"):]
    late_item = late_item[:late_item.index("</li>")]
    assert "Asked before the session" in early_item and "Asked before the session" not in late_item
    assert '<dd id="early-count">1</dd>' in page


def test_the_room_page_of_a_scheduled_session_invites_early_questions(scheduled, client, login_as):
    login_as(scheduled.official)
    page = client.get(f"/sessions/{scheduled.id}/room").get_data(as_text=True)
    start = page.index('id="question-early"')
    assert "you can already ask questions" in page[start:start + 300]
    assert 'hidden>' not in page[start:start + 60]
