"""The written answers for people who could not attend: whoever asked or voted on a question (before the session
too) and never came into the room gets, when the room closes, one email in their language with the answers to
those questions and a link to the summary. Later written answers to follow-ups reach the asker (followups.py)
and, through `absent_voters`, the people who voted for the question and missed the session.

Staged in the close's own transaction (the live room's `room_closed` signal, like the follow-ups), through the
outbox, so the emails go out only once the close commits; `AbsenteeEmail` (one row per session and person,
unique) makes a second close, after the room reopened, send nothing twice.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..common.urls import public_url
from ..exchanges.models import ExchangeSession
from ..extensions import db
from ..live.models import Attendance, Question, QuestionStatus, QuestionVote
from ..live.services import room_closed, room_role
from ..mail.services import Recipient, queue_email
from .models import AbsenteeEmail

SHOWN = (QuestionStatus.VISIBLE, QuestionStatus.ANSWERED)


def _attendees(session_id: int):
    return select(Attendance.user_id).where(Attendance.session_id == session_id)


def email_absentees(session_id: int) -> int:
    """Queue the absentees' answers emails of a room that is closing; no commit (the caller's transaction).

    Who: people who asked a question shown to the room, or voted on one, have no attendance row, still hold a
    seat, are not disabled and were not sent this email for this session before. Returns how many were queued.
    """
    session = db.session.get(ExchangeSession, session_id)
    shown = select(Question.id).where(Question.session_id == session_id, Question.status.in_(SHOWN))
    theirs: dict[int, set[int]] = defaultdict(set)
    for user_id, question_id in db.session.execute(
            select(Question.author_id, Question.id).where(Question.id.in_(shown))):
        theirs[user_id].add(question_id)
    for user_id, question_id in db.session.execute(
            select(QuestionVote.user_id, QuestionVote.question_id).where(QuestionVote.question_id.in_(shown))):
        theirs[user_id].add(question_id)
    skip = set(db.session.scalars(_attendees(session_id))) | set(db.session.scalars(
        select(AbsenteeEmail.user_id).where(AbsenteeEmail.session_id == session_id)))
    wanted = [uid for uid in theirs if uid not in skip]
    if not wanted:
        return 0
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(shown)))}
    link = public_url("live.summary", session_id=session_id)
    sent = 0
    for user in db.session.scalars(select(User).where(User.id.in_(wanted), User.disabled.is_(False))
                                   .order_by(User.id)):
        if room_role(user, session) is None:  # no longer registered: no seat, no email
            continue
        mine = sorted((questions[qid] for qid in theirs[user.id]), key=lambda q: (-q.votes, q.id))
        message = queue_email(
            Recipient.of(user), "absentee_answers", kind="absentee_answers",
            subject=_l("The answers from %(title)s", title=session.title),
            context={"session": session, "answered": [q for q in mine if q.status == QuestionStatus.ANSWERED],
                     "open": [q for q in mine if q.status == QuestionStatus.VISIBLE], "me": user, "link": link})
        db.session.flush()
        db.session.add(AbsenteeEmail(session_id=session_id, user_id=user.id, outbox_message_id=message.id))
        sent += 1
    return sent


def absent_voters(question: Question) -> list[User]:
    """Return the people who voted for `question`, missed its session (no attendance row) and are not its asker
    nor disabled: a later written answer (a follow-up) is emailed to them as well."""
    return list(db.session.scalars(
        select(User).join(QuestionVote, QuestionVote.user_id == User.id)
        .where(QuestionVote.question_id == question.id, User.id != question.author_id, User.disabled.is_(False),
               User.id.not_in(_attendees(question.session_id)))
        .order_by(User.id)))


def _email_closed_room(_app: Any, *, session_id: int) -> None:
    """Receive `room_closed`: stage the absentees' emails in the close's own transaction."""
    email_absentees(session_id)


def connect_signals() -> None:
    """Email the absentees whenever a live room closes (called by the app factory; connecting twice is harmless)."""
    room_closed.connect(_email_closed_room)
