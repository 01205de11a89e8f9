"""Follow-ups: created when a room closes, assigned to an expert, answered in writing, askers told privately."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import event, select

from exchange.live import services as live
from exchange.reports.models import FollowUp
from tests.conftest import body_text


def follow_up_for(db, question_id: int) -> FollowUp:
    return db.session.scalar(select(FollowUp).where(FollowUp.question_id == question_id))


def test_closing_the_room_turns_unanswered_questions_into_follow_ups_once(closed, db):
    found = {f.question_id for f in db.session.scalars(select(FollowUp))}
    assert found == {closed.anonymous_id, closed.named_id}  # the answered one is not a follow-up
    live.open_room(closed.session.id, actor=closed.organizer)
    live.close_room(closed.session.id, actor=closed.organizer)
    assert db.session.scalar(select(FollowUp.id).where(FollowUp.question_id == closed.anonymous_id)) is not None
    assert len(list(db.session.scalars(select(FollowUp)))) == 2


def test_follow_ups_commit_with_the_close_or_not_at_all(ended, db):
    def fail_before_commit(_session):
        raise RuntimeError("the database went away before commit")

    event.listen(db.session, "before_commit", fail_before_commit)
    try:
        with pytest.raises(RuntimeError):
            live.close_room(ended.session.id, actor=ended.organizer)
    finally:
        event.remove(db.session, "before_commit", fail_before_commit)
    db.session.expire_all()
    assert list(db.session.scalars(select(FollowUp))) == [] and ended.session.room_status == "open"
    live.close_room(ended.session.id, actor=ended.organizer)
    assert {f.question_id for f in db.session.scalars(select(FollowUp))} == {ended.anonymous_id, ended.named_id}


def test_an_open_room_has_no_follow_ups(ended, db):
    assert list(db.session.scalars(select(FollowUp))) == []


def test_anonymous_asker_gets_the_answer_privately_and_stays_anonymous(closed, client, login_as, db, outbox):
    follow_up = follow_up_for(db, closed.anonymous_id)
    asker, expert = closed.jakarta[1], closed.expert.user
    login_as(closed.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": expert.id}, page="/reports/follow-ups")
    to_expert = body_text(outbox.last(to=expert.email))
    assert "hostile council" in to_expert and asker.name not in to_expert and asker.email not in to_expert
    login_as(expert)
    page = client.get(f"/follow-ups/{follow_up.id}").get_data(as_text=True)
    assert "Anonymous" in page and asker.name not in page
    assert client.submit(f"/follow-ups/{follow_up.id}", {"answer": "Publish anyway, then brief them."}).status_code == 302
    mail = outbox.last(to=asker.email)
    assert "Publish anyway" in body_text(mail) and "asked anonymously" in body_text(mail)
    assert [m["To"] for m in outbox.messages() if "Publish anyway" in body_text(m)] == [f"{asker.name} <{asker.email}>"]
    login_as(closed.lagos[2])
    summary = client.get(f"/sessions/{closed.session.id}/summary").get_data(as_text=True)
    assert "Publish anyway, then brief them." in summary and asker.name not in summary


def test_only_the_assigned_expert_may_answer(closed, client, login_as, db, make_expert):
    follow_up = follow_up_for(db, closed.named_id)
    other = make_expert(name="Other Expert").user
    login_as(other)
    assert client.get(f"/follow-ups/{follow_up.id}").status_code == 404
    login_as(closed.expert.user)
    assert client.get(f"/follow-ups/{follow_up.id}").status_code == 404  # not assigned yet


def test_an_empty_answer_changes_nothing(closed, client, login_as, db, outbox):
    follow_up = follow_up_for(db, closed.named_id)
    login_as(closed.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": closed.expert.user.id}, page="/reports/follow-ups")
    login_as(closed.expert.user)
    before = len(outbox.messages())
    response = client.submit(f"/follow-ups/{follow_up.id}", {"answer": "   "})
    assert response.status_code in (200, 400) and "Write an answer." in response.get_data(as_text=True)
    db.session.refresh(follow_up)
    assert follow_up.status == "assigned" and len(outbox.messages()) == before


def test_assigning_to_someone_who_is_not_an_expert_is_refused(closed, client, login_as, db):
    follow_up = follow_up_for(db, closed.named_id)
    login_as(closed.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": closed.lagos[0].id}, page="/reports/follow-ups")
    db.session.refresh(follow_up)
    assert follow_up.status == "open" and follow_up.expert_id is None


def test_follow_ups_and_reports_belong_to_the_exchanges_team(closed, client, login_as, db, make_user):
    """An organizer outside the team neither sees nor assigns the session's follow-ups, nor opens its report; the
    exchange's team and administrators do. The dashboard over many exchanges counts only the reader's teams'."""
    follow_up = follow_up_for(db, closed.named_id)
    outsider = make_user(role="organizer", name="Otto Outside")
    login_as(outsider)
    assert "Which budget data" not in client.get("/reports/follow-ups").get_data(as_text=True)
    response = client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": closed.expert.user.id},
                             page="/reports/follow-ups")
    assert response.status_code == 404
    assert client.get(f"/follow-ups/{follow_up.id}").status_code == 404
    assert client.get(f"/reports/exchanges/{closed.exchange.id}").status_code == 404
    dashboard = client.get("/reports/").get_data(as_text=True)
    assert "Open budgets" not in dashboard
    db.session.refresh(follow_up)
    assert follow_up.status == "open"

    for person in (closed.organizer, make_user(role="admin", name="Ada Admin")):
        login_as(person)
        assert "Which budget data" in client.get("/reports/follow-ups").get_data(as_text=True)
        assert client.get(f"/reports/exchanges/{closed.exchange.id}").status_code == 200
        assert "Open budgets" in client.get("/reports/").get_data(as_text=True)
    login_as(closed.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": closed.expert.user.id},
                  page="/reports/follow-ups")
    db.session.refresh(follow_up)
    assert follow_up.status == "assigned"


