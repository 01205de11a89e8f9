"""Speaker use cases: invite a speaker to a session with a role, take them off, and their answer by emailed link.

A speaker is an approved peer expert or an organizer (`reads.may_speak`) who speaks at no overlapping session
(`checks.check_clash`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Conflict, Invalid, NotFound
from ..common.time import utcnow
from ..common.tokens import hash_token, new_token
from ..extensions import db
from . import notify
from .checks import check_clash
from .models import ExchangeSession, SessionSpeaker, SpeakerRole
from .reads import may_speak


def stage_add_speaker(session: ExchangeSession, *, actor: User | None, user_id: int, role: str) -> SessionSpeaker:
    """Check and add a speaker, queueing their invitation (no commit; for `add_speaker`, `create_exchange`, import)."""
    if role not in tuple(SpeakerRole):
        raise Invalid(_l("Choose a role: host, moderator or panelist."), field="role")
    role = SpeakerRole(role)
    user = db.session.get(User, user_id) if user_id else None  # a form sent without a speaker
    if user is None or not may_speak(user):
        raise Invalid(_l("Speakers are approved peer experts and organizers; choose one from the list."), field="user_id")
    if session.status != "scheduled":
        raise Conflict(_l("This session is cancelled; it cannot get speakers."))
    if session.ends_at <= utcnow():
        raise Invalid(_l("This session has already ended."))
    if any(s.user_id == user.id for s in session.speakers):
        raise Conflict(_l("%(name)s is already a speaker of this session.", name=user.name), field="user_id")
    check_clash(user, session.starts_at, session.ends_at, exclude_session_id=session.id, actor=actor)
    speaker = SessionSpeaker(session=session, user=user, role=role)
    db.session.add(speaker)
    if actor is not None and user.id == actor.id:
        speaker.status, speaker.responded_at = "accepted", utcnow()
        notify.speaker_confirmed(speaker)
    else:
        token = new_token()
        speaker.token_hash = hash_token(token)
        notify.speaker_invited(speaker, token)
    return speaker


def add_speaker(session: ExchangeSession, *, actor: User, user_id: int, role: str) -> SessionSpeaker:
    """Invite a speaker (approved expert or organizer) with a role; they accept or decline by email link."""
    permissions.require(actor, "exchange.manage", session.exchange)
    speaker = stage_add_speaker(session, actor=actor, user_id=user_id, role=role)
    db.session.commit()
    return speaker


def remove_speaker(speaker: SessionSpeaker, *, actor: User) -> None:
    """Take a speaker off a session; they are told (and their calendar entry cancelled)."""
    session = speaker.session
    permissions.require(actor, "exchange.manage", session.exchange)
    user, role, had_place = speaker.user, speaker.role, speaker.status == "accepted"
    session.speakers.remove(speaker)  # off the list first: what people are sent names the speakers left
    db.session.delete(speaker)  # deleted in this flush, so the lost right is seen (live.access revokes her seat)
    db.session.flush()
    notify.speaker_removed(session, user, role, had_place=had_place)
    db.session.commit()


def get_speaker_by_token(token: str) -> SessionSpeaker:
    """Return the speaker invitation for an emailed link, or raise NotFound."""
    speaker = db.session.scalar(select(SessionSpeaker).where(SessionSpeaker.token_hash == hash_token(token or "")))
    if speaker is None:
        raise NotFound(_l("This link is not valid. Ask the organizers for a new one."))
    return speaker


def respond_as_speaker(token: str, *, accept: bool) -> SessionSpeaker:
    """Accept or decline speaking through the emailed link (the link is the proof; no login needed)."""
    speaker = get_speaker_by_token(token)
    session = speaker.session
    if session.status != "scheduled" or session.exchange.status == "cancelled":
        raise Conflict(_l("This session is cancelled, so there is nothing to answer."))
    if session.starts_at <= utcnow():
        raise Invalid(_l("This session has already started; the link no longer works."))
    new_status = "accepted" if accept else "declined"
    if speaker.status == new_status:
        return speaker
    if accept:
        check_clash(speaker.user, session.starts_at, session.ends_at, exclude_session_id=session.id,
                     actor=speaker.user)
    had_place = speaker.status == "accepted"
    speaker.status, speaker.responded_at = new_status, utcnow()
    if accept:
        notify.speaker_confirmed(speaker)
    elif had_place:  # declining after accepting: her calendar entry goes, or stays as a participant's
        notify.speaker_removed(session, speaker.user, speaker.role, had_place=True)
    db.session.commit()
    return speaker
