"""Socket.IO handlers of the live room, namespace `/live` (the protocol: docs/live-protocol.md).

Each handler parses its payload strictly, calls one service with the logged-in person (the Flask login cookie
of the connection) and returns the ack: `{"ok": true, ...}` or `{"ok": false, "error": {"code", "message"}}`.
Room events reach clients as `room.event` and `presence`, emitted by the services after their commit.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask import session as flask_session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_socketio import join_room, leave_room

from ..common import realtime
from ..common.errors import DomainError, Invalid
from ..common.queue import ExchangeRedisManager
from ..extensions import db, socketio
from . import access, roomlock, services
from .delivery import first_delivery, ledger

log = logging.getLogger(__name__)
NS = services.NAMESPACE
MAX_LIST = 50
HEARTBEAT_SECONDS = 30
_heartbeat = {"started": False, "lock": threading.Lock()}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# Field kinds: name -> test of a present value. Bodies are plain strings here; their length rules live in services.
KINDS: dict[str, Callable[[Any], bool]] = {
    "id": lambda v: _is_int(v) and 0 < v < 2**31,
    "int": lambda v: _is_int(v) and -(2**31) < v < 2**31,
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "ids": lambda v: isinstance(v, list) and len(v) <= MAX_LIST and all(_is_int(x) and 0 < x < 2**31 for x in v),
    "strs": lambda v: isinstance(v, list) and len(v) <= MAX_LIST and all(isinstance(x, str) for x in v),
}


def parse(payload: Any, spec: dict[str, str]) -> dict[str, Any]:
    """Check `payload` against `spec` ({name: kind, "name?": optional kind}) and return the known fields."""
    if not isinstance(payload, dict):
        raise Invalid(_l("The payload must be an object."))
    values: dict[str, Any] = {}
    for key, kind in spec.items():
        name = key.rstrip("?")
        value = payload.get(name)
        if value is None:
            if not key.endswith("?"):
                raise Invalid(_l("“%(field)s” is missing.", field=name), field=name)
            values[name] = None
        elif not KINDS[kind](value):
            raise Invalid(_l("“%(field)s” has the wrong type or range.", field=name), field=name)
        else:
            values[name] = value
    return values


def _answer(payload: Any, extra: tuple, spec: dict[str, str], call: Callable[[dict], dict]) -> dict:
    """Run one client event: authenticate, parse, call the service, and turn the outcome into an ack."""
    if not current_user.is_authenticated:
        return {"ok": False, "error": {"code": "unauthenticated", "message": _("Log in to use the live room.")}}
    try:
        if extra:
            raise Invalid(_l("Send one payload object per event."))
        return {"ok": True, **call(parse(payload, spec))}
    except DomainError as exc:
        db.session.rollback()
        return exc.as_ack()
    except Exception:  # the person gets an answer; the details go to the log
        log.exception("live event %s failed", getattr(request, "event", {}).get("message"))
        db.session.rollback()
        return {"ok": False, "error": {"code": "internal", "message": _("Something went wrong on our side. Try again.")}}


def _me():
    """Return the logged-in person itself, not Flask-Login's proxy (services may keep a reference)."""
    return current_user._get_current_object()


def _join(rooms: list[str]) -> None:
    for room in rooms:
        join_room(room)


def _leave(rooms: list[str]) -> None:
    for room in rooms:
        leave_room(room)


def _refresh_presence_forever(app) -> None:
    while True:
        socketio.sleep(HEARTBEAT_SECONDS)
        try:
            with app.app_context():
                services.refresh_presence()
        except Exception:  # the next beat tries again
            log.exception("live presence refresh failed")


def _repair_forever(app, manager) -> None:
    every = float(app.config.get("LIVE_REPAIR_SECONDS", 1.0))
    grace = float(app.config.get("LIVE_REPAIR_GRACE", 2.0))
    while True:
        socketio.sleep(every)
        try:
            with app.app_context():
                if made := services.repair_deliveries(manager=manager, grace=grace):
                    log.warning("live: delivered %d stored events that never came over the queue", made)
        except Exception:  # the next round tries again
            log.exception("live delivery repair failed")


def _watch_locks_forever(app) -> None:
    every = float(app.config.get("LIVE_LOCK_WARN_SECONDS", 3.0))
    while True:
        socketio.sleep(max(0.5, every / 2))
        try:
            roomlock.report_stuck(every)
        except Exception:  # the next round tries again
            log.exception("live lock watch failed")


def _start_heartbeat() -> None:
    """Keep this process's presence rows fresh, watch its room locks, and with a message queue keep its
    deliveries complete (once per process)."""
    access.start_watcher(current_app._get_current_object())  # no-op once started; closes revoked sockets
    with _heartbeat["lock"]:
        if not _heartbeat["started"]:
            _heartbeat["started"] = True
            app = current_app._get_current_object()
            socketio.start_background_task(_refresh_presence_forever, app)
            socketio.start_background_task(_watch_locks_forever, app)
            manager = socketio.server.manager
            if isinstance(manager, ExchangeRedisManager):
                manager.emit_filter = first_delivery
                ledger.enabled = True
                socketio.start_background_task(_repair_forever, app, manager)


