"""The room's event log: the one write path of a room, its `seq` order, and where each stored event goes.

`room_write` is the only place that takes a room's lock: a per-process lock (`roomlock`), then the room's
counter row in the database, which orders every process. Inside, a writer re-reads what matters, changes it,
stores its events with `record` (the next `seq`, the emits queued on the room's lane) and commits once. The
commit puts the events in the lane in `seq` order while the lock is still held; they are sent after the lock is
released (`common.realtime`): no socket I/O under a lock or a transaction, so a dead connection noticed during a
send can never come back to a lock its sender holds. Nobody hears of a change that was not stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..common import realtime
from ..common.errors import Conflict
from ..common.realtime import emit_after_commit
from ..common.time import utcnow
from ..extensions import db
from . import roomlock
from .delivery import ledger
from .models import LiveEvent, LiveRoom
from .payloads import event_view
from .seats import NAMESPACE, everyone_room, moderators_room, people_room, person_room


class RoomBusy(Conflict):
    code = "room_busy"


def insert_ignore(model, **values) -> None:
    """INSERT a row unless it already exists (a unique key matches), on SQLite and PostgreSQL alike."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(model).values(**values).on_conflict_do_nothing())


def _lock_counter(session_id: int) -> None:
    """Lock the room's counter row until commit: every writer of this room waits here, in every process."""
    stmt = update(LiveRoom).where(LiveRoom.session_id == session_id).values(last_seq=LiveRoom.last_seq)
    if db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount == 0:
        insert_ignore(LiveRoom, session_id=session_id, last_seq=0, peak_presence=0)
        db.session.execute(stmt.execution_options(synchronize_session=False))


@contextmanager
def room_write(session_id: int) -> Iterator[None]:
    """Serialize the writers of one room; roll back whatever was not committed; send its events once unlocked.

    The only place that takes a room's lock. Inside, nothing does socket I/O: the commit puts the events in the
    room's lane and `realtime.holding_lock` sends them after the lock is released. A writer that cannot get the
    lock within LIVE_LOCK_WAIT_SECONDS gets RoomBusy (an error ack) instead of waiting forever.
    """
    lock = roomlock.room_lock(session_id)
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


def next_seq(session_id: int) -> int:
    """Take the room's next seq (under `room_write`: the counter row is locked, so seq order is commit order)."""
    stmt = (update(LiveRoom).where(LiveRoom.session_id == session_id)
            .values(last_seq=LiveRoom.last_seq + 1).returning(LiveRoom.last_seq))
    return db.session.execute(stmt.execution_options(synchronize_session=False)).scalar_one()


def record(session_id: int, type_: str, data: dict, *, actor_id: int | None, seq: int | None = None,
           public: bool = True, user_id: int | None = None) -> LiveEvent:
    """Store an event and queue its emission (full view to moderators, redacted to the others) after commit."""
    event = LiveEvent(session_id=session_id, seq=seq or next_seq(session_id), type=type_, at=utcnow(),
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


def stored_last_seq(session_id: int) -> int:
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
        stored = stored_last_seq(session_id)
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
