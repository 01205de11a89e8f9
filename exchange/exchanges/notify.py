"""Every email about exchanges, in one place: the calendar hook lives here.

Services call these inside their transaction; the outbox rows commit with the change and leave after it.
Whenever a person gains, keeps or loses a place in a session (registration, promotion from the waitlist,
a speaker's acceptance, a reschedule, a cancellation) they get one message per session carrying
`invite_part(session, user, method=REQUEST|CANCEL, role=...)` from `exchange.calendar.invites`, so their
calendar follows. Times in every message are in the recipient's own zone (and the exchange's).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import lazy_gettext as _l

from ..calendar.invites import invite_part
from ..common.time import utcnow
from ..common.urls import public_url, request_context_for_rendering
from ..mail.services import Recipient, queue_email

SEAT_STATUSES = ("registered", "attended")


public_link = public_url  # absolute links for emails, in a request, on the command line and in jobs


def calendar_role(role: str | None) -> str:
    """Return the iCalendar ROLE for a speaker role (hosts and moderators chair) or a registrant (None)."""
    return "CHAIR" if role in ("host", "moderator") else "REQ-PARTICIPANT"


def upcoming_sessions(exchange) -> list:
    """Return the exchange's scheduled sessions that have not ended."""
    now = utcnow()
    return [s for s in exchange.sessions if s.status == "scheduled" and s.ends_at > now]


def _calendar(session, user, method: str, role: str | None):
    """Build the calendar part through the calendar feature's hook (it builds links as in a request)."""
    with request_context_for_rendering():
        return invite_part(session, user, method=method, role=calendar_role(role))


def _send(user, kind: str, subject, *, exchange, intro, sessions: Iterable = (), session=None, method: str | None = None,
          role: str | None = None, link: str | None = None, link_label=None, details: Iterable = (),
          was: tuple[datetime, datetime] | None = None) -> None:
    """Queue one message; with `session` and `method` it carries that session's calendar part."""
    calendar = _calendar(session, user, method, role) if session is not None and method else None
    shown = [session] if session is not None else list(sessions)
    queue_email(Recipient.of(user), "exchange_notice", subject=subject, kind=f"exchange_{kind}", calendar=calendar,
                context={"exchange": exchange, "intro": intro, "sessions": shown, "link": link,
                         "link_label": link_label, "details": list(details), "was": was, "role": role,
                         # With a calendar file: say that calendar replies are not read, and where to change things.
                         "exchange_link": _page(exchange) if calendar is not None else None})


def _per_session(user, kind: str, subject, *, exchange, intro, method: str, role: str | None = None,
                 sessions: Iterable | None = None, link: str | None = None, link_label=None, details=()) -> None:
    """One message per session, each with its own calendar part (one VEVENT per message, as clients expect)."""
    for session in (upcoming_sessions(exchange) if sessions is None else sessions):
        _send(user, kind, subject, exchange=exchange, intro=intro, session=session, method=method, role=role,
              link=link, link_label=link_label, details=details)


def _page(exchange) -> str:
    return public_link("exchanges.detail", exchange_id=exchange.id)


# -- registration -----------------------------------------------------------------------------------

def registration_confirmed(registration) -> None:
    """Tell a person they have a seat, with a calendar invite for each session."""
    exchange = registration.exchange
    _per_session(registration.user, "registered", _l("Registered: %(title)s", title=exchange.title), exchange=exchange,
                 intro=_l("You are registered for “%(title)s”. The calendar invite below adds it to your calendar.",
                          title=exchange.title),
                 method="REQUEST", link=public_link("exchanges.join", exchange_id=exchange.id),
                 link_label=_l("Joining details"))


def promoted_from_waitlist(registration) -> None:
    """Tell a waitlisted person a seat opened and is theirs, with calendar invites."""
    exchange = registration.exchange
    _per_session(registration.user, "promoted", _l("A seat opened for you: %(title)s", title=exchange.title),
                 exchange=exchange,
                 intro=_l("A seat opened in “%(title)s” and it is yours: you moved from the waitlist to registered.",
                          title=exchange.title),
                 method="REQUEST", link=public_link("exchanges.join", exchange_id=exchange.id),
                 link_label=_l("Joining details"))


def waitlisted(registration) -> None:
    """Tell a person the exchange is full and they are on the waitlist (no calendar entry yet)."""
    exchange = registration.exchange
    _send(registration.user, "waitlisted", _l("On the waitlist: %(title)s", title=exchange.title), exchange=exchange,
          sessions=upcoming_sessions(exchange),
          intro=_l("“%(title)s” is full, so you are on the waitlist. When a seat opens it goes to the person who has "
                   "waited longest; we will email you with a calendar invite if it is yours.", title=exchange.title),
          link=_page(exchange), link_label=_l("The exchange"))


