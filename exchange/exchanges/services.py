"""Exchange use cases: create, edit, publish and cancel exchanges; sessions, tracks and speakers; reads.

Every public function that writes commits once; emails go through `notify` inside the transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..common import permissions
from ..common.errors import Conflict, Invalid, NotFound
from ..common.text import clean_text
from ..common.time import format_span, is_zone, local_to_utc, utcnow
from ..common.tokens import hash_token, new_token
from ..experts.models import City, ExpertProfile, FocusArea, Topic
from ..extensions import db
from . import notify
from .models import (
    EXCHANGE_KINDS,
    VISIBILITIES,
    Exchange,
    ExchangeSession,
    Registration,
    RoomStatus,
    SessionSpeaker,
    SpeakerRole,
    Track,
)
from .registrations import invite_user, lock_exchange, promote_waitlist, seats_taken, send_waiting_invitations
from .timeinfo import hours_warnings, is_past

LANGUAGES = ("en", "es", "pt", "fr", "ar", "zh", "hi", "bn", "ur", "id", "ja", "ko", "ru", "tr", "sw", "yo", "ha",
             "tl", "th", "vi", "fa")
MAX_SESSION_HOURS = 12
PER_PAGE = 20


# -- input ------------------------------------------------------------------------------------------

@dataclass
class ExchangeData:
    """What an organizer enters about an exchange (times of sessions come separately)."""

    kind: str
    title: str
    description: str = ""
    visibility: str = "public"
    capacity: int | None = None
    registration_deadline: datetime | None = None  # naive wall time in `timezone`
    requires_approval: bool = False
    video_url: str = ""
    timezone: str = "UTC"
    languages: list[str] = field(default_factory=lambda: ["en"])
    interpretation_notes: str = ""
    focus_area_ids: list[int] = field(default_factory=list)
    topic_ids: list[int] = field(default_factory=list)
    city_ids: list[int] = field(default_factory=list)


@dataclass
class SessionData:
    """A session as entered: wall-clock start and end in a chosen zone, with fold answers for fall-back hours."""

    title: str
    starts_local: datetime
    ends_local: datetime
    timezone: str
    description: str = ""
    start_fold: int | None = None
    end_fold: int | None = None
    track_id: int | None = None
    premoderate_questions: bool = False


def _clean_text(value: str | None, *, field_name: str, label, max_len: int, required: bool = False) -> str:
    """Trim a field of an exchange or session (its lines kept); its errors name the field by `label`."""
    return clean_text(value, field=field_name, max_len=max_len, required=required,
                      empty=_l("Enter %(what)s.", what=label),
                      too_long=_l("%(what)s can be at most %(n)d characters.", what=label, n=max_len))


def _check_video_url(url: str) -> str:
    url = (url or "").strip()
    if url and not (url.startswith("https://") or url.startswith("http://")) or len(url) > 500 or any(c.isspace() for c in url):
        raise Invalid(_l("Enter the video link as a full web address starting with https://."), field="video_url")
    return url


def _to_utc(local: datetime, zone: str, fold: int | None, field_name: str) -> datetime:
    """Convert wall time to UTC, naming the form field in the error (gap rejected, fall-back needs a fold)."""
    try:
        return local_to_utc(local, zone, fold=fold)
    except Invalid as exc:
        raise Invalid(exc.message, field=field_name if exc.field != "timezone" else "timezone",
                      details=exc.details) from exc


def stage_exchange_data(exchange: Exchange, data: ExchangeData) -> None:
    """Check an exchange's fields and set them (no commit; for `create_exchange`, `update_exchange`, program import)."""
    if data.kind not in EXCHANGE_KINDS:
        raise Invalid(_l("Choose a kind: webinar, peer exchange or conference."), field="kind")
    if data.visibility not in VISIBILITIES:
        raise Invalid(_l("Choose who can see the exchange: public or invite-only."), field="visibility")
    if not is_zone(data.timezone):
        raise Invalid(_l("Unknown time zone “%(zone)s”. Choose one from the list.", zone=data.timezone or ""), field="timezone")
    if data.capacity is not None and not 1 <= data.capacity <= 100_000:
        raise Invalid(_l("Capacity must be a whole number from 1 to 100000, or empty for no limit."), field="capacity")
    languages = [code for code in dict.fromkeys(data.languages) if code]
    if not languages or any(code not in LANGUAGES for code in languages):
        raise Invalid(_l("Choose at least one language from the list."), field="languages")
    exchange.kind = data.kind
    exchange.title = _clean_text(data.title, field_name="title", label=_l("a title"), max_len=200, required=True)
    exchange.description = _clean_text(data.description, field_name="description", label=_l("The description"),
                                       max_len=20_000)
    exchange.interpretation_notes = _clean_text(data.interpretation_notes, field_name="interpretation_notes",
                                                label=_l("Interpretation notes"), max_len=2000)
    exchange.visibility = data.visibility
    exchange.capacity = data.capacity
    exchange.requires_approval = bool(data.requires_approval)
    exchange.video_url = _check_video_url(data.video_url)
    exchange.timezone = data.timezone
    exchange.languages = ",".join(languages)
    if data.registration_deadline is None:
        exchange.registration_deadline = None
    else:
        try:
            exchange.registration_deadline = _to_utc(data.registration_deadline, data.timezone, None,
                                                     "registration_deadline")
        except Invalid as exc:
            if exc.details.get("reason") != "ambiguous":
                raise
            # A deadline in the repeated fall-back hour: the earlier of the two is the safe reading.
            exchange.registration_deadline = local_to_utc(data.registration_deadline, data.timezone, fold=0)
    exchange.focus_areas = _by_ids(FocusArea, data.focus_area_ids, "focus_areas")
    exchange.topics = _by_ids(Topic, data.topic_ids, "topics")
    exchange.cities = _by_ids(City, data.city_ids, "cities")


