"""Who may see an exchange's report and act on its follow-ups: the `reports.view`, `followup.*` rules.

An exchange's report and the follow-ups of its sessions belong to its team (and administrators), as the exchange
does (`exchanges.permissions`); the expert a follow-up is assigned to answers it. Asked without an object,
`reports.view` and `followup.assign` tell whether the person may open the pages at all (organizers): those pages
then list only the exchanges the person runs (`services.program_report`, `followups.list_follow_ups`).
The app factory adds the rules (`register_rules`); each asks at most one EXISTS query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..common import permissions
from ..common.permissions import is_admin, is_organizer, is_signed_in
from ..exchanges.models import ExchangeSession
from ..exchanges.permissions import runs_exchange, team_clause
from ..extensions import db


def runs_session_of(user: Any, follow_up: Any) -> bool:
    """Tell whether `user` runs the exchange of the follow-up's session (administrators, its team), in one query."""
    if follow_up is None or not is_organizer(user):
        return False
    if is_admin(user):
        return True
    exchange_id = select(ExchangeSession.exchange_id).where(ExchangeSession.id == follow_up.session_id).scalar_subquery()
    return bool(db.session.scalar(select(team_clause(user, exchange_id))))


def may_view_report(user: Any, exchange: Any) -> bool:
    """One exchange's report: its team and administrators; without an exchange: organizers (their own exchanges)."""
    return is_organizer(user) if exchange is None else runs_exchange(user, exchange)


def may_assign(user: Any, follow_up: Any) -> bool:
    """Assign a follow-up: the team of its session's exchange; without one: organizers (the list of their own)."""
    return is_organizer(user) if follow_up is None else runs_session_of(user, follow_up)


def may_answer(user: Any, follow_up: Any) -> bool:
    """Answer a follow-up: the expert it is assigned to, or the team of its session's exchange."""
    if follow_up is None or not is_signed_in(user):
        return False
    if follow_up.expert_id == user.id and follow_up.status in ("assigned", "answered"):
        return True
    return runs_session_of(user, follow_up)


def register_rules() -> None:
    """Add `reports.view`, `followup.assign` and `followup.answer` to `common.permissions` (the app factory).

    Guarantees: once an app is made, `can()` answers them from the exchange's team (one EXISTS query per check);
    before, they are unknown and so refused. Adding them again changes nothing.
    """
    permissions.add_rules({"reports.view": may_view_report, "followup.assign": may_assign,
                           "followup.answer": may_answer})
