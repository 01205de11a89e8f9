"""Socket I/O (Socket.IO emits and disconnects) only after the transaction commits and never under a lock.

The rule every feature follows (docs/architecture.md, "Socket I/O"):

1. Services queue side effects inside their transaction: `emit_after_commit(...)` for an event, `on_commit(fn)` for
   anything else (a disconnect, a background task). Nothing runs on rollback.
2. No socket I/O while a lock or a database transaction is held. A writer that holds a lock wraps it in
   `holding_lock()`: side effects committed inside run when the outermost such block ends, after the lock is
   released. Emits of one *lane* (e.g. one live room) are put in order at commit time — under the writer's lock,
   so in `seq` order — and sent afterwards by whichever task drains the lane, one at a time: events of a room
   leave in the order they were stored, but nobody does I/O while holding the room.
3. While this module sends (`sending()`), a disconnect that the send notices (Engine.IO closes a socket whose
   client stopped answering pings, and runs the disconnect handler on the spot) must not be handled on the
   spot: handlers ask `busy()` and then handle it later on a task of its own.

`emit()` is the one function the app uses for an immediate emit; it refuses to run under a lock.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import socketio

LIVE_NAMESPACE = "/live"  # the Socket.IO namespace of the live room: the only place it is written
log = logging.getLogger(__name__)
_KEY = "exchange_after_commit"  # I/O callbacks, run after commit (later, when under a lock)
_PUT = "exchange_after_commit_put"  # in-memory steps run at commit time, in commit order (lane puts)
DRAIN_BATCH = 500  # a task drains at most this many emits of a lane before handing the rest to a fresh task


class _TaskState(threading.local):
    """Per thread (per greenlet under gevent's patches): lock depth, deferred callbacks, whether sending."""

    def __init__(self) -> None:
        self.depth = 0
        self.deferred: list[Callable[[], None]] = []
        self.sending = 0


_state = _TaskState()


class SocketIOUnderLock(RuntimeError):
    """Raised by `emit()` when called while this task holds a lock (a bug: it could deadlock the room)."""


def busy() -> bool:
    """Tell whether this task is sending or holding a lock: a disconnect noticed now must be handled later."""
    return bool(_state.sending or _state.depth)


def holds_lock() -> bool:
    """Tell whether this task is inside `holding_lock()`."""
    return bool(_state.depth)


@contextmanager
def holding_lock() -> Iterator[None]:
    """Mark a region where this task holds a lock: committed side effects wait until the outermost region ends.

    Enter it *before* taking the lock and leave it after releasing the lock, so the deferred I/O runs unlocked.
    """
    _state.depth += 1
    try:
        yield
    finally:
        _state.depth -= 1
        if _state.depth == 0 and _state.deferred:
            callbacks, _state.deferred = _state.deferred, []
            _run_io(callbacks)


@contextmanager
def sending() -> Iterator[None]:
    """Mark a region of socket I/O (see rule 3)."""
    _state.sending += 1
    try:
        yield
    finally:
        _state.sending -= 1


def _run_io(callbacks: list[Callable[[], None]]) -> None:
    with sending():
        for callback in callbacks:
            try:
                callback()
            except Exception:  # a failed side effect must not undo or hide a committed change
                log.exception("after-commit callback failed")


def emit(event_name: str, data: dict, *, to: str, namespace: str = LIVE_NAMESPACE) -> None:
    """Emit now (never under a lock; a disconnect it notices is handled later)."""
    if _state.depth:
        raise SocketIOUnderLock(f"emit of {event_name!r} while holding a lock")
    with sending():
        socketio.emit(event_name, data, to=to, namespace=namespace)


class _Lanes:
    """Ordered emits per lane: put in order (cheap, no I/O), sent in that order by one task at a time."""

    def __init__(self) -> None:
        self._guard = threading.Lock()  # held only for deque operations, never across I/O
        self._queues: dict[str, deque] = {}
        self._draining: set[str] = set()

    def put(self, lane: str, item: tuple) -> None:
        with self._guard:
            self._queues.setdefault(lane, deque()).append(item)

    def pending(self, lane: str) -> int:
        with self._guard:
            return len(self._queues.get(lane, ()))

    def drain(self, lane: str) -> None:
        """Send the lane's queued emits in order, unless another task is already doing it (it sends ours too)."""
        with self._guard:
            if lane in self._draining or not self._queues.get(lane):
                return
            self._draining.add(lane)
        sent = 0
        try:
            while True:
                with self._guard:
                    queue = self._queues.get(lane)
                    if not queue:
                        self._queues.pop(lane, None)
                        self._draining.discard(lane)
                        return
                    if sent >= DRAIN_BATCH:  # a busy room: our caller has waited long enough for its ack
                        self._draining.discard(lane)
                        break
                    item = queue.popleft()
                try:
                    emit(*item[:2], to=item[2], namespace=item[3])
                except SocketIOUnderLock:
                    raise
                except Exception:  # one failed emit must not stop the room's later events
                    log.exception("emit of %s to %s failed", item[0], item[2])
                sent += 1
        except BaseException:
            with self._guard:
                self._draining.discard(lane)
            raise
        socketio.start_background_task(self.drain, lane)


lanes = _Lanes()


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Queue `callback` to run after `session` commits (dropped on rollback; later when under a lock)."""
    session.info.setdefault(_KEY, []).append(callback)


def emit_after_commit(session: Session, event_name: str, data: dict, *, room: str | None = None,
                      namespace: str = LIVE_NAMESPACE, to: str | None = None, lane: str | None = None) -> None:
    """Queue a Socket.IO emit that is sent only after `session` commits, and never under a lock.

    Emits that share a `lane` leave in commit order, also when several tasks commit one after another.
    """
    target = to or room
    key = lane or f"{namespace}:{target}"
    session.info.setdefault(_PUT, []).append(lambda: lanes.put(key, (event_name, data, target, namespace)))
    on_commit(session, lambda: lanes.drain(key))


def _run_after_commit(session: Session) -> None:
    """After commit: put the emits in their lanes in commit order, then run (or defer) the I/O."""
    for put in session.info.pop(_PUT, []):
        put()
    callbacks = session.info.pop(_KEY, [])
    if not callbacks:
        return
    if _state.depth:
        _state.deferred.extend(callbacks)
    else:
        _run_io(callbacks)


def _drop_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # only the outermost rollback ends the unit of work
        session.info.pop(_KEY, None)
        session.info.pop(_PUT, None)


def register_hooks() -> None:
    """Run queued side effects after commit and drop them on rollback (for every SQLAlchemy session).

    Guarantees: nobody hears of a change that did not commit (`after_soft_rollback` of the outermost transaction
    drops what it queued); socket I/O never runs under a lock (`holding_lock` defers it). Called by `create_app`;
    registering again is harmless.
    """
    for name, listener in (("after_commit", _run_after_commit), ("after_soft_rollback", _drop_on_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
