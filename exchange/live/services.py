"""The live room: who may join, every write (chat, questions, polls, hands, room status) and replay.

Every write follows the same path: check the seat, validate, take the room's lock (a per-process lock, then
the counter row in the database), re-read what matters, change it, store the event with the next `seq`, and
commit once. The commit puts the room's events in the room's send lane, in `seq` order, while the lock is still
held; they are sent after the lock is released (`common.realtime`): no socket I/O under a lock or a transaction,
so a dead connection noticed during a send can never come back to a lock its sender holds. Nobody hears of a
change that was not stored.
"""

from __future__ import annotations

import math
import threading
import time
import unicodedata
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import RateLimitItemPerSecond
from sqlalchemy import delete, distinct, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..common import realtime
from ..common.errors import Conflict, Forbidden, Invalid, NotFound, RateLimited
from ..common.permissions import is_organizer, is_signed_in, require
from ..common.realtime import emit_after_commit, on_commit
from ..common.time import utcnow
from ..exchanges.models import Exchange, ExchangeSession, Registration, SessionSpeaker
from ..extensions import db, limiter, socketio
from ..reports.followups import create_follow_ups
from .delivery import ledger
from .models import (
    Attendance,
    ChatMessage,
    LiveEvent,
    LiveRoom,
    Mute,
    Poll,
    PollBallot,
    PollOption,
    Presence,
    Question,
    QuestionVote,
    RaisedHand,
)
from .roomlock import room_lock

NAMESPACE = "/live"
MODERATOR_ROLES = ("host", "moderator")
JOIN_STATUSES = ("registered", "attended")
CHAT_MAX = 2000
QUESTION_MAX = 500
REASON_MAX = 500
ANSWER_MAX = 5000
PROMPT_MAX = 300
OPTION_MAX = 200
MAX_OPTIONS = 10
MAX_MUTE_MINUTES = 24 * 60
SNAPSHOT_CHAT = 100
MODERATION_ACTIONS = ("approve", "dismiss", "answer", "pin", "unpin", "reopen")
NODE = uuid.uuid4().hex  # this server process, for presence rows
PRESENCE_FRESH = timedelta(seconds=90)  # a process refreshes its connections every 30 s (sockets.py)
PRESENCE_FORGET = timedelta(hours=1)


class RoomNotOpen(Conflict):
    code = "room_not_open"


class Muted(Forbidden):
    code = "muted"


class RoomBusy(Conflict):
    code = "room_busy"


@dataclass(frozen=True)
class Seat:
    """A person's place in one room: the session, who they are and their room role."""

    session: ExchangeSession
    user: Any
    role: str  # host | moderator | panelist | participant

    @property
    def moderates(self) -> bool:
        return self.role in MODERATOR_ROLES

    @property
    def hosts(self) -> bool:
        return self.role == "host" or is_organizer(self.user)


# --- who may join ---------------------------------------------------------------------------------------------

def room_role(user: Any, session: ExchangeSession) -> str | None:
    """Return `user`'s role in `session`'s room (host, moderator, panelist, participant) or None."""
    if not is_signed_in(user):
        return None
    speaker = db.session.scalar(select(SessionSpeaker.role).where(
        SessionSpeaker.session_id == session.id, SessionSpeaker.user_id == user.id,
        SessionSpeaker.status != "declined"))
    if speaker in MODERATOR_ROLES:
        return speaker
    if is_organizer(user):
        return "moderator"  # organizers moderate every room
    if speaker:
        return speaker
    status = db.session.scalar(select(Registration.status).where(
        Registration.exchange_id == session.exchange_id, Registration.user_id == user.id))
    return "participant" if status in JOIN_STATUSES else None


def get_seat(session_id: int, *, actor: Any) -> Seat:
    """Return the actor's seat in a room, or raise NotFound/Forbidden with a message they can act on."""
    session = db.session.get(ExchangeSession, session_id)
    if session is None:
        raise NotFound(_l("There is no such session."))
    role = room_role(actor, session)
    if role is None:
        exchange: Exchange = session.exchange
        if not is_signed_in(actor):
            raise Forbidden(_l("Log in to join this room."))
        if exchange.status == "published" and exchange.visibility == "public":
            raise Forbidden(_l("Register for “%(title)s” to join its live room.", title=exchange.title))
        raise NotFound(_l("There is no such session."))  # private exchanges: missing and forbidden look alike
    return Seat(session=session, user=actor, role=role)


def _require_moderator(seat: Seat) -> None:
    if not seat.moderates:
        raise Forbidden(_l("Only the room's hosts and moderators can do that."))


def _require_host(seat: Seat) -> None:
    if not seat.hosts:
        raise Forbidden(_l("Only the session's hosts and organizers can open or close the room."))


# --- Socket.IO rooms --------------------------------------------------------------------------------------------

def everyone_room(session_id: int) -> str:
    return f"live:{session_id}"


def moderators_room(session_id: int) -> str:
    return f"live:{session_id}:mods"


def people_room(session_id: int) -> str:
    return f"live:{session_id}:people"


def person_room(session_id: int, user_id: int) -> str:
    return f"live:{session_id}:user:{user_id}"


def rooms_for(seat: Seat) -> list[str]:
    """Return the Socket.IO rooms a seat listens to (moderators hear everything in full)."""
    sid = seat.session.id
    if seat.moderates:
        return [everyone_room(sid), moderators_room(sid)]
    return [everyone_room(sid), people_room(sid), person_room(sid, seat.user.id)]


# --- views: what people read (moderators get the full view; others a redacted one) -------------------------------

def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _person(user: User, role: str | None = None) -> dict:
    data = {"id": user.id, "name": user.name}
    if role:
        data["role"] = role
    return data


