"""The checks a room write makes before it changes anything: text, client ids, the room's status, rate and
flood limits, mutes.

Text and client ids are checked before the room's lock; rate limits stored in the database (chat, questions)
and the room's status and mutes are read under it, flood limits (votes, ballots, hands) in the rate-limit
storage before it.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import RateLimitItemPerSecond
from sqlalchemy import select

from ..common.errors import Conflict, Forbidden, Invalid, RateLimited
from ..common.time import utcnow
from ..exchanges.models import ExchangeSession, RoomStatus
from ..extensions import db, limiter
from .models import Mute
from .payloads import iso
from .seats import Seat


class RoomNotOpen(Conflict):
    code = "room_not_open"


class Muted(Forbidden):
    code = "muted"


def room_status(session_id: int) -> str:
    """Return the room's stored status ("scheduled", "open" or "closed"; "" for a session that does not exist)."""
    return db.session.scalar(select(ExchangeSession.room_status).where(ExchangeSession.id == session_id)) or ""


def require_open(session_id: int, *, before_start: bool = False) -> bool:
    """Raise RoomNotOpen unless the room takes this write; return True when it comes before the room opened.

    An open room takes every write; a closed one is read-only. A room not yet open takes no writes, except the
    ones asked with `before_start` (asking and voting on questions): those it takes while the session has not
    ended and is not cancelled, so people in other time zones can ask before the host opens the room.
    """
    status, ends_at, session_status = db.session.execute(
        select(ExchangeSession.room_status, ExchangeSession.ends_at, ExchangeSession.status)
        .where(ExchangeSession.id == session_id)).one_or_none() or ("", None, "")
    if status == RoomStatus.OPEN:
        return False
    if status == RoomStatus.CLOSED:
        raise RoomNotOpen(_l("The room is closed: it is read-only now."))
    if before_start and status == RoomStatus.SCHEDULED:
        if session_status == "cancelled":
            raise RoomNotOpen(_l("This session is cancelled: it takes no questions."))
        if ends_at is not None and ends_at <= utcnow():
            raise RoomNotOpen(_l("The session has ended: it takes no more questions."))
        return True
    raise RoomNotOpen(_l("The room is not open yet. The host opens it when the session starts."))


def check_client_id(client_id: Any) -> str:
    """Return a valid client_id (1 to 64 printable characters), else raise Invalid."""
    if not isinstance(client_id, str) or not 1 <= len(client_id) <= 64 or not client_id.isprintable():
        raise Invalid(_l("client_id must be a string of 1 to 64 characters."), field="client_id")
    return client_id


def check_rate(model, seat: Seat, setting: str, default: tuple[int, int], message) -> None:
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


# Per-person limits on the clicks that fan out to the whole room (votes, ballots, hands) or read a page of the
# store (earlier chat): (count, seconds),
# counted in the rate-limit storage (memory in one process, Redis with several), before the room's lock.
FLOOD_LIMITS = {
    "question.vote": ("LIVE_VOTE_RATE", (20, 10)),
    "poll.vote": ("LIVE_BALLOT_RATE", (10, 10)),
    "hand.raise": ("LIVE_HAND_RATE", (6, 10)),
    "chat.history": ("LIVE_HISTORY_RATE", (10, 10)),  # pages of earlier chat: a read of 100 messages each
}


def check_flood(seat: Seat, action: str) -> None:
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


def check_not_muted(seat: Seat) -> None:
    """Raise Muted while a moderator's mute on this person lasts (the ack carries until when)."""
    until = db.session.scalar(select(Mute.until).where(Mute.session_id == seat.session.id,
                                                       Mute.user_id == seat.user.id))
    if until and until > utcnow():
        # The clock time rides in `until` (ISO, UTC): the page writes it in the reader's own zone and language.
        raise Muted(_l("A moderator muted you for a while: you cannot chat or ask questions until the mute ends."),
                    details={"until": iso(until)})