@socketio.on("connect", namespace=NS)
def on_connect(auth=None):
    """Any page of this site may connect (the Origin is checked by Engine.IO: same origin only).

    A cookie of a login that ended (logged out, logged out everywhere, a new password, a disabled account) or
    expired is refused: it names a login the server no longer knows. Every event then checks the person behind
    the login cookie again and acks. A logged-in connection joins its person's room and its login's room, so
    losing a right or logging out closes it (live/access.py).
    """
    if not current_user.is_authenticated and "_user_id" in flask_session:  # (loading it may have set the id)
        return False
    _start_heartbeat()
    if current_user.is_authenticated:
        join_room(access.user_room(current_user.id))
        join_room(access.login_room(str(current_user.login_id)))
    return True


def _forget_connection(app, sid: str) -> None:
    """Drop a closed connection's presence, in an app context (and database session) of its own."""
    try:
        with app.app_context():
            services.drop_presence(sid=sid)
    except Exception:  # a failed clean-up must not break the server's disconnect handling
        log.exception("live presence clean-up failed")


@socketio.on("disconnect", namespace=NS)
def on_disconnect(*_reason):
    """Forget the connection's presence; the rooms it was in get a new `presence` count.

    Engine.IO runs this on the spot when a send notices a client that stopped answering pings, i.e. inside
    someone else's emit (or eviction). Then it is handled later, on a task of its own, so it never comes back to
    a room its sender is writing to (common/realtime.py, rule 3); otherwise at once.
    """
    app = current_app._get_current_object()
    if realtime.busy():
        socketio.start_background_task(_forget_connection, app, request.sid)
    else:
        _forget_connection(app, request.sid)


@socketio.on("*", namespace=NS)
def on_unknown(event, *_args):
    """Any other event name: an error ack, so a client never waits for an answer that will not come."""
    return {"ok": False, "error": {"code": "unknown_event",
                                   "message": _("Unknown event “%(event)s”.", event=str(event)[:60])}}


@socketio.on("join", namespace=NS)
def on_join(payload=None, *extra):
    """Participant -> server: `{session_id, after_seq?}`.

    Ack `{ok, role, status, last_seq, snapshot}` without after_seq, `{..., events}` with it (the missed events
    this person may see, in order), or `{..., reset: true, snapshot}` past the replay limit. The connection then
    receives the room's `room.event`s and `presence`; everyone in the room gets the new `presence` count.
    """
    return _answer(payload, extra, {"session_id": "id", "after_seq?": "int"}, lambda p: services.join_room(
        p["session_id"], actor=_me(), sid=request.sid, after_seq=p["after_seq"], subscribe=_join))


@socketio.on("leave", namespace=NS)
def on_leave(payload=None, *extra):
    """Participant -> server: `{session_id}`. Ack `{ok}`; the room gets the new `presence` count."""
    return _answer(payload, extra, {"session_id": "id"}, lambda p: services.leave_room(
        p["session_id"], actor=_me(), sid=request.sid, unsubscribe=_leave))


@socketio.on("chat.send", namespace=NS)
def on_chat_send(payload=None, *extra):
    """Participant -> server: `{session_id, body, client_id}`. Ack `{ok, message, seq}`; everyone: chat.posted."""
    return _answer(payload, extra, {"session_id": "id", "body": "str", "client_id": "str"},
                   lambda p: services.send_chat(p["session_id"], actor=_me(), body=p["body"],
                                                client_id=p["client_id"]))


@socketio.on("chat.history", namespace=NS)
def on_chat_history(payload=None, *extra):
    """Anyone with a seat -> server: `{session_id, before_id?}`. Ack `{ok, messages, more}`: the 100 stored
    messages before message `before_id` (the newest 100 without it), oldest first, deleted ones left out as in
    the join snapshot; `more` tells whether older ones are stored. Nothing is sent to anyone else."""
    return _answer(payload, extra, {"session_id": "id", "before_id?": "id"},
                   lambda p: services.chat_history(p["session_id"], actor=_me(), before_id=p["before_id"]))


@socketio.on("chat.delete", namespace=NS)
def on_chat_delete(payload=None, *extra):
    """Moderator -> server: `{session_id, message_id}`. Ack `{ok, message_id, seq}`; everyone: chat.deleted."""
    return _answer(payload, extra, {"session_id": "id", "message_id": "id"},
                   lambda p: services.delete_chat(p["session_id"], actor=_me(), message_id=p["message_id"]))


@socketio.on("chat.mute", namespace=NS)
def on_chat_mute(payload=None, *extra):
    """Moderator -> server: `{session_id, user_id, minutes}` (0 lifts it). Ack `{ok, user_id, muted_until, seq}`;
    `mute.changed` to the moderators and that person only."""
    return _answer(payload, extra, {"session_id": "id", "user_id": "id", "minutes": "int"},
                   lambda p: services.mute_user(p["session_id"], actor=_me(), user_id=p["user_id"],
                                                minutes=p["minutes"]))