def message_view(message: ChatMessage) -> dict:
    deleted = message.deleted_at is not None
    return {"id": message.id, "body": "" if deleted else message.body, "deleted": deleted,
            "author": _person(message.author, message.author_role), "at": _iso(message.created_at)}


def question_view(question: Question) -> dict:
    """Return the full (moderators') view of a question."""
    return {"id": question.id, "body": question.body, "anonymous": question.anonymous,
            "author": _person(question.author, question.author_role), "status": question.status,
            "pinned": question.pinned, "votes": question.votes, "at": _iso(question.created_at),
            "answer": question.answer, "answered_at": _iso(question.answered_at), "reason": question.reason}


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
    return out


def poll_view(poll: Poll) -> dict:
    ballots = list(db.session.scalars(select(PollBallot.choices).where(PollBallot.poll_id == poll.id)))
    counts = Counter(choice for choices in ballots for choice in choices)
    return {"id": poll.id, "prompt": poll.prompt, "multiple": poll.multiple, "status": poll.status,
            "options": [{"id": o.id, "label": o.label, "votes": counts.get(o.id, 0)} for o in poll.options],
            "voters": len(ballots), "opened_at": _iso(poll.opened_at), "closed_at": _iso(poll.closed_at)}


def event_view(event: LiveEvent, *, moderator: bool, viewer_id: int | None) -> dict:
    """Return a stored event as one reader receives it (`room.event` payload)."""
    data = event.data
    if "question" in data:
        data = {**data, "question": redact_question(data["question"], moderator=moderator, viewer_id=viewer_id)}
    return {"seq": event.seq, "session_id": event.session_id, "type": event.type, "at": _iso(event.at), "data": data}


# --- writing: one room at a time, events in seq order -------------------------------------------------------------

def _insert_ignore(model, **values) -> None:
    """INSERT a row unless it already exists (a unique key matches), on SQLite and PostgreSQL alike."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def _lock_counter(session_id: int) -> None:
    """Lock the room's counter row until commit: every writer of this room waits here, in every process."""
    stmt = update(LiveRoom).where(LiveRoom.session_id == session_id).values(last_seq=LiveRoom.last_seq)
    if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount == 0:
        _insert_ignore(LiveRoom, session_id=session_id, last_seq=0, peak_presence=0)
        db.session.execute(stmt.execution_options(synchronize_session=False))


@contextmanager
def _room_write(session_id: int) -> Iterator[None]:
    """Serialize the writers of one room; roll back whatever was not committed; send its events once unlocked.

    The only place that takes a room's lock. Inside, nothing does socket I/O: the commit puts the events in the
    room's lane and `realtime.holding_lock` sends them after the lock is released. A writer that cannot get the
    lock within LIVE_LOCK_WAIT_SECONDS gets RoomBusy (an error ack) instead of waiting forever.
    """
    lock = room_lock(session_id)
    with realtime.holding_lock():
        if not lock.acquire(timeout=0):
            # Give the reads' connection back before waiting: hundreds of people joining at once would otherwise
            # each hold a pooled connection while queued here, and the pool ran dry (bench/RESULTS.md).
            db.session.rollback()
            if not lock.acquire(timeout=float(current_app.config.get("LIVE_LOCK_WAIT_SECONDS", 10))):
                raise RoomBusy(_l("The room is busy. Try again in a moment."))
        try:
            _lock_counter(session_id)
            yield
        finally:
            if db.session().in_transaction():
                db.session.rollback()
            lock.release()


def _next_seq(session_id: int) -> int:
    stmt = (update(LiveRoom).where(LiveRoom.session_id == session_id)
            .values(last_seq=LiveRoom.last_seq + 1).returning(LiveRoom.last_seq))
    return db.session.execute(stmt.execution_options(synchronize_session=False)).scalar_one()


def _record(session_id: int, type_: str, data: dict, *, actor_id: int | None, seq: int | None = None,
            public: bool = True, user_id: int | None = None) -> LiveEvent:
    """Store an event and queue its emission (full view to moderators, redacted to the others) after commit."""
    event = LiveEvent(session_id=session_id, seq=seq or _next_seq(session_id), type=type_, at=utcnow(),
                      actor_id=actor_id, public=public, user_id=None if public else user_id, data=data)
    db.session.add(event)
    for room, payload in deliveries(event):
        emit_after_commit(db.session, "room.event", payload, room=room, lane=everyone_room(session_id))
    return event


def deliveries(event: LiveEvent) -> list[tuple[str, dict]]:
    """Return where a stored event goes and what each room reads: the full view to moderators, a redacted one
    to everyone else (or, for a private event, to the one person it concerns)."""
    session_id = event.session_id
    out = [(moderators_room(session_id), event_view(event, moderator=True, viewer_id=None))]
    if event.public:
        out.append((people_room(session_id), event_view(event, moderator=False, viewer_id=None)))
    elif event.user_id is not None:
        out.append((person_room(session_id, event.user_id),
                    event_view(event, moderator=False, viewer_id=event.user_id)))
    return out


def _stored_last_seq(session_id: int) -> int:
    """Return the seq of the room's last stored event (0 before the first)."""
    return db.session.scalar(select(LiveRoom.last_seq).where(LiveRoom.session_id == session_id)) or 0


