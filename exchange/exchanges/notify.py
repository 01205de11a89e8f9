"""Every email about exchanges, in one place: the calendar hook lives here.

Services call these inside their transaction; the outbox rows commit with the change and leave after it.
Whenever a person gains, keeps or loses a place in a session (registration, promotion from the waitlist,
a speaker's acceptance, a reschedule, a cancellation) they get one message per session carrying
`invite_part(session, user, method=REQUEST|CANCEL, role=...)` from `exchange.calendar.invites` (the one calendar-invite
path), so their calendar follows. Times in every message are in the recipient's own zone (and the exchange's).
Registration messages are coalesced: one per short window, for the state at its end (see "registration").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from ..calendar.invites import invite_part
from ..common.time import utcnow
from ..common.urls import public_url, request_context_for_rendering
from ..extensions import db
from ..mail.services import (
    Recipient,
    last_calendar_method,
    last_kind,
    queue_email,
    replace_unsent,
    unsent_kinds,
    window_for,
)
from .models import SEAT_HOLDING, Registration, RegistrationStatus, SpeakerRole

public_link = public_url  # absolute links for emails, in a request, on the command line and in jobs


def upcoming_sessions(exchange) -> list:
    """Return the exchange's scheduled sessions that have not ended."""
    now = utcnow()
    return [s for s in exchange.sessions if s.status == "scheduled" and s.ends_at > now]


def _calendar(session, user, method: str, role: str | None):
    """Build the calendar part through the calendar feature's hook (it builds links as in a request)."""
    with request_context_for_rendering():
        return invite_part(session, user, method=method, role=role or "participant")  # invite_part maps it to ROLE


