"""Who is in a room: join and leave (presence rows, the connection's Socket.IO rooms), the presence count, and
the join answer (a snapshot, or the events missed since `after_seq`).

Presence rows are written under the room's lock like every other room write (`eventlog.room_write`), but the
count is not a room event: it has no `seq` and goes out as `presence {session_id, count}`. A big room hears it
coalesced (`PresenceCoalescer`).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, distinct, func, or_, select, update

from ..common import realtime
from ..common.errors import Invalid
from ..common.realtime import emit_after_commit, on_commit
from ..common.time import utcnow
from ..exchanges.models import RoomStatus
from ..extensions import db, socketio
from .chat import CHAT_PAGE, chat_page
from .delivery import ledger
from .eventlog import insert_ignore, room_write, stored_last_seq
from .models import (
    Attendance,
    LiveEvent,
    LiveRoom,
    Mute,
    Poll,
    PollBallot,
    Presence,
    QuestionVote,
    RaisedHand,
)
from .payloads import event_view, iso, own_view, person_view, poll_view
from .questions import visible_questions
from .rules import room_status
from .seats import NAMESPACE, Seat, everyone_room, get_seat, rooms_for

NODE = uuid.uuid4().hex  # this server process, for presence rows
PRESENCE_FRESH = timedelta(seconds=90)  # a process refreshes its connections every 30 s (sockets.py)
PRESENCE_FORGET = timedelta(hours=1)
SNAPSHOT_CHAT = CHAT_PAGE


def _presence_count(session_id: int) -> int:
    return db.session.scalar(select(func.count(distinct(Presence.user_id))).where(
        Presence.session_id == session_id, Presence.seen_at > utcnow() - PRESENCE_FRESH))


def record_attendance(session_id: int) -> None:
    """Count the people in the room now as having attended (the room opens); inside the caller's room write."""
    now = utcnow()
    for user_id in list(db.session.scalars(select(distinct(Presence.user_id)).where(
            Presence.session_id == session_id, Presence.seen_at > now - PRESENCE_FRESH))):
        insert_ignore(Attendance, session_id=session_id, user_id=user_id, first_joined_at=now)


def refresh_presence() -> None:
    """Mark this process's connections as still here, and forget those of processes long gone."""
    now = utcnow()
    db.session.execute(update(Presence).where(Presence.node == NODE).values(seen_at=now)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Presence).where(Presence.seen_at < now - PRESENCE_FORGET)
                       .execution_options(synchronize_session=False))
    db.session.commit()


class PresenceCoalescer:
    """This process's presence bookkeeping: the last count it read per room, and the rooms whose count is on its way.

    A big room hears its presence count at most once per LIVE_PRESENCE_SECONDS: 2,000 people joining would
    otherwise send 2,000 counts to up to 2,000 people each (two million messages, see bench/RESULTS.md). A room
    known to be big also skips counting on every join and leave (a scan of its presence rows, twice per join) and
    leaves the count, and the peak, to the coalesced sender.

    The map of last counts stays small: an empty room is forgotten (a room never counted reads as 0), and past
    `max_rooms` rooms the one counted longest ago goes first (it then counts on its next join, and is known again).
    `reset()` forgets everything (tests; a process starting afresh).
    """

    def __init__(self, max_rooms: int = 10_000) -> None:
        self.max_rooms = max_rooms
        self._guard = threading.Lock()
        self._counts: OrderedDict[int, int] = OrderedDict()
        self._pending: set[int] = set()

    def __len__(self) -> int:
        """Return how many rooms this process knows a count of."""
        with self._guard:
            return len(self._counts)

    def reset(self) -> None:
        with self._guard:
            self._counts.clear()
            self._pending.clear()

    def last(self, session_id: int) -> int:
        """Return the last count this process read for the room (0 when it knows none)."""
        with self._guard:
            return self._counts.get(session_id, 0)

    def remember(self, session_id: int, count: int) -> None:
        with self._guard:
            if count <= 0:
                self._counts.pop(session_id, None)
                return
            self._counts[session_id] = count
            self._counts.move_to_end(session_id)
            while len(self._counts) > self.max_rooms:
                self._counts.popitem(last=False)

    def claim(self, session_id: int) -> bool:
        """Mark the room's coalesced count as on its way; False when one already is (it is read after this change)."""
        with self._guard:
            if session_id in self._pending:
                return False
            self._pending.add(session_id)
            return True

    def release(self, session_id: int) -> None:
        with self._guard:
            self._pending.discard(session_id)