def _by_ids(model, ids: list[int], field_name: str) -> list:
    ids = list(dict.fromkeys(int(i) for i in ids or []))
    if not ids:
        return []
    found = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    if len(found) != len(ids):
        raise Invalid(_l("One of the chosen items no longer exists. Reload the page and choose again."), field=field_name)
    order = {i: n for n, i in enumerate(ids)}
    return sorted(found, key=lambda row: order[row.id])


def bump_sequence(session: ExchangeSession) -> None:
    """Raise the calendar SEQUENCE: called on every change of time, link or status."""
    session.ical_sequence = (session.ical_sequence or 0) + 1


# -- reads ------------------------------------------------------------------------------------------

def get_exchange(exchange_id: int, *, actor) -> Exchange:
    """Return the exchange if `actor` may see it; a hidden one is reported missing, like a missing one."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or not permissions.can(actor, "exchange.view", exchange):
        raise NotFound(_l("There is no such exchange, or it is not open to you."))
    return exchange


def get_managed_exchange(exchange_id: int, *, actor) -> Exchange:
    """Return the exchange for an organizer; anyone else gets NotFound (nothing is revealed)."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or not permissions.can(actor, "exchange.manage", exchange):
        raise NotFound(_l("There is no such exchange, or it is not open to you."))
    return exchange


def get_session(exchange: Exchange, session_id: int) -> ExchangeSession:
    """Return a session of `exchange` or raise NotFound."""
    session = db.session.get(ExchangeSession, session_id)
    if session is None or session.exchange_id != exchange.id:
        raise NotFound(_l("There is no such session."))
    return session


