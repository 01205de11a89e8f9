"""What people read of a room: chat messages, questions, polls and stored events as JSON-ready views.

Moderators get the full view; everyone else a redacted one (an anonymous question's author, a dismissal
reason meant for its author alone), in live events, replays and snapshots alike.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from .models import ChatMessage, LiveEvent, Poll, PollBallot, Question
from .seats import Seat


def iso(value: datetime | None) -> str | None:
    """Return a time as ISO 8601 (UTC offset included), or None."""
    return value.isoformat() if value else None


def person_view(user: User, role: str | None = None) -> dict:
    """Return a person as people in the room see them: id, name, and their room role when given."""
    data = {"id": user.id, "name": user.name}
    if role:
        data["role"] = role
    return data


def message_view(message: ChatMessage) -> dict:
    """Return a chat message (a deleted one keeps its place, without its text)."""
    deleted = message.deleted_at is not None
    return {"id": message.id, "body": "" if deleted else message.body, "deleted": deleted,
            "author": person_view(message.author, message.author_role), "at": iso(message.created_at)}


def question_view(question: Question) -> dict:
    """Return the full (moderators') view of a question."""
    return {"id": question.id, "body": question.body, "anonymous": question.anonymous,
            "author": person_view(question.author, question.author_role), "status": question.status,
            "pinned": question.pinned, "votes": question.votes, "at": iso(question.created_at),
            "answer": question.answer, "answered_at": iso(question.answered_at), "reason": question.reason,
            "reason_code": question.reason_code or "", "early": bool(question.asked_early)}


def redact_question(data: dict, *, moderator: bool, viewer_id: int | None) -> dict:
    """Hide an anonymous author from all but moderators, and a dismissal reason from all but them and the author."""
    if moderator:
        return data
    out = dict(data)
    author_id = (data.get("author") or {}).get("id")
    if data.get("anonymous"):
        out["author"] = None
    if viewer_id is None or viewer_id != author_id:
        out["reason"] = ""
        out["reason_code"] = ""
    return out


def own_view(question: Question, seat: Seat) -> dict:
    """Return a question as this seat sees it, with `mine` telling whether they asked it."""
    view = redact_question(question_view(question), moderator=seat.moderates, viewer_id=seat.user.id)
    return {**view, "mine": question.author_id == seat.user.id}


def poll_view(poll: Poll) -> dict:
    """Return a poll with its options' vote counts and the number of voters."""
    ballots = list(db.session.scalars(select(PollBallot.choices).where(PollBallot.poll_id == poll.id)))
    counts = Counter(choice for choices in ballots for choice in choices)
    return {"id": poll.id, "prompt": poll.prompt, "multiple": poll.multiple, "status": poll.status,
            "options": [{"id": o.id, "label": o.label, "votes": counts.get(o.id, 0)} for o in poll.options],
            "voters": len(ballots), "opened_at": iso(poll.opened_at), "closed_at": iso(poll.closed_at)}


def event_view(event: LiveEvent, *, moderator: bool, viewer_id: int | None) -> dict:
    """Return a stored event as one reader receives it (`room.event` payload)."""
    data = event.data
    if "question" in data:
        data = {**data, "question": redact_question(data["question"], moderator=moderator, viewer_id=viewer_id)}
    return {"seq": event.seq, "session_id": event.session_id, "type": event.type, "at": iso(event.at), "data": data}
