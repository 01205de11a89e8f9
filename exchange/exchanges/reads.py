"""The exchanges' reads: one exchange or session for an actor, the listing, agendas, the people of an exchange
and the choices the forms offer.

Nothing here writes. What `actor` may see is asked of `common.permissions` (the `exchange.*` rules).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..accounts.models import User
from ..common import permissions
from ..common.errors import NotFound
from ..common.time import utcnow
from ..experts.models import City, ExpertProfile, FocusArea, Topic
from ..extensions import db
from .models import Exchange, ExchangeSession, Registration, SessionSpeaker, SpeakerRole
from .permissions import team_clause
from .timeinfo import hours_warnings

PER_PAGE = 20


def get_exchange(exchange_id: int, *, actor) -> Exchange:
    """Return the exchange if `actor` may see it; a hidden one is reported missing, like a missing one."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or not permissions.can(actor, "exchange.view", exchange):
        raise NotFound(_l("There is no such exchange, or it is not open to you."))
    return exchange


def get_managed_exchange(exchange_id: int, *, actor) -> Exchange:
    """Return the exchange for its team and administrators; anyone else gets NotFound (nothing is revealed)."""
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
    mine: bool = False  # only the exchanges of the reader's teams


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

    Everyone sees published public exchanges; an organizer also sees the drafts, invite-only and cancelled
    exchanges of their teams, an administrator every one (unless `public_only`, as for the API).
    """
    query = select(Exchange)
    public = and_(Exchange.status == "published", Exchange.visibility == "public")
    if public_only or not permissions.is_organizer(actor):
        query = query.where(public)
    elif not permissions.is_admin(actor):
        query = query.where(or_(public, team_clause(actor, Exchange.id)))
    if filters.mine and not public_only:
        query = query.where(team_clause(actor, Exchange.id) if permissions.is_organizer(actor) else False)
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


def people_of(exchange: Exchange, session: ExchangeSession | None = None) -> list[tuple[str, str, str]]:
    """Return (name, zone, role) of the people at `session` — its speakers and the people registered or waiting
    (they attend every session) — or, without a session, of the whole exchange, for the hours check; the role is
    the word a reader sees ("host", "registrant"), translated when shown."""
    people: dict[int, tuple[str, str, str]] = {}
    for each in [session] if session is not None else exchange.sessions:
        for speaker in each.speakers:
            if speaker.status != "declined":
                people[speaker.user_id] = (speaker.user.name, speaker.user.timezone or "UTC", SpeakerRole(speaker.role).noun)
    for registration in exchange.registrations:
        if registration.active:
            people.setdefault(registration.user_id, (registration.user.name, registration.user.timezone or "UTC",
                                                     _l("registrant")))
    return list(people.values())


def participant_ids(exchange: Exchange) -> list[int]:
    """Return the ids of the exchange's speakers and people registered or waiting (for the assistant)."""
    ids = [sp.user_id for s in exchange.sessions for sp in s.speakers if sp.status != "declined"]
    ids += [r.user_id for r in exchange.registrations if r.active]
    return list(dict.fromkeys(ids))


def organizer_warnings(exchange: Exchange, locale: str = "en"):
    """Return sessions that fall outside 07:00–22:00 for one of their speakers or a registrant (shown to
    organizers); a speaker is named only for the sessions he speaks in."""
    upcoming = [s for s in exchange.sessions if s.ends_at > utcnow()]
    return hours_warnings(upcoming, lambda session: people_of(exchange, session), locale)


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
