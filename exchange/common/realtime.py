"""Run side effects (Socket.IO events, outbox wake-ups) only after the transaction commits.

Services call `on_commit(fn)` or `emit_after_commit(...)` inside their transaction; the callbacks run
once the session commits and are dropped on rollback, so nobody hears of a change that did not happen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
_KEY = "exchange_after_commit"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Queue `callback` to run after `session` commits (dropped on rollback)."""
    session.info.setdefault(_KEY, []).append(callback)


def emit_after_commit(session: Session, event_name: str, data: dict, *, room: str | None = None,
                      namespace: str = "/live", to: str | None = None) -> None:
    """Queue a Socket.IO emit that is sent only after `session` commits."""
    from ..extensions import socketio

    def send() -> None:
        socketio.emit(event_name, data, to=to or room, namespace=namespace)

    on_commit(session, send)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a failed side effect must not undo or hide a committed change
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # only the outermost rollback ends the unit of work
        session.info.pop(_KEY, None)
