"""A person's own data: download it all (JSON), or delete the account.

Deleting keeps the places a person held (registrations, chat messages, questions, votes) so that rooms, counts
and reports stay whole, but nothing names them any more: the account row is anonymised and disabled.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from werkzeug.security import check_password_hash

from ..common import permissions
from ..common.errors import Invalid
from ..common.time import utcnow
from ..extensions import db
from .models import PasswordResetToken, User

DELETED_NAME = "Deleted user"
_SECRET_COLUMNS = {"password_hash", "calendar_token", "token_hash", "photo"}


def _row(obj: Any) -> dict:
    """Return a model row as JSON-ready data, without secrets or binary blobs."""
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        if column.key in _SECRET_COLUMNS:
            continue
        value = getattr(obj, column.key, None)
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        elif isinstance(value, bytes):
            continue
        out[column.key] = value
    return out


def _mine(model, column, user_id: int) -> list[dict]:
    return [_row(r) for r in db.session.scalars(select(model).where(column == user_id).order_by(model.id))]


def export_personal_data(user: User, *, actor: User) -> dict:
    """Return everything stored about `user` that they wrote or that describes them, as JSON-ready data."""
    from ..exchanges.models import Registration, SessionSpeaker
    from ..experts.models import ExpertProfile, OfficialProfile, PeerRequest
    from ..live.models import ChatMessage, PollBallot, Question, QuestionVote

    permissions.require(actor, "account.edit", user)
    votes = db.session.scalars(select(QuestionVote).where(QuestionVote.user_id == user.id))
    ballots = db.session.scalars(select(PollBallot).where(PollBallot.user_id == user.id))
    return {
        "exported_at": utcnow().isoformat(),
        "account": _row(user),
        "official_profile": next(iter(_mine(OfficialProfile, OfficialProfile.user_id, user.id)), None),
        "expert_profile": next(iter(_mine(ExpertProfile, ExpertProfile.user_id, user.id)), None),
        "registrations": _mine(Registration, Registration.user_id, user.id),
        "speaking": _mine(SessionSpeaker, SessionSpeaker.user_id, user.id),
        "peer_requests": [_row(r) for r in db.session.scalars(select(PeerRequest).where(
            (PeerRequest.official_id == user.id) | (PeerRequest.requester_id == user.id)).order_by(PeerRequest.id))],
        "chat_messages": _mine(ChatMessage, ChatMessage.author_id, user.id),
        # Their own anonymous questions too: anonymity hides them from others, not from themselves.
        "questions": _mine(Question, Question.author_id, user.id),
        "question_votes": [_row(v) for v in votes],
        "poll_ballots": [_row(b) for b in ballots],
    }


def delete_account(user: User, *, actor: User, password: str) -> None:
    """Anonymise and disable `user` after checking their password; their places and messages stay, nameless."""
    from ..experts.models import ExpertProfile, OfficialProfile

    permissions.require(actor, "account.edit", user)
    if not check_password_hash(user.password_hash, password or ""):
        raise Invalid(_l("That password is not right."), field="password")
    for model in (ExpertProfile, OfficialProfile):
        profile = db.session.scalar(select(model).where(model.user_id == user.id))
        if profile is not None:
            db.session.delete(profile)
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    user.name = str(DELETED_NAME)
    user.email = f"deleted-{user.id}-{secrets.token_hex(8)}@deleted.invalid"
    user.password_hash = "!deleted"  # noqa: S105 - matches no password: not a hash any method produces
    user.calendar_token = None
    user.disabled = True
    user.session_version += 1  # every session and remember cookie of the account stops working
    db.session.commit()
