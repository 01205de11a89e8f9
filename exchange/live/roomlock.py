"""One lock per live room in this process, that knows who holds it and for how long.

Writers of a room take its lock (then the room's counter row in the database, which orders every process).
The lock is not reentrant, and nothing a writer does while holding it may come back to it: socket I/O waits
until it is released (`common.realtime.holding_lock`). Should a lock still be held for longer than a few
seconds, `report_stuck()` logs the holder's stack once, and `stuck()` feeds `/healthz`, so an operator's
monitor sees a room whose writes are stuck instead of a server that still says "ok".

Locks live in a weak dictionary: a room nobody writes to costs nothing (a room's lock exists while a writer
holds or waits for it).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
import weakref
from dataclasses import dataclass

log = logging.getLogger(__name__)


def _current_task():
    """Return (the task object, its thread ident): the greenlet under gevent's patches, else the thread."""
    if "gevent" in sys.modules:
        from gevent import monkey

        if monkey.is_module_patched("threading"):
            import greenlet

            return greenlet.getcurrent(), None
    return None, threading.get_ident()


class RoomLock:
    """A non-reentrant lock of one room, with its holder and since when it is held."""

    __slots__ = ("session_id", "_lock", "_greenlet", "_thread", "since", "reported", "__weakref__")

    def __init__(self, session_id: int) -> None:
        self.session_id = session_id
        self._lock = threading.Lock()
        self._greenlet = None
        self._thread: int | None = None
        self.since: float | None = None
        self.reported = False

    def acquire(self, timeout: float | None = None) -> bool:
        """Take the lock: at once when timeout is 0, within `timeout` seconds, or waiting as long as it takes."""
        if timeout == 0:
            got = self._lock.acquire(blocking=False)
        else:
            got = self._lock.acquire(timeout=-1 if timeout is None else timeout)
        if got:
            self._greenlet, self._thread = _current_task()
            self.since, self.reported = time.monotonic(), False
        return got

    def release(self) -> None:
        self._greenlet = self._thread = self.since = None
        self._lock.release()

    def held_for(self, now: float | None = None) -> float:
        since = self.since
        return 0.0 if since is None else (time.monotonic() if now is None else now) - since

    def holder_stack(self) -> str:
        """Return the stack of the task holding the lock (best effort: it may move on while we look)."""
        frame = None
        if self._greenlet is not None:
            frame = getattr(self._greenlet, "gr_frame", None)
        elif self._thread is not None:
            frame = sys._current_frames().get(self._thread)
        return "".join(traceback.format_stack(frame)) if frame is not None else "(holder not found)\n"


_locks: weakref.WeakValueDictionary[int, RoomLock] = weakref.WeakValueDictionary()
_guard = threading.Lock()


def room_lock(session_id: int) -> RoomLock:
    """Return the lock of one room in this process (the same object while anyone holds or waits for it)."""
    with _guard:
        lock = _locks.get(session_id)
        if lock is None:
            lock = _locks[session_id] = RoomLock(session_id)
        return lock


@dataclass(frozen=True)
class StuckRoom:
    session_id: int
    held_seconds: float


def stuck(older_than: float) -> list[StuckRoom]:
    """Return the rooms whose lock has been held for more than `older_than` seconds."""
    now = time.monotonic()
    with _guard:
        locks = list(_locks.values())
    return sorted((StuckRoom(lock.session_id, round(lock.held_for(now), 1)) for lock in locks
                   if lock.held_for(now) > older_than), key=lambda s: s.session_id)


def report_stuck(older_than: float) -> int:
    """Log, once per hold, every room lock held for more than `older_than` seconds with its holder's stack."""
    now = time.monotonic()
    with _guard:
        locks = list(_locks.values())
    found = 0
    for lock in locks:
        if lock.held_for(now) > older_than and not lock.reported:
            lock.reported = True
            found += 1
            log.error("live room %s: its write lock is held for %.1f s; the holder is at:\n%s",
                      lock.session_id, lock.held_for(), lock.holder_stack())
    return found


def held_here() -> bool:
    """Tell whether the calling task holds any room lock (for checks and tests)."""
    me = _current_task()
    with _guard:
        locks = list(_locks.values())
    return any(lock.since is not None and (lock._greenlet, lock._thread) == me for lock in locks)
