"""A person's own data: download it all (JSON), or delete the account.

Deleting keeps the places a person held (registrations, chat messages, questions, votes) so that rooms, counts
and reports stay whole, but nothing names them any more: the account row is anonymised and disabled, and every
copy of their name or id in stored data is scrubbed in the same transaction:
- their chat messages and questions move to one shared placeholder account named "Deleted user", so a live view,
  replay, snapshot, summary, transcript or follow-up shows that label and an id shared by every deleted person
  (the old id cannot be joined with an earlier export or a moderator's memory of the room);
- the stored live events (replays) had their name and id copied in: those copies are rewritten alike, and the
  events' actor and recipient ids are cleared;
- invitations to their address, emails queued for or sent to them, survey links, their self-description,
  mutes and raised hands are removed or blanked; survey answers stay, without the id;
- the text they typed in answer to an exchange's registration questions is deleted (their choices stay, like
  their place).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, delete, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from werkzeug.security import check_password_hash

from ..common import permissions
from ..common.errors import Invalid
from ..common.time import utcnow
from ..exchanges.models import (
    CHOICE_KINDS,
    ExchangeTeamMember,
    Invitation,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
    SessionSpeaker,
)
from ..experts.models import ExpertProfile, OfficialProfile, PeerRequest
from ..extensions import db
from ..live.models import ChatMessage, LiveEvent, Mute, Poll, PollBallot, Question, QuestionVote, RaisedHand
from ..mail.models import OutboxMessage
from ..reports.models import FollowUp, OutcomeNote, SelfDescription, SurveyInvitation, SurveyResponse
from .models import EmailVerificationToken, LoginSession, PasswordResetToken, User
from .services import stage_end_logins

# Stored in English (as reference data is); pages show it in the reader's language (`person_name` filter).
DELETED_NAME = "Deleted user"
DELETED_PASSWORD = "!deleted"  # noqa: S105 - matches no password: not a hash any method produces
PLACEHOLDER_EMAIL = "deleted-user@deleted.invalid"
_SECRET_COLUMNS = {"password_hash", "calendar_token", "token_hash", "photo"}


def person_name(name: str | None) -> str:
    """A person's name as stored, or the deleted-account label in the reader's language (template filter)."""
    return gettext("Deleted user") if name == DELETED_NAME else (name or "")


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
    permissions.require(actor, "account.edit", user)
    votes = db.session.scalars(select(QuestionVote).where(QuestionVote.user_id == user.id))
    ballots = db.session.scalars(select(PollBallot).where(PollBallot.user_id == user.id))
    return {
        "exported_at": utcnow().isoformat(),
        "account": _row(user),
        "official_profile": next(iter(_mine(OfficialProfile, OfficialProfile.user_id, user.id)), None),
        "expert_profile": next(iter(_mine(ExpertProfile, ExpertProfile.user_id, user.id)), None),
        "registrations": _mine(Registration, Registration.user_id, user.id),
        "registration_answers": [
            {"exchange_id": question.exchange_id, "question": question.label, "choices": question.choices,
             "answer": answer.value}
            for answer, question in db.session.execute(
                select(RegistrationAnswer, RegistrationQuestion)
                .join(RegistrationQuestion, RegistrationQuestion.id == RegistrationAnswer.question_id)
                .join(Registration, Registration.id == RegistrationAnswer.registration_id)
                .where(Registration.user_id == user.id).order_by(RegistrationAnswer.id))],
        "speaking": _mine(SessionSpeaker, SessionSpeaker.user_id, user.id),
        "exchange_teams": _mine(ExchangeTeamMember, ExchangeTeamMember.user_id, user.id),
        "peer_requests": [_row(r) for r in db.session.scalars(select(PeerRequest).where(
            (PeerRequest.official_id == user.id) | (PeerRequest.requester_id == user.id)).order_by(PeerRequest.id))],
        "chat_messages": _mine(ChatMessage, ChatMessage.author_id, user.id),
        # Their own anonymous questions too: anonymity hides them from others, not from themselves.
        "questions": _mine(Question, Question.author_id, user.id),
        "question_votes": [_row(v) for v in votes],
        "poll_ballots": [_row(b) for b in ballots],
    }


def deleted_user() -> User:
    """Return the one disabled placeholder account that deleted people's messages and questions belong to."""
    user = db.session.scalar(select(User).where(User.email == PLACEHOLDER_EMAIL))
    if user is None:
        # INSERT unless another deletion just made it: two deletions at once must not make two.
        insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        db.session.execute(insert(User).values(
            email=PLACEHOLDER_EMAIL, name=DELETED_NAME, password_hash=DELETED_PASSWORD, role="official",
            timezone="UTC", language="en", disabled=True, session_version=1, created_at=utcnow(),
            calendar_token=None).on_conflict_do_nothing())
        user = db.session.scalar(select(User).where(User.email == PLACEHOLDER_EMAIL))
    return user


def _as_placeholder(value: Any, user_id: int, placeholder: User) -> Any:
    """Return `value` (stored event data) with every person entry of `user_id` replaced by the placeholder."""
    if isinstance(value, dict):
        if value.get("id") == user_id and "name" in value and set(value) <= {"id", "name", "role"}:
            return {**value, "id": placeholder.id, "name": DELETED_NAME}
        return {key: _as_placeholder(item, user_id, placeholder) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_placeholder(item, user_id, placeholder) for item in value]
    return value


