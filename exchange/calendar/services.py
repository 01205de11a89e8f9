"""Calendar use cases: the calendar part of invites, subscription feeds, feed tokens and session reminders.

The rules (DESIGN.md §3): one VEVENT per session with a UID that never changes and the SEQUENCE stored on
the session; METHOD:REQUEST with ORGANIZER and the one ATTENDEE for invites and updates, METHOD:CANCEL
with STATUS:CANCELLED for cancellations; METHOD:PUBLISH for feeds and downloads.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from babel.dates import format_timedelta
from flask import current_app
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.routing import BuildError

from ..accounts.models import User
from ..common import permissions, timefmt
from ..common.errors import NotFound
from ..common.i18n import translated
from ..common.scheduler import Loop, start_every
from ..common.time import get_zone, utcnow
from ..common.tokens import new_token
from ..common.urls import absolute_url, path_for, public_url
from ..exchanges.models import (
    CHAIRING,
    SEAT_HOLDING,
    Exchange,
    ExchangeSession,
    Registration,
    RegistrationStatus,
    SessionSpeaker,
    SpeakerRole,
)
from ..extensions import db
from ..mail.models import OutboxMessage
from ..mail.services import CalendarPart, Recipient, last_calendar, queue_email
from . import builders, links
from .builders import EventData, Person
from .models import CalendarReminder

log = logging.getLogger(__name__)

CANCELLED_KEPT = timedelta(days=30)  # cancelled sessions stay in feeds, marked CANCELLED, this long
PUBLIC_HISTORY = timedelta(days=90)  # the public feed keeps sessions that ended this recently
FEED_REFRESH = timedelta(hours=1)
REMINDERS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}
SPEAKER_ROLES = {role: "CHAIR" if role in CHAIRING else "REQ-PARTICIPANT" for role in SpeakerRole}
ICAL_ROLES = ("CHAIR", "REQ-PARTICIPANT", "OPT-PARTICIPANT", "NON-PARTICIPANT")
ROLE_NAMES = {role: role.noun for role in SpeakerRole}


# -- links ----------------------------------------------------------------------------------------------

def _endpoint(endpoint: str, **values) -> str | None:
    """Return the path of another feature's page when that page exists (it may live on another branch)."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return path_for(endpoint, **values)
    except BuildError:
        return None


def exchange_url(exchange: Exchange) -> str:
    """Return the exchange page, where people change their registration and find the join link."""
    return absolute_url(_endpoint("exchanges.detail", exchange_id=exchange.id) or f"/exchanges/{exchange.id}")


def join_url(session: ExchangeSession) -> str:
    """Return the page people open to join `session` (its live room when that exists)."""
    path = _endpoint("live.room", session_id=session.id)
    return absolute_url(path) if path else exchange_url(session.exchange) + f"#session-{session.id}"


def exchange_calendar_url(exchange: Exchange) -> str:
    """Return the METHOD:PUBLISH download of one exchange."""
    return public_url("calendar.exchange_calendar", exchange_id=exchange.id)


def public_feed_url() -> str:
    """Return the public feed of every public exchange."""
    return public_url("calendar.public_feed")


def personal_feed_url(user: User) -> str | None:
    """Return the person's private feed address, or None before a token exists."""
    if not user.calendar_token:
        return None
    return public_url("calendar.personal_feed", token=user.calendar_token)


def organizer() -> Person:
    """Return the ORGANIZER: the address emails come from (replies to it are not processed)."""
    name, address = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    return Person(email=address or "no-reply@peer-exchange.local", name=name or "Peer Exchange")


def calendar_links(*, session=None, feed_url: str | None = None, name: str | None = None) -> dict[str, str]:
    """Return add-to-calendar links for a session, or subscribe links for a feed address ({} for neither)."""
    if isinstance(session, ExchangeSession):
        data = event_data(session)
        download = exchange_calendar_url(session.exchange)
        return {"google": links.google_event_url(data), "outlook": links.outlook_event_url(data),
                "ics": download, "webcal": links.webcal_url(download)}
    if feed_url:
        title = name or str(_l("Peer Exchange: my sessions"))
        return {"feed": feed_url, "webcal": links.webcal_url(feed_url),
                "google": links.google_subscribe_url(feed_url), "outlook": links.outlook_subscribe_url(feed_url, title)}
    return {}


# -- what one event says -----------------------------------------------------------------------------

