"""Queue emails in the caller's transaction; deliver them after commit by SMTP or to .eml files."""

from __future__ import annotations

import email
import json
import logging
import re
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_string
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid, parseaddr, parsedate_to_datetime
from pathlib import Path
from typing import NamedTuple

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from ..common.errors import NotFound
from ..common.permissions import require
from ..common.realtime import on_commit
from ..common.scheduler import Loop, start_every
from ..common.time import utcnow
from ..common.urls import path_for, request_context_for_rendering
from ..extensions import db
from .models import STATUSES, OutboxMessage

log = logging.getLogger(__name__)

CLAIM_SECONDS = 120
MAX_BACKOFF = timedelta(hours=6)
_wake = threading.Event()


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class CalendarPart:
    """An iCalendar body: shown inline (text/calendar; method=X) and attached as invite.ics."""

    ics: bytes
    method: str  # REQUEST, CANCEL or PUBLISH; must equal the METHOD inside `ics`
    uid: str | None = None  # the event's UID: the outbox remembers what each person's calendar was last sent
    sequence: int | None = None  # the SEQUENCE inside `ics`: the next message to this person for `uid` goes above it


@dataclass
class Recipient:
    email: str
    name: str = ""
    language: str = "en"
    timezone: str = "UTC"
    user_id: int | None = None

    @classmethod
    def of(cls, user) -> Recipient:
        """Return the recipient for a User, in that person's language and zone."""
        return cls(email=user.email, name=user.name, language=user.language or "en",
                   timezone=user.timezone or "UTC", user_id=user.id)


def build_message(*, sender: str, recipient: Recipient, subject: str, text: str, html: str,
                  calendar: CalendarPart | None = None) -> EmailMessage:
    """Build the MIME message: alternative(text, html[, calendar]) inside mixed when a file is attached.

    Address headers are `Address` objects (never joined strings); Date is the sending instant in UTC with its real
    offset (+0000). The calendar travels as bytes, inline and attached alike, so its lines keep their CRLF ends
    (RFC 5545 §3.1) whatever the mail library does to text.
    """
    msg = EmailMessage(policy=SMTP)
    sender_name, sender_email = parseaddr(sender)
    # Built by the email library, which quotes or encodes a display name as needed: a name with `,` `:` `;` `"`
    # or `<` stays a name and can never add or change a recipient.
    msg["From"] = Address(display_name=sender_name, addr_spec=sender_email or sender)
    msg["To"] = Address(display_name=recipient.name or "", addr_spec=recipient.email)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=sender_email.rpartition("@")[2] or "peer-exchange.local")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    if calendar is not None:
        msg.add_alternative(calendar.ics, maintype="text", subtype="calendar",
                            params={"method": calendar.method, "charset": "utf-8"})
        msg.make_mixed()
        msg.add_attachment(calendar.ics, maintype="application", subtype="ics", filename="invite.ics")
    return msg


_HEADER_SPACE = re.compile(r"[ \t\r\n\f\v\x85\u2028\u2029]+")


def _clean_header(value: str) -> str:
    # Header values never carry line breaks, whatever a person typed into a title or name. No-break spaces
    # stay: French puts one before ":" ("Rappel : …").
    return _HEADER_SPACE.sub(" ", str(value)).strip()


def queue_email(recipient: Recipient, template: str, *, subject: str, context: dict | None = None,
                calendar: CalendarPart | None = None, kind: str | None = None, coalesce_key: str | None = None,
                not_before: datetime | None = None, state: dict | None = None) -> OutboxMessage:
    """Render `mail/<template>.txt|.html` in the recipient's language and zone and add it to the outbox.

    The row joins the caller's transaction; delivery starts only after that commits, and not before
    `not_before` when given. `coalesce_key` marks it replaceable by a newer message (see `replace_unsent`),
    `state` is kept with it for the one that replaces it.
    `subject` should be a lazy string so it is translated into the recipient's language.
    """
    ctx = dict(context or {})
    ctx.update(recipient=recipient, tz=recipient.timezone, lang=recipient.language)
    with request_context_for_rendering(), force_locale(recipient.language):
        subject_text = _clean_header(str(subject))
        ctx["subject"] = subject_text
        text = render_template(f"mail/{template}.txt", **ctx)
        html = render_template(f"mail/{template}.html", **ctx)
    recipient = Recipient(email=_clean_header(recipient.email), name=_clean_header(recipient.name),
                          language=recipient.language, timezone=recipient.timezone, user_id=recipient.user_id)
    msg = build_message(sender=current_app.config["MAIL_DEFAULT_SENDER"], recipient=recipient,
                        subject=subject_text, text=text, html=html, calendar=calendar)
    row = OutboxMessage(kind=kind or template, to_addr=recipient.email, user_id=recipient.user_id,
                        subject=subject_text, raw=msg.as_string(), status="pending",
                        next_attempt_at=not_before or utcnow(), coalesce_key=coalesce_key,
                        coalesce_state=json.dumps(state, sort_keys=True) if state is not None else None,
                        ical_uid=calendar.uid if calendar is not None else None,
                        ical_method=calendar.method if calendar is not None else None,
                        ical_sequence=calendar.sequence if calendar is not None else None)
    db.session.add(row)
    on_commit(db.session, _wake.set)
    return row