@dataclass
class ExchangeFilters:
    when: str = "upcoming"  # upcoming, past or all
    kind: str = ""
    focus: str = ""  # focus area slug
    topic: str = ""  # topic slug
    city: str = ""  # city slug
    language: str = ""  # ISO 639-1 code
    q: str = ""


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def list_exchanges(filters: ExchangeFilters, *, actor=None, public_only: bool = False, page: int = 1,
                   per_page: int = PER_PAGE) -> Page:
    """Return exchanges matching `filters`, upcoming soonest first, past latest first.

    Everyone sees published public exchanges; organizers also see drafts, invite-only and cancelled ones
    (unless `public_only`, as for the API).
    """
    query = select(Exchange)
    if public_only or not permissions.can(actor, "exchange.manage"):
        query = query.where(Exchange.status == "published", Exchange.visibility == "public")
    now = utcnow()
    if filters.when == "past":
        query = query.where(Exchange.last_end <= now).order_by(Exchange.last_end.desc(), Exchange.id.desc())
    elif filters.when == "upcoming":
        query = query.where(or_(Exchange.last_end.is_(None), Exchange.last_end > now)).order_by(
            Exchange.first_start.is_(None), Exchange.first_start, Exchange.id)
    else:
        query = query.order_by(Exchange.first_start.desc(), Exchange.id.desc())
    if filters.kind:
        query = query.where(Exchange.kind == filters.kind)
    if filters.focus:
        query = query.where(Exchange.focus_areas.any(FocusArea.slug == filters.focus))
    if filters.topic:
        query = query.where(Exchange.topics.any(Topic.slug == filters.topic))
    if filters.city:
        query = query.where(Exchange.cities.any(City.slug == filters.city))
    if filters.language:
        code = filters.language.strip().lower()[:8]
        query = query.where(("," + Exchange.languages + ",").contains(f",{code},"))
    if filters.q.strip():
        words = filters.q.strip().lower().split()[:8]
        for word in words:
            pattern = f"%{word.replace('%', '').replace('_', '')}%"
            query = query.where(or_(func.lower(Exchange.title).like(pattern), func.lower(Exchange.description).like(pattern)))
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = max(page, 1)
    items = list(db.session.scalars(query.options(selectinload(Exchange.sessions), selectinload(Exchange.cities),
                                                  selectinload(Exchange.focus_areas), selectinload(Exchange.topics))
                                    .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def upcoming_public(limit: int = 5) -> list[Exchange]:
    """Return the next public exchanges (for the home page)."""
    return list_exchanges(ExchangeFilters(), public_only=True, per_page=limit).items


@dataclass
class AgendaItem:
    session: ExchangeSession
    exchange: Exchange
    relation: str  # registered, waitlisted, pending, speaking
    role: str | None = None


def agenda_for(user: User, *, past: bool = False) -> list[AgendaItem]:
    """Return the sessions `user` attends or speaks at (upcoming, or the past ones), in time order."""
    now = utcnow()
    items: dict[int, AgendaItem] = {}
    time_filter = ExchangeSession.ends_at <= now if past else ExchangeSession.ends_at > now
    spoken = db.session.execute(
        select(ExchangeSession, SessionSpeaker).join(SessionSpeaker, SessionSpeaker.session_id == ExchangeSession.id)
        .join(Exchange).where(SessionSpeaker.user_id == user.id, SessionSpeaker.status.in_(("invited", "accepted")),
                              Exchange.status != "cancelled", time_filter)
        .options(joinedload(ExchangeSession.exchange).selectinload(Exchange.cities)))
    for session, speaker in spoken:
        relation = "speaking" if speaker.status == "accepted" else "speaker_invited"
        items[session.id] = AgendaItem(session, session.exchange, relation, speaker.role)
    attended = db.session.execute(
        select(ExchangeSession, Registration.status).join(Exchange, Exchange.id == ExchangeSession.exchange_id)
        .join(Registration, Registration.exchange_id == Exchange.id)
        .where(Registration.user_id == user.id, Registration.active,
               Exchange.status == "published", time_filter)
        .options(joinedload(ExchangeSession.exchange).selectinload(Exchange.cities)))
    for session, status in attended:
        items.setdefault(session.id, AgendaItem(session, session.exchange, status))
    ordered = sorted(items.values(), key=lambda item: item.session.starts_at, reverse=past)
    return ordered[:100] if past else ordered


def people_of(exchange: Exchange) -> list[tuple[str, str, str]]:
    """Return (name, zone, role) of speakers and people registered or waiting, for the hours check."""
    people: dict[int, tuple[str, str, str]] = {}
    for session in exchange.sessions:
        for speaker in session.speakers:
            if speaker.status != "declined":
                people[speaker.user_id] = (speaker.user.name, speaker.user.timezone or "UTC", speaker.role)
    for registration in exchange.registrations:
        if registration.active:
            people.setdefault(registration.user_id, (registration.user.name, registration.user.timezone or "UTC",
                                                     "registrant"))
    return list(people.values())


def participant_ids(exchange: Exchange) -> list[int]:
    """Return the ids of the exchange's speakers and people registered or waiting (for the assistant)."""
    ids = [sp.user_id for s in exchange.sessions for sp in s.speakers if sp.status != "declined"]
    ids += [r.user_id for r in exchange.registrations if r.active]
    return list(dict.fromkeys(ids))


def organizer_warnings(exchange: Exchange, locale: str = "en"):
    """Return sessions that fall outside 07:00–22:00 for a speaker or registrant (shown to organizers)."""
    upcoming = [s for s in exchange.sessions if s.ends_at > utcnow()]
    return hours_warnings(upcoming, people_of(exchange), locale)


def may_speak(user: User) -> bool:
    """Tell whether `user` may be booked as a speaker: an organizer or an approved expert."""
    if user.disabled:
        return False
    if user.role in ("organizer", "admin"):
        return True
    return db.session.scalar(select(ExpertProfile.id).where(ExpertProfile.user_id == user.id,
                                                            ExpertProfile.status == "approved")) is not None


def speaker_choices() -> list[User]:
    """Return the people who may speak: approved experts and organizers."""
    experts = select(ExpertProfile.user_id).where(ExpertProfile.status == "approved")
    return list(db.session.scalars(select(User).where(
        User.disabled.is_(False), or_(User.role.in_(("organizer", "admin")), User.id.in_(experts))).order_by(User.name)))


def user_by_id(user_id: int | None) -> User | None:
    """Return an active account by id (for prefilled forms), or None."""
    user = db.session.get(User, user_id) if user_id else None
    return user if user is not None and not user.disabled else None


def topic_ids(slugs: list[str]) -> list[int]:
    """Return the ids of the topics with these slugs (unknown ones are skipped)."""
    if not slugs:
        return []
    return list(db.session.scalars(select(Topic.id).where(Topic.slug.in_(slugs[:50]))))


def focus_areas() -> list[FocusArea]:
    return list(db.session.scalars(select(FocusArea).order_by(FocusArea.position)))


def topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.name)))