def session_title(session: ExchangeSession) -> str:
    """Return the SUMMARY: the exchange's title, and the session's when they differ."""
    exchange = session.exchange
    if not session.title or session.title == exchange.title:
        return exchange.title
    return f"{exchange.title}: {session.title}"


def session_cancelled(session: ExchangeSession) -> bool:
    """Tell whether the session, or its whole exchange, is cancelled."""
    return session.status == "cancelled" or session.exchange.status == "cancelled"


def _status(session: ExchangeSession) -> str:
    if session_cancelled(session):
        return "CANCELLED"
    return "TENTATIVE" if session.exchange.status == "draft" else "CONFIRMED"


def accepted_speakers(session: ExchangeSession) -> list[SessionSpeaker]:
    """Return the speakers who accepted, hosts first."""
    order = {role: n for n, role in enumerate(SpeakerRole)}
    return sorted((s for s in session.speakers if s.status == "accepted"),
                  key=lambda s: (order.get(s.role, 3), s.user.name))


def _description(session: ExchangeSession, join: str, change: str) -> str:
    """Return DESCRIPTION in the current locale: agenda, speakers, the join page, how to change."""
    exchange = session.exchange
    parts = []
    agenda = (session.description or "").strip()
    about = (exchange.description or "").strip()
    if agenda:
        parts.append(agenda)
    if about and about != agenda:
        parts.append(about)
    speakers = accepted_speakers(session)
    if speakers:
        lines = [f"- {s.user.name} ({ROLE_NAMES.get(s.role, s.role)})" for s in speakers]
        parts.append(str(_l("Speakers:")) + "\n" + "\n".join(lines))
    parts.append(str(_l("Join: %(url)s", url=join)))
    parts.append(str(_l("Replies from calendar programs are not read. To change or cancel your registration, "
                        "go to %(url)s", url=change)))
    return "\n\n".join(parts)


def event_data(session: ExchangeSession, *, attendee: Person | None = None, status: str | None = None,
               sequence: int | None = None) -> EventData:
    """Return what the VEVENT of `session` says (text in the current locale); SEQUENCE is the session's unless
    `sequence` is given (an emailed copy: `_sequence_for`)."""
    exchange = session.exchange
    join, page = join_url(session), exchange_url(exchange)
    zone = session.timezone if session.timezone and session.timezone != "UTC" else "UTC"
    if zone != "UTC":
        get_zone(zone)  # an unknown zone fails here with a clear message, not inside the builder
    return EventData(
        uid=session.ical_uid, sequence=session.ical_sequence if sequence is None else sequence, start=session.starts_at, end=session.ends_at,
        zone=zone, summary=session_title(session), description=_description(session, join, page),
        url=join, location=str(_l("Online: %(url)s", url=join)), status=status or _status(session),
        categories=tuple(translated(area.name) for area in exchange.focus_areas), organizer=organizer(),
        attendees=(attendee,) if attendee else (), last_modified=session.updated_at,
    )


def ical_role(role: str) -> str:
    """Map a speaker role (host, moderator, panelist) or participant to an iCalendar ROLE."""
    if role in ICAL_ROLES:
        return role
    return SPEAKER_ROLES.get(role, "REQ-PARTICIPANT")


def _sequence_for(session: ExchangeSession, recipient) -> int:
    """Return the SEQUENCE of the next emailed message about `session` to `recipient` (RFC 5546 §2.1.4).

    The session's SEQUENCE (raised by every change of the session itself), and above every SEQUENCE this person
    was already sent, or may still be sent, for this event (the outbox remembers them: `mail.last_calendar`). So a
    cancelled registration's CANCEL goes above her invite, registering again goes above the CANCEL, and a
    calendar never sees two messages with one SEQUENCE from us. A recipient without an account starts from the
    session's.
    """
    user_id = recipient.user_id if isinstance(recipient, Recipient) else getattr(recipient, "id", None)
    sent = last_calendar(user_id, session.ical_uid) if user_id else None
    base = session.ical_sequence or 0
    if sent is None or sent.sequence is None:
        return base
    return max(base, sent.sequence + 1)