def answered_mails(outbox, asker) -> list:
    return [r for r in outbox.rows() if r.kind == "follow_up_answered" and asker.email in r.to_addr]


def test_an_answer_written_on_the_summary_closes_the_follow_up_and_reaches_the_asker_once(closed, client, login_as,
                                                                                            db, outbox):
    """Issue 21 §4: one answer, wherever it is written, closes the follow-up and reaches the asker (once)."""
    follow_up = follow_up_for(db, closed.anonymous_id)
    asker, sid = closed.jakarta[1], closed.session.id
    login_as(closed.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": closed.expert.user.id},
                  page="/reports/follow-ups")
    summary = f"/sessions/{sid}/summary"
    answer_url = f"/sessions/{sid}/questions/{closed.anonymous_id}/answer"
    assert client.submit(answer_url, {"answer": "Brief the council before you publish."}, page=summary).status_code == 302
    db.session.refresh(follow_up)
    assert follow_up.status == "answered" and follow_up.answered_at is not None
    (mail,) = answered_mails(outbox, asker)
    text = body_text(outbox.last(to=asker.email))
    assert "Brief the council before you publish." in text and "asked anonymously" in text
    listing = html.unescape(client.get("/reports/follow-ups").get_data(as_text=True))
    card = listing.split(f'id="f{follow_up.id}"')[1].split("</section>")[0]
    assert "Answered on the session's summary" in card and "Brief the council before you publish." in card
    # Changing the answer, and the assigned expert's late answer, do not email the asker again.
    client.submit(answer_url, {"answer": "Brief the council first, then publish."}, page=summary)
    login_as(closed.expert.user)
    page = html.unescape(client.get(f"/follow-ups/{follow_up.id}").get_data(as_text=True))
    assert "already answered on the session's summary" in page and "Brief the council first" in page
    response = client.submit(f"/follow-ups/{follow_up.id}", {"answer": "Something else."},
                             page=f"/follow-ups/{follow_up.id}")
    assert response.status_code == 409 or "already answered" in response.get_data(as_text=True)
    db.session.refresh(follow_up)
    assert follow_up.answer == "" and len(answered_mails(outbox, asker)) == 1
    # The summary shows the answer once, with the question (not again as a written follow-up).
    login_as(closed.lagos[2])
    page = client.get(summary).get_data(as_text=True)
    assert page.count("Brief the council first, then publish.") == 1 and asker.name not in page


