"""Keep live-room connections in step with people's rights: evict sockets when a right is lost.

Every event already re-checks the person's seat (services.get_seat), so a removed person is refused at once.
On top of that, their open connections are closed once the change that removed them is committed:
- a change of account (disabled, role, session version) or of a place in an exchange (registration status,
  speaker role or status, removal) closes every socket of that person;
- logging out closes the sockets opened with that login (the `_login` nonce of the session).
The browser client reconnects and re-joins; the join decides anew with the current rights.

A SQLAlchemy `before_flush` hook notices the changes, so no feature service has to remember to call this;
the disconnects leave through `common.realtime.on_commit`, so a rolled-back change evicts nobody.
Sockets are found in this process's rooms; on a multi-process deployment the per-event check refuses the
others (see SECURITY.md).
"""

from __future__ import annotations

import logging

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..common.realtime import on_commit, sending

log = logging.getLogger(__name__)
NAMESPACE = "/live"
_WATCHED = {
    "User": ("disabled", "role", "session_version"),
    "Registration": ("status", "exchange_id", "user_id"),
    "SessionSpeaker": ("role", "status", "session_id", "user_id"),
}


def user_room(user_id: int) -> str:
    """The Socket.IO room every connection of one person joins on connect."""
    return f"user:{user_id}"


def login_room(nonce: str) -> str:
    """The Socket.IO room of the connections opened with one login (one browser session)."""
    return f"login:{nonce}"


def disconnect_room(room: str) -> int:
    """Close every connection of this process that is in `room`; return how many were closed."""
    from ..extensions import socketio

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


def evict_user(user_id: int) -> int:
    """Close every live-room connection of one person (in this process)."""
    return disconnect_room(user_room(user_id))


def _owner(obj) -> int | None:
    name = type(obj).__name__
    if name == "User":
        return obj.id
    if name in ("Registration", "SessionSpeaker"):
        # The old owner counts too when a row is moved to someone else.
        history = inspect(obj).attrs.user_id.history
        return obj.user_id if not history.deleted else history.deleted[0]
    return None


def _lost_rights(obj, deleted: bool) -> bool:
    fields = _WATCHED.get(type(obj).__name__)
    if not fields:
        return False
    if deleted:
        return True
    state = inspect(obj)
    return state.persistent and any(state.attrs[f].history.has_changes() for f in fields)


@event.listens_for(Session, "before_flush")
def _watch_rights(session: Session, _context, _instances) -> None:
    users = {_owner(obj) for obj in session.dirty if _lost_rights(obj, False)}
    users |= {_owner(obj) for obj in session.deleted if _lost_rights(obj, True)}
    users.discard(None)
    pending = session.info.setdefault("live_evict", set())
    for user_id in users - pending:
        pending.add(user_id)
        on_commit(session, lambda uid=user_id: evict_user(uid))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *_args) -> None:
    session.info.pop("live_evict", None)
