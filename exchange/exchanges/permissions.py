"""Who may run, see and join an exchange: the `exchange.*` rules that need the exchanges' own rows.

Each exchange is run by its team (`ExchangeTeamMember`: the organizer who created it and the co-organizers they
added) and by administrators; other organizers see and join it as anyone else would. A team member counts only
while their account is an active organizer (or administrator): `runs_exchange`, and `team_clause` for rules of
other features (the live room's moderators, follow-ups, reports) that ask it inside their own query.

Each rule asks the database one question (an EXISTS query) instead of loading every registration, invitation
and speaker of the exchange, so a page can ask it once per exchange or session in a list. The app factory adds
them to `common.permissions` (`register_rules`), so views, templates and services ask
`can(user, "exchange.view", exchange)` like any other.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from ..common import permissions
from ..common.permissions import is_admin, is_organizer, is_signed_in
from ..extensions import db
from .models import Exchange, ExchangeSession, ExchangeTeamMember, Invitation, Registration, SessionSpeaker

SPEAKING = ("invited", "accepted")  # a speaker who declined sees and joins no more than anyone else


def _ask(condition: ColumnElement[bool]) -> bool:
    """Answer one yes/no question in one query."""
    return bool(db.session.scalar(select(condition)))


def team_clause(user: Any, exchange_id: Any) -> ColumnElement[bool]:
    """EXISTS: `user` is on the team of the exchange `exchange_id` (a value or a column of the caller's query).

    Ask it only for an active organizer (`is_organizer`); administrators run every exchange without a row.
    """
    return exists(select(ExchangeTeamMember.id).where(ExchangeTeamMember.exchange_id == exchange_id,
                                                      ExchangeTeamMember.user_id == user.id))


def runs_exchange(user: Any, exchange: Exchange | None) -> bool:
    """Tell whether `user` runs `exchange`: an administrator, or an active organizer on its team (one query)."""
    if exchange is None or not is_organizer(user):
        return False
    return is_admin(user) or _ask(team_clause(user, exchange.id))


def _runs(user: Any, exchange: Exchange) -> ColumnElement[bool] | None:
    """The team question inside another rule's query: None when `user` cannot be on a team (not an organizer)."""
    return team_clause(user, exchange.id) if is_organizer(user) else None


def _either(*conditions: ColumnElement[bool] | None) -> ColumnElement[bool]:
    return or_(*[c for c in conditions if c is not None])


def _speaks(user: Any, exchange: Exchange, statuses: tuple[str, ...] | None = SPEAKING) -> ColumnElement[bool]:
    """EXISTS: `user` is a speaker of one of the exchange's sessions (in `statuses`; None: any status)."""
    query = (select(SessionSpeaker.id).join(ExchangeSession, ExchangeSession.id == SessionSpeaker.session_id)
             .where(ExchangeSession.exchange_id == exchange.id, SessionSpeaker.user_id == user.id))
    if statuses is not None:
        query = query.where(SessionSpeaker.status.in_(statuses))
    return exists(query)


def _registered(user: Any, exchange: Exchange, *criteria: ColumnElement[bool]) -> ColumnElement[bool]:
    """EXISTS: `user` has a registration for the exchange (meeting `criteria`)."""
    return exists(select(Registration.id).where(Registration.exchange_id == exchange.id,
                                                Registration.user_id == user.id, *criteria))


def _invited(user: Any, exchange: Exchange) -> ColumnElement[bool]:
    """EXISTS: an invitation to the exchange names `user` (by account, or by their address once it is proven)."""
    names = Invitation.user_id == user.id
    if user.email_verified:
        names = or_(names, Invitation.email == user.email)
    return exists(select(Invitation.id).where(Invitation.exchange_id == exchange.id, names))


def can_view_exchange(user: Any, exchange: Exchange | None) -> bool:
    """Public exchanges once published; drafts to their team and speakers; invite-only ones to their people."""
    if exchange is None:
        return False
    if is_admin(user):
        return True
    if exchange.status != "draft" and exchange.visibility == "public":
        return True
    if not is_signed_in(user):
        return False
    if exchange.status == "draft":
        return _ask(_either(_runs(user, exchange), _speaks(user, exchange)))
    return _ask(_either(_runs(user, exchange), _speaks(user, exchange), _registered(user, exchange),
                        _invited(user, exchange)))


def can_join_exchange(user: Any, exchange: Exchange | None) -> bool:
    """The joining link is for people holding a seat, speakers and the exchange's team only."""
    if exchange is None or not is_signed_in(user):
        return False
    if is_admin(user):
        return True
    if exchange.status != "published":
        return _ask(_either(_runs(user, exchange), _speaks(user, exchange)))
    return _ask(_either(_runs(user, exchange), _speaks(user, exchange),
                        _registered(user, exchange, Registration.holds_seat)))


def may_see_exchange_calendar(user: Any, exchange: Exchange) -> bool:
    """Tell whether `user` may download `exchange`'s calendar: anyone for a published public one;
    otherwise its team, the people registered (not cancelled, once it is published) and its speakers."""
    if exchange.visibility == "public" and exchange.status in ("published", "cancelled"):
        return True
    if is_admin(user):
        return True
    if not is_signed_in(user):
        return False
    registered = _registered(user, exchange, Registration.active)
    if exchange.status == "draft":  # a registration of a draft (unpublished again) shows nothing, even to a speaker
        return _ask(_either(_runs(user, exchange), and_(not_(registered), _speaks(user, exchange, None))))
    return _ask(_either(_runs(user, exchange), registered, _speaks(user, exchange, None)))


def may_register(user: Any, exchange: Exchange | None) -> bool:
    """Anyone signed in who may see the exchange may ask to register (the service checks the rest)."""
    return is_signed_in(user) and can_view_exchange(user, exchange)


def register_rules() -> None:
    """Add the `exchange.manage`, `.view`, `.join`, `.register` and `.calendar` rules to `common.permissions` (the app
    factory). `exchange.manage` (edit, publish, cancel, sessions, speakers, registrations, invitations, the team) is
    the exchange's team and administrators (`runs_exchange`); asked without an exchange it is refused.

    Guarantees: once an app is made, `can()` answers these actions from the exchange's own rows, one EXISTS query
    per check; before, they are unknown and so refused. Adding them again (several apps in one process) changes
    nothing.
    """
    permissions.add_rules({
        "exchange.manage": runs_exchange,
        "exchange.view": can_view_exchange,
        "exchange.join": can_join_exchange,
        "exchange.register": may_register,
        "exchange.calendar": may_see_exchange_calendar,
    })
