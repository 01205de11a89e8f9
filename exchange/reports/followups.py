"""Follow-ups: questions still open when a room closes, answered afterwards in writing by an expert.

Chosen design: they are created eagerly by `create_follow_ups`, called once inside the close-room transaction
through the live room's `room_closed` signal (exchange/live/room.py; connected by `connect_signals`, which the app
factory calls), so a closed room and its follow-ups commit together and organizers can assign them at once.
Closing a room again creates nothing twice (one follow-up per question). The live room never imports reports.

One answer closes a follow-up, wherever it is written: the assigned expert's (`answer_follow_up`) or a moderator's
written answer to the question itself, in the room or on the summary page after the room closed (the live room's
`question_answered` signal, inside `moderate_question`'s transaction). Both call `close_follow_up`, which emails the
asker the first time only. A follow-up closed by the question's own answer keeps `answer` empty: that answer lives
on the question (the summary and the transcript show it there, once).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..common.errors import Conflict, Invalid, NotFound
from ..common.permissions import can, is_admin, require
from ..common.time import utcnow
from ..common.urls import public_url
from ..exchanges.models import ExchangeSession
from ..exchanges.permissions import team_clause
from ..experts.models import ExpertProfile
from ..extensions import db
from ..live.models import Question
from ..live.services import question_answered, room_closed, transcript_questions
from ..mail.services import Recipient, queue_email
from .absentees import absent_voters
from .models import FollowUp

ANSWER_MAX = 10000


def create_follow_ups(session_id: int) -> int:
    """Turn the room's unanswered (visible) questions into follow-ups; no commit: the caller's transaction."""
    existing = set(db.session.scalars(select(FollowUp.question_id).where(FollowUp.session_id == session_id)))
    created = 0
    for question in db.session.scalars(select(Question).where(Question.session_id == session_id,
                                                              Question.status == "visible")):
        if question.id not in existing:
            db.session.add(FollowUp(question_id=question.id, session_id=session_id))
            created += 1
    return created


def _follow_up_closed_room(_app: Any, *, session_id: int) -> None:
    """Receive `room_closed`: stage the room's follow-ups in the close's own transaction (the close commits them)."""
    create_follow_ups(session_id)


def _follow_up_question_answered(_app: Any, *, question: Question, actor: Any) -> None:
    """Receive `question_answered`: the question's follow-up (if any) is answered, in the moderation's transaction."""
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.question_id == question.id))
    if follow_up is not None:
        close_follow_up(follow_up, answer=question.answer, answerer=actor)


def _transcript_follow_ups(_app: Any, *, session_id: int) -> dict[int, dict]:
    """Receive `transcript_questions`: each question's written follow-up answer, for the transcript."""
    return {f.question_id: {"follow_up_answer": f.answer, "follow_up_by": f.expert.name if f.expert else "",
                            "follow_up_answered_at": f.answered_at}
            for f in answered_follow_ups(session_id)}


def connect_signals() -> None:
    """Create follow-ups whenever a live room closes, close one when its question is answered, and lend the transcript
    the written answers (called by the app factory; connecting twice is harmless)."""
    room_closed.connect(_follow_up_closed_room)
    question_answered.connect(_follow_up_question_answered)
    transcript_questions.connect(_transcript_follow_ups)


def close_follow_up(follow_up: FollowUp, *, answer: str, answerer: Any) -> None:
    """The one way a follow-up becomes answered: mark it and, the first time only, email `answer` to the asker (their
    name is never shown to others) and to the people who voted for it but missed the session. No commit: the
    caller's transaction (the emails leave after it commits)."""
    if follow_up.status == "answered":
        return
    follow_up.status, follow_up.answered_at = "answered", utcnow()
    asker = follow_up.question.author
    if not asker.disabled:
        queue_email(Recipient.of(asker), "follow_up_answered", kind="follow_up_answered",
                    subject=_l("Your question has an answer: %(title)s", title=follow_up.session.title),
                    context={"follow_up": follow_up, "answer": answer, "expert_name": answerer.name,
                             "link": public_url("live.summary", session_id=follow_up.session_id, _anchor="follow-ups")})
    for voter in absent_voters(follow_up.question):  # they missed the session: the answer reaches them too
        queue_email(Recipient.of(voter), "follow_up_answered", kind="follow_up_answered",
                    subject=_l("A question you voted for has an answer: %(title)s", title=follow_up.session.title),
                    context={"follow_up": follow_up, "answer": answer, "expert_name": answerer.name, "voter": True,
                             "link": public_url("live.summary", session_id=follow_up.session_id, _anchor="follow-ups")})


