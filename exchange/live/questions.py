"""Questions: ask (pending first when the session pre-moderates), vote, moderate; which ones a seat sees."""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import selectinload

from ..common.errors import Conflict, Invalid, NotFound
from ..common.text import clean_text
from ..common.time import utcnow
from ..extensions import db
from .eventlog import next_seq, record, room_write
from .models import HIDDEN_QUESTIONS, SHOWN_QUESTIONS, DismissReason, Question, QuestionStatus, QuestionVote
from .payloads import own_view, question_view
from .rules import check_client_id, check_flood, check_not_muted, check_rate, require_open
from .seats import Seat, get_seat, require_moderator

QUESTION_MAX = 500
REASON_MAX = 500
ANSWER_MAX = 5000
MODERATION_ACTIONS = ("approve", "dismiss", "answer", "pin", "unpin", "reopen")

signals = Namespace()
# Sent with `question` (answered, with a written answer) and `actor` when a moderator writes or changes a question's
# answer, inside moderate_question's transaction (before its commit); receivers stage their changes there and never
# commit (reports: the question's follow-up is answered and its asker told, once).
question_answered = signals.signal("live.question-answered")


def _seen_question(seat: Seat, question_id: int) -> Question:
    """Return a question of this room the seat may see; others answer alike: not found."""
    question = db.session.scalar(select(Question).where(Question.id == question_id,
                                                        Question.session_id == seat.session.id))
    if question is None or (question.status in HIDDEN_QUESTIONS and not seat.moderates
                            and question.author_id != seat.user.id):
        raise NotFound(_l("That question does not exist in this room."))
    return question


def visible_questions(seat: Seat) -> list[Question]:
    query = select(Question).where(Question.session_id == seat.session.id)
    if not seat.moderates:
        query = query.where(or_(Question.status.in_(SHOWN_QUESTIONS), Question.author_id == seat.user.id))
    return list(db.session.scalars(query.options(selectinload(Question.author)).order_by(Question.id)))


def ask_question(session_id: int, *, actor: Any, body: str, anonymous: bool, client_id: str) -> dict:
    """Ask a question (pending first when the session pre-moderates); a repeated client_id returns the first.

    Also before the session: while the room is scheduled and the session has not ended (`require_open`), and
    the question keeps that mark (`asked_early`, the payload's `early`)."""
    seat = get_seat(session_id, actor=actor)
    text = clean_text(body, field="body", max_len=QUESTION_MAX, drop_controls=True, required=True,
                      empty=_l("Write your question first."),
                      too_long=_l("A question can have at most %(n)d characters.", n=QUESTION_MAX))
    client_id = check_client_id(client_id)
    with room_write(session_id):
        first = db.session.scalar(select(Question).where(Question.session_id == session_id,
                                                         Question.author_id == actor.id,
                                                         Question.client_id == client_id))
        if first is not None:
            return {"question": own_view(first, seat), "seq": first.seq}
        early = require_open(session_id, before_start=True)
        check_not_muted(seat)
        check_rate(Question, seat, "LIVE_QUESTION_RATE", (3, 30),
                   _l("You are asking questions too fast. Wait a little and try again."))
        pending = bool(seat.session.premoderate_questions) and not seat.moderates
        seq = next_seq(session_id)
        question = Question(session_id=session_id, author_id=actor.id, author=actor, author_role=seat.role,
                            client_id=client_id, body=text, anonymous=bool(anonymous), seq=seq,
                            status=QuestionStatus.PENDING if pending else QuestionStatus.VISIBLE, pinned=False, votes=0, reason="",
                            answer="", asked_early=early, created_at=utcnow())
        db.session.add(question)
        db.session.flush()
        record(session_id, "question.asked", {"question": question_view(question)}, actor_id=actor.id, seq=seq,
               public=not pending, user_id=actor.id)
        result = {"question": own_view(question, seat), "seq": seq}
        db.session.commit()
    return result