def test_an_expert_answer_then_a_summary_answer_emails_the_asker_once(closed, client, login_as, db, outbox):
    follow_up = follow_up_for(db, closed.named_id)
    asker, sid = closed.lagos[0], closed.session.id
    login_as(closed.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": closed.expert.user.id},
                  page="/reports/follow-ups")
    login_as(closed.expert.user)
    client.submit(f"/follow-ups/{follow_up.id}", {"answer": "The procurement data."})
    client.submit(f"/follow-ups/{follow_up.id}", {"answer": "The procurement data, then payroll."})  # an edit
    login_as(closed.organizer)
    client.submit(f"/sessions/{sid}/questions/{closed.named_id}/answer", {"answer": "See the expert's answer."},
                  page=f"/sessions/{sid}/summary")
    db.session.refresh(follow_up)
    assert follow_up.status == "answered" and follow_up.answer == "The procurement data, then payroll."
    (mail,) = answered_mails(outbox, asker)
    assert "The procurement data." in body_text(outbox.last(to=asker.email))


def test_a_follow_up_left_unanswered_stays_open_when_its_question_is_only_pinned(closed, db, outbox):
    live.moderate_question(closed.session.id, actor=closed.organizer, question_id=closed.named_id, action="pin")
    assert follow_up_for(db, closed.named_id).status == "open" and answered_mails(outbox, closed.lagos[0]) == []


@pytest.mark.parametrize("fmt", ["json", "csv", "md"])
def test_the_transcript_carries_the_written_follow_up_answers_and_dismissal_reasons(ended, client, login_as, db, fmt):
    """Issue 21 §4: the transcript includes the expert's follow-up answers; its CSV has a dismissal-reason column."""
    import csv
    import io
    import json

    closed, sid = ended, ended.session.id
    dismissed = live.ask_question(sid, actor=closed.lagos[3], body="Off topic: parking?", anonymous=False,
                                  client_id="q-off")["question"]
    live.moderate_question(sid, actor=closed.organizer, question_id=dismissed["id"], action="dismiss",
                           reason="Ask the venue.")
    live.close_room(sid, actor=closed.organizer)
    follow_up = follow_up_for(db, closed.anonymous_id)
    login_as(closed.organizer)
    client.submit(f"/reports/follow-ups/{follow_up.id}/assign", {"expert": closed.expert.user.id},
                  page="/reports/follow-ups")
    login_as(closed.expert.user)
    client.submit(f"/follow-ups/{follow_up.id}", {"answer": "Meet the council chair first."})
    login_as(closed.organizer)
    response = client.get(f"/sessions/{sid}/transcript.{fmt}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and closed.jakarta[1].name not in text  # the asker stays anonymous
    if fmt == "json":
        questions = {q["id"]: q for q in json.loads(text)["questions"]}
        assert questions[closed.anonymous_id]["follow_up_answer"] == "Meet the council chair first."
        assert questions[closed.anonymous_id]["follow_up_by"] == "Dana Expert"
        assert questions[closed.named_id]["follow_up_answer"] == ""
        assert "Ask the venue." in questions[dismissed["id"]]["reason"]
    if fmt == "csv":
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text)) if r["kind"] == "question"}
        assert rows[str(closed.anonymous_id)]["follow_up_answer"] == "Meet the council chair first."
        assert rows[str(closed.anonymous_id)]["author"] == "Anonymous"
        assert "Ask the venue." in rows[str(dismissed["id"])]["reason"]
        assert rows[str(closed.named_id)]["reason"] == ""
    if fmt == "md":
        assert "Written answer after the session (Dana Expert):** Meet the council chair first." in text
        assert "*Dismissed:* Ask the venue." in text