# -- coalescing -------------------------------------------------------------------------------------
#
# A burst of changes (ten register/cancel loops, a hundred registrations in a minute) must not become a burst
# of emails, and the last change must never be lost. So a use case that wants one message per window first
# calls `replace_unsent(key)` and then queues the message for the state as it is now, with the same key and
# `not_before=window.not_before`. Replacing happens in the caller's transaction: a rollback keeps the old
# message. The window is fixed, not sliding: it opens with the first unsent message and a replacement keeps
# its time, so a person who keeps changing her mind still gets one message per window, never none.
# Rows are never deleted ("superseded", visible on the outbox page): the outbox drops nothing silently.

REPLACEABLE = ("pending", "failed")  # never "sending" (out of our hands) nor "sent"


@dataclass
class Window:
    """What `replace_unsent` found: when the open window ends, and what its first message knew."""

    not_before: datetime
    state: dict | None = None
    replaced: int = 0


def replace_unsent(key: str, *, window: timedelta) -> Window:
    """Mark the unsent messages with `key` superseded; return the window a replacement joins.

    Unsent means pending (waiting for its window or a retry) or failed. A message a sender has already
    claimed ("sending") is not touched: the claim (`_claim`) and this update exclude each other on the
    row, so every message is either sent or replaced, never both, never neither.
    """
    now = utcnow()
    rows = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.coalesce_key == key, OutboxMessage.status.in_(REPLACEABLE))
        .values(status="superseded", claimed_until=None)
        .returning(OutboxMessage.id, OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.next_attempt_at,
                   OutboxMessage.coalesce_state)
        .execution_options(synchronize_session=False)
    ).all()
    for row_id, *_rest in rows:  # rows already loaded in this session show their new status
        loaded = db.session.identity_map.get(db.session.identity_key(OutboxMessage, row_id))
        if loaded is not None:
            db.session.expire(loaded, ["status", "claimed_until"])
    # The window stays open even when its last change needed no message (registered, then cancelled again):
    # messages replaced earlier in it still hold its end, so the next one keeps that time instead of starting over.
    opened = db.session.scalar(
        select(func.min(OutboxMessage.next_attempt_at))
        .where(OutboxMessage.coalesce_key == key, OutboxMessage.status == "superseded",
               OutboxMessage.attempts == 0, OutboxMessage.next_attempt_at > now))
    not_before = min(opened, now + window) if opened is not None else now + window
    # The newest replaced message carries everything the window knew (each replacement passes it on).
    state = next((json.loads(r[4]) for r in sorted(rows, key=lambda r: r[0], reverse=True) if r[4]), None)
    return Window(not_before=not_before, state=state, replaced=len(rows))


def unsent_kinds(keys: list[str]) -> dict[str, str]:
    """Return {key: kind of its newest pending message} for those of `keys` that have one (few queries)."""
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), 500):
        for key, row_id, kind in db.session.execute(
                select(OutboxMessage.coalesce_key, OutboxMessage.id, OutboxMessage.kind)
                .where(OutboxMessage.coalesce_key.in_(keys[start:start + 500]), OutboxMessage.status == "pending")):
            if key not in found or row_id > found[key][0]:
                found[key] = (row_id, kind)
    return {key: kind for key, (_id, kind) in found.items()}


def last_kind(key: str) -> str | None:
    """Return the kind of the newest message with `key` that was sent or is being sent (what the reader knows)."""
    return db.session.scalar(
        select(OutboxMessage.kind).where(OutboxMessage.coalesce_key == key,
                                         OutboxMessage.status.in_(("sending", "sent")))
        .order_by(OutboxMessage.id.desc()).limit(1))


class CalendarSent(NamedTuple):
    """What a person's calendar was last sent for one event: the newest METHOD and the highest SEQUENCE so far."""

    method: str | None
    sequence: int | None