def cities() -> list[City]:
    return list(db.session.scalars(select(City).order_by(City.name)))


# -- exchanges --------------------------------------------------------------------------------------

def create_exchange(*, actor: User, data: ExchangeData, first_session: SessionData | None = None,
                    speaker_id: int | None = None, invitee_id: int | None = None, publish: bool = False) -> Exchange:
    """Create an exchange (with its first session, a first speaker and a first invitee when given)."""
    permissions.require(actor, "exchange.create")
    exchange = Exchange(created_by=actor, status="draft")
    stage_exchange_data(exchange, data)
    db.session.add(exchange)
    if first_session is not None:
        session = stage_new_session(exchange, first_session, actor=actor)
        if speaker_id:
            stage_add_speaker(session, actor=actor, user_id=speaker_id, role=SpeakerRole.PANELIST)
    if publish:
        _publish(exchange)
        db.session.flush()
    if invitee_id:
        invite_user(exchange, actor=actor, user_id=invitee_id)
    db.session.commit()
    return exchange


@dataclass
class UpdateResult:
    exchange: Exchange
    over_capacity: int = 0  # people registered beyond a capacity that was lowered below them
    promoted: int = 0


def update_exchange(exchange: Exchange, *, actor: User, data: ExchangeData) -> UpdateResult:
    """Save an organizer's edits; a lowered capacity never removes anyone, a raised one promotes in order."""
    permissions.require(actor, "exchange.manage", exchange)
    lock_exchange(exchange.id)  # capacity and seats are read and changed together
    old_url = exchange.video_url
    stage_exchange_data(exchange, data)
    result = UpdateResult(exchange)
    if exchange.video_url != old_url:
        for session in notify.upcoming_sessions(exchange):
            bump_sequence(session)
            if exchange.status == "published":
                notify.session_changed(session, was=None)
    if exchange.capacity is not None:
        result.over_capacity = max(seats_taken(exchange.id) - exchange.capacity, 0)
    if exchange.status == "published" and not is_past(exchange):
        result.promoted = len(promote_waitlist(exchange))
    db.session.commit()
    return result


def _publish(exchange: Exchange) -> None:
    if not any(s.status == "scheduled" for s in exchange.sessions):
        raise Invalid(_l("Add at least one session before publishing."))
    if exchange.status == "cancelled":
        raise Conflict(_l("A cancelled exchange cannot be published again. Create a new one."))
    if is_past(exchange):
        raise Invalid(_l("Every session of this exchange has already ended; it cannot be published now."))
    exchange.status = "published"
    for session in exchange.sessions:
        bump_sequence(session)


def stage_publish_exchange(exchange: Exchange) -> None:
    """Publish and queue the invitations that waited for it (no commit; for `publish_exchange` and program import)."""
    _publish(exchange)
    db.session.flush()
    send_waiting_invitations(exchange)


def publish_exchange(exchange: Exchange, *, actor: User) -> Exchange:
    """Publish a draft; invitations waiting for publication are emailed now."""
    permissions.require(actor, "exchange.manage", exchange)
    if exchange.status != "published":
        stage_publish_exchange(exchange)
        db.session.commit()
    return exchange