@socketio.on("question.ask", namespace=NS)
def on_question_ask(payload=None, *extra):
    """Participant -> server: `{session_id, body, anonymous, client_id}`. Ack `{ok, question, seq}`.

    Everyone gets question.asked, or only moderators and the author while the question is pending.
    """
    return _answer(payload, extra, {"session_id": "id", "body": "str", "anonymous": "bool", "client_id": "str"},
                   lambda p: services.ask_question(p["session_id"], actor=_me(), body=p["body"],
                                                   anonymous=p["anonymous"], client_id=p["client_id"]))


@socketio.on("question.vote", namespace=NS)
def on_question_vote(payload=None, *extra):
    """Participant -> server: `{session_id, question_id, value: 1|0}`. Ack `{ok, question_id, votes, voted, seq?}`."""
    return _answer(payload, extra, {"session_id": "id", "question_id": "id", "value": "int"},
                   lambda p: services.vote_question(p["session_id"], actor=_me(),
                                                    question_id=p["question_id"], value=p["value"]))


@socketio.on("question.moderate", namespace=NS)
def on_question_moderate(payload=None, *extra):
    """Moderator -> server: `{session_id, question_id, action, reason?, reason_code?, answer?}`. Ack
    `{ok, question, seq?}`. `reason_code` is a preset dismissal reason (duplicate, off_topic, answered_elsewhere,
    not_a_question, other), shown in each reader's language.

    Actions: approve, dismiss, answer, pin, unpin, reopen. Everyone (or, for a question never shown, moderators
    and the author) gets question.updated; a dismissal reason reaches only moderators and the author.
    """
    return _answer(payload, extra, {"session_id": "id", "question_id": "id", "action": "str", "reason?": "str",
                                    "reason_code?": "str", "answer?": "str"},
                   lambda p: services.moderate_question(p["session_id"], actor=_me(),
                                                        question_id=p["question_id"], action=p["action"],
                                                        reason=p["reason"], answer=p["answer"],
                                                        reason_code=p["reason_code"]))


@socketio.on("poll.open", namespace=NS)
def on_poll_open(payload=None, *extra):
    """Moderator -> server: `{session_id, prompt, options, multiple?, client_id?}`. Ack `{ok, poll, seq}`; everyone: poll.opened."""
    return _answer(payload, extra, {"session_id": "id", "prompt": "str", "options": "strs", "multiple?": "bool",
                                    "client_id?": "str"},
                   lambda p: services.open_poll(p["session_id"], actor=_me(), prompt=p["prompt"],
                                                options=p["options"], multiple=bool(p["multiple"]),
                                                client_id=p["client_id"]))


@socketio.on("poll.vote", namespace=NS)
def on_poll_vote(payload=None, *extra):
    """Participant -> server: `{session_id, poll_id, choices}`. Ack `{ok, poll_id, choices, poll, seq?}`; everyone: poll.updated."""
    return _answer(payload, extra, {"session_id": "id", "poll_id": "id", "choices": "ids"},
                   lambda p: services.vote_poll(p["session_id"], actor=_me(), poll_id=p["poll_id"],
                                                choices=p["choices"]))


@socketio.on("poll.close", namespace=NS)
def on_poll_close(payload=None, *extra):
    """Moderator -> server: `{session_id, poll_id}`. Ack `{ok, poll, seq?}`; everyone: poll.closed."""
    return _answer(payload, extra, {"session_id": "id", "poll_id": "id"},
                   lambda p: services.close_poll(p["session_id"], actor=_me(), poll_id=p["poll_id"]))


@socketio.on("hand.raise", namespace=NS)
def on_hand_raise(payload=None, *extra):
    """Participant -> server: `{session_id, raised}`. Ack `{ok, raised, seq?}`; moderators and the person: hand.changed."""
    return _answer(payload, extra, {"session_id": "id", "raised": "bool"},
                   lambda p: services.raise_hand(p["session_id"], actor=_me(), raised=p["raised"]))


@socketio.on("hand.lower", namespace=NS)
def on_hand_lower(payload=None, *extra):
    """Moderator -> server: `{session_id, user_id}`. Ack `{ok, user_id, raised: false, seq?}`; moderators and the person: hand.changed."""
    return _answer(payload, extra, {"session_id": "id", "user_id": "id"},
                   lambda p: services.lower_hand(p["session_id"], actor=_me(), user_id=p["user_id"]))


@socketio.on("room.open", namespace=NS)
def on_room_open(payload=None, *extra):
    """Host -> server: `{session_id}`. Ack `{ok, status, seq?}`; everyone: room.status."""
    return _answer(payload, extra, {"session_id": "id"},
                   lambda p: services.open_room(p["session_id"], actor=_me()))


@socketio.on("room.close", namespace=NS)
def on_room_close(payload=None, *extra):
    """Host -> server: `{session_id}`. Ack `{ok, status, seq?}`; open polls close; everyone: room.status (read-only)."""
    return _answer(payload, extra, {"session_id": "id"},
                   lambda p: services.close_room(p["session_id"], actor=_me()))