def last_calendar(user_id: int, uid: str) -> CalendarSent | None:
    """Return what was sent (or may be delivered) to `user_id` for event `uid`, or None when nothing was.

    Everything not superseded counts (pending, sending, sent and failed, which can be retried): when in doubt
    the caller sends one CANCEL too many, which a calendar ignores, rather than leave a stale entry behind.
    `method` is the newest message's: newest means queued last, not delivered last, since a calendar keeps the
    message with the highest (SEQUENCE, DTSTAMP) whatever order they arrive in (RFC 5546 §2.1.5). `sequence` is
    the highest SEQUENCE among them: the next message to her for `uid` goes above it (RFC 5546 §2.1.4).
    """
    sent = and_(OutboxMessage.user_id == user_id, OutboxMessage.ical_uid == uid, OutboxMessage.status != "superseded")
    highest = select(func.max(OutboxMessage.ical_sequence)).where(sent).scalar_subquery()
    row = db.session.execute(select(OutboxMessage.ical_method, highest).where(sent)
                             .order_by(OutboxMessage.id.desc()).limit(1)).first()
    return CalendarSent(row[0], row[1]) if row is not None else None


def window_for(name: str) -> timedelta:
    """Return a coalescing window from the config (seconds): MAIL_PERSON_WINDOW or MAIL_ORGANIZER_WINDOW."""
    return timedelta(seconds=float(current_app.config.get(name) or 0))


# -- secret links -----------------------------------------------------------------------------------
#
# Some emails carry a link that works by itself: a password reset, an address proof, an invitation, a speaker's
# answer, a survey, a private calendar feed. The database keeps only the hash of such a token (common/tokens.py),
# but the outbox row keeps the whole message so that it can be delivered (and retried). Once a real transport
# (SMTP) has delivered it, the row's copy of each such link is replaced by a dead one: an organizer still sees
# that a link was sent and where to, and a copy of the database opens nothing. Without MAIL_SERVER (the demo,
# development) the message "goes" to instance/outbox/*.eml, which holds the link anyway, so the row keeps it.

# Routes whose URL carries a secret token (`<token>`); tests/mail/test_outbox.py checks that every such route
# of the app is listed.
SECRET_LINK_ENDPOINTS = ("accounts.reset_password", "accounts.verify_email", "calendar.personal_feed",
                         "exchanges.invitation", "exchanges.speaking", "reports.survey")
REDACTED = "redacted-after-sending"
_PLACEHOLDER = "PLACEHOLDER"


def _secret_link_pattern() -> re.Pattern:
    prefixes = []
    for endpoint in SECRET_LINK_ENDPOINTS:
        path = path_for(endpoint, token=_PLACEHOLDER)
        prefixes.append(re.escape(path.partition(_PLACEHOLDER)[0]))
    return re.compile(rf"((?:{'|'.join(prefixes)}))[A-Za-z0-9_\-]{{16,}}")


def redact_secret_links(raw: str) -> str:
    """Return the message `raw` with the token of every secret link (SECRET_LINK_ENDPOINTS) replaced by REDACTED,
    in its text and HTML parts, whatever their transfer encoding."""
    pattern = _secret_link_pattern()
    message = message_from_string(raw, policy=SMTP)
    changed = False
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.get_content_subtype() not in ("plain", "html"):
            continue
        content = part.get_content()
        redacted = pattern.sub(rf"\g<1>{REDACTED}", content)
        if redacted != content:
            part.set_content(redacted, subtype=part.get_content_subtype(), charset="utf-8")
            changed = True
    return message.as_string() if changed else raw


# -- delivery ---------------------------------------------------------------------------------------