def repair_deliveries(*, manager: Any, grace: float) -> int:
    """Deliver here every stored event that this process's clients should have heard by now and did not.

    The events a process died before publishing (live/delivery.py). Returns how many room deliveries it made.
    """
    sends: list[tuple[dict, str, list[str]]] = []
    for session_id, generation in ledger.sessions():
        if not any(True for _ in manager.get_participants(NAMESPACE, everyone_room(session_id))):
            ledger.forget(session_id, generation)
            continue
        stored = _stored_last_seq(session_id)
        low, high = ledger.due(session_id, stored, grace=grace)
        if high <= low:
            continue
        events = db.session.scalars(select(LiveEvent).where(
            LiveEvent.session_id == session_id, LiveEvent.seq > low, LiveEvent.seq <= high).order_by(LiveEvent.seq))
        for event in events:
            targets = dict(deliveries(event))
            gaps, skip = ledger.missing(session_id, event.seq, list(targets))
            sends.extend((targets[room], room, skip) for room in gaps)
        ledger.settle(session_id, high)
    db.session.rollback()  # the transaction ends before any socket I/O
    with realtime.sending():
        for payload, room, skip in sends:
            manager.emit("room.event", payload, namespace=NAMESPACE, room=room, skip_sid=skip, ignore_queue=True)
    return len(sends)


def _room_status(session_id: int) -> str:
    return db.session.scalar(select(ExchangeSession.room_status).where(ExchangeSession.id == session_id)) or ""


def _require_open(session_id: int) -> None:
    status = _room_status(session_id)
    if status == "closed":
        raise RoomNotOpen(_l("The room is closed: it is read-only now."))
    if status != "open":
        raise RoomNotOpen(_l("The room is not open yet. The host opens it when the session starts."))


