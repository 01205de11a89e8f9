"""Who may do what: one place, asked the same way from views, sockets, services and templates.

`can(actor, action, obj)` answers a yes/no question; `require(actor, action, obj)` raises Forbidden.
Feature code adds its rules to RULES here, so the whole policy reads in one file; those that need a feature's
own rows (who registered for or speaks at an exchange, a person's role in a live room) are added by that feature
with `add_rules` (`exchanges/permissions.py`, `live/seats.py`: their `register_rules()`, called by the app factory),
each as one EXISTS query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import Forbidden


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_admin(user: Any) -> bool:
    """Tell whether `user` is an active administrator."""
    return _active(user) and user.role == "admin"


def is_organizer(user: Any) -> bool:
    """Tell whether `user` is an active organizer (administrators count as organizers)."""
    return _active(user) and user.role in ("organizer", "admin")


def is_signed_in(user: Any) -> bool:
    """Tell whether `user` is an active, signed-in account."""
    return _active(user)


def _owns_expert_profile(user: Any, profile: Any) -> bool:
    return _active(user) and profile is not None and profile.user_id == user.id


def _peer_request_party(user: Any, req: Any) -> bool:
    """The official a request is for, or the person who wrote it for them."""
    return _active(user) and req is not None and user.id in (req.official_id, req.requester_id)


def _asked_expert(user: Any, req: Any) -> bool:
    return (_active(user) and req is not None and req.status != "draft" and req.expert is not None
            and req.expert.user_id == user.id)


RULES: dict[str, Callable[[Any, Any], bool]] = {
    # Program-wide organizer powers. Running ONE exchange ("exchange.manage") is its team's and administrators':
    # exchange/exchanges/permissions.py adds that rule (it reads the exchange's team).
    "exchange.create": lambda user, _obj: is_organizer(user),
    "program.import": lambda user, _obj: is_organizer(user),
    "assistant.use": lambda user, _obj: is_organizer(user),
    "account.edit": lambda user, target: _active(user) and (target is None or target.id == user.id),
    "user.manage": lambda user, _obj: is_admin(user),
    "outbox.view": lambda user, _obj: is_organizer(user),
    # Peer experts: anyone signed in may apply; only organizers review; only approved profiles are public.
    "expert.apply": lambda user, target: _active(user) and (target is None or target.id == user.id),
    "expert.review": lambda user, _obj: is_organizer(user),
    "expert.view": lambda user, profile: profile is not None and (
        (profile.status == "approved" and not profile.user.disabled)
        or is_organizer(user) or _owns_expert_profile(user, profile)),
    "expert.edit": _owns_expert_profile,
    "official_profile.edit": lambda user, target: _active(user) and (target is None or target.id == user.id),
    "city.manage": lambda user, _obj: is_organizer(user),
    "city.view_officials": lambda user, _obj: is_organizer(user),
    # Peer requests: officials ask for themselves, organizers for any official; the asked expert answers.
    "peer_request.list": lambda user, _obj: _active(user),
    "peer_request.create": lambda user, _obj: _active(user) and user.role in ("official", "organizer", "admin"),
    "peer_request.create_for_others": lambda user, _obj: is_organizer(user),
    "peer_request.view": lambda user, req: is_organizer(user) or _peer_request_party(user, req) or _asked_expert(user, req),
    "peer_request.send": lambda user, req: is_organizer(user) or _peer_request_party(user, req),
    "peer_request.cancel": lambda user, req: is_organizer(user) or _peer_request_party(user, req),
    "peer_request.respond": _asked_expert,
    "peer_request.make_exchange": lambda user, req: is_organizer(user) and req is not None and req.status == "accepted",
    # "exchange.manage", "exchange.view", "exchange.join", "exchange.register" and "exchange.calendar" (asked of an
    # exchange's team and rows) are added by exchange/exchanges/permissions.py; "live.join", "live.moderate" and
    # "live.export" (a person's role in a room) by exchange/live/seats.py; "reports.view", "followup.assign" and
    # "followup.answer" (an exchange's team, the assigned expert) by exchange/reports/permissions.py; the app
    # factory calls their register_rules().
    # The library: organizers write outcome notes for the whole program.
    "library.manage": lambda user, _obj: is_organizer(user),
    "library.view_note": lambda user, note: note is not None and (note.status == "published" or is_organizer(user)),
    "self_description.edit": lambda user, _obj: _active(user),
}


def add_rules(rules: dict[str, Callable[[Any, Any], bool]]) -> None:
    """Add a feature's rules that need the feature's own data (the live room's roles: `live/seats.py`).

    The shared package never imports a feature; such a feature adds its rules here from a `register_rules()` that
    the app factory calls (`exchange/__init__.py: _register_rules`), never as a side effect of an import.
    """
    RULES.update(rules)


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Tell whether `user` may do `action` (on `obj`); unknown actions are refused."""
    rule = RULES.get(action)
    return bool(rule and rule(user, obj))


def require(user: Any, action: str, obj: Any = None, message: str | None = None) -> None:
    """Raise Forbidden unless `user` may do `action` (on `obj`)."""
    if not can(user, action, obj):
        raise Forbidden(message or _l("You are not allowed to do that."))