def list_follow_ups(*, actor: Any) -> list[FollowUp]:
    """Return the follow-ups of the sessions of the actor's teams' exchanges (administrators: every one), the ones
    waiting for an expert first."""
    require(actor, "followup.assign", None, _l("Only organizers can assign follow-ups."))
    order = {"open": 0, "assigned": 1, "answered": 2}
    query = select(FollowUp).options(selectinload(FollowUp.question), selectinload(FollowUp.session))
    if not is_admin(actor):
        query = query.join(ExchangeSession, ExchangeSession.id == FollowUp.session_id).where(
            team_clause(actor, ExchangeSession.exchange_id))
    rows = db.session.scalars(query)
    return sorted(rows, key=lambda f: (order.get(f.status, 3), f.id))


def my_follow_ups(*, actor: Any) -> list[FollowUp]:
    """Return the follow-ups assigned to the actor (experts)."""
    return list(db.session.scalars(select(FollowUp).where(FollowUp.expert_id == actor.id).order_by(FollowUp.id)))


def expert_choices() -> list[tuple[int, str]]:
    """Return (user id, name) of approved, active experts, for the assignment form."""
    rows = db.session.execute(select(User.id, User.name, ExpertProfile.job_title).join(ExpertProfile.user)
                              .where(ExpertProfile.status == "approved", User.disabled.is_(False))
                              .order_by(User.name))
    return [(uid, f"{name} — {title}") for uid, name, title in rows]


def get_follow_up(follow_up_id: int, *, actor: Any, action: str) -> FollowUp:
    """Return a follow-up the actor may act on (`followup.assign` or `followup.answer`), else NotFound."""
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None or not can(actor, action, follow_up):
        raise NotFound(_l("There is no such follow-up."))
    return follow_up


def assign_follow_up(follow_up: FollowUp, *, actor: Any, expert_id: int) -> FollowUp:
    """Assign the follow-up to an approved expert and email them the question (anonymous askers stay anonymous)."""
    require(actor, "followup.assign", follow_up)
    if follow_up.status == "answered":
        raise Invalid(_l("This follow-up is already answered."))
    if expert_id not in dict(expert_choices()):
        raise Invalid(_l("Choose an approved expert."), field="expert")
    expert = db.session.get(User, expert_id)
    follow_up.expert_id, follow_up.assigned_by_id = expert.id, actor.id
    follow_up.status, follow_up.assigned_at = "assigned", utcnow()
    queue_email(Recipient.of(expert), "follow_up_assigned", kind="follow_up_assigned",
                subject=_l("A question for you: %(title)s", title=follow_up.session.title),
                context={"follow_up": follow_up, "link": public_url("reports.answer_follow_up", follow_up_id=follow_up.id)})
    db.session.commit()
    return follow_up


def answer_follow_up(follow_up: FollowUp, *, actor: Any, answer: str) -> FollowUp:
    """Store the expert's written answer and tell the asker privately, once (a later edit is not emailed again), and
    the people who voted for the question but missed the session (`absentees.absent_voters`)."""
    require(actor, "followup.answer", follow_up)
    if follow_up.status == "answered" and not follow_up.answer:
        raise Conflict(_l("This question was already answered on the session's summary."))
    text = (answer or "").strip()
    if not text:
        raise Invalid(_l("Write an answer."), field="answer")
    if len(text) > ANSWER_MAX:
        raise Invalid(_l("Please keep the answer under %(n)s characters.", n=ANSWER_MAX), field="answer")
    follow_up.answer = text
    close_follow_up(follow_up, answer=text, answerer=actor)
    db.session.commit()
    return follow_up


def answered_follow_ups(session_id: int) -> list[FollowUp]:
    """Return a session's follow-ups answered in writing by an expert, for its summary page and transcript (askers
    are never named there); one closed by the question's own answer shows with the question."""
    return list(db.session.scalars(select(FollowUp).where(FollowUp.session_id == session_id,
                                                          FollowUp.status == "answered", FollowUp.answer != "")
                                   .order_by(FollowUp.id)))
