"""Who may be in a live room and in which role, and the Socket.IO rooms each seat listens to.

A person's role in a room comes from the session's speakers (host, moderator, panelist), the organizers (who
moderate every room) and the exchange's registrations (participants). The permission rules `live.join` and
`live.moderate` are this module's: the app factory adds them to `common.permissions` (`register_rules`) so that
templates and views ask `can(user, "live.join", session)` like any other rule, and the shared package never asks the
live room.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, or_, select

from ..common import permissions
from ..common.errors import Forbidden, NotFound
from ..common.permissions import is_organizer, is_signed_in
from ..common.realtime import LIVE_NAMESPACE
from ..exchanges.models import CHAIRING, Exchange, ExchangeSession, Registration, SessionSpeaker
from ..extensions import db
from .models import RoomRole

NAMESPACE = LIVE_NAMESPACE
MODERATOR_ROLES = CHAIRING  # and organizers, who moderate every room


@dataclass(frozen=True)
class Seat:
    """A person's place in one room: the session, who they are and their room role."""

    session: ExchangeSession
    user: Any
    role: RoomRole

    @property
    def moderates(self) -> bool:
        return self.role.moderates

    @property
    def hosts(self) -> bool:
        return self.role == RoomRole.HOST or is_organizer(self.user)


def _speaks(user: Any, session: ExchangeSession, *criteria: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS: `user` speaks at `session` (and has not declined)."""
    return exists(select(SessionSpeaker.id).where(SessionSpeaker.session_id == session.id,
                                                  SessionSpeaker.user_id == user.id,
                                                  SessionSpeaker.status != "declined", *criteria))


def _holds_seat(user: Any, session: ExchangeSession) -> ColumnElement[bool]:
    """EXISTS: `user` holds a seat in `session`'s exchange."""
    return exists(select(Registration.id).where(Registration.exchange_id == session.exchange_id,
                                                Registration.user_id == user.id, Registration.holds_seat))


def room_role(user: Any, session: ExchangeSession) -> RoomRole | None:
    """Return `user`'s role in `session`'s room (host, moderator, panelist, participant) or None."""
    if not is_signed_in(user):
        return None
    speaker = db.session.scalar(select(SessionSpeaker.role).where(
        SessionSpeaker.session_id == session.id, SessionSpeaker.user_id == user.id,
        SessionSpeaker.status != "declined"))
    if speaker in MODERATOR_ROLES:
        return RoomRole(speaker)
    if is_organizer(user):
        return RoomRole.MODERATOR  # organizers moderate every room
    if speaker:
        return RoomRole(speaker)
    return RoomRole.PARTICIPANT if db.session.scalar(select(_holds_seat(user, session))) else None


def may_join(user: Any, session: ExchangeSession | None) -> bool:
    """Tell whether `user` has a role in `session`'s room (as `room_role` would), in at most one query."""
    if session is None or not is_signed_in(user):
        return False
    if is_organizer(user):
        return True
    return bool(db.session.scalar(select(or_(_speaks(user, session), _holds_seat(user, session)))))


def may_moderate(user: Any, session: ExchangeSession | None) -> bool:
    """Tell whether `user` moderates `session`'s room (as `room_role` would), in at most one query."""
    if session is None or not is_signed_in(user):
        return False
    if is_organizer(user):
        return True
    return bool(db.session.scalar(select(_speaks(user, session, SessionSpeaker.role.in_(MODERATOR_ROLES)))))


def get_seat(session_id: int, *, actor: Any) -> Seat:
    """Return the actor's seat in a room, or raise NotFound/Forbidden with a message they can act on."""
    session = db.session.get(ExchangeSession, session_id)
    if session is None:
        raise NotFound(_l("There is no such session."))
    role = room_role(actor, session)
    if role is None:
        exchange: Exchange = session.exchange
        if not is_signed_in(actor):
            raise Forbidden(_l("Log in to join this room."))
        if exchange.status == "published" and exchange.visibility == "public":
            raise Forbidden(_l("Register for “%(title)s” to join its live room.", title=exchange.title))
        raise NotFound(_l("There is no such session."))  # private exchanges: missing and forbidden look alike
    return Seat(session=session, user=actor, role=role)


def require_moderator(seat: Seat) -> None:
    """Raise Forbidden unless the seat moderates the room."""
    if not seat.moderates:
        raise Forbidden(_l("Only the room's hosts and moderators can do that."))


def require_host(seat: Seat) -> None:
    """Raise Forbidden unless the seat hosts the room (hosts and organizers)."""
    if not seat.hosts:
        raise Forbidden(_l("Only the session's hosts and organizers can open or close the room."))


# --- Socket.IO rooms --------------------------------------------------------------------------------------------


def everyone_room(session_id: int) -> str:
    return f"live:{session_id}"


def moderators_room(session_id: int) -> str:
    return f"live:{session_id}:mods"


def people_room(session_id: int) -> str:
    return f"live:{session_id}:people"


def person_room(session_id: int, user_id: int) -> str:
    return f"live:{session_id}:user:{user_id}"


def rooms_for(seat: Seat) -> list[str]:
    """Return the Socket.IO rooms a seat listens to (moderators hear everything in full)."""
    sid = seat.session.id
    if seat.moderates:
        return [everyone_room(sid), moderators_room(sid)]
    return [everyone_room(sid), people_room(sid), person_room(sid, seat.user.id)]


def register_rules() -> None:
    """Add the `live.join` and `live.moderate` rules to `common.permissions` (the app factory).

    Guarantees: once an app is made, `can()` answers them from the person's role in the room (`room_role`), one
    EXISTS query per check; before, they are unknown and so refused. Adding them again changes nothing.
    """
    permissions.add_rules({"live.join": may_join, "live.moderate": may_moderate})