def vote_question(session_id: int, *, actor: Any, question_id: int, value: int) -> dict:
    """Vote for a question (value 1) or take the vote back (0); one vote per person; before the session too."""
    seat = get_seat(session_id, actor=actor)
    if value not in (0, 1):
        raise Invalid(_l("A vote is 1 (vote) or 0 (take it back)."), field="value")
    check_flood(seat, "question.vote")
    with room_write(session_id):
        question = _seen_question(seat, question_id)
        require_open(session_id, before_start=True)
        if question.status not in SHOWN_QUESTIONS:
            raise Conflict(_l("You can vote only on questions shown to the room."))
        voted = db.session.get(QuestionVote, (question.id, actor.id)) is not None
        if voted == bool(value):
            return {"question_id": question.id, "votes": question.votes, "voted": voted}
        if value:
            db.session.add(QuestionVote(question_id=question.id, user_id=actor.id, created_at=utcnow()))
        else:
            db.session.execute(delete(QuestionVote).where(QuestionVote.question_id == question.id,
                                                          QuestionVote.user_id == actor.id))
        db.session.flush()
        question.votes = db.session.scalar(select(func.count()).select_from(QuestionVote)
                                           .where(QuestionVote.question_id == question.id))
        event = record(session_id, "question.updated", {"question": question_view(question)}, actor_id=actor.id)
        result = {"question_id": question.id, "votes": question.votes, "voted": bool(value), "seq": event.seq}
        db.session.commit()
    return result


def _apply_moderation(question: Question, action: str, *, reason: str, answer: str | None,
                      reason_code: str = "") -> None:
    status = question.status
    if action == "approve":
        if status != QuestionStatus.PENDING:
            raise Conflict(_l("Only a pending question can be approved."))
        question.status = QuestionStatus.VISIBLE
    elif action == "dismiss":
        if status == QuestionStatus.DISMISSED:
            raise Conflict(_l("That question is already dismissed."))
        question.status, question.reason, question.pinned = QuestionStatus.DISMISSED, reason, False
        question.reason_code = reason_code
    elif action == "answer":
        if status == QuestionStatus.DISMISSED:
            raise Conflict(_l("Reopen a dismissed question before answering it."))
        if answer is not None:
            question.answer = answer
        if status != QuestionStatus.ANSWERED:
            question.status, question.answered_at = QuestionStatus.ANSWERED, utcnow()
    elif action in ("pin", "unpin"):
        if status not in SHOWN_QUESTIONS:
            raise Conflict(_l("Only questions shown to the room can be pinned."))
        question.pinned = action == "pin"
    elif action == "reopen":
        if status not in (QuestionStatus.ANSWERED, QuestionStatus.DISMISSED):
            raise Conflict(_l("Only answered or dismissed questions can be reopened."))
        question.status, question.reason, question.answered_at = QuestionStatus.VISIBLE, "", None
        question.reason_code = ""
    else:
        raise Invalid(_l("Unknown action. Use approve, dismiss, answer, pin, unpin or reopen."), field="action")


def moderate_question(session_id: int, *, actor: Any, question_id: int, action: str, reason: str | None = None,
                      answer: str | None = None, reason_code: str | None = None) -> dict:
    """Approve, dismiss (with a reason for the author: a preset `reason_code`, words of the moderator's own, or
    both), answer, pin, unpin or reopen a question (moderators).

    Moderation works after the room closes too, so a written answer can be attached after the session.
    """
    seat = get_seat(session_id, actor=actor)
    require_moderator(seat)
    reason_text = clean_text(reason, field="reason", max_len=REASON_MAX, drop_controls=True,
                             too_long=_l("A reason can have at most %(n)d characters.", n=REASON_MAX))
    code = (reason_code or "").strip()
    if code and code not in set(DismissReason):
        raise Invalid(_l("Choose one of the offered reasons."), field="reason_code")
    answer_text = None if answer is None else clean_text(
        answer, field="answer", max_len=ANSWER_MAX, drop_controls=True,
        too_long=_l("An answer can have at most %(n)d characters.", n=ANSWER_MAX))
    with room_write(session_id):
        question = _seen_question(seat, question_id)
        before = question.status
        before_view = question_view(question)
        _apply_moderation(question, action, reason=reason_text, answer=answer_text, reason_code=code)
        view = question_view(question)
        if view == before_view:
            return {"question": view}
        if action == "answer" and question.status == QuestionStatus.ANSWERED and question.answer:
            question_answered.send(current_app._get_current_object(), question=question, actor=actor)
        # The room hears of it once the question was or becomes public; a pending one stays between
        # the moderators and its author.
        public = not (before == QuestionStatus.PENDING and question.status in HIDDEN_QUESTIONS)
        event = record(session_id, "question.updated", {"question": view}, actor_id=actor.id, public=public,
                       user_id=question.author_id)
        if public and (question.reason or question.reason_code):
            # The public copy hides the reason; its author gets it privately.
            record(session_id, "question.updated", {"question": view}, actor_id=actor.id, public=False,
                   user_id=question.author_id)
        result = {"question": view, "seq": event.seq}
        db.session.commit()
    return result
