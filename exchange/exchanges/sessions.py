"""Session use cases: add, edit and cancel a session of an exchange; a conference's tracks; the calendar SEQUENCE.

A session's new time or cancellation reaches everyone concerned through `notify`, inside the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from ..accounts.models import User
from ..common import permissions, timefmt
from ..common.errors import Conflict, Invalid, Problems
from ..common.time import is_zone, utcnow
from ..extensions import db
from . import notify
from .checks import MAX_SESSION_HOURS, SessionData, check_clash, check_video_url, clean_text, to_utc, zone_of
from .models import Exchange, ExchangeSession, RoomStatus, Track


def stage_bump_sequence(session: ExchangeSession) -> None:
    """Raise the calendar SEQUENCE (no commit): called on every change of time, link or status."""
    session.ical_sequence = (session.ical_sequence or 0) + 1


def _session_times(data: SessionData) -> tuple[datetime, datetime]:
    if not is_zone(data.timezone):
        raise Invalid(_l("Unknown time zone “%(zone)s”. Choose one from the list.", zone=data.timezone or ""), field="timezone")
    starts_at = to_utc(data.starts_local, data.timezone, data.start_fold, "starts_local")
    ends_at = to_utc(data.ends_local, data.timezone, data.end_fold, "ends_local")
    if ends_at <= starts_at:
        raise Invalid(_l("The session must end after it starts."), field="ends_local")
    if ends_at - starts_at > timedelta(hours=MAX_SESSION_HOURS):
        raise Invalid(_l("A session can last at most %(n)d hours; split longer ones.", n=MAX_SESSION_HOURS), field="ends_local")
    return starts_at, ends_at


def _track(exchange: Exchange, track_id: int | None) -> Track | None:
    if not track_id:
        return None
    track = db.session.get(Track, track_id)
    if track is None or track.exchange_id != exchange.id:
        raise Invalid(_l("Choose a track of this exchange."), field="track_id")
    return track


def _session_values(exchange: Exchange, data: SessionData, problems: Problems) -> dict:
    """Check a session's fields other than its times, noting their problems in `problems`."""
    return {
        "title": problems.check(clean_text, data.title, field_name="title", label=_l("a title"), max_len=200,
                                required=True),
        "description": problems.check(clean_text, data.description, field_name="description",
                                      label=_l("The description"), max_len=5000),
        "track": problems.check(_track, exchange, data.track_id),
        "premoderate_questions": bool(data.premoderate_questions),
        "video_url": problems.check(check_video_url, data.video_url) or None,
    }


def _assign(session: ExchangeSession, values: dict) -> None:
    for name, value in values.items():
        setattr(session, name, value)


def _future(starts_at: datetime) -> None:
    if starts_at <= utcnow():
        raise Invalid(_l("That time has already passed. Choose a start in the future."), field="starts_local")


def check_new_session(exchange: Exchange, data: SessionData, problems: Problems) -> tuple[tuple | None, dict]:
    """Check every field of a new session, noting the problems in `problems`; return its times and values."""
    times = problems.check(_session_times, data)
    if times is not None:
        problems.check(_future, times[0])
    return times, _session_values(exchange, data, problems)


def stage_new_session(exchange: Exchange, data: SessionData, *, actor: User | None) -> ExchangeSession:
    """Check and add a session in the future (no commit, nobody told; for `add_session`, `create_exchange`, import).

    Every field is checked; all the problems are raised together."""
    problems = Problems()
    times, values = check_new_session(exchange, data, problems)
    problems.raise_any()
    starts_at, ends_at = times
    # Defaults set here, not at flush: the rest of the use case reads them before anything is flushed.
    session = ExchangeSession(exchange=exchange, starts_at=starts_at, ends_at=ends_at, timezone=data.timezone,
                              status="scheduled", room_status=RoomStatus.SCHEDULED, ical_sequence=0)
    _assign(session, values)
    db.session.add(session)
    return session