def invite_part(session: ExchangeSession, recipient, *, method: str = "REQUEST",
                role: str = "REQ-PARTICIPANT") -> CalendarPart:
    """Build the calendar part of an invite (REQUEST) or cancellation (CANCEL) for one recipient.

    `recipient` is a User or a mail Recipient (email, name, language). The text inside the file is in
    the recipient's language; times keep the session's zone, which every client converts. Its SEQUENCE is
    `_sequence_for` the recipient: above everything she was sent for this event.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"an emailed calendar part is REQUEST or CANCEL, not {method!r}")
    whole_cancelled = session_cancelled(session)
    # A cancelled registration is the person leaving (DECLINED); a cancelled session changes no answer.
    partstat = "DECLINED" if method == "CANCEL" and not whole_cancelled else "ACCEPTED"
    with force_locale(getattr(recipient, "language", None) or "en"):
        data = event_data(session, attendee=Person(email=recipient.email, name=recipient.name or "",
                                                   role=ical_role(role), partstat=partstat),
                          status="CANCELLED" if method == "CANCEL" else None,
                          sequence=_sequence_for(session, recipient))
    cal = builders.build_calendar([data], method=method, stamp=utcnow())
    return CalendarPart(ics=builders.to_ics(cal), method=method, uid=session.ical_uid, sequence=data.sequence)


# -- what reminder emails say ------------------------------------------------------------------------

def _mail_context(session: ExchangeSession, recipient: Recipient, role: str) -> dict:
    exchange = session.exchange
    locale = recipient.language or "en"
    session_zone = session.timezone or "UTC"
    return {
        "session": session, "exchange": exchange, "title": session_title(session), "role": role,
        "role_name": ROLE_NAMES.get(role), "role_names": ROLE_NAMES, "speakers": accepted_speakers(session),
        "when": timefmt.span(session.starts_at, session.ends_at, recipient.timezone or "UTC", locale, length="full"),
        "when_session": (timefmt.span(session.starts_at, session.ends_at, session_zone, locale, length="full")
                         if session_zone != (recipient.timezone or "UTC") else None),
        "join_link": join_url(session), "exchange_link": exchange_url(exchange),
    }


# -- feeds ---------------------------------------------------------------------------------------------

def _feed_options():
    return (selectinload(ExchangeSession.exchange).selectinload(Exchange.focus_areas),
            selectinload(ExchangeSession.speakers).joinedload(SessionSpeaker.user))


def _cancelled_since(session: ExchangeSession) -> datetime | None:
    times = []
    if session.status == "cancelled":
        times.append(session.updated_at)
    if session.exchange.status == "cancelled":
        times.append(session.exchange.updated_at)
    return max(times) if times else None


# Feeds are polled by calendar programs again and again, and serialising a few hundred events is most of their
# cost (bench/RESULTS.md). A file is kept under the digest of everything it says, so a change of any event makes
# a new key: never stale, only a repeat of identical content is served from memory (DTSTAMP: when first made).
_FEED_CACHE_SIZE = 128
_rendered: OrderedDict[str, bytes] = OrderedDict()
_rendered_lock = threading.Lock()


def feed_digest(datas: list[EventData], name: str) -> str:
    """Return the digest of what a feed says (its ETag): the same events and name give the same digest."""
    return hashlib.sha256(repr((name, FEED_REFRESH, datas)).encode()).hexdigest()[:32]


def _render(datas: list[EventData], name: str) -> bytes:
    return render_feed(datas, name)[1]


def render_feed(datas: list[EventData], name: str) -> tuple[str, bytes]:
    """Return (digest, METHOD:PUBLISH file) for `datas`, from memory when the same content was made before."""
    key = feed_digest(datas, name)
    with _rendered_lock:
        if key in _rendered:
            _rendered.move_to_end(key)
            return key, _rendered[key]
    cal = builders.build_calendar(datas, method="PUBLISH", stamp=utcnow(), name=name, refresh=FEED_REFRESH)
    body = builders.to_ics(cal)
    with _rendered_lock:
        _rendered[key] = body
        while len(_rendered) > _FEED_CACHE_SIZE:
            _rendered.popitem(last=False)
    return key, body


def user_for_token(token: str) -> User:
    """Return the active account whose feed token this is, or raise NotFound."""
    if not token or len(token) > 64:
        raise NotFound(_l("There is no calendar at this address. Copy the current address from your profile."))
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    if user is None or user.disabled:
        raise NotFound(_l("There is no calendar at this address. Copy the current address from your profile."))
    return user


def personal_sessions(user: User, *, now: datetime | None = None) -> list[tuple[ExchangeSession, str]]:
    """Return (session, STATUS) for every session `user` is registered for or speaks at.

    Cancelled sessions, exchanges and registrations stay for CANCELLED_KEPT, marked CANCELLED, so a
    subscribed calendar shows what happened instead of an event silently vanishing.
    """
    now = now or utcnow()
    registrations = {r.exchange_id: r for r in db.session.scalars(
        select(Registration).where(Registration.user_id == user.id,
                                   Registration.status.in_((*SEAT_HOLDING, RegistrationStatus.CANCELLED))))}
    speaking = set(db.session.scalars(select(SessionSpeaker.session_id).where(
        SessionSpeaker.user_id == user.id, SessionSpeaker.status == "accepted")))
    reg_exchanges = select(Registration.exchange_id).where(
        Registration.user_id == user.id, Registration.status.in_((*SEAT_HOLDING, RegistrationStatus.CANCELLED)))
    spk_sessions = select(SessionSpeaker.session_id).where(
        SessionSpeaker.user_id == user.id, SessionSpeaker.status == "accepted")
    sessions = db.session.scalars(
        select(ExchangeSession).where(or_(ExchangeSession.exchange_id.in_(reg_exchanges),
                                          ExchangeSession.id.in_(spk_sessions)))
        .options(*_feed_options()).order_by(ExchangeSession.starts_at, ExchangeSession.id)).all()
    result = []
    for session in sessions:
        registration = registrations.get(session.exchange_id)
        since = _cancelled_since(session)
        if session.id not in speaking and registration is not None and registration.status == "cancelled":
            since = max(filter(None, (since, registration.updated_at)))
        if since is not None:
            if since < now - CANCELLED_KEPT:
                continue
            result.append((session, "CANCELLED"))
        else:
            result.append((session, _status(session)))
    return result


def personal_feed_with_digest(token: str, *, now: datetime | None = None) -> tuple[str, bytes]:
    """Return (digest, private feed: METHOD:PUBLISH in its owner's language); the digest changes exactly when
    the feed's content does (its ETag)."""
    user = user_for_token(token)
    with force_locale(user.language or "en"):
        datas = [event_data(s, status=status) for s, status in personal_sessions(user, now=now)]
        name = str(_l("Peer Exchange: my sessions"))
    return render_feed(datas, name)


def public_feed(*, now: datetime | None = None) -> bytes:
    """Return the feed of every published public exchange (recent and upcoming sessions)."""
    now = now or utcnow()
    sessions = db.session.scalars(
        select(ExchangeSession).join(ExchangeSession.exchange)
        .where(Exchange.visibility == "public", Exchange.status.in_(("published", "cancelled")),
               ExchangeSession.ends_at >= now - PUBLIC_HISTORY)
        .options(*_feed_options()).order_by(ExchangeSession.starts_at, ExchangeSession.id)).all()
    datas = []
    for session in sessions:
        since = _cancelled_since(session)
        if since is not None and since < now - CANCELLED_KEPT:
            continue
        datas.append(event_data(session))
    return _render(datas, str(_l("Peer Exchange: public program")))


def get_exchange_for_calendar(exchange_id: int, *, actor) -> Exchange:
    """Return the exchange if `actor` may see it, else raise NotFound (missing and hidden look alike)."""
    exchange = db.session.get(Exchange, exchange_id)
    if exchange is None or not permissions.can(actor, "exchange.calendar", exchange):
        raise NotFound(_l("There is no exchange at this address."))
    return exchange


def exchange_calendar(exchange_id: int, *, actor) -> tuple[Exchange, bytes]:
    """Return one exchange's sessions as a METHOD:PUBLISH file."""
    exchange = get_exchange_for_calendar(exchange_id, actor=actor)
    sessions = db.session.scalars(select(ExchangeSession).where(ExchangeSession.exchange_id == exchange.id)
                                  .options(*_feed_options()).order_by(ExchangeSession.starts_at)).all()
    return exchange, _render([event_data(s) for s in sessions], exchange.title)


def regenerate_calendar_token(user: User, *, actor) -> str:
    """Give `user` a new feed token; the old feed address stops working at once."""
    permissions.require(actor, "account.edit", user)
    user.calendar_token = new_token()
    db.session.commit()
    return user.calendar_token


# -- reminders ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DueReminder:
    session_id: int
    user_id: int
    kind: str
    role: str


def _kind_due(starts_at: datetime, now: datetime) -> str | None:
    """Return the reminder due for a session starting at `starts_at`: 1h inside the last hour, else 24h."""
    if not now < starts_at:
        return None
    if starts_at - REMINDERS["1h"] <= now:
        return "1h"
    if starts_at - REMINDERS["24h"] <= now:
        return "24h"
    return None


def due_reminders(*, now: datetime | None = None) -> list[DueReminder]:
    """Return the reminders due now and not yet sent (a missed window still counts until the start)."""
    now = now or utcnow()
    sessions = db.session.execute(
        select(ExchangeSession.id, ExchangeSession.exchange_id, ExchangeSession.starts_at)
        .join(ExchangeSession.exchange)
        .where(ExchangeSession.status == "scheduled", Exchange.status == "published",
               ExchangeSession.starts_at > now, ExchangeSession.starts_at <= now + REMINDERS["24h"])).all()
    kinds = {sid: _kind_due(starts, now) for sid, _ex, starts in sessions}
    kinds = {sid: kind for sid, kind in kinds.items() if kind}
    if not kinds:
        return []
    wanted: dict[tuple[int, int], str] = {}
    exchange_of = {sid: ex for sid, ex, _s in sessions if sid in kinds}
    for exchange_id, user_id in db.session.execute(
            select(Registration.exchange_id, Registration.user_id).join(Registration.user)
            .where(Registration.exchange_id.in_(set(exchange_of.values())), Registration.holds_seat,
                   User.disabled.is_(False))):
        for sid, ex in exchange_of.items():
            if ex == exchange_id:
                wanted.setdefault((sid, user_id), "participant")
    for sid, user_id, role in db.session.execute(
            select(SessionSpeaker.session_id, SessionSpeaker.user_id, SessionSpeaker.role).join(SessionSpeaker.user)
            .where(SessionSpeaker.session_id.in_(kinds), SessionSpeaker.status == "accepted",
                   User.disabled.is_(False))):
        wanted[sid, user_id] = role  # a speaker who also registered is reminded once, as a speaker
    sent = set(db.session.execute(
        select(CalendarReminder.session_id, CalendarReminder.user_id, CalendarReminder.kind)
        .where(CalendarReminder.session_id.in_(kinds))).tuples())
    db.session.commit()  # end the read: each reminder below is its own short transaction
    return [DueReminder(sid, uid, kinds[sid], role) for (sid, uid), role in sorted(wanted.items())
            if (sid, uid, kinds[sid]) not in sent]


def _queue_reminder(due: DueReminder, now: datetime) -> OutboxMessage | None:
    claim = CalendarReminder(session_id=due.session_id, user_id=due.user_id, kind=due.kind, sent_at=now)
    db.session.add(claim)
    db.session.flush()  # claim first: a second sender stops here on the unique key
    session = db.session.get(ExchangeSession, due.session_id, options=[joinedload(ExchangeSession.exchange)])
    user = db.session.get(User, due.user_id)
    recipient = Recipient.of(user)
    context = _mail_context(session, recipient, due.role)
    with force_locale(recipient.language):
        context["starts_in"] = format_timedelta(session.starts_at - now, add_direction=True,
                                                locale=str(get_locale() or "en"))
    message = queue_email(recipient, "calendar_reminder", context=context | {"kind": due.kind},
                          subject=_l("Reminder: %(title)s", title=session_title(session)),
                          kind=f"calendar_reminder_{due.kind}")
    db.session.flush()
    claim.outbox_message_id = message.id
    return message


def send_due_reminders(*, now: datetime | None = None, attempts: int = 5) -> int:
    """Queue every due reminder once; return how many this call queued.

    Each reminder and its email commit together. When another sender (the server's thread and cron)
    got there first, the unique key refuses the second row and that one is skipped.
    """
    now = now or utcnow()
    queued = 0
    for due in due_reminders(now=now):
        for attempt in range(attempts):
            try:
                _queue_reminder(due, now)
                db.session.commit()
            except IntegrityError:
                db.session.rollback()  # already sent by someone else
            except OperationalError as exc:
                db.session.rollback()
                if "locked" not in str(exc).lower() or attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))  # SQLite: another sender holds the write lock
                continue
            else:
                queued += 1
            break
    return queued


def _reminder_round() -> None:
    count = send_due_reminders()
    if count:
        log.info("queued %s reminder(s)", count)


def start_reminder_scheduler(app, interval: float | None = None) -> Loop:
    """Start the reminder loop in a daemon thread (inside `exchange serve`); return the `Loop` that can stop it."""
    every = interval or float(app.config.get("REMINDER_INTERVAL", 60))
    return start_every(app, _reminder_round, interval=every, name="reminders")