@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=1) * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim_message(message_id: int) -> bool:
    """Mark one message as being sent by this process; False when another process has it."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id,
               or_(OutboxMessage.status == "pending",
                   and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now)))
        .values(status="sending", claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    db.session.commit()
    return result.rowcount == 1


def _transport(raw: str, to_addr: str, message_id: int) -> None:
    config = current_app.config
    if config.get("MAIL_SERVER"):
        sender = parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
        cls = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        kwargs = {"context": ssl.create_default_context()} if config.get("MAIL_USE_SSL") else {}
        with cls(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"], **kwargs) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.sendmail(sender, [to_addr], raw.encode("utf-8"))
    else:
        folder = Path(config["MAIL_OUTBOX_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        stamp = utcnow().strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}-{message_id:06d}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(raw, encoding="utf-8")
        tmp.replace(path)  # a reader never sees half a file


def deliver_pending(limit: int = 100) -> DeliveryReport:
    """Deliver due messages once each; failures are retried later with backoff and stay visible."""
    report = DeliveryReport()
    now = utcnow()
    due = db.session.scalars(
        select(OutboxMessage.id)
        .where(or_(and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                   and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now)))
        .order_by(OutboxMessage.id).limit(limit)
    ).all()
    db.session.commit()
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    for message_id in due:
        if not claim_message(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        try:
            _transport(message.raw, message.to_addr, message.id)
        except Exception as exc:  # any transport failure: keep the message and try again later
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            message.claimed_until = None
            if message.attempts >= max_attempts:
                message.status = "failed"
                report.gave_up += 1
            else:
                message.status = "pending"
                message.next_attempt_at = utcnow() + _backoff(message.attempts)
            report.failed += 1
            report.errors.append(f"#{message.id} to {message.to_addr}: {message.last_error}")
            log.warning("mail #%s failed (attempt %s): %s", message.id, message.attempts, message.last_error)
        else:
            message.status = "sent"
            if current_app.config.get("MAIL_SERVER"):  # delivered for real: the row keeps no working link
                message.raw = redact_secret_links(message.raw)
            message.attempts += 1
            message.sent_at = utcnow()
            message.claimed_until = None
            message.last_error = None
            report.sent += 1
        db.session.commit()
    return report


def retry_failed() -> int:
    """Put messages that gave up back in the queue; return how many."""
    result = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=utcnow())
    )
    db.session.commit()
    return result.rowcount


def outbox_counts() -> dict[str, int]:
    """Return how many messages are in each status."""
    rows = db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    counts = dict.fromkeys(STATUSES, 0)
    counts.update(dict(rows))
    return counts


def seconds_until_due(limit: float) -> float:
    """Return how long until the next pending message is due (at most `limit`; 0 when one is due now)."""
    when = db.session.scalar(select(func.min(OutboxMessage.next_attempt_at))
                             .where(OutboxMessage.status == "pending"))
    if when is None:
        return limit
    return min(max((when - utcnow()).total_seconds(), 0.0), limit)


def _deliver_round(interval: float) -> float:
    """Deliver what is due; return how long to wait: until the next message is due, at most `interval`."""
    deliver_pending()
    return max(seconds_until_due(interval), 0.05)


def start_background_delivery(app, interval: float = 15.0) -> Loop:
    """Start delivering in a daemon thread; return the `Loop` that can stop it. The loop wakes early after a commit
    that queued mail, and when a message's coalescing window ends (so it leaves on time, not `interval` later)."""
    return start_every(app, lambda: _deliver_round(interval), interval=interval, name="outbox", wake=_wake)


def recent_messages(*, status: str | None = None, limit: int = 200) -> list[OutboxMessage]:
    """Return the newest outbox messages, optionally of one status."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(query))


@dataclass
class Part:
    """A part of a stored message other than its text and HTML bodies: an attachment or the inline calendar."""

    filename: str
    content_type: str  # with its method for a calendar part: "text/calendar; method=REQUEST"
    size: int  # bytes, decoded


@dataclass
class MessageView:
    """One outbox message as an organizer reads it: the row, its headers, its text, its HTML source, its parts."""

    row: OutboxMessage
    headers: list[tuple[str, str]]
    sent_date: datetime | None  # the Date header
    text: str
    html: str
    parts: list[Part]


SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted")


def read_message(message_id: int, *, actor) -> MessageView:
    """Return one outbox message as stored (organizers: `outbox.view`), parsed for reading; NotFound if none.

    What is shown is what the outbox holds: whatever a message's links were when it was queued (or after the
    outbox redacted them), nothing is rebuilt.
    """
    require(actor, "outbox.view", None, _l("Only organizers can read the outbox."))
    row = db.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(_l("There is no such message."))
    msg = email.message_from_string(row.raw, policy=default_policy)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    parts = []
    for part in msg.walk():
        if part.is_multipart() or part is text_part or part is html_part:
            continue
        content_type = part.get_content_type()
        if part.get_param("method"):
            content_type += f"; method={part.get_param('method')}"
        payload = part.get_payload(decode=True) or b""
        parts.append(Part(filename=part.get_filename() or "", content_type=content_type, size=len(payload)))
    try:
        sent_date = parsedate_to_datetime(msg["Date"]) if msg["Date"] else None
    except (TypeError, ValueError):
        sent_date = None
    return MessageView(row=row, headers=[(name, str(msg[name])) for name in SHOWN_HEADERS if msg[name] is not None],
                       sent_date=sent_date, text=text_part.get_content() if text_part is not None else "",
                       html=html_part.get_content() if html_part is not None else "", parts=parts)