def add_session(exchange: Exchange, *, actor: User, data: SessionData) -> ExchangeSession:
    """Add a session; registered people get its calendar invite when the exchange is published."""
    permissions.require(actor, "exchange.manage", exchange)
    if exchange.status == "cancelled":
        raise Conflict(_l("This exchange is cancelled; it cannot get new sessions."))
    session = stage_new_session(exchange, data, actor=actor)
    db.session.flush()
    if exchange.status == "published":
        notify.session_added(session)
    db.session.commit()
    return session


def stage_update_session(session: ExchangeSession, data: SessionData, *, actor: User | None) -> bool:
    """Apply edits to a session (no commit); return whether its time moved (everyone concerned is told, as they
    are when its own video link changes: the invite's SEQUENCE rises).

    Every field is checked before anything changes; all the problems are raised together."""
    exchange = session.exchange
    problems = Problems()
    times = problems.check(_session_times, data)
    moved = times is not None and times != (session.starts_at, session.ends_at)
    if moved:
        if session.starts_at <= utcnow():
            problems.add(Invalid(_l("This session started on %(when)s; its time can no longer be changed.",
                                    when=timefmt.span(session.starts_at, session.ends_at, zone_of(actor))),
                                 field="starts_local"))
        elif session.status == "cancelled":
            raise Conflict(_l("This session is cancelled; add a new session instead of moving it."))
        else:
            problems.check(_future, times[0])
    values = _session_values(exchange, data, problems)
    problems.raise_any()
    was = (session.starts_at, session.ends_at)
    relinked = values["video_url"] != session.video_url
    if moved:
        starts_at, ends_at = times
        for speaker in session.speakers:
            if speaker.status != "declined":
                check_clash(speaker.user, starts_at, ends_at, exclude_session_id=session.id, actor=actor)
        session.starts_at, session.ends_at = starts_at, ends_at
        stage_bump_sequence(session)
    elif relinked:
        stage_bump_sequence(session)
    session.timezone = data.timezone
    _assign(session, values)
    if (moved or relinked) and (exchange.status == "published"
                                or any(sp.status == "accepted" for sp in session.speakers)):
        notify.session_changed(session, was=was if moved else None)
    return moved


def update_session(session: ExchangeSession, *, actor: User, data: SessionData) -> ExchangeSession:
    """Edit a session; a new time raises its SEQUENCE, is checked against speakers' other sessions and is
    sent to everyone concerned. A session that has started keeps its time."""
    permissions.require(actor, "exchange.manage", session.exchange)
    stage_update_session(session, data, actor=actor)
    db.session.commit()
    return session


def stage_cancel_session(session: ExchangeSession, reason: str = "") -> None:
    """Cancel a session that has not started and queue its notices, which quote `reason` when there is one (no
    commit; for `cancel_session` and import)."""
    if session.starts_at <= utcnow():
        raise Invalid(_l("This session has already started; it cannot be cancelled now."))
    reason = clean_text(reason, field_name="reason", label=_l("The reason"), max_len=1000, drop_controls=True)
    session.status = "cancelled"
    stage_bump_sequence(session)
    if session.exchange.status == "published" or any(sp.status == "accepted" for sp in session.speakers):
        notify.session_cancelled(session, reason)


def cancel_session(session: ExchangeSession, *, actor: User, reason: str = "") -> ExchangeSession:
    """Cancel one session (the exchange goes on); it leaves everyone's calendar, and the notices quote `reason`."""
    permissions.require(actor, "exchange.manage", session.exchange)
    if session.status != "cancelled":
        stage_cancel_session(session, reason)
        db.session.commit()
    return session


def add_track(exchange: Exchange, *, actor: User, name: str) -> Track:
    """Add a track to a conference's agenda."""
    permissions.require(actor, "exchange.manage", exchange)
    name = clean_text(name, field_name="name", label=_l("a track name"), max_len=120, required=True)
    if any(t.name.lower() == name.lower() for t in exchange.tracks):
        raise Conflict(_l("This exchange already has a track called “%(name)s”.", name=name), field="name")
    track = Track(exchange=exchange, name=name, position=len(exchange.tracks))
    db.session.add(track)
    db.session.commit()
    return track