def _clean(text: Any, *, limit: int, field_name: str, empty, too_long, required: bool = True) -> str:
    """Trim `text`, drop control characters (but newlines and tabs) and lone surrogates, and check its length."""
    value = "".join(ch for ch in str(text or "").replace("\r\n", "\n")
                    if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")).strip()
    if required and not value:
        raise Invalid(empty, field=field_name)
    if len(value) > limit:
        raise Invalid(too_long, field=field_name)
    return value


def _check_client_id(client_id: Any) -> str:
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64 or not client_id.isprintable():
        raise Invalid(_l("client_id must be a string of 1 to 64 characters."), field="client_id")
    return client_id


def _check_rate(model, seat: Seat, setting: str, default: tuple[int, int], message) -> None:
    """Refuse when the person sent `limit` items in the last `seconds` (counted in the database: every process agrees)."""
    limit, seconds = current_app.config.get(setting, default)
    now = utcnow()
    since = now - timedelta(seconds=seconds)
    recent = select(model.created_at).where(model.session_id == seat.session.id, model.author_id == seat.user.id,
                                            model.created_at > since)
    times = list(db.session.scalars(recent.order_by(model.created_at.desc()).limit(limit)))
    if len(times) >= limit:
        wait = (times[-1] + timedelta(seconds=seconds) - now).total_seconds()
        raise RateLimited(message, details={"retry_after": max(1, math.ceil(wait))})


# Per-person limits on the clicks that fan out to the whole room (votes, ballots, hands): (count, seconds),
# counted in the rate-limit storage (memory in one process, Redis with several), before the room's lock.
FLOOD_LIMITS = {
    "question.vote": ("LIVE_VOTE_RATE", (20, 10)),
    "poll.vote": ("LIVE_BALLOT_RATE", (10, 10)),
    "hand.raise": ("LIVE_HAND_RATE", (6, 10)),
}


def _check_flood(seat: Seat, action: str) -> None:
    """Refuse a click when this person made too many of this kind lately; the ack says when to try again."""
    setting, default = FLOOD_LIMITS[action]
    count, seconds = current_app.config.get(setting, default)
    item = RateLimitItemPerSecond(count, seconds)
    key = (current_app.config.get("RATELIMIT_KEY_PREFIX", "exchange-rl"), "live", action, str(seat.session.id),
           str(seat.user.id))
    if not limiter.limiter.hit(item, *key):
        reset_at = limiter.limiter.get_window_stats(item, *key).reset_time
        raise RateLimited(_l("You are clicking too fast. Wait a few seconds and try again."),
                          details={"retry_after": max(1, math.ceil(reset_at - time.time()))})


def _check_not_muted(seat: Seat) -> None:
    until = db.session.scalar(select(Mute.until).where(Mute.session_id == seat.session.id,
                                                       Mute.user_id == seat.user.id))
    if until and until > utcnow():
        # The clock time rides in `until` (ISO, UTC): the page writes it in the reader's own zone and language.
        raise Muted(_l("A moderator muted you for a while: you cannot chat or ask questions until the mute ends."),
                    details={"until": _iso(until)})


# --- chat -----------------------------------------------------------------------------------------------------------

def _existing_message(session_id: int, author_id: int, client_id: str) -> ChatMessage | None:
    return db.session.scalar(select(ChatMessage).where(ChatMessage.session_id == session_id,
                                                       ChatMessage.author_id == author_id,
                                                       ChatMessage.client_id == client_id))


def send_chat(session_id: int, *, actor: Any, body: str, client_id: str) -> dict:
    """Post a chat message; a repeated client_id returns the first result instead of a second message."""
    seat = get_seat(session_id, actor=actor)
    text = _clean(body, limit=CHAT_MAX, field_name="body", empty=_l("Write a message first."),
                  too_long=_l("A message can have at most %(n)d characters.", n=CHAT_MAX))
    client_id = _check_client_id(client_id)
    with _room_write(session_id):
        first = _existing_message(session_id, actor.id, client_id)
        if first is not None:
            return {"message": message_view(first), "seq": first.seq}
        _require_open(session_id)
        _check_not_muted(seat)
        _check_rate(ChatMessage, seat, "LIVE_CHAT_RATE", (5, 10),
                    _l("You are sending messages too fast. Wait a few seconds and try again."))
        seq = _next_seq(session_id)
        message = ChatMessage(session_id=session_id, author_id=actor.id, author=actor, author_role=seat.role,
                              client_id=client_id, body=text, seq=seq, created_at=utcnow())
        db.session.add(message)
        db.session.flush()
        view = message_view(message)
        _record(session_id, "chat.posted", {"message": view}, actor_id=actor.id, seq=seq)
        db.session.commit()
    return {"message": view, "seq": seq}


def delete_chat(session_id: int, *, actor: Any, message_id: int) -> dict:
    """Delete a chat message (moderators); its text also leaves the stored event so replays never show it."""
    seat = get_seat(session_id, actor=actor)
    _require_moderator(seat)
    with _room_write(session_id):
        message = db.session.scalar(select(ChatMessage).where(ChatMessage.id == message_id,
                                                              ChatMessage.session_id == session_id))
        if message is None:
            raise NotFound(_l("That message does not exist in this room."))
        if message.deleted_at is not None:
            return {"message_id": message.id}
        message.deleted_at, message.deleted_by_id = utcnow(), actor.id
        posted = db.session.scalar(select(LiveEvent).where(LiveEvent.session_id == session_id,
                                                           LiveEvent.seq == message.seq))
        if posted is not None:
            posted.data = {"message": message_view(message)}
        event = _record(session_id, "chat.deleted", {"message_id": message.id}, actor_id=actor.id)
        seq = event.seq
        db.session.commit()
    return {"message_id": message_id, "seq": seq}


def mute_user(session_id: int, *, actor: Any, user_id: int, minutes: int) -> dict:
    """Stop a person from chatting and asking for `minutes` (0 lifts the mute); moderators only."""
    seat = get_seat(session_id, actor=actor)
    _require_moderator(seat)
    if not 0 <= minutes <= MAX_MUTE_MINUTES:
        raise Invalid(_l("Mute for 0 to %(n)d minutes.", n=MAX_MUTE_MINUTES), field="minutes")
    target = db.session.get(User, user_id)
    target_role = room_role(target, seat.session) if target is not None else None
    if target_role is None:
        raise NotFound(_l("That person is not in this room."))
    if target_role in MODERATOR_ROLES:
        raise Invalid(_l("Hosts and moderators cannot be muted."))
    until = utcnow() + timedelta(minutes=minutes)
    until_iso = _iso(until) if minutes else None
    with _room_write(session_id):
        db.session.execute(delete(Mute).where(Mute.session_id == session_id, Mute.user_id == user_id))
        if minutes:
            db.session.add(Mute(session_id=session_id, user_id=user_id, until=until, by_id=actor.id))
        # Private: the moderators and the muted person hear of it at once (her page shows until when).
        event = _record(session_id, "mute.changed", {"user": _person(target), "muted_until": until_iso},
                        actor_id=actor.id, public=False, user_id=user_id)
        db.session.commit()
    return {"user_id": user_id, "muted_until": until_iso, "seq": event.seq}


# --- questions ------------------------------------------------------------------------------------------------------

def _seen_question(seat: Seat, question_id: int) -> Question:
    """Return a question of this room the seat may see; others answer alike: not found."""
    question = db.session.scalar(select(Question).where(Question.id == question_id,
                                                        Question.session_id == seat.session.id))
    if question is None or (question.status in ("pending", "dismissed") and not seat.moderates
                            and question.author_id != seat.user.id):
        raise NotFound(_l("That question does not exist in this room."))
    return question


def _own_view(question: Question, seat: Seat) -> dict:
    view = redact_question(question_view(question), moderator=seat.moderates, viewer_id=seat.user.id)
    return {**view, "mine": question.author_id == seat.user.id}


def ask_question(session_id: int, *, actor: Any, body: str, anonymous: bool, client_id: str) -> dict:
    """Ask a question (pending first when the session pre-moderates); a repeated client_id returns the first."""
    seat = get_seat(session_id, actor=actor)
    text = _clean(body, limit=QUESTION_MAX, field_name="body", empty=_l("Write your question first."),
                  too_long=_l("A question can have at most %(n)d characters.", n=QUESTION_MAX))
    client_id = _check_client_id(client_id)
    with _room_write(session_id):
        first = db.session.scalar(select(Question).where(Question.session_id == session_id,
                                                         Question.author_id == actor.id,
                                                         Question.client_id == client_id))
        if first is not None:
            return {"question": _own_view(first, seat), "seq": first.seq}
        _require_open(session_id)
        _check_not_muted(seat)
        _check_rate(Question, seat, "LIVE_QUESTION_RATE", (3, 30),
                    _l("You are asking questions too fast. Wait a little and try again."))
        pending = bool(seat.session.premoderate_questions) and not seat.moderates
        seq = _next_seq(session_id)
        question = Question(session_id=session_id, author_id=actor.id, author=actor, author_role=seat.role,
                            client_id=client_id, body=text, anonymous=bool(anonymous), seq=seq,
                            status="pending" if pending else "visible", pinned=False, votes=0, reason="",
                            answer="", created_at=utcnow())
        db.session.add(question)
        db.session.flush()
        _record(session_id, "question.asked", {"question": question_view(question)}, actor_id=actor.id, seq=seq,
                public=not pending, user_id=actor.id)
        result = {"question": _own_view(question, seat), "seq": seq}
        db.session.commit()
    return result


def vote_question(session_id: int, *, actor: Any, question_id: int, value: int) -> dict:
    """Vote for a question (value 1) or take the vote back (0); one vote per person."""
    seat = get_seat(session_id, actor=actor)
    if value not in (0, 1):
        raise Invalid(_l("A vote is 1 (vote) or 0 (take it back)."), field="value")
    _check_flood(seat, "question.vote")
    with _room_write(session_id):
        question = _seen_question(seat, question_id)
        _require_open(session_id)
        if question.status not in ("visible", "answered"):
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
        event = _record(session_id, "question.updated", {"question": question_view(question)}, actor_id=actor.id)
        result = {"question_id": question.id, "votes": question.votes, "voted": bool(value), "seq": event.seq}
        db.session.commit()
    return result


def _apply_moderation(question: Question, action: str, *, reason: str, answer: str | None) -> None:
    status = question.status
    if action == "approve":
        if status != "pending":
            raise Conflict(_l("Only a pending question can be approved."))
        question.status = "visible"
    elif action == "dismiss":
        if status == "dismissed":
            raise Conflict(_l("That question is already dismissed."))
        question.status, question.reason, question.pinned = "dismissed", reason, False
    elif action == "answer":
        if status == "dismissed":
            raise Conflict(_l("Reopen a dismissed question before answering it."))
        if answer is not None:
            question.answer = answer
        if status != "answered":
            question.status, question.answered_at = "answered", utcnow()
    elif action in ("pin", "unpin"):
        if status not in ("visible", "answered"):
            raise Conflict(_l("Only questions shown to the room can be pinned."))
        question.pinned = action == "pin"
    elif action == "reopen":
        if status not in ("answered", "dismissed"):
            raise Conflict(_l("Only answered or dismissed questions can be reopened."))
        question.status, question.reason, question.answered_at = "visible", "", None
    else:
        raise Invalid(_l("Unknown action. Use approve, dismiss, answer, pin, unpin or reopen."), field="action")


def moderate_question(session_id: int, *, actor: Any, question_id: int, action: str, reason: str | None = None,
                      answer: str | None = None) -> dict:
    """Approve, dismiss (with a reason for the author), answer, pin, unpin or reopen a question (moderators).

    Moderation works after the room closes too, so a written answer can be attached after the session.
    """
    seat = get_seat(session_id, actor=actor)
    _require_moderator(seat)
    reason_text = _clean(reason, limit=REASON_MAX, field_name="reason", empty=None, required=False,
                         too_long=_l("A reason can have at most %(n)d characters.", n=REASON_MAX))
    answer_text = None if answer is None else _clean(
        answer, limit=ANSWER_MAX, field_name="answer", empty=None, required=False,
        too_long=_l("An answer can have at most %(n)d characters.", n=ANSWER_MAX))
    with _room_write(session_id):
        question = _seen_question(seat, question_id)
        before = question.status
        before_view = question_view(question)
        _apply_moderation(question, action, reason=reason_text, answer=answer_text)
        view = question_view(question)
        if view == before_view:
            return {"question": view}
        # The room hears of it once the question was or becomes public; a pending one stays between
        # the moderators and its author.
        public = not (before == "pending" and question.status in ("pending", "dismissed"))
        event = _record(session_id, "question.updated", {"question": view}, actor_id=actor.id, public=public,
                        user_id=question.author_id)
        if public and question.reason:
            # The public copy hides the reason; its author gets it privately.
            _record(session_id, "question.updated", {"question": view}, actor_id=actor.id, public=False,
                    user_id=question.author_id)
        result = {"question": view, "seq": event.seq}
        db.session.commit()
    return result


# --- polls ----------------------------------------------------------------------------------------------------------

def _poll(session_id: int, poll_id: int) -> Poll:
    poll = db.session.scalar(select(Poll).where(Poll.id == poll_id, Poll.session_id == session_id))
    if poll is None:
        raise NotFound(_l("That poll does not exist in this room."))
    return poll


def open_poll(session_id: int, *, actor: Any, prompt: str, options: list[str], multiple: bool = False,
              client_id: str | None = None) -> dict:
    """Open a single- or multiple-choice poll (hosts and moderators)."""
    seat = get_seat(session_id, actor=actor)
    _require_moderator(seat)
    text = _clean(prompt, limit=PROMPT_MAX, field_name="prompt", empty=_l("Write the poll's question first."),
                  too_long=_l("A poll question can have at most %(n)d characters.", n=PROMPT_MAX))
    labels = [_clean(o, limit=OPTION_MAX, field_name="options", empty=_l("An option is empty."),
                     too_long=_l("An option can have at most %(n)d characters.", n=OPTION_MAX)) for o in options]
    if not 2 <= len(labels) <= MAX_OPTIONS:
        raise Invalid(_l("A poll needs 2 to %(n)d options.", n=MAX_OPTIONS), field="options")
    if len({label.casefold() for label in labels}) != len(labels):
        raise Invalid(_l("Two options say the same thing."), field="options")
    if client_id is not None:
        client_id = _check_client_id(client_id)
    with _room_write(session_id):
        if client_id is not None:
            first = db.session.scalar(select(Poll).where(Poll.session_id == session_id, Poll.created_by_id == actor.id,
                                                         Poll.client_id == client_id))
            if first is not None:
                return {"poll": poll_view(first)}
        _require_open(session_id)
        poll = Poll(session_id=session_id, created_by_id=actor.id, client_id=client_id, prompt=text,
                    multiple=bool(multiple), status="open", opened_at=utcnow(),
                    options=[PollOption(position=i, label=label) for i, label in enumerate(labels)])
        db.session.add(poll)
        db.session.flush()
        view = poll_view(poll)
        event = _record(session_id, "poll.opened", {"poll": view}, actor_id=actor.id)
        result = {"poll": view, "seq": event.seq}
        db.session.commit()
    return result


def vote_poll(session_id: int, *, actor: Any, poll_id: int, choices: list[int]) -> dict:
    """Cast or change one's ballot while the poll is open."""
    seat = get_seat(session_id, actor=actor)
    if len(set(choices)) != len(choices):
        raise Invalid(_l("Each option can be chosen once."), field="choices")
    _check_flood(seat, "poll.vote")
    with _room_write(session_id):
        poll = _poll(session_id, poll_id)
        _require_open(session_id)
        if poll.status != "open":
            raise Conflict(_l("This poll is closed."))
        valid = {o.id for o in poll.options}
        if not choices or not set(choices) <= valid:
            raise Invalid(_l("Choose one of the poll's options."), field="choices")
        if not poll.multiple and len(choices) != 1:
            raise Invalid(_l("This poll takes one choice."), field="choices")
        chosen = sorted(choices)
        ballot = db.session.scalar(select(PollBallot).where(PollBallot.poll_id == poll.id,
                                                            PollBallot.user_id == actor.id))
        if ballot is not None and sorted(ballot.choices) == chosen:
            return {"poll_id": poll.id, "choices": chosen, "poll": poll_view(poll)}
        if ballot is None:
            db.session.add(PollBallot(poll_id=poll.id, user_id=actor.id, choices=chosen, updated_at=utcnow()))
        else:
            ballot.choices = chosen
        db.session.flush()
        view = poll_view(poll)
        event = _record(session_id, "poll.updated", {"poll": view}, actor_id=actor.id)
        result = {"poll_id": poll.id, "choices": chosen, "poll": view, "seq": event.seq}
        db.session.commit()
    return result


def _close_poll(poll: Poll, actor_id: int) -> LiveEvent:
    poll.status, poll.closed_at = "closed", utcnow()
    db.session.flush()
    return _record(poll.session_id, "poll.closed", {"poll": poll_view(poll)}, actor_id=actor_id)


def close_poll(session_id: int, *, actor: Any, poll_id: int) -> dict:
    """Close a poll (hosts and moderators); its results stay visible."""
    seat = get_seat(session_id, actor=actor)
    _require_moderator(seat)
    with _room_write(session_id):
        poll = _poll(session_id, poll_id)
        if poll.status == "closed":
            return {"poll": poll_view(poll)}
        event = _close_poll(poll, actor.id)
        result = {"poll": poll_view(poll), "seq": event.seq}
        db.session.commit()
    return result


# --- hands ----------------------------------------------------------------------------------------------------------

def _hand_event(session_id: int, user: User, raised: bool, actor_id: int) -> LiveEvent:
    return _record(session_id, "hand.changed", {"user": _person(user), "raised": raised}, actor_id=actor_id,
                   public=False, user_id=user.id)


def raise_hand(session_id: int, *, actor: Any, raised: bool) -> dict:
    """Raise or lower one's own hand; hosts and moderators see it."""
    seat = get_seat(session_id, actor=actor)
    _check_flood(seat, "hand.raise")
    with _room_write(session_id):
        _require_open(session_id)
        hand = db.session.scalar(select(RaisedHand).where(RaisedHand.session_id == session_id,
                                                          RaisedHand.user_id == actor.id))
        if (hand is not None) == raised:
            return {"raised": raised}
        if raised:
            db.session.add(RaisedHand(session_id=session_id, user_id=actor.id, raised_at=utcnow()))
        else:
            db.session.delete(hand)
        event = _hand_event(session_id, actor, raised, actor.id)
        result = {"raised": raised, "seq": event.seq}
        db.session.commit()
    return result


def lower_hand(session_id: int, *, actor: Any, user_id: int) -> dict:
    """Lower someone's raised hand (hosts and moderators)."""
    seat = get_seat(session_id, actor=actor)
    _require_moderator(seat)
    with _room_write(session_id):
        hand = db.session.scalar(select(RaisedHand).where(RaisedHand.session_id == session_id,
                                                          RaisedHand.user_id == user_id))
        if hand is None:
            return {"user_id": user_id, "raised": False}
        db.session.delete(hand)
        event = _hand_event(session_id, hand.user, False, actor.id)
        result = {"user_id": user_id, "raised": False, "seq": event.seq}
        db.session.commit()
    return result


# --- the room itself ------------------------------------------------------------------------------------------------

def open_room(session_id: int, *, actor: Any) -> dict:
    """Open the room (hosts and organizers), early if they like, or again after closing it."""
    seat = get_seat(session_id, actor=actor)
    _require_host(seat)
    if seat.session.status == "cancelled":
        raise Conflict(_l("This session is cancelled; its room cannot open."))
    return _set_room_status(session_id, "open", actor)


def close_room(session_id: int, *, actor: Any) -> dict:
    """Close the room (hosts and organizers): open polls close, hands go down, and the room turns read-only."""
    seat = get_seat(session_id, actor=actor)
    _require_host(seat)
    return _set_room_status(session_id, "closed", actor)


def _set_room_status(session_id: int, status: str, actor: Any) -> dict:
    with _room_write(session_id):
        if _room_status(session_id) == status:
            return {"status": status}
        if status == "closed":
            for poll in list(db.session.scalars(select(Poll).where(Poll.session_id == session_id,
                                                                   Poll.status == "open"))):
                _close_poll(poll, actor.id)
            for hand in list(db.session.scalars(select(RaisedHand).where(RaisedHand.session_id == session_id))):
                db.session.delete(hand)
                _hand_event(session_id, hand.user, False, actor.id)
            create_follow_ups(session_id)  # unanswered questions become follow-ups, in this same transaction
        db.session.execute(update(ExchangeSession).where(ExchangeSession.id == session_id)
                           .values(room_status=status, updated_at=utcnow())
                           .execution_options(synchronize_session=False))
        event = _record(session_id, "room.status", {"status": status}, actor_id=actor.id)
        result = {"status": status, "seq": event.seq}
        db.session.commit()
    return result


# --- joining, presence and replay -----------------------------------------------------------------------------------

def _presence_count(session_id: int) -> int:
    return db.session.scalar(select(func.count(distinct(Presence.user_id))).where(
        Presence.session_id == session_id, Presence.seen_at > utcnow() - PRESENCE_FRESH))


def refresh_presence() -> None:
    """Mark this process's connections as still here, and forget those of processes long gone."""
    now = utcnow()
    db.session.execute(update(Presence).where(Presence.node == NODE).values(seen_at=now)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Presence).where(Presence.seen_at < now - PRESENCE_FORGET)
                       .execution_options(synchronize_session=False))
    db.session.commit()