def pending_approval(registration, organizers: Iterable) -> None:
    """Tell the person their registration awaits approval, and tell the organizers."""
    exchange = registration.exchange
    _send(registration.user, "pending", _l("Registration received: %(title)s", title=exchange.title), exchange=exchange,
          sessions=upcoming_sessions(exchange),
          intro=_l("Your registration for “%(title)s” is waiting for an organizer's approval. We will email you "
                   "when it is decided.", title=exchange.title), link=_page(exchange), link_label=_l("The exchange"))
    for organizer in organizers:
        _send(organizer, "pending_organizer", _l("To approve: %(name)s for %(title)s", name=registration.user.name,
                                                 title=exchange.title),
              exchange=exchange, intro=_l("%(name)s asked to join “%(title)s”; the registration waits for approval.",
                                          name=registration.user.name, title=exchange.title),
              link=public_link("exchanges.registrations", exchange_id=exchange.id), link_label=_l("Registrations"))


def registration_declined(registration) -> None:
    """Tell a person an organizer did not approve their registration."""
    exchange = registration.exchange
    _send(registration.user, "declined", _l("Registration not approved: %(title)s", title=exchange.title),
          exchange=exchange, intro=_l("The organizers could not approve your registration for “%(title)s”.",
                                      title=exchange.title), link=_page(exchange), link_label=_l("The exchange"))


def registration_cancelled(registration, *, had_seat: bool) -> None:
    """Confirm a cancellation; people who had a seat get a calendar cancellation for each session."""
    exchange = registration.exchange
    subject = _l("Registration cancelled: %(title)s", title=exchange.title)
    intro = _l("Your registration for “%(title)s” is cancelled.", title=exchange.title)
    if had_seat:
        _per_session(registration.user, "registration_cancelled", subject, exchange=exchange, intro=intro,
                     method="CANCEL", link=_page(exchange), link_label=_l("The exchange"))
    else:
        _send(registration.user, "registration_cancelled", subject, exchange=exchange, intro=intro,
              link=_page(exchange), link_label=_l("The exchange"))


def invitation(invite, token: str) -> None:
    """Email an invitation link to an invite-only exchange (works with or without an account)."""
    exchange = invite.exchange
    recipient = Recipient(email=invite.email, name=invite.name,
                          language=invite.user.language if invite.user else "en",
                          timezone=invite.user.timezone if invite.user else (invite.city.timezone if invite.city else "UTC"),
                          user_id=invite.user_id)
    queue_email(recipient, "exchange_notice", subject=_l("You are invited: %(title)s", title=exchange.title),
                kind="exchange_invitation",
                context={"exchange": exchange, "sessions": upcoming_sessions(exchange), "role": None, "was": None,
                         "intro": _l("You are invited to “%(title)s”. The link below is yours alone: it registers you "
                                     "(and lets you create an account first if you have none).", title=exchange.title),
                         "details": [_l("The link works until %(date)s.", date=invite.expires_at.date().isoformat())],
                         "link": public_link("exchanges.invitation", token=token), "link_label": _l("Accept the invitation")})


# -- speakers ---------------------------------------------------------------------------------------

def speaker_invited(speaker, token: str) -> None:
    """Ask a speaker to accept or decline by email link."""
    session = speaker.session
    exchange = session.exchange
    _send(speaker.user, "speaker_invited", _l("Will you speak? %(title)s", title=exchange.title), exchange=exchange,
          sessions=[session], role=speaker.role,
          intro=_l("You are invited to speak at “%(title)s” as %(role)s. Please accept or decline with the link below.",
                   title=exchange.title, role=role_label(speaker.role)),
          link=public_link("exchanges.speaking", token=token), link_label=_l("Accept or decline"))


def speaker_confirmed(speaker) -> None:
    """Confirm a speaker's place with a calendar invite for their session."""
    session = speaker.session
    exchange = session.exchange
    if session.status != "scheduled" or session.ends_at <= utcnow():
        return
    _send(speaker.user, "speaker_confirmed", _l("You are speaking: %(title)s", title=exchange.title), exchange=exchange,
          session=session, method="REQUEST", role=speaker.role,
          intro=_l("Thank you: you speak at “%(title)s” as %(role)s. The calendar invite below holds the time.",
                   title=exchange.title, role=role_label(speaker.role)),
          link=public_link("exchanges.join", exchange_id=exchange.id), link_label=_l("Joining details"))