def stage_cancel_exchange(exchange: Exchange, reason: str = "") -> None:
    """Cancel and queue the cancellations people get (no commit; for `cancel_exchange` and program import)."""
    if is_past(exchange):
        raise Invalid(_l("This exchange has already taken place; there is nothing left to cancel."))
    reason = _clean_text(reason, field_name="reason", label=_l("The reason"), max_len=1000)
    remaining = notify.upcoming_sessions(exchange)
    was_published = exchange.status == "published"
    exchange.status = "cancelled"
    for session in exchange.sessions:
        bump_sequence(session)
    if was_published or any(sp.status == "accepted" for s in remaining for sp in s.speakers):
        notify.exchange_cancelled(exchange, remaining, reason)


def cancel_exchange(exchange: Exchange, *, actor: User, reason: str = "") -> Exchange:
    """Cancel an exchange: every remaining session leaves everyone's calendar (METHOD:CANCEL)."""
    permissions.require(actor, "exchange.manage", exchange)
    if exchange.status != "cancelled":
        stage_cancel_exchange(exchange, reason)
        db.session.commit()
    return exchange


# -- sessions ---------------------------------------------------------------------------------------

def _session_times(data: SessionData) -> tuple[datetime, datetime]:
    if not is_zone(data.timezone):
        raise Invalid(_l("Unknown time zone “%(zone)s”. Choose one from the list.", zone=data.timezone or ""), field="timezone")
    starts_at = _to_utc(data.starts_local, data.timezone, data.start_fold, "starts_local")
    ends_at = _to_utc(data.ends_local, data.timezone, data.end_fold, "ends_local")
    if ends_at <= starts_at:
        raise Invalid(_l("The session must end after it starts."), field="ends_local")
    if ends_at - starts_at > timedelta(hours=MAX_SESSION_HOURS):
        raise Invalid(_l("A session can last at most %(n)d hours; split longer ones.", n=MAX_SESSION_HOURS), field="ends_local")
    return starts_at, ends_at


def _session_fields(session: ExchangeSession, data: SessionData) -> None:
    session.title = _clean_text(data.title, field_name="title", label=_l("a title"), max_len=200, required=True)
    session.description = _clean_text(data.description, field_name="description", label=_l("The description"),
                                      max_len=5000)
    session.premoderate_questions = bool(data.premoderate_questions)
    if data.track_id:
        track = db.session.get(Track, data.track_id)
        if track is None or track.exchange_id != session.exchange.id:
            raise Invalid(_l("Choose a track of this exchange."), field="track_id")
        session.track = track
    else:
        session.track = None


def stage_new_session(exchange: Exchange, data: SessionData, *, actor: User | None) -> ExchangeSession:
    """Check and add a session in the future (no commit, nobody told; for `add_session`, `create_exchange`, import)."""
    starts_at, ends_at = _session_times(data)
    if starts_at <= utcnow():
        raise Invalid(_l("That time has already passed. Choose a start in the future."), field="starts_local")
    # Defaults set here, not at flush: the rest of the use case reads them before anything is flushed.
    session = ExchangeSession(exchange=exchange, starts_at=starts_at, ends_at=ends_at, timezone=data.timezone,
                              status="scheduled", room_status=RoomStatus.SCHEDULED, ical_sequence=0)
    _session_fields(session, data)
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
        for registration in exchange.registrations:
            if registration.holds_seat:
                notify._per_session(registration.user, "session_added",
                                    _l("New session: %(title)s", title=exchange.title), exchange=exchange,
                                    intro=_l("A session was added to “%(title)s”, which you are registered for.",
                                             title=exchange.title), method="REQUEST", sessions=[session])
    db.session.commit()
    return session


def stage_update_session(session: ExchangeSession, data: SessionData, *, actor: User | None) -> bool:
    """Apply edits to a session (no commit); return whether its time moved (everyone concerned is told)."""
    exchange = session.exchange
    starts_at, ends_at = _session_times(data)
    moved = (starts_at, ends_at) != (session.starts_at, session.ends_at)
    was = (session.starts_at, session.ends_at)
    if moved:
        if session.starts_at <= utcnow():
            raise Invalid(_l("This session started on %(when)s; its time can no longer be changed.",
                             when=format_span(session.starts_at, session.ends_at, _zone_of(actor))),
                          field="starts_local")
        if session.status == "cancelled":
            raise Conflict(_l("This session is cancelled; add a new session instead of moving it."))
        if starts_at <= utcnow():
            raise Invalid(_l("That time has already passed. Choose a start in the future."), field="starts_local")
        for speaker in session.speakers:
            if speaker.status != "declined":
                _check_clash(speaker.user, starts_at, ends_at, exclude_session_id=session.id, actor=actor)
        session.starts_at, session.ends_at = starts_at, ends_at
        bump_sequence(session)
    session.timezone = data.timezone
    _session_fields(session, data)
    if moved and (exchange.status == "published" or any(sp.status == "accepted" for sp in session.speakers)):
        notify.session_changed(session, was=was)
    return moved