# A big room hears its presence count at most once per LIVE_PRESENCE_SECONDS: 2,000 people joining would
# otherwise send 2,000 counts to up to 2,000 people each (two million messages, see bench/RESULTS.md).
_presence_pending: set[int] = set()
_presence_guard = threading.Lock()


# The last count this process read per room: a room known to be big skips counting on every join and leave
# (a scan of its presence rows, twice per join) and leaves the count, and the peak, to the coalesced sender.
_last_count: dict[int, int] = {}


def _big_room(session_id: int) -> bool:
    return _last_count.get(session_id, 0) > int(current_app.config.get("LIVE_PRESENCE_COALESCE_ABOVE", 50))


def _count_unless_big(session_id: int) -> int | None:
    """Count the room now, or None in a room known to be big (the coalesced sender counts it)."""
    return None if _big_room(session_id) else _presence_count(session_id)


def _emit_presence(session_id: int, count: int | None) -> None:
    """Send the room its new count after commit: at once in a small room, coalesced in a big one (count None)."""
    if count is not None:
        _last_count[session_id] = count
    if count is not None and not _big_room(session_id):
        emit_after_commit(db.session, "presence", {"session_id": session_id, "count": count},
                          room=everyone_room(session_id), lane=everyone_room(session_id))
        return
    app = current_app._get_current_object()
    on_commit(db.session, lambda: _schedule_presence(app, session_id))