presence_counts = PresenceCoalescer()


def _big_room(session_id: int) -> bool:
    return presence_counts.last(session_id) > int(current_app.config.get("LIVE_PRESENCE_COALESCE_ABOVE", 50))


def _count_unless_big(session_id: int) -> int | None:
    """Count the room now, or None in a room known to be big (the coalesced sender counts it)."""
    return None if _big_room(session_id) else _presence_count(session_id)


def _emit_presence(session_id: int, count: int | None) -> None:
    """Send the room its new count after commit: at once in a small room, coalesced in a big one (count None)."""
    if count is not None:
        presence_counts.remember(session_id, count)
    if count is not None and not _big_room(session_id):
        emit_after_commit(db.session, "presence", {"session_id": session_id, "count": count},
                          room=everyone_room(session_id), lane=everyone_room(session_id))
        return
    app = current_app._get_current_object()
    on_commit(db.session, lambda: _schedule_presence(app, session_id))


def _schedule_presence(app, session_id: int) -> None:
    if not presence_counts.claim(session_id):
        return  # the count already on its way will be read after this change
    socketio.start_background_task(_send_presence_later, app, session_id)


def _send_presence_later(app, session_id: int) -> None:
    socketio.sleep(float(app.config.get("LIVE_PRESENCE_SECONDS", 1.0)))
    presence_counts.release(session_id)
    with app.app_context():
        count = _presence_count(session_id)
        presence_counts.remember(session_id, count)
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
    with room_write(session_id):
        insert_ignore(Presence, session_id=session_id, user_id=actor.id, sid=sid, node=NODE, joined_at=utcnow(),
                      seen_at=utcnow())
        if room_status(session_id) != RoomStatus.SCHEDULED:
            # Looking in before the session (to ask early) is not attending it: `record_attendance` counts the
            # people still here when the room opens.
            insert_ignore(Attendance, session_id=session_id, user_id=actor.id, first_joined_at=utcnow())
        count = _count_unless_big(session_id)
        if count is not None:
            _record_peak(session_id, count)
        _emit_presence(session_id, count)
        db.session.commit()
    if ledger.enabled:  # before subscribing: see DeliveryLedger.follow
        ledger.follow(session_id, sid, stored_last_seq(session_id))
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
    with room_write(session_id):
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
    last_seq = stored_last_seq(session_id)
    answer = {"role": seat.role, "status": room_status(session_id), "last_seq": last_seq}
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


def snapshot(seat: Seat) -> dict:
    """Return the room as this person sees it now."""
    session_id, me = seat.session.id, seat.user.id
    chat, chat_more = chat_page(session_id, limit=SNAPSHOT_CHAT)
    questions = visible_questions(seat)
    voted = set(db.session.scalars(select(QuestionVote.question_id).where(
        QuestionVote.user_id == me, QuestionVote.question_id.in_([q.id for q in questions]))))
    polls = list(db.session.scalars(select(Poll).where(Poll.session_id == session_id).order_by(Poll.id)))
    mine = {b.poll_id: b.choices for b in db.session.scalars(select(PollBallot).where(
        PollBallot.user_id == me, PollBallot.poll_id.in_([p.id for p in polls])))}
    hands = select(RaisedHand).where(RaisedHand.session_id == session_id).order_by(RaisedHand.raised_at)
    if not seat.moderates:
        hands = hands.where(RaisedHand.user_id == me)
    muted = db.session.scalar(select(Mute.until).where(Mute.session_id == session_id, Mute.user_id == me))
    mutes = {}
    if seat.moderates:  # who is muted until when, so a moderator's menu offers "Unmute" after a reload too
        mutes = {str(user_id): iso(until) for user_id, until in db.session.execute(
            select(Mute.user_id, Mute.until).where(Mute.session_id == session_id, Mute.until > utcnow()))}
    return {
        "chat": chat,
        "chat_more": chat_more,  # older messages are stored: `chat.history` pages through them
        "questions": [{**own_view(q, seat), "voted": q.id in voted} for q in questions],
        "polls": [{**poll_view(p), "my_choices": mine.get(p.id, [])} for p in polls],
        "hands": [{"user": person_view(h.user), "raised": True, "at": iso(h.raised_at)} for h in db.session.scalars(hands)],
        "presence": presence_counts.last(session_id) if _big_room(session_id) else _presence_count(session_id),
        "muted_until": iso(muted) if muted and muted > utcnow() else None,
        "mutes": mutes,
    }
