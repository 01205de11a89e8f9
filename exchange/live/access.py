"""Keep live-room connections in step with people's rights: access taken away stops at once, on every process.

Every event already re-checks the person's seat (services.get_seat), so a removed person is refused at once.
On top of that, their open connections are closed within about a second, on every server process:
- a change of account (disabled, deleted, role, session version: a new password) or of a place in an exchange
  (registration status, speaker role or status, a place on its team, removal) closes every socket of that person;
- logging out closes the sockets opened with that login (the id of its `LoginSession` row); logging out
  everywhere, like a new password, raises the session version and closes all of them.
The browser client reconnects and re-joins; the join decides anew with the current rights.

How a loss of access travels (one path, whatever process made the change):
1. A SQLAlchemy `before_flush` hook notices the change, so no feature service has to remember it, and adds an
   `AccessRevocation` row to the same transaction: a rolled-back change announces nothing, and a committed one
   is in the database for every process to read, even when it was made by another program (`exchange user
   disable` on the command line) and there is no Redis.
2. Every server process runs one watcher task. It reads the rows after its cursor about once a second (an
   indexed query on a table that holds an hour of rows), ends its read transaction, and only then closes the
   matching sockets of its own process. When this process made the change, the after-commit hook wakes the
   watcher at once instead of waiting for the next round; the watcher then skips that row when it reads it.
The watcher closes sockets from its own task, never from inside a commit: closing a socket runs the disconnect
handler at once (presence clean-up, database writes), which must not re-enter a session that is committing, nor
run while a lock or transaction is held.

The listeners are registered by `register_listeners()` from `create_app`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, event, inspect, or_, select
from sqlalchemy.orm import Session

from ..accounts.models import AccessRevocation, User
from ..common.realtime import LIVE_NAMESPACE, on_commit, sending
from ..common.time import utcnow
from ..exchanges.models import ExchangeTeamMember, Registration, SessionSpeaker
from ..extensions import db, socketio

log = logging.getLogger(__name__)
NAMESPACE = LIVE_NAMESPACE
NODE = uuid.uuid4().hex  # this process, written on the rows it makes so that its watcher can skip them
POLL_SECONDS = 1.0  # how often a watcher reads the table (config ACCESS_POLL_SECONDS)
# Rows are read by id after the cursor, and also by time for this long: a transaction that took its id before
# another one but committed after it (PostgreSQL hands out ids at insert) is still seen.
LOOKBACK = timedelta(seconds=120)
KEEP = timedelta(hours=1)  # rows older than this are deleted (config ACCESS_KEEP_SECONDS)
SWEEP_SECONDS = 60.0
_PENDING_KEY = "live_evict"


def user_room(user_id: int) -> str:
    """The Socket.IO room every connection of one person joins on connect."""
    return f"user:{user_id}"


def login_room(login: str) -> str:
    """The Socket.IO room of the connections opened with one login (one browser session: its row's id)."""
    return f"login:{login}"


def disconnect_room(room: str) -> int:
    """Close every connection of this process that is in `room`; return how many were closed.

    Call it outside any transaction and lock. The disconnect handlers it triggers run later, on tasks of
    their own (it counts as sending: `common.realtime`, rule 3).
    """
    server = getattr(socketio, "server", None)
    if server is None:
        return 0
    sids = [sid for sid, _eio_sid in server.manager.get_participants(NAMESPACE, room)]
    with sending():  # socket I/O: the disconnect handlers these trigger run later, on tasks of their own
        for sid in sids:
            try:
                server.disconnect(sid, namespace=NAMESPACE)
            except Exception:  # an already-gone socket must not stop the others from being closed
                log.exception("could not disconnect %s", sid)
    return len(sids)


def close_connections(*, users: set[int] | frozenset[int] = frozenset(),
                      logins: set[str] | frozenset[str] = frozenset()) -> int:
    """Close this process's live connections of these people and these logins; return how many were closed."""
    closed = sum(disconnect_room(user_room(user_id)) for user_id in sorted(users))
    return closed + sum(disconnect_room(login_room(login)) for login in sorted(logins))


# --- recording a loss of access (inside the transaction that makes it) ---------------------------------------

def record_revocation(session: Session, *, user_id: int | None = None, login: str | None = None) -> None:
    """Add the revocation of one person's or one login's live access to `session`'s transaction.

    Every server process closes the matching sockets once the transaction commits; a rollback drops it.
    """
    session.add(AccessRevocation(user_id=user_id, login=login, origin=NODE, at=utcnow()))
    on_commit(session, lambda: watcher.wake(users={user_id} if user_id else set(), logins={login} if login else set()))


# The models whose changes take access away, and the columns that do.
WATCHED: dict[type, tuple[str, ...]] = {
    User: ("disabled", "role", "session_version"),
    Registration: ("status", "exchange_id", "user_id"),
    SessionSpeaker: ("role", "status", "session_id", "user_id"),
    ExchangeTeamMember: ("exchange_id", "user_id"),  # removed from a team: no longer moderates its rooms
}


def _fields(obj) -> tuple[str, ...] | None:
    for model, fields in WATCHED.items():
        if isinstance(obj, model):
            return fields
    return None


def _owner(obj) -> int | None:
    if isinstance(obj, User):
        return obj.id
    # The old owner counts too when a row is moved to someone else.
    history = inspect(obj).attrs.user_id.history
    return obj.user_id if not history.deleted else history.deleted[0]


def _lost_rights(obj, deleted: bool) -> bool:
    fields = _fields(obj)
    if not fields:
        return False
    if deleted:
        return True
    state = inspect(obj)
    return state.persistent and any(state.attrs[f].history.has_changes() for f in fields)


def _watch_rights(session: Session, _context, _instances) -> None:
    """before_flush: record a revocation for everyone whose account or place changes in this flush."""
    users = {_owner(obj) for obj in session.dirty if _lost_rights(obj, False)}
    users |= {_owner(obj) for obj in session.deleted if _lost_rights(obj, True)}
    users.discard(None)
    pending = session.info.setdefault(_PENDING_KEY, set())
    for user_id in sorted(users - pending):
        pending.add(user_id)
        record_revocation(session, user_id=user_id)


def _forget(session: Session, *_args) -> None:
    """after_commit / after_soft_rollback: the next transaction records its own revocations."""
    session.info.pop(_PENDING_KEY, None)


_LISTENERS = (("before_flush", _watch_rights), ("after_commit", _forget), ("after_soft_rollback", _forget))


def register_listeners() -> None:
    """Watch every ORM session for changes that take access away (for every SQLAlchemy session).

    Guarantees: a flush that disables, deletes or re-roles an account, changes its session version (a new password),
    or changes or removes a registration, a speaker place or a place on an exchange's team adds one `AccessRevocation` row per person to the same
    transaction (a rollback drops it); every server process's watcher then closes that person's live sockets,
    outside any transaction or lock. Called by `create_app`; registering again is harmless.
    """
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# --- the watcher: one task per server process -----------------------------------------------------------------

@dataclass
class Cursor:
    """What one watcher has read: the highest id, and the rows seen lately (ids may commit out of order)."""

    last_id: int = 0
    seen: dict[tuple[int, str], float] = field(default_factory=dict)

    def take(self, rows, *, node: str) -> tuple[set[int], set[str]]:
        """Return whom the rows not seen before revoke (skipping this process's own), and remember them."""
        users: set[int] = set()
        logins: set[str] = set()
        now = time.monotonic()
        for row in rows:
            key = (row.id, row.at.isoformat())  # ids restart when a test empties the table; the time tells
            self.last_id = max(self.last_id, row.id)
            if key in self.seen:
                continue
            self.seen[key] = now
            if row.origin == node:  # closed at once by this process's after-commit wake-up
                continue
            if row.user_id is not None:
                users.add(row.user_id)
            if row.login:
                logins.add(row.login)
        horizon = now - 2 * LOOKBACK.total_seconds()
        for key in [k for k, at in self.seen.items() if at < horizon]:
            del self.seen[key]
        return users, logins


def read_revocations(cursor: Cursor, *, now: datetime, node: str = NODE) -> tuple[set[int], set[str]]:
    """Read the rows after the cursor (or recent), end the read transaction, and return whom they revoke."""
    R = AccessRevocation
    try:
        rows = db.session.execute(select(R.id, R.user_id, R.login, R.origin, R.at)
                                  .where(or_(R.id > cursor.last_id, R.at > now - LOOKBACK)).order_by(R.id)).all()
    finally:
        db.session.rollback()  # no transaction stays open while sockets are closed
    return cursor.take(rows, node=node)


def start_cursor(*, since: datetime) -> Cursor:
    """A cursor past the rows written before `since` (the watcher's start): they concern no connection of ours."""
    R = AccessRevocation
    cursor = Cursor()
    try:
        rows = db.session.execute(select(R.id, R.user_id, R.login, R.origin, R.at).where(R.at <= since)
                                  .order_by(R.id.desc()).limit(1)).all()
        rows += db.session.execute(select(R.id, R.user_id, R.login, R.origin, R.at)
                                   .where(R.at > since - LOOKBACK, R.at <= since)).all()
    finally:
        db.session.rollback()
    cursor.take(rows, node=NODE)
    return cursor


def delete_old_revocations(*, now: datetime, keep: timedelta = KEEP) -> int:
    """Delete the rows older than `keep` (every process may; a row is read within seconds of its commit)."""
    R = AccessRevocation
    try:
        gone = db.session.execute(delete(R).where(R.at < now - keep)).rowcount
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return gone or 0


class Watcher:
    """This process's watcher task: closes the sockets of revoked people and logins, outside any transaction."""

    def __init__(self) -> None:
        self.started = False
        self.lock = threading.Lock()
        self.wakeups: queue.SimpleQueue = queue.SimpleQueue()

    def start(self, app) -> bool:
        """Start the task once per process (server start-up, or the first live connection); True if it started.

        Does no I/O itself, so it may be called from a connect handler.
        """
        with self.lock:
            if self.started:
                return False
            self.started = True
        socketio.start_background_task(self._run, app, utcnow())
        return True

    def wake(self, *, users: set[int], logins: set[str]) -> None:
        """Close these people's and logins' sockets now (after a commit of this process; never blocks)."""
        if self.started and (users or logins):  # without a watcher this process holds no live connections
            self.wakeups.put((frozenset(users), frozenset(logins)))

    def _wait(self, seconds: float) -> tuple[set[int], set[str]]:
        users: set[int] = set()
        logins: set[str] = set()
        try:
            first = self.wakeups.get(timeout=seconds)
        except queue.Empty:
            return users, logins
        while True:
            users |= first[0]
            logins |= first[1]
            try:
                first = self.wakeups.get_nowait()
            except queue.Empty:
                return users, logins

    def _run(self, app, started_at: datetime) -> None:
        every = float(app.config.get("ACCESS_POLL_SECONDS", POLL_SECONDS))
        keep = timedelta(seconds=float(app.config.get("ACCESS_KEEP_SECONDS", KEEP.total_seconds())))
        cursor: Cursor | None = None
        next_sweep = time.monotonic() + SWEEP_SECONDS
        next_read = time.monotonic()
        while True:
            users, logins = self._wait(max(next_read - time.monotonic(), 0.0))
            if time.monotonic() >= next_read:
                next_read = time.monotonic() + every
                try:
                    with app.app_context():
                        now = utcnow()
                        if cursor is None:
                            cursor = start_cursor(since=started_at)
                        more_users, more_logins = read_revocations(cursor, now=now)
                        users, logins = users | more_users, logins | more_logins
                        if time.monotonic() >= next_sweep:
                            next_sweep = time.monotonic() + SWEEP_SECONDS
                            delete_old_revocations(now=now, keep=keep)
                except Exception:  # the next round reads again from the same cursor
                    log.exception("live access watcher: reading revocations failed")
            if users or logins:
                # Outside the app context: each disconnect handler gets its own context and database session.
                try:
                    closed = close_connections(users=users, logins=logins)
                except Exception:
                    log.exception("live access watcher: closing connections failed")
                else:
                    if closed:
                        log.info("live: closed %d connection(s) whose access was revoked", closed)


watcher = Watcher()


def start_watcher(app) -> bool:
    """Start this process's access watcher unless it runs already (server start-up, first live connection)."""
    return watcher.start(app)