def _schedule_presence(app, session_id: int) -> None:
    with _presence_guard:
        if session_id in _presence_pending:
            return  # the count already on its way will be read after this change
        _presence_pending.add(session_id)
    socketio.start_background_task(_send_presence_later, app, session_id)


def _send_presence_later(app, session_id: int) -> None:
    socketio.sleep(float(app.config.get("LIVE_PRESENCE_SECONDS", 1.0)))
    with _presence_guard:
        _presence_pending.discard(session_id)
    with app.app_context():
        count = _last_count[session_id] = _presence_count(session_id)
        _record_peak(session_id, count)  # a conditional update that only raises it: no room lock needed
        db.session.commit()
    realtime.emit("presence", {"session_id": session_id, "count": count}, to=everyone_room(session_id),
                  namespace=NAMESPACE)


def _record_peak(session_id: int, count: int) -> None:
    db.session.execute(update(LiveRoom).where(LiveRoom.session_id == session_id, LiveRoom.peak_presence < count)
                       .values(peak_presence=count, peak_at=utcnow()).execution_options(synchronize_session=False))


def join_room(session_id: int, *, actor: Any, sid: str, after_seq: int | None = None,
              subscribe: Callable[[list[str]], None]) -> dict:
    """Enter a room: record presence, subscribe the connection, and return a snapshot or the missed events.

    `subscribe` is called with the Socket.IO rooms to join before the state is read, so that an event stored
    meanwhile reaches the client live or in the answer (possibly both: clients skip a seq they already have).
    """
    seat = get_seat(session_id, actor=actor)
    if after_seq is not None and after_seq < 0:
        raise Invalid(_l("after_seq must be 0 or more."), field="after_seq")
    with _room_write(session_id):
        _insert_ignore(Presence, session_id=session_id, user_id=actor.id, sid=sid, node=NODE, joined_at=utcnow(),
                       seen_at=utcnow())
        _insert_ignore(Attendance, session_id=session_id, user_id=actor.id, first_joined_at=utcnow())
        count = _count_unless_big(session_id)
        if count is not None:
            _record_peak(session_id, count)
        _emit_presence(session_id, count)
        db.session.commit()
    if ledger.enabled:  # before subscribing: see DeliveryLedger.follow
        ledger.follow(session_id, sid, _stored_last_seq(session_id))
    subscribe(rooms_for(seat))
    answer = room_state(seat, after_seq=after_seq)
    if ledger.enabled:
        ledger.joined(session_id, sid, answer["last_seq"])
    return answer