def _send(user, kind: str, subject, *, exchange, intro, sessions: Iterable = (), session=None, method: str | None = None,
          role: str | None = None, link: str | None = None, link_label=None, details: Iterable = (),
          was: tuple[datetime, datetime] | None = None, coalesce_key: str | None = None,
          not_before: datetime | None = None, state: dict | None = None) -> None:
    """Queue one message; with `session` and `method` it carries that session's calendar part. A disabled
    account gets no new invitation or update (as with reminders: it cannot sign in to act on it), but still gets a
    cancellation, so that its calendar never keeps a session that is gone."""
    if user.disabled and method != "CANCEL":
        return
    calendar = _calendar(session, user, method, role) if session is not None and method else None
    shown = [session] if session is not None else list(sessions)
    queue_email(Recipient.of(user), "exchange_notice", subject=subject, kind=f"exchange_{kind}", calendar=calendar,
                coalesce_key=coalesce_key, not_before=not_before, state=state,
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
#
# Register/cancel loops must not become loops of email (README "Emails and calendars"). Two windows:
#
# - The person: every message about her registration carries the key `registration:<exchange>:<user>` and
#   waits MAIL_PERSON_WINDOW. A change inside the window replaces the unsent message(s) with the one for her
#   state now: REQUEST per session (current SEQUENCE) when she holds a seat; CANCEL per session where the last
#   message she was or will be sent for that event is a REQUEST; otherwise a plain notice, and none at all when
#   she was never told anything the new state contradicts (registered and cancelled within the window: nothing).
# - The organizers: one digest per exchange and organizer per MAIL_ORGANIZER_WINDOW, listing the net change
#   per person since the window opened (what each person's status was is kept with the unsent digest).
#
# SEQUENCE stays the session's (raised only by changes of the session itself), so what reaches a calendar
# never goes down: a replacement is built later than what it replaces, with the SEQUENCE of that moment.

ACTIVE_KINDS = ("exchange_registered", "exchange_promoted", "exchange_waitlisted", "exchange_pending")


def _registration_key(registration) -> str:
    return f"registration:{registration.exchange_id}:{registration.user_id}"


def _tell_person(registration, kind: str, subject, intro, *, seat: bool, link: str, link_label) -> None:
    """Queue the message(s) for the person's registration state now, replacing unsent ones (see above)."""
    user, exchange = registration.user, registration.exchange
    key = _registration_key(registration)
    window = replace_unsent(key, window=window_for("MAIL_PERSON_WINDOW"))
    known = last_kind(key)  # what she was last told about this registration (None: nothing yet)
    sessions = upcoming_sessions(exchange)
    common = {"exchange": exchange, "intro": intro, "link": link, "link_label": link_label, "coalesce_key": key,
              "not_before": window.not_before}
    if seat:
        for session in sessions:
            _send(user, kind, subject, session=session, method="REQUEST", **common)
        return
    # No seat: take the event out of her calendar wherever a REQUEST is (or will be) the last word on it.
    stale = [s for s in sessions if last_calendar_method(user.id, s.ical_uid) == "REQUEST"]
    if stale:
        for session in stale:
            _send(user, kind, subject, session=session, method="CANCEL", **common)
    elif f"exchange_{kind}" in ACTIVE_KINDS:
        if known != f"exchange_{kind}":  # waitlisted or pending again, and told so already: nothing new
            _send(user, kind, subject, sessions=sessions, **common)
    elif known in ACTIVE_KINDS:  # cancelled or declined: say so only to someone who was told of a place
        _send(user, kind, subject, sessions=sessions, **common)


def registration_confirmed(registration) -> None:
    """Tell a person they have a seat, with a calendar invite for each session."""
    exchange = registration.exchange
    _tell_person(registration, "registered", _l("Registered: %(title)s", title=exchange.title), seat=True,
                 intro=_l("You are registered for “%(title)s”. The calendar invite below adds it to your calendar.",
                          title=exchange.title),
                 link=public_link("exchanges.join", exchange_id=exchange.id), link_label=_l("Joining details"))


def promoted_from_waitlist(registration) -> None:
    """Tell a waitlisted person a seat opened and is theirs, with calendar invites."""
    exchange = registration.exchange
    _tell_person(registration, "promoted", _l("A seat opened for you: %(title)s", title=exchange.title), seat=True,
                 intro=_l("A seat opened in “%(title)s” and it is yours: you moved from the waitlist to registered.",
                          title=exchange.title),
                 link=public_link("exchanges.join", exchange_id=exchange.id), link_label=_l("Joining details"))


def waitlisted(registration) -> None:
    """Tell a person the exchange is full and they are on the waitlist (no calendar entry yet)."""
    exchange = registration.exchange
    _tell_person(registration, "waitlisted", _l("On the waitlist: %(title)s", title=exchange.title), seat=False,
                 intro=_l("“%(title)s” is full, so you are on the waitlist. When a seat opens it goes to the person "
                          "who has waited longest; we will email you with a calendar invite if it is yours.",
                          title=exchange.title),
                 link=_page(exchange), link_label=_l("The exchange"))


def pending_approval(registration) -> None:
    """Tell the person their registration awaits approval (organizers hear of it in their digest)."""
    exchange = registration.exchange
    _tell_person(registration, "pending", _l("Registration received: %(title)s", title=exchange.title), seat=False,
                 intro=_l("Your registration for “%(title)s” is waiting for an organizer's approval. We will email "
                          "you when it is decided.", title=exchange.title),
                 link=_page(exchange), link_label=_l("The exchange"))


def registration_declined(registration) -> None:
    """Tell a person an organizer did not approve their registration."""
    exchange = registration.exchange
    _tell_person(registration, "declined", _l("Registration not approved: %(title)s", title=exchange.title),
                 seat=False, intro=_l("The organizers could not approve your registration for “%(title)s”.",
                                      title=exchange.title), link=_page(exchange), link_label=_l("The exchange"))


def registration_cancelled(registration) -> None:
    """Confirm a cancellation; a calendar cancellation for each session her calendar holds."""
    exchange = registration.exchange
    _tell_person(registration, "registration_cancelled", _l("Registration cancelled: %(title)s", title=exchange.title),
                 seat=False, intro=_l("Your registration for “%(title)s” is cancelled.", title=exchange.title),
                 link=_page(exchange), link_label=_l("The exchange"))


def _unsent(exchange) -> list[tuple]:
    """Return [(registration, kind of her newest unsent registration message)] for `exchange` (one query)."""
    by_key = {_registration_key(r): r for r in exchange.registrations}
    return [(by_key[key], kind) for key, kind in unsent_kinds(list(by_key)).items()]


def _refresh_registrants(exchange) -> set[int]:
    """Rebuild every unsent registration message of `exchange`; return the ids of the people concerned.

    After a reschedule or a new link: she has not read the old message yet, so she gets the one for now (new
    time, new SEQUENCE) in its place instead of two messages of which the first is already out of date.
    """
    refreshed = set()
    for registration, kind in _unsent(exchange):
        notice = {RegistrationStatus.REGISTERED: registration_confirmed, RegistrationStatus.WAITLISTED: waitlisted,
                  RegistrationStatus.PENDING: pending_approval}.get(registration.status)
        if notice is registration_confirmed and kind == "exchange_promoted":
            notice = promoted_from_waitlist
        if notice is not None:
            notice(registration)
            refreshed.add(registration.user_id)
    return refreshed


# -- the organizers' digest -------------------------------------------------------------------------

DIGEST_LINES = 40  # a rush of registrations is summed up beyond this many names
OUT = (None, RegistrationStatus.CANCELLED)  # no registration and a cancelled one look the same to an organizer


def _digest_line(name: str, was: str | None, now: str | None, title: str):
    if now in SEAT_HOLDING:
        if was == RegistrationStatus.WAITLISTED:
            return _l("%(name)s got a seat from the waitlist.", name=name)
        return _l("%(name)s registered.", name=name)
    if now == RegistrationStatus.WAITLISTED:
        return _l("%(name)s is on the waitlist.", name=name)
    if now == RegistrationStatus.PENDING:
        return _l("%(name)s asked to join “%(title)s”; the registration waits for approval.", name=name, title=title)
    return _l("%(name)s cancelled their registration.", name=name)


def registrations_changed(exchange, changes: Iterable[tuple], organizers: Iterable, *,
                          decided: bool = False) -> None:
    """Queue the organizers' digest of what `changes` [(registration, status before)] add up to, per window.

    Each organizer's unsent digest is replaced by one listing, per person, the status before the window's
    first change and the status now; people whose status came back to where it was are left out, and no
    digest is queued when nobody is left. `decided`: the organizers made these changes themselves
    (approve, decline), so they need no telling; the window takes the new status as known.

    By default (MAIL_ORGANIZER_DIGEST=approval) only exchanges that need the organizers' approval have a digest:
    there a change is something to act on, while a big open webinar would mail its organizers every window of a
    registration rush. `all` sends it for every exchange.
    """
    if not exchange.requires_approval and current_app.config.get("MAIL_ORGANIZER_DIGEST", "approval") != "all":
        return
    changes = [(registration, was) for registration, was in changes]
    for organizer in organizers:
        key = f"organizers:{exchange.id}:{organizer.id}"
        window = replace_unsent(key, window=window_for("MAIL_ORGANIZER_WINDOW"))
        before = {int(uid): was for uid, was in (window.state or {}).get("was", [])}
        for registration, was in changes:
            if decided:
                if registration.user_id in before:
                    before[registration.user_id] = registration.status
            else:
                before.setdefault(registration.user_id, was)
        registrations = {r.user_id: r for r in db.session.scalars(
            select(Registration).where(Registration.exchange_id == exchange.id,
                                       Registration.user_id.in_(list(before))))} if before else {}
        lines, first_pending = [], None
        for user_id, was in before.items():
            registration = registrations.get(user_id)
            now = registration.status if registration is not None else None
            if (now in OUT and was in OUT) or now == was:
                continue
            name = registration.user.name
            lines.append(_digest_line(name, was, now, exchange.title))
            if now == RegistrationStatus.PENDING and first_pending is None:
                first_pending = name
        if not lines:
            continue  # back where the window started: nothing to tell (the unsent digest stays replaced)
        if len(lines) == 1 and first_pending is not None:
            subject = _l("To approve: %(name)s for %(title)s", name=first_pending, title=exchange.title)
        else:
            subject = _l("Registration changes: %(title)s", title=exchange.title)
        shown = lines[:DIGEST_LINES]
        if len(lines) > DIGEST_LINES:
            more = len(lines) - DIGEST_LINES
            shown.append(lazy_ngettext("… and %(num)d more change: see the registrations page.",
                             "… and %(num)d more changes: see the registrations page.", more))
        _send(organizer, "registrations_digest", subject, exchange=exchange, details=shown,
              intro=_l("The registrations for “%(title)s” changed in the last few minutes:", title=exchange.title),
              link=public_link("exchanges.registrations", exchange_id=exchange.id), link_label=_l("Registrations"),
              coalesce_key=key, not_before=window.not_before, state={"was": [[uid, was] for uid, was in before.items()]})


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
                   title=exchange.title, role=SpeakerRole(speaker.role).noun),
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
                   title=exchange.title, role=SpeakerRole(speaker.role).noun),
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
        if registration.holds_seat:
            holders[registration.user_id] = (registration.user, None)
        elif registration.status in (RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING):
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
    refreshed = _refresh_registrants(exchange)
    for user, role in holders:
        if role is None and user.id in refreshed:
            continue  # her first message is still unsent: it now says the new time instead
        _send(user, "session_changed", subject, exchange=exchange, intro=intro, session=session, method="REQUEST",
              role=role, was=was, link=public_link("exchanges.join", exchange_id=exchange.id),
              link_label=_l("Joining details"))
    if was is not None:
        for user in others:
            if user.id in refreshed:
                continue
            _send(user, "session_changed", subject, exchange=exchange, intro=intro, sessions=[session], was=was,
                  link=_page(exchange), link_label=_l("The exchange"))


