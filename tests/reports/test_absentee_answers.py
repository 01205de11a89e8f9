"""People who could not attend: whoever asked or voted (before the session too) and never came into the room gets
the written answers by email when the room closes, in their language, once; later written answers to follow-ups
reach the people who voted for the question and missed the session, not only its asker."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.reports.models import FollowUp
from tests.conftest import body_text


@pytest.fixture
def session_over(room, db, live_client):
    """Before the session: Adaeze (English) asks two questions and looks in, but leaves before the room opens;
    Budi (Spanish) votes for the first without ever opening the room. In the session, the panelist is there and
    votes too; a moderator answers the first question in writing. Then the host closes the room."""
    room.other.language = "es"
    room.session.room_status = "scheduled"
    db.session.commit()
    official, other, host = live_client(room.official), live_client(room.other), live_client(room.host)
    official.join(room.id)
    answered = official.emit("question.ask", {"session_id": room.id, "body": "What did the first year cost?",
                                              "anonymous": True, "client_id": "a"})["question"]
    still_open = official.emit("question.ask", {"session_id": room.id, "body": "Who maintains the portal?",
                                                "anonymous": False, "client_id": "b"})["question"]
    official.emit("leave", {"session_id": room.id})
    assert other.emit("question.vote", {"session_id": room.id, "question_id": answered["id"], "value": 1})["ok"]
    assert other.emit("question.vote", {"session_id": room.id, "question_id": still_open["id"], "value": 1})["ok"]
    assert host.emit("room.open", {"session_id": room.id})["ok"]
    panelist = live_client(room.panelist)
    panelist.join(room.id)
    assert panelist.emit("question.vote", {"session_id": room.id, "question_id": answered["id"], "value": 1})["ok"]
    assert live_client(room.moderator).emit("question.moderate", {
        "session_id": room.id, "question_id": answered["id"], "action": "answer",
        "answer": "About forty thousand dollars."})["ok"]
    assert host.emit("room.close", {"session_id": room.id})["ok"]
    room.answered_id, room.open_id = answered["id"], still_open["id"]
    return room


def absentee_mails(outbox):
    return [row for row in outbox.rows() if row.kind == "absentee_answers"]


def test_the_people_who_asked_or_voted_but_never_came_get_the_written_answers_once(session_over, outbox, db):
    room = session_over
    rows = absentee_mails(outbox)
    assert sorted(r.to_addr for r in rows) == sorted([room.official.email, room.other.email])
    mail = body_text(outbox.last(to=room.official.email))
    assert "What did the first year cost?" in mail and "About forty thousand dollars." in mail
    assert "Asked before the session" in mail and "You asked this question." in mail
    assert "Who maintains the portal?" in mail and "you will get that answer by email" in mail
    assert f"/sessions/{room.id}/summary" in mail
    # Reopening and closing again sends nobody a second one.
    from exchange.live import services as live

    live.open_room(room.id, actor=room.host)
    live.close_room(room.id, actor=room.host)
    assert len(absentee_mails(outbox)) == 2


def test_the_absentees_email_is_in_the_readers_language(session_over, outbox):
    room = session_over
    message = outbox.last(to=room.other.email)
    text = body_text(message)
    assert message["Subject"].startswith("Las respuestas de")
    assert "Usted votó por esta pregunta." in text and "Formulada antes de la sesión" in text
    assert "About forty thousand dollars." in text
    # An anonymous question stays anonymous in the voter's email.
    assert room.official.name not in text


def test_people_who_were_in_the_room_get_no_absentees_email(session_over, outbox):
    room = session_over
    addresses = {row.to_addr for row in absentee_mails(outbox)}
    for present in (room.panelist, room.host, room.moderator):
        assert present.email not in addresses


def test_a_later_follow_up_answer_reaches_the_absent_voters_too(session_over, client, login_as, db, outbox,
                                                                make_expert):
    room = session_over
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.question_id == room.open_id))
    expert = make_expert(name="Dana Expert").user
    login_as(room.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": expert.id}, page="/reports/follow-ups")
    login_as(expert)
    assert client.submit(f"/follow-ups/{follow_up.id}", {"answer": "The city's open data team."}).status_code == 302
    to_voter = outbox.last(to=room.other.email)
    assert "The city's open data team." in body_text(to_voter)
    assert to_voter["Subject"].startswith("Una pregunta que usted votó tiene respuesta")
    assert "The city's open data team." in body_text(outbox.last(to=room.official.email))
    assert not any("open data team" in body_text(m) for m in outbox.messages(to=room.panelist.email))