def leave_room(session_id: int, *, actor: Any, sid: str, unsubscribe: Callable[[list[str]], None]) -> dict:
    """Leave a room: stop listening and update the presence count."""
    seat = get_seat(session_id, actor=actor)
    unsubscribe(rooms_for(seat))
    _drop(session_id, sid)
    return {}


def _drop(session_id: int, sid: str) -> None:
    with _room_write(session_id):
        gone = db.session.execute(delete(Presence).where(Presence.session_id == session_id, Presence.sid == sid))
        if gone.rowcount:
            _emit_presence(session_id, _count_unless_big(session_id))
            db.session.commit()


def drop_presence(*, sid: str) -> None:
    """Forget a closed connection in every room it was in (called on disconnect, never while sending: see
    `live.sockets.on_disconnect`, which moves a disconnect noticed during a send to a task of its own)."""
    for session_id in list(db.session.scalars(select(Presence.session_id).where(Presence.sid == sid).distinct())):
        _drop(session_id, sid)


def room_state(seat: Seat, *, after_seq: int | None) -> dict:
    """Return the join answer: a snapshot, or the events after `after_seq` this person may see.

    Past LIVE_REPLAY_LIMIT events (or an after_seq this room never reached) a fresh snapshot comes with reset.
    """
    session_id = seat.session.id
    last_seq = _stored_last_seq(session_id)
    answer = {"role": seat.role, "status": _room_status(session_id), "last_seq": last_seq}
    if after_seq is not None and after_seq <= last_seq:
        limit = int(current_app.config.get("LIVE_REPLAY_LIMIT", 500))
        query = select(LiveEvent).where(LiveEvent.session_id == session_id, LiveEvent.seq > after_seq,
                                        LiveEvent.seq <= last_seq)
        if not seat.moderates:
            query = query.where(or_(LiveEvent.public.is_(True), LiveEvent.user_id == seat.user.id))
        events = list(db.session.scalars(query.order_by(LiveEvent.seq).limit(limit + 1)))
        if len(events) <= limit:
            answer["events"] = [event_view(e, moderator=seat.moderates, viewer_id=seat.user.id) for e in events]
            return answer
    if after_seq is not None:
        answer["reset"] = True
    answer["snapshot"] = snapshot(seat)
    return answer