def session_added(session) -> None:
    """Everyone holding a seat gets the new session's invite (the exchange is published)."""
    exchange = session.exchange
    for registration in exchange.registrations:
        if registration.holds_seat:
            _per_session(registration.user, "session_added", _l("New session: %(title)s", title=exchange.title),
                         exchange=exchange, intro=_l("A session was added to “%(title)s”, which you are registered for.",
                                                     title=exchange.title), method="REQUEST", sessions=[session])


def session_cancelled(session) -> None:
    """Cancel one session in everyone's calendar."""
    exchange = session.exchange
    subject = _l("Cancelled: %(session)s", session=session.title)
    intro = _l("“%(session)s” (%(title)s) is cancelled.", session=session.title, title=exchange.title)
    holders, others = audience(exchange, session)
    _refresh_registrants(exchange)  # unsent invites lose the cancelled session; the CANCEL below says why
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
    for registration, _kind in _unsent(exchange):  # unsent registration messages are out of date: drop them
        replace_unsent(_registration_key(registration), window=window_for("MAIL_PERSON_WINDOW"))
    holders, others = audience(exchange)
    for user, role in holders:
        _per_session(user, "cancelled", subject, exchange=exchange, intro=intro, method="CANCEL", role=role,
                     sessions=sessions, details=details)
    for user in others:
        _send(user, "cancelled", subject, exchange=exchange, intro=intro, sessions=sessions, details=details)


# -- the team ---------------------------------------------------------------------------------------

def added_to_team(member) -> None:
    """Tell an organizer they are now on an exchange's team, with the link to its page (where its tools are)."""
    exchange = member.exchange
    by = member.added_by.name if member.added_by is not None else ""
    _send(member.user, "team_added", _l("You are on the team of %(title)s", title=exchange.title), exchange=exchange,
          sessions=upcoming_sessions(exchange),
          intro=_l("%(name)s added you to the team of “%(title)s”. You can now edit it, run its registrations, "
                   "invitations and follow-ups, and moderate its live rooms.", name=by, title=exchange.title),
          link=public_link("exchanges.detail", exchange_id=exchange.id, _anchor="manage"),
          link_label=_l("Manage the exchange"))
