"""An exchange's team: the organizers who run it (with administrators, who run every exchange).

The organizer who creates an exchange is its first member (`stage_add_creator`, in the creating transaction: the
form, program import, the demo); members add co-organizers among active organizer and administrator accounts
(`add_team_member`, which emails the new member after the commit) and remove them (`remove_team_member`), never
the last one who can still act. What a member may do is asked as `can(user, "exchange.manage", exchange)`
(`permissions.runs_exchange`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Conflict, Invalid, NotFound
from ..extensions import db
from . import notify
from .models import Exchange, ExchangeTeamMember
from .registrations import lock_exchange

TEAM_ROLES = ("organizer", "admin")


def _may_join_team(user: User | None) -> bool:
    return user is not None and not user.disabled and user.role in TEAM_ROLES


def stage_add_creator(exchange: Exchange, creator: User | None) -> None:
    """Put the exchange's creator on its team (no commit: the creating use case commits). Nobody else, and no
    account that cannot be on a team (the command line creates with no actor: the team stays empty)."""
    if _may_join_team(creator) and not any(m.user_id == creator.id for m in exchange.team):
        exchange.team.append(ExchangeTeamMember(user=creator, added_by=creator))


def team_of(exchange: Exchange) -> list[ExchangeTeamMember]:
    """Return the exchange's team, in the order people joined it (for the exchange's own organizer page)."""
    return list(db.session.scalars(select(ExchangeTeamMember).where(ExchangeTeamMember.exchange_id == exchange.id)
                                   .order_by(ExchangeTeamMember.added_at, ExchangeTeamMember.id)))


def team_candidates(exchange: Exchange) -> list[User]:
    """Return the active organizer and administrator accounts not on the team yet (the add form's choices)."""
    on_team = select(ExchangeTeamMember.user_id).where(ExchangeTeamMember.exchange_id == exchange.id)
    return list(db.session.scalars(select(User).where(User.role.in_(TEAM_ROLES), User.disabled.is_(False),
                                                      User.id.not_in(on_team)).order_by(User.name, User.id)))


def add_team_member(exchange: Exchange, *, actor: User, user_id: int) -> ExchangeTeamMember:
    """Add a co-organizer to the exchange's team (a team action); they are emailed the link after the commit."""
    permissions.require(actor, "exchange.manage", exchange)
    user = db.session.get(User, user_id)
    if not _may_join_team(user):
        raise Invalid(_l("Choose an active organizer account from the list."), field="user_id")
    lock_exchange(exchange.id)  # one change of the team at a time (the last member stays)
    if db.session.scalar(select(ExchangeTeamMember.id).where(ExchangeTeamMember.exchange_id == exchange.id,
                                                             ExchangeTeamMember.user_id == user.id)) is not None:
        raise Conflict(_l("%(name)s is already on the team.", name=user.name))
    member = ExchangeTeamMember(exchange=exchange, user=user, added_by=actor)
    db.session.add(member)
    db.session.flush()
    notify.added_to_team(member)
    db.session.commit()
    return member


def get_team_member(exchange: Exchange, user_id: int) -> ExchangeTeamMember:
    """Return the team member of `exchange` who is `user_id`, or raise NotFound."""
    member = db.session.scalar(select(ExchangeTeamMember).where(ExchangeTeamMember.exchange_id == exchange.id,
                                                                ExchangeTeamMember.user_id == user_id))
    if member is None:
        raise NotFound(_l("That person is not on this exchange's team."))
    return member


def remove_team_member(exchange: Exchange, *, actor: User, user_id: int) -> None:
    """Take a member off the team (themselves too); the last member who can still act stays. Their open live-room
    connections close (`live.access` watches team rows) and they no longer run the exchange."""
    permissions.require(actor, "exchange.manage", exchange)
    lock_exchange(exchange.id)  # two removals at once cannot leave the team empty
    member = get_team_member(exchange, user_id)
    others = [m for m in team_of(exchange) if m.id != member.id]
    if not any(_may_join_team(m.user) for m in others):
        raise Conflict(_l("%(name)s is the last organizer on this exchange's team. Add another organizer first.",
                          name=member.user.name))
    db.session.delete(member)
    db.session.commit()
