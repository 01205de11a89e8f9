"""Who may do what: one place, asked the same way from views, sockets, services and templates.

`can(actor, action, obj)` answers a yes/no question; `require(actor, action, obj)` raises Forbidden.
Feature code adds its rules to RULES here, so the whole policy reads in one file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l

from .errors import Forbidden

ROLES = ("admin", "organizer", "expert", "official")


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


def _room_role(user: Any, session: Any) -> str | None:
    from ..live.services import room_role  # the live room decides roles from speakers and registrations

    return room_role(user, session) if session is not None else None


RULES: dict[str, Callable[[Any, Any], bool]] = {
    "account.edit": lambda user, target: _active(user) and (target is None or target.id == user.id),
    "user.manage": lambda user, _obj: is_admin(user),
    "outbox.view": lambda user, _obj: is_organizer(user),
    "live.join": lambda user, session: _room_role(user, session) is not None,
    "live.moderate": lambda user, session: _room_role(user, session) in ("host", "moderator"),
    "live.export": lambda user, _session: is_organizer(user),
}


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Tell whether `user` may do `action` (on `obj`); unknown actions are refused."""
    rule = RULES.get(action)
    return bool(rule and rule(user, obj))


def require(user: Any, action: str, obj: Any = None, message: str | None = None) -> None:
    """Raise Forbidden unless `user` may do `action` (on `obj`)."""
    if not can(user, action, obj):
        raise Forbidden(message or _l("You are not allowed to do that."))