def update_session(session: ExchangeSession, *, actor: User, data: SessionData) -> ExchangeSession:
    """Edit a session; a new time raises its SEQUENCE, is checked against speakers' other sessions and is
    sent to everyone concerned. A session that has started keeps its time."""
    permissions.require(actor, "exchange.manage", session.exchange)
    stage_update_session(session, data, actor=actor)
    db.session.commit()
    return session


def stage_cancel_session(session: ExchangeSession) -> None:
    """Cancel a session that has not started and queue its notices (no commit; for `cancel_session` and import)."""
    if session.starts_at <= utcnow():
        raise Invalid(_l("This session has already started; it cannot be cancelled now."))
    session.status = "cancelled"
    bump_sequence(session)
    if session.exchange.status == "published" or any(sp.status == "accepted" for sp in session.speakers):
        notify.session_cancelled(session)


def cancel_session(session: ExchangeSession, *, actor: User) -> ExchangeSession:
    """Cancel one session (the exchange goes on); it leaves everyone's calendar."""
    permissions.require(actor, "exchange.manage", session.exchange)
    if session.status != "cancelled":
        stage_cancel_session(session)
        db.session.commit()
    return session


def add_track(exchange: Exchange, *, actor: User, name: str) -> Track:
    """Add a track to a conference's agenda."""
    permissions.require(actor, "exchange.manage", exchange)
    name = _clean_text(name, field_name="name", label=_l("a track name"), max_len=120, required=True)
    if any(t.name.lower() == name.lower() for t in exchange.tracks):
        raise Conflict(_l("This exchange already has a track called “%(name)s”.", name=name), field="name")
    track = Track(exchange=exchange, name=name, position=len(exchange.tracks))
    db.session.add(track)
    db.session.commit()
    return track


# -- speakers ---------------------------------------------------------------------------------------


def _zone_of(actor: User | None) -> str:
    return (actor.timezone if actor is not None else None) or "UTC"


def _check_clash(user: User, starts_at: datetime, ends_at: datetime, *, exclude_session_id: int | None,
                 actor: User | None) -> None:
    query = (select(ExchangeSession).join(SessionSpeaker, SessionSpeaker.session_id == ExchangeSession.id)
             .join(Exchange, Exchange.id == ExchangeSession.exchange_id)
             .where(SessionSpeaker.user_id == user.id, SessionSpeaker.status != "declined",
                    ExchangeSession.status == "scheduled", Exchange.status != "cancelled",
                    and_(ExchangeSession.starts_at < ends_at, ExchangeSession.ends_at > starts_at))
             .order_by(ExchangeSession.starts_at).limit(1))
    if exclude_session_id is not None:
        query = query.where(ExchangeSession.id != exclude_session_id)
    other = db.session.scalar(query)
    if other is not None:
        raise Conflict(_l("%(name)s already speaks at “%(session)s” (%(title)s), %(when)s, which overlaps this session.",
                          name=user.name, session=other.title, title=other.exchange.title,
                          when=format_span(other.starts_at, other.ends_at, _zone_of(actor))), field="user_id")


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
    _check_clash(user, session.starts_at, session.ends_at, exclude_session_id=session.id, actor=actor)
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
    permissions.require(actor, "exchange.manage", speaker.session.exchange)
    notify.speaker_removed(speaker)
    db.session.delete(speaker)
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
        _check_clash(speaker.user, session.starts_at, session.ends_at, exclude_session_id=session.id,
                     actor=speaker.user)
    if not accept and speaker.status == "accepted":
        notify.speaker_removed(speaker)  # while still accepted, so their calendar entry is cancelled
    speaker.status, speaker.responded_at = new_status, utcnow()
    if accept:
        notify.speaker_confirmed(speaker)
    db.session.commit()
    return speaker


STAKEHOLDER_LABELS = {
    "political_leaders": _l("Political leaders"),
    "innovation_staff": _l("Innovation staff"),
    "administrators": _l("Administrators"),
    "tech_leaders": _l("Technology leaders"),
    "civil_society": _l("Civil society"),
}
