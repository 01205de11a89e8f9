"""What happened in a room: the summary page, the transcript (for the people who ran it), and the rooms open around now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from ..common.permissions import require
from ..common.time import utcnow
from ..exchanges.models import ExchangeSession, RoomStatus
from ..extensions import db
from .models import HIDDEN_QUESTIONS, Attendance, ChatMessage, LiveRoom, Poll, Question, QuestionStatus
from .payloads import iso, poll_view
from .questions import visible_questions
from .seats import Seat, get_seat, room_role

signals = Namespace()
# Sent with `session_id` while a transcript is built; each receiver returns {question id: extra fields} for the
# questions' rows (reports: the expert's written follow-up answer), so the live room never imports reports.
transcript_questions = signals.signal("live.transcript-questions")
FOLLOW_UP_FIELDS = {"follow_up_answer": "", "follow_up_by": "", "follow_up_answered_at": None}


@dataclass
class Summary:
    """What happened in a room, as the summary page and the transcript show it."""

    seat: Seat
    answered: list[Question] = field(default_factory=list)
    unanswered: list[Question] = field(default_factory=list)
    hidden: list[Question] = field(default_factory=list)  # pending and dismissed: moderators only
    polls: list[dict] = field(default_factory=list)
    peak: int = 0
    peak_at: datetime | None = None
    attendees: int = 0
    messages: int = 0


def session_summary(session_id: int, *, actor: Any) -> Summary:
    """Return the summary of a room for anyone who may join it (pending and dismissed questions: moderators)."""
    seat = get_seat(session_id, actor=actor)
    room = db.session.get(LiveRoom, session_id)
    questions = sorted(visible_questions(seat), key=lambda q: (-q.votes, q.id))
    summary = Summary(
        seat=seat,
        answered=[q for q in questions if q.status == QuestionStatus.ANSWERED],
        unanswered=[q for q in questions if q.status == QuestionStatus.VISIBLE],
        hidden=[q for q in questions if q.status in HIDDEN_QUESTIONS] if seat.moderates else [],
        polls=[poll_view(p) for p in db.session.scalars(select(Poll).where(Poll.session_id == session_id)
                                                        .order_by(Poll.id))],
        peak=room.peak_presence if room else 0, peak_at=room.peak_at if room else None,
        attendees=db.session.scalar(select(func.count()).select_from(Attendance)
                                    .where(Attendance.session_id == session_id)),
        messages=db.session.scalar(select(func.count()).select_from(ChatMessage).where(
            ChatMessage.session_id == session_id, ChatMessage.deleted_at.is_(None))),
    )
    return summary


def transcript(session_id: int, *, actor: Any) -> dict:
    """Return the room's record for the people who ran it (the exchange's team, administrators, the session's
    accepted hosts and moderators, experts too): chat, questions (anonymous askers stay anonymous; with an expert's
    written follow-up answer, `follow_up_answer`), polls."""
    seat = get_seat(session_id, actor=actor)
    require(actor, "live.export", seat.session, _l("Only the people who ran this session can export its transcript."))
    session = seat.session
    summary = session_summary(session_id, actor=actor)
    messages = db.session.scalars(select(ChatMessage).where(
        ChatMessage.session_id == session_id, ChatMessage.deleted_at.is_(None)).order_by(ChatMessage.seq))
    questions = db.session.scalars(select(Question).where(Question.session_id == session_id).order_by(Question.id))
    extras: dict[int, dict] = {}
    for _receiver, found in transcript_questions.send(current_app._get_current_object(), session_id=session_id):
        for question_id, fields in (found or {}).items():
            extras.setdefault(question_id, {}).update(fields)

    def follow_up(question_id: int) -> dict:
        fields = {**FOLLOW_UP_FIELDS, **extras.get(question_id, {})}
        return {**fields, "follow_up_answered_at": iso(fields["follow_up_answered_at"])}

    return {
        "session": {"id": session.id, "title": session.title, "exchange": session.exchange.title,
                    "starts_at": iso(session.starts_at), "ends_at": iso(session.ends_at),
                    "room_status": session.room_status},
        "attendance": {"peak": summary.peak, "peak_at": iso(summary.peak_at), "people": summary.attendees},
        "chat": [{"id": m.id, "at": iso(m.created_at), "author": m.author.name, "role": m.author_role,
                  "body": m.body} for m in messages],
        "questions": [{"id": q.id, "at": iso(q.created_at), "author": None if q.anonymous else q.author.name,
                       "anonymous": q.anonymous, "body": q.body, "status": q.status, "votes": q.votes,
                       "pinned": q.pinned, "answer": q.answer, "answered_at": iso(q.answered_at),
                       "reason": q.reason_text, **follow_up(q.id)} for q in questions],
        "polls": [{"id": p["id"], "prompt": p["prompt"], "multiple": p["multiple"], "status": p["status"],
                   "opened_at": p["opened_at"], "closed_at": p["closed_at"], "voters": p["voters"],
                   "options": [{"label": o["label"], "votes": o["votes"]} for o in p["options"]]}
                  for p in summary.polls],
    }


def rooms_now(*, actor: Any, within: timedelta = timedelta(hours=12)) -> list[tuple[ExchangeSession, str]]:
    """Return the rooms the actor may join that are open, or start or ended within `within`, with their role."""
    now = utcnow()
    sessions = db.session.scalars(select(ExchangeSession).where(
        or_(ExchangeSession.room_status == RoomStatus.OPEN,
            ExchangeSession.starts_at.between(now - within, now + within)),
        ExchangeSession.status != "cancelled").order_by(ExchangeSession.starts_at).limit(200))
    found = []
    for session in sessions:
        role = room_role(actor, session)
        if role:
            found.append((session, role))
    return found
