"""What every exchange write checks the same way: the input an organizer enters, its text and times; speakers'
clashes.

Each check raises `Invalid` (or `Conflict`) naming the form field; nothing here changes anything. The writes of
`lifecycle`, `sessions` and `speakers` (and program import) share these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select

from ..accounts.models import User
from ..common import permissions, text, timefmt
from ..common.errors import Conflict, Invalid
from ..common.time import local_to_utc
from ..extensions import db
from .models import Exchange, ExchangeSession, SessionSpeaker

LANGUAGES = ("en", "es", "pt", "fr", "ar", "zh", "hi", "bn", "ur", "id", "ja", "ko", "ru", "tr", "sw", "yo", "ha",
             "tl", "th", "vi", "fa")
MAX_SESSION_HOURS = 12

STAKEHOLDER_LABELS = {
    "political_leaders": _l("Political leaders"),
    "innovation_staff": _l("Innovation staff"),
    "administrators": _l("Administrators"),
    "tech_leaders": _l("Technology leaders"),
    "civil_society": _l("Civil society"),
}


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
    video_url: str = ""  # the session's own link; "" uses the exchange's


def check_video_url(url: str | None) -> str:
    """Return a video link (an exchange's or a session's) trimmed: a full https:// address, or "" for none."""
    url = (url or "").strip()
    if url and (not url.startswith("https://") or len(url) > 500 or any(c.isspace() for c in url)
                or len(url) == len("https://")):
        raise Invalid(_l("Enter the video link as a full web address starting with https://."), field="video_url")
    return url


def clean_text(value: str | None, *, field_name: str, label, max_len: int, required: bool = False,
               drop_controls: bool = False) -> str:
    """Trim a field of an exchange or session (its lines kept); its errors name the field by `label`."""
    return text.clean_text(value, field=field_name, max_len=max_len, required=required, drop_controls=drop_controls,
                           empty=_l("Enter %(what)s.", what=label),
                           too_long=_l("%(what)s can be at most %(n)d characters.", what=label, n=max_len))


def to_utc(local: datetime, zone: str, fold: int | None, field_name: str) -> datetime:
    """Convert wall time to UTC, naming the form field in the error (gap rejected, fall-back needs a fold)."""
    try:
        return local_to_utc(local, zone, fold=fold)
    except Invalid as exc:
        raise Invalid(exc.message, field=field_name if exc.field != "timezone" else "timezone",
                      details=exc.details) from exc


def zone_of(actor: User | None) -> str:
    """Return the zone an actor reads times in (UTC when unknown)."""
    return (actor.timezone if actor is not None else None) or "UTC"


def check_clash(user: User, starts_at: datetime, ends_at: datetime, *, exclude_session_id: int | None,
                actor: User | None) -> None:
    """Raise Conflict when `user` already speaks at another scheduled session overlapping these times (shown in
    `actor`'s zone)."""
    query = (select(ExchangeSession).join(SessionSpeaker, SessionSpeaker.session_id == ExchangeSession.id)
             .join(Exchange, Exchange.id == ExchangeSession.exchange_id)
             .where(SessionSpeaker.user_id == user.id, SessionSpeaker.status != "declined",
                    ExchangeSession.status == "scheduled", Exchange.status != "cancelled",
                    and_(ExchangeSession.starts_at < ends_at, ExchangeSession.ends_at > starts_at))
             .order_by(ExchangeSession.starts_at).limit(1))
    if exclude_session_id is not None:
        query = query.where(ExchangeSession.id != exclude_session_id)
    other = db.session.scalar(query)
    if other is not None and actor is not None and not permissions.can(actor, "exchange.view", other.exchange):
        # Another team's draft or private exchange: its name and time stay theirs.
        raise Conflict(_l("%(name)s already speaks at another session that overlaps this one.", name=user.name),
                       field="user_id")
    if other is not None:
        raise Conflict(_l("%(name)s already speaks at “%(session)s” (%(title)s), %(when)s, which overlaps this session.",
                          name=user.name, session=other.title, title=other.exchange.title,
                          when=timefmt.span(other.starts_at, other.ends_at, zone_of(actor))), field="user_id")