def _forget_in_live_rooms(user: User, placeholder: User) -> None:
    sessions = set(db.session.scalars(select(ChatMessage.session_id).where(ChatMessage.author_id == user.id)))
    sessions |= set(db.session.scalars(select(Question.session_id).where(Question.author_id == user.id)))
    sessions |= set(db.session.scalars(select(LiveEvent.session_id).where(
        or_(LiveEvent.actor_id == user.id, LiveEvent.user_id == user.id))))
    # Replays serve the stored copies: rewrite the person entries in them (chat, questions, hands).
    for event in db.session.scalars(select(LiveEvent).where(LiveEvent.session_id.in_(sessions))):
        scrubbed = _as_placeholder(event.data, user.id, placeholder)
        if scrubbed != event.data:
            event.data = scrubbed
    for column in (LiveEvent.actor_id, LiveEvent.user_id):
        db.session.execute(update(LiveEvent).where(column == user.id).values({column.key: None}))
    # The placeholder holds many people's rows: a fresh client_id keeps (session, author, client_id) unique.
    for model in (ChatMessage, Question):
        db.session.execute(update(model).where(model.author_id == user.id).values(
            author_id=placeholder.id, client_id=literal("deleted:").concat(cast(model.id, String)))
            .execution_options(synchronize_session=False))
    db.session.execute(update(ChatMessage).where(ChatMessage.deleted_by_id == user.id).values(deleted_by_id=None))
    db.session.execute(update(Poll).where(Poll.created_by_id == user.id).values(created_by_id=None))
    db.session.execute(update(Mute).where(Mute.by_id == user.id).values(by_id=None))
    db.session.execute(delete(Mute).where(Mute.user_id == user.id))
    db.session.execute(delete(RaisedHand).where(RaisedHand.user_id == user.id))


def _forget_elsewhere(user: User, old_email: str) -> None:
    for invitation in db.session.scalars(select(Invitation).where(
            or_(Invitation.user_id == user.id, Invitation.email == old_email))):
        invitation.name, invitation.stakeholder_group, invitation.city_id = "", "", None
        invitation.email = f"deleted-{invitation.id}-{secrets.token_hex(4)}@deleted.invalid"
    # Emails to them (waiting or sent) carry their name and address in the stored message.
    db.session.execute(delete(OutboxMessage).where(
        or_(OutboxMessage.user_id == user.id, OutboxMessage.to_addr == old_email)))
    db.session.execute(delete(SelfDescription).where(SelfDescription.user_id == user.id))
    typed = (select(RegistrationAnswer.id).join(Registration, Registration.id == RegistrationAnswer.registration_id)
             .join(RegistrationQuestion, RegistrationQuestion.id == RegistrationAnswer.question_id)
             .where(Registration.user_id == user.id, RegistrationQuestion.kind.not_in(CHOICE_KINDS)))
    db.session.execute(delete(RegistrationAnswer).where(RegistrationAnswer.id.in_(typed))
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(SurveyInvitation).where(SurveyInvitation.user_id == user.id))
    db.session.execute(update(SurveyResponse).where(SurveyResponse.user_id == user.id).values(user_id=None))
    db.session.execute(update(FollowUp).where(FollowUp.assigned_by_id == user.id).values(assigned_by_id=None))
    db.session.execute(update(OutcomeNote).where(OutcomeNote.created_by_id == user.id).values(created_by_id=None))
    # A deleted organizer leaves the teams they were on (administrators still run those exchanges).
    db.session.execute(delete(ExchangeTeamMember).where(ExchangeTeamMember.user_id == user.id))
    db.session.execute(update(ExchangeTeamMember).where(ExchangeTeamMember.added_by_id == user.id)
                       .values(added_by_id=None))


def delete_account(user: User, *, actor: User, password: str) -> None:
    """Anonymise and disable `user` after checking their password; their places and messages stay, nameless.

    One transaction: the account, every stored copy of their name (see the module's docstring), and the access
    revocation that closes their live sockets on every server process (live/access.py).
    """
    permissions.require(actor, "account.edit", user)
    if not check_password_hash(user.password_hash, password or ""):
        raise Invalid(_l("That password is not right."), field="password")
    for model in (ExpertProfile, OfficialProfile):
        profile = db.session.scalar(select(model).where(model.user_id == user.id))
        if profile is not None:
            db.session.delete(profile)
    db.session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id))
    # Every login ends (its cookies, remember-me too, stop working) and leaves no row behind.
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    # Pending links name an address (a new one, for an email change): gone with the account.
    db.session.execute(delete(EmailVerificationToken).where(EmailVerificationToken.user_id == user.id))
    old_email = user.email
    placeholder = deleted_user()
    _forget_in_live_rooms(user, placeholder)
    _forget_elsewhere(user, old_email)
    user.name = DELETED_NAME
    user.email = f"deleted-{user.id}-{secrets.token_hex(8)}@deleted.invalid"
    user.password_hash = DELETED_PASSWORD
    user.calendar_token = None
    user.disabled = True
    stage_end_logins(user)  # and every live connection of the account closes
    db.session.commit()