def _visible_questions(seat: Seat) -> list[Question]:
    query = select(Question).where(Question.session_id == seat.session.id)
    if not seat.moderates:
        query = query.where(or_(Question.status.in_(("visible", "answered")), Question.author_id == seat.user.id))
    return list(db.session.scalars(query.options(selectinload(Question.author)).order_by(Question.id)))


def snapshot(seat: Seat) -> dict:
    """Return the room as this person sees it now."""
    session_id, me = seat.session.id, seat.user.id
    messages = list(db.session.scalars(select(ChatMessage).where(
        ChatMessage.session_id == session_id, ChatMessage.deleted_at.is_(None))
        .options(selectinload(ChatMessage.author)).order_by(ChatMessage.id.desc()).limit(SNAPSHOT_CHAT)))
    questions = _visible_questions(seat)
    voted = set(db.session.scalars(select(QuestionVote.question_id).where(
        QuestionVote.user_id == me, QuestionVote.question_id.in_([q.id for q in questions]))))
    polls = list(db.session.scalars(select(Poll).where(Poll.session_id == session_id).order_by(Poll.id)))
    mine = {b.poll_id: b.choices for b in db.session.scalars(select(PollBallot).where(
        PollBallot.user_id == me, PollBallot.poll_id.in_([p.id for p in polls])))}
    hands = select(RaisedHand).where(RaisedHand.session_id == session_id).order_by(RaisedHand.raised_at)
    if not seat.moderates:
        hands = hands.where(RaisedHand.user_id == me)
    muted = db.session.scalar(select(Mute.until).where(Mute.session_id == session_id, Mute.user_id == me))
    return {
        "chat": [message_view(m) for m in reversed(messages)],
        "questions": [{**_own_view(q, seat), "voted": q.id in voted} for q in questions],
        "polls": [{**poll_view(p), "my_choices": mine.get(p.id, [])} for p in polls],
        "hands": [{"user": _person(h.user), "raised": True, "at": _iso(h.raised_at)} for h in db.session.scalars(hands)],
        "presence": _last_count[session_id] if _big_room(session_id) else _presence_count(session_id),
        "muted_until": _iso(muted) if muted and muted > utcnow() else None,
    }


# --- pages: the room, the summary and the transcript ----------------------------------------------------------------

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
    questions = sorted(_visible_questions(seat), key=lambda q: (-q.votes, q.id))
    summary = Summary(
        seat=seat,
        answered=[q for q in questions if q.status == "answered"],
        unanswered=[q for q in questions if q.status == "visible"],
        hidden=[q for q in questions if q.status in ("pending", "dismissed")] if seat.moderates else [],
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
    """Return the room's record for organizers: chat, questions (anonymous askers stay anonymous), polls."""
    seat = get_seat(session_id, actor=actor)
    require(actor, "live.export", seat.session, _l("Only organizers can export a transcript."))
    session = seat.session
    summary = session_summary(session_id, actor=actor)
    messages = db.session.scalars(select(ChatMessage).where(
        ChatMessage.session_id == session_id, ChatMessage.deleted_at.is_(None)).order_by(ChatMessage.seq))
    questions = db.session.scalars(select(Question).where(Question.session_id == session_id).order_by(Question.id))
    return {
        "session": {"id": session.id, "title": session.title, "exchange": session.exchange.title,
                    "starts_at": _iso(session.starts_at), "ends_at": _iso(session.ends_at),
                    "room_status": session.room_status},
        "attendance": {"peak": summary.peak, "peak_at": _iso(summary.peak_at), "people": summary.attendees},
        "chat": [{"id": m.id, "at": _iso(m.created_at), "author": m.author.name, "role": m.author_role,
                  "body": m.body} for m in messages],
        "questions": [{"id": q.id, "at": _iso(q.created_at), "author": None if q.anonymous else q.author.name,
                       "anonymous": q.anonymous, "body": q.body, "status": q.status, "votes": q.votes,
                       "pinned": q.pinned, "answer": q.answer, "answered_at": _iso(q.answered_at),
                       "reason": q.reason} for q in questions],
        "polls": [{"id": p["id"], "prompt": p["prompt"], "multiple": p["multiple"], "status": p["status"],
                   "opened_at": p["opened_at"], "closed_at": p["closed_at"], "voters": p["voters"],
                   "options": [{"label": o["label"], "votes": o["votes"]} for o in p["options"]]}
                  for p in summary.polls],
    }


def rooms_now(*, actor: Any, within: timedelta = timedelta(hours=12)) -> list[tuple[ExchangeSession, str]]:
    """Return the rooms the actor may join that are open, or start or ended within `within`, with their role."""
    now = utcnow()
    sessions = db.session.scalars(select(ExchangeSession).where(
        or_(ExchangeSession.room_status == "open",
            ExchangeSession.starts_at.between(now - within, now + within)),
        ExchangeSession.status != "cancelled").order_by(ExchangeSession.starts_at).limit(200))
    found = []
    for session in sessions:
        role = room_role(actor, session)
        if role:
            found.append((session, role))
    return found