def speaker_removed(speaker) -> None:
    """Tell a speaker they no longer speak at a session (a calendar cancellation when they had accepted)."""
    session = speaker.session
    exchange = session.exchange
    accepted = speaker.status == "accepted" and session.status == "scheduled" and session.ends_at > utcnow()
    _send(speaker.user, "speaker_removed", _l("Speaking plan changed: %(title)s", title=exchange.title),
          exchange=exchange, session=session if accepted else None, sessions=[session],
          method="CANCEL" if accepted else None, role=speaker.role,
          intro=_l("You are no longer on the programme of “%(session)s” (%(title)s).", session=session.title,
                   title=exchange.title), link=_page(exchange), link_label=_l("The exchange"))


# -- changes ----------------------------------------------------------------------------------------

def audience(exchange, session=None) -> tuple[list[tuple], list]:
    """Return ([(user, speaker role or None)] holding a calendar entry, [users] to tell without one).

    Registered people and accepted speakers hold calendar entries; waitlisted and pending people and
    speakers who have not answered are told in plain words. Each person appears once (speaking wins).
    """
    sessions = [session] if session is not None else exchange.sessions
    holders: dict[int, tuple] = {}
    others: dict[int, object] = {}
    for s in sessions:
        for speaker in s.speakers:
            if speaker.status == "accepted":
                holders[speaker.user_id] = (speaker.user, speaker.role)
            elif speaker.status == "invited":
                others.setdefault(speaker.user_id, speaker.user)
    for registration in exchange.registrations:
        if registration.user_id in holders:
            continue
        if registration.status in SEAT_STATUSES:
            holders[registration.user_id] = (registration.user, None)
        elif registration.status in ("waitlisted", "pending"):
            others.setdefault(registration.user_id, registration.user)
    return list(holders.values()), [u for uid, u in others.items() if uid not in holders]


def session_changed(session, *, was: tuple[datetime, datetime] | None) -> None:
    """Send everyone concerned the updated invite (same UID, raised SEQUENCE) after a reschedule or new link."""
    exchange = session.exchange
    if was is not None:
        subject = _l("New time: %(title)s", title=exchange.title)
        intro = _l("“%(session)s” (%(title)s) has moved to a new time.", session=session.title, title=exchange.title)
    else:
        subject = _l("Updated: %(title)s", title=exchange.title)
        intro = _l("The joining link of “%(title)s” changed. Open the joining details before the session.",
                   title=exchange.title)
    holders, others = audience(exchange, session)
    for user, role in holders:
        _send(user, "session_changed", subject, exchange=exchange, intro=intro, session=session, method="REQUEST",
              role=role, was=was, link=public_link("exchanges.join", exchange_id=exchange.id),
              link_label=_l("Joining details"))
    if was is not None:
        for user in others:
            _send(user, "session_changed", subject, exchange=exchange, intro=intro, sessions=[session], was=was,
                  link=_page(exchange), link_label=_l("The exchange"))


def session_cancelled(session) -> None:
    """Cancel one session in everyone's calendar."""
    exchange = session.exchange
    subject = _l("Cancelled: %(session)s", session=session.title)
    intro = _l("“%(session)s” (%(title)s) is cancelled.", session=session.title, title=exchange.title)
    holders, others = audience(exchange, session)
    for user, role in holders:
        _send(user, "session_cancelled", subject, exchange=exchange, intro=intro, session=session, method="CANCEL",
              role=role, link=_page(exchange), link_label=_l("The exchange"))
    for user in others:
        _send(user, "session_cancelled", subject, exchange=exchange, intro=intro, sessions=[session],
              link=_page(exchange), link_label=_l("The exchange"))


def exchange_cancelled(exchange, sessions: list, reason: str = "") -> None:
    """Cancel every remaining session of an exchange in everyone's calendar."""
    subject = _l("Cancelled: %(title)s", title=exchange.title)
    intro = _l("“%(title)s” is cancelled.", title=exchange.title)
    details = [reason] if reason else []
    holders, others = audience(exchange)
    for user, role in holders:
        _per_session(user, "cancelled", subject, exchange=exchange, intro=intro, method="CANCEL", role=role,
                     sessions=sessions, details=details)
    for user in others:
        _send(user, "cancelled", subject, exchange=exchange, intro=intro, sessions=sessions, details=details)


def role_label(role: str | None):
    """Return the translated name of a speaker role."""
    return {"host": _l("host"), "moderator": _l("moderator"), "panelist": _l("panelist")}.get(role or "", _l("participant"))
