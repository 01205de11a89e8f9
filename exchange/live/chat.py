"""Chat: post a message, delete one (moderators), mute a person (moderators)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..common.errors import Invalid, NotFound
from ..common.text import clean_text
from ..common.time import utcnow
from ..extensions import db
from .eventlog import next_seq, record, room_write
from .models import ChatMessage, LiveEvent, Mute
from .payloads import iso, message_view, person_view
from .rules import check_client_id, check_flood, check_not_muted, check_rate, require_open
from .seats import MODERATOR_ROLES, get_seat, require_moderator, room_role

CHAT_MAX = 2000
MAX_MUTE_MINUTES = 24 * 60
CHAT_PAGE = 100  # messages in the join snapshot, and in each page of `chat.history`


def chat_page(session_id: int, *, before_id: int | None = None, limit: int = CHAT_PAGE) -> tuple[list[dict], bool]:
    """Return the `limit` newest stored messages (before `before_id` when given), oldest first, and whether older
    ones are stored. Deleted messages are left out, as everywhere a room is read from its store (the snapshot,
    the transcript): their text is gone and they take no place."""
    query = select(ChatMessage).where(ChatMessage.session_id == session_id, ChatMessage.deleted_at.is_(None))
    if before_id is not None:
        query = query.where(ChatMessage.id < before_id)
    rows = list(db.session.scalars(query.options(selectinload(ChatMessage.author))
                                   .order_by(ChatMessage.id.desc()).limit(limit + 1)))
    return [message_view(m) for m in reversed(rows[:limit])], len(rows) > limit


def chat_history(session_id: int, *, actor: Any, before_id: int | None = None) -> dict:
    """Return the page of messages before `before_id` (the newest page without it) for anyone with a seat; a
    read, so no room lock and no event, but limited per person like the clicks that cost the server."""
    seat = get_seat(session_id, actor=actor)
    check_flood(seat, "chat.history")
    messages, more = chat_page(session_id, before_id=before_id)
    return {"messages": messages, "more": more}


def _existing_message(session_id: int, author_id: int, client_id: str) -> ChatMessage | None:
    return db.session.scalar(select(ChatMessage).where(ChatMessage.session_id == session_id,
                                                       ChatMessage.author_id == author_id,
                                                       ChatMessage.client_id == client_id))


def send_chat(session_id: int, *, actor: Any, body: str, client_id: str) -> dict:
    """Post a chat message; a repeated client_id returns the first result instead of a second message."""
    seat = get_seat(session_id, actor=actor)
    text = clean_text(body, field="body", max_len=CHAT_MAX, drop_controls=True, required=True,
                      empty=_l("Write a message first."),
                      too_long=_l("A message can have at most %(n)d characters.", n=CHAT_MAX))
    client_id = check_client_id(client_id)
    with room_write(session_id):
        first = _existing_message(session_id, actor.id, client_id)
        if first is not None:
            return {"message": message_view(first), "seq": first.seq}
        require_open(session_id)
        check_not_muted(seat)
        check_rate(ChatMessage, seat, "LIVE_CHAT_RATE", (5, 10),
                   _l("You are sending messages too fast. Wait a few seconds and try again."))
        seq = next_seq(session_id)
        message = ChatMessage(session_id=session_id, author_id=actor.id, author=actor, author_role=seat.role,
                              client_id=client_id, body=text, seq=seq, created_at=utcnow())
        db.session.add(message)
        db.session.flush()
        view = message_view(message)
        record(session_id, "chat.posted", {"message": view}, actor_id=actor.id, seq=seq)
        db.session.commit()
    return {"message": view, "seq": seq}


def delete_chat(session_id: int, *, actor: Any, message_id: int) -> dict:
    """Delete a chat message (moderators); its text also leaves the stored event so replays never show it."""
    seat = get_seat(session_id, actor=actor)
    require_moderator(seat)
    with room_write(session_id):
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
        event = record(session_id, "chat.deleted", {"message_id": message.id}, actor_id=actor.id)
        seq = event.seq
        db.session.commit()
    return {"message_id": message_id, "seq": seq}


def mute_user(session_id: int, *, actor: Any, user_id: int, minutes: int) -> dict:
    """Stop a person from chatting and asking for `minutes` (0 lifts the mute); moderators only."""
    seat = get_seat(session_id, actor=actor)
    require_moderator(seat)
    if not 0 <= minutes <= MAX_MUTE_MINUTES:
        raise Invalid(_l("Mute for 0 to %(n)d minutes.", n=MAX_MUTE_MINUTES), field="minutes")
    target = db.session.get(User, user_id)
    target_role = room_role(target, seat.session) if target is not None else None
    if target_role is None:
        raise NotFound(_l("That person is not in this room."))
    if target_role in MODERATOR_ROLES:
        raise Invalid(_l("Hosts and moderators cannot be muted."))
    until = utcnow() + timedelta(minutes=minutes)
    until_iso = iso(until) if minutes else None
    with room_write(session_id):
        db.session.execute(delete(Mute).where(Mute.session_id == session_id, Mute.user_id == user_id))
        if minutes:
            db.session.add(Mute(session_id=session_id, user_id=user_id, until=until, by_id=actor.id))
        # Private: the moderators and the muted person hear of it at once (her page shows until when).
        event = record(session_id, "mute.changed", {"user": person_view(target), "muted_until": until_iso},
                       actor_id=actor.id, public=False, user_id=user_id)
        db.session.commit()
    return {"user_id": user_id, "muted_until": until_iso, "seq": event.seq}
