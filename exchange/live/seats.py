"""Who may be in a live room and in which role, and the Socket.IO rooms each seat listens to.

A person's role in a room comes from one rule (`room_role`, one query), which the socket join, the snapshot, every
moderation event, the summary and the transcript all ask through `get_seat` or the `live.*` rules:
- a speaker of THIS session who has accepted, as host or moderator: that role (they see who asked anonymously);
- the exchange's team (`exchanges.permissions.team_clause`) and administrators: moderator, and they host (open
  and close the room) too;
- an accepted panelist: panelist;
- a speaker invited but not yet accepted (any role), or a person holding a seat in the exchange: participant;
- anybody else, other organizers included: no seat.
The permission rules `live.join`, `live.moderate` and `live.export` (the transcript: the people who ran the
session) are this module's: the app factory adds them to `common.permissions` (`register_rules`) so that
templates and views ask `can(user, "live.join", session)` like any other rule, and the shared package never asks the
live room.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, exists, literal, select

from ..common import permissions
from ..common.errors import Forbidden, NotFound
from ..common.permissions import is_admin, is_organizer, is_signed_in
from ..common.realtime import LIVE_NAMESPACE
from ..exchanges.models import CHAIRING, Exchange, ExchangeSession, Registration, SessionSpeaker
from ..exchanges.permissions import team_clause
from ..extensions import db
from .models import RoomRole

NAMESPACE = LIVE_NAMESPACE
MODERATOR_ROLES = CHAIRING  # accepted hosts and moderators of the session; and the exchange's team


@dataclass(frozen=True)
class Seat:
    """A person's place in one room: the session, who they are and their room role."""

    session: ExchangeSession
    user: Any
    role: RoomRole
    runs: bool = False  # on the exchange's team, or an administrator

    @property
    def moderates(self) -> bool:
        return self.role.moderates

    @property
    def hosts(self) -> bool:
        return self.role == RoomRole.HOST or self.runs


def _speaker(user: Any, session: ExchangeSession, status: str) -> Any:
    """The speaker rows of `user` at `session` with `status` (a subquery of the caller's one query)."""
    return select(SessionSpeaker.role).where(SessionSpeaker.session_id == session.id,
                                             SessionSpeaker.user_id == user.id, SessionSpeaker.status == status)


def _holds_seat(user: Any, session: ExchangeSession) -> ColumnElement[bool]:
    """EXISTS: `user` holds a seat in `session`'s exchange."""
    return exists(select(Registration.id).where(Registration.exchange_id == session.exchange_id,
                                                Registration.user_id == user.id, Registration.holds_seat))


def _place(user: Any, session: ExchangeSession) -> tuple[RoomRole | None, bool]:
    """Return `user`'s role in `session`'s room and whether they run its exchange, in one query (module docstring)."""
    if not is_signed_in(user):
        return None, False
    team = team_clause(user, session.exchange_id) if is_organizer(user) and not is_admin(user) else None
    accepted, invited, on_team, seated = db.session.execute(select(
        _speaker(user, session, "accepted").scalar_subquery(),
        exists(_speaker(user, session, "invited")),
        team if team is not None else literal(False),
        _holds_seat(user, session))).one()
    runs = is_admin(user) or bool(on_team)
    if accepted in MODERATOR_ROLES:
        return RoomRole(accepted), runs
    if runs:
        return RoomRole.MODERATOR, True
    if accepted:
        return RoomRole(accepted), False
    return (RoomRole.PARTICIPANT if invited or seated else None), False


def room_role(user: Any, session: ExchangeSession) -> RoomRole | None:
    """Return `user`'s role in `session`'s room (host, moderator, panelist, participant) or None, in one query."""
    return _place(user, session)[0]


def may_join(user: Any, session: ExchangeSession | None) -> bool:
    """Tell whether `user` has a role in `session`'s room (`room_role`), in at most one query."""
    return session is not None and room_role(user, session) is not None


def may_moderate(user: Any, session: ExchangeSession | None) -> bool:
    """Tell whether `user` moderates `session`'s room (`room_role`), in at most one query: its accepted hosts and
    moderators, the exchange's team and administrators. They are also the people who may export its transcript."""
    role = room_role(user, session) if session is not None else None
    return role is not None and role.moderates


def get_seat(session_id: int, *, actor: Any) -> Seat:
    """Return the actor's seat in a room, or raise NotFound/Forbidden with a message they can act on."""
    session = db.session.get(ExchangeSession, session_id)
    if session is None:
        raise NotFound(_l("There is no such session."))
    role, runs = _place(actor, session)
    if role is None:
        exchange: Exchange = session.exchange
        if not is_signed_in(actor):
            raise Forbidden(_l("Log in to join this room."))
        if exchange.status == "published" and exchange.visibility == "public":
            raise Forbidden(_l("Register for “%(title)s” to join its live room.", title=exchange.title))
        raise NotFound(_l("There is no such session."))  # private exchanges: missing and forbidden look alike
    return Seat(session=session, user=actor, role=role, runs=runs)


def require_moderator(seat: Seat) -> None:
    """Raise Forbidden unless the seat moderates the room."""
    if not seat.moderates:
        raise Forbidden(_l("Only the room's hosts and moderators can do that."))


def require_host(seat: Seat) -> None:
    """Raise Forbidden unless the seat hosts the room (its accepted hosts, the exchange's team, administrators)."""
    if not seat.hosts:
        raise Forbidden(_l("Only the session's hosts and the exchange's organizers can open or close the room."))


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
    """Add the `live.join`, `live.moderate` and `live.export` rules to `common.permissions` (the app factory).

    Guarantees: once an app is made, `can()` answers them from the person's role in the room (`room_role`), one
    query per check; `live.export` (the transcript) is the room's moderators: the people who ran the session.
    Before, they are unknown and so refused. Adding them again changes nothing.
    """
    permissions.add_rules({"live.join": may_join, "live.moderate": may_moderate, "live.export": may_moderate})
