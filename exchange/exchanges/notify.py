"""Every email about exchanges, in one place: the calendar hook lives here.

Services call these inside their transaction; the outbox rows commit with the change and leave after it.
Whenever a person gains, keeps or loses a place in a session (registration, promotion from the waitlist,
a speaker's acceptance or removal, publication, a reschedule, a change of speakers, a cancellation) they get one
message per session carrying `invite_part(session, user, method=REQUEST|CANCEL, role=...)` from
`exchange.calendar.invites` (the one calendar-invite path), so their calendar follows. Times in every message are in
the recipient's own zone (and the exchange's).

Who gets which calendar message (RFC 5546):
- a REQUEST to everyone who keeps a place, with the role she has now (a speaker taken off who is still registered
  keeps the event as a participant; a registrant who speaks keeps her speaker role);
- a CANCEL only for a session her calendar holds, i.e. where the last message she was or will be sent for it is a
  REQUEST (`_holds`); someone who never had it is told in plain words;
- every message's SEQUENCE is above the last one that person was sent for that event (`invite_part`).
Registration messages and speaker-list updates are coalesced: one per short window, for the state at its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import LazyString, lazy_ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..calendar.invites import accepted_speakers, invite_part
from ..common import timefmt
from ..common.time import utcnow
from ..common.urls import public_url, request_context_for_rendering
from ..extensions import db
from ..mail.services import (
    Recipient,
    last_calendar,
    last_kind,
    queue_email,
    replace_unsent,
    unsent_kinds,
    window_for,
)
from .models import SEAT_HOLDING, Registration, RegistrationStatus, SpeakerRole


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
          not_before: datetime | None = None, state: dict | None = None,
          series: tuple[int, int] | None = None) -> None:
    """Queue one message; with `session` and `method` it carries that session's calendar part. A disabled
    account gets no new invitation or update (as with reminders: it cannot sign in to act on it), but still gets a
    cancellation, so that its calendar never keeps a session that is gone. `series` (n, of): this is message n of
    the `of` sent for one change, one per session (`_numbered`); the message says so."""
    if user.disabled and method != "CANCEL":
        return
    calendar = _calendar(session, user, method, role) if session is not None and method else None
    shown = [session] if session is not None else list(sessions)
    queue_email(Recipient.of(user), "exchange_notice", subject=subject, kind=f"exchange_{kind}", calendar=calendar,
                coalesce_key=coalesce_key, not_before=not_before, state=state,
                context={"exchange": exchange, "intro": intro, "sessions": shown, "link": link,
                         "link_label": link_label, "details": list(details), "was": was, "role": role,
                         "series": series,
                         # With a calendar file: say that calendar replies are not read, and where to change things.
                         "exchange_link": _page(exchange) if calendar is not None else None})


def _numbered(sessions: Iterable) -> list[tuple[object, tuple[int, int] | None]]:
    """Pair each session with its place in a series of messages for one change ((n, of), or None when alone).

    One message per session is the fewest that puts every session in every calendar and lets each be updated and
    cancelled later (README, "Calendar"): an iTIP REQUEST carries one event (RFC 5546 §3.2.2: all its components
    share one UID), and Outlook ignores every VEVENT after the first of a message (MS-STANOICAL §2.2.175).
    The messages share one subject and each says which of how many it is.
    """
    sessions = list(sessions)
    return [(s, (n, len(sessions)) if len(sessions) > 1 else None) for n, s in enumerate(sessions, start=1)]


def _per_session(user, kind: str, subject, *, exchange, intro, method: str, role: str | None = None,
                 sessions: Iterable | None = None, link: str | None = None, link_label=None, details=()) -> None:
    """One message per session, each with its own calendar part (one VEVENT per message, as clients expect)."""
    for session, series in _numbered(upcoming_sessions(exchange) if sessions is None else sessions):
        _send(user, kind, subject, exchange=exchange, intro=intro, session=session, method=method, role=role,
              link=link, link_label=link_label, details=details, series=series)


def _page(exchange) -> str:
    return public_url("exchanges.detail", exchange_id=exchange.id)


def _join(exchange) -> str:
    return public_url("exchanges.join", exchange_id=exchange.id)


def _holds(user, session) -> bool:
    """Tell whether her calendar holds `session`: the newest message she was or will be sent for it is a REQUEST."""
    sent = last_calendar(user.id, session.ical_uid)
    return sent is not None and sent.method == "REQUEST"


def _speaking(user_id: int, sessions: Iterable) -> dict[int, str]:
    """Return {session id: role} for the sessions among `sessions` where `user_id` is an accepted speaker."""
    return {s.id: sp.role for s in sessions for sp in s.speakers if sp.user_id == user_id and sp.status == "accepted"}


def _registration(exchange, user) -> Registration | None:
    return db.session.scalar(select(Registration).where(Registration.exchange_id == exchange.id,
                                                        Registration.user_id == user.id))


def _cancel_where_held(user, kind: str, subject, *, exchange, intro, sessions: list, details=()) -> None:
    """A CANCEL for each of `sessions` her calendar holds (her unsent speaker-list updates of them dropped); when
    it holds none of them, one message in plain words. Nobody gets a CANCEL for a session she never had."""
    _drop_updates([(session, user) for session in sessions])
    held = [session for session in sessions if _holds(user, session)]
    roles = _speaking(user.id, held)
    for session, series in _numbered(held):
        _send(user, kind, subject, exchange=exchange, intro=intro, session=session, method="CANCEL",
              role=roles.get(session.id), details=details, link=_page(exchange), link_label=_l("The exchange"),
              series=series)
    if not held:
        _send(user, kind, subject, exchange=exchange, intro=intro, sessions=sessions, details=details,
              link=_page(exchange), link_label=_l("The exchange"))


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
# SEQUENCE: the session's (raised by changes of the session itself), and above whatever she was sent for that
# event before (`invite_part`): her CANCEL goes above her invite, registering again above the CANCEL. A replaced
# message was never sent, so its replacement only has to go above what was.

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
    speaking = _speaking(user.id, sessions)
    common = {"exchange": exchange, "intro": intro, "link": link, "link_label": link_label, "coalesce_key": key,
              "not_before": window.not_before}
    if seat:
        for session, series in _numbered(sessions):  # where she speaks, the invite keeps her speaker role
            _send(user, kind, subject, session=session, method="REQUEST", role=speaking.get(session.id),
                  series=series, **common)
        return
    # No seat: take the event out of her calendar wherever a REQUEST is (or will be) the last word on it, except
    # where she speaks (she keeps that place whatever her registration says).
    leaving = [s for s in sessions if s.id not in speaking]
    _drop_updates([(session, user) for session in leaving])
    stale = [s for s in leaving if _holds(user, s)]
    if stale:
        for session, series in _numbered(stale):
            _send(user, kind, subject, session=session, method="CANCEL", series=series, **common)
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
                 link=public_url("exchanges.join", exchange_id=exchange.id), link_label=_l("Joining details"))


def promoted_from_waitlist(registration) -> None:
    """Tell a waitlisted person a seat opened and is theirs, with calendar invites."""
    exchange = registration.exchange
    _tell_person(registration, "promoted", _l("A seat opened for you: %(title)s", title=exchange.title), seat=True,
                 intro=_l("A seat opened in “%(title)s” and it is yours: you moved from the waitlist to registered.",
                          title=exchange.title),
                 link=public_url("exchanges.join", exchange_id=exchange.id), link_label=_l("Joining details"))


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
              link=public_url("exchanges.registrations", exchange_id=exchange.id), link_label=_l("Registrations"),
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
                         # the date is written when the email is rendered: in the recipient's language and zone
                         "details": [_l("The link works until %(date)s.",
                                        date=LazyString(timefmt.date, invite.expires_at, recipient.timezone))],
                         "link": public_url("exchanges.invitation", token=token), "link_label": _l("Accept the invitation")})


# -- speakers ---------------------------------------------------------------------------------------

def speaker_invited(speaker, token: str) -> None:
    """Ask a speaker to accept or decline by email link."""
    session = speaker.session
    exchange = session.exchange
    _send(speaker.user, "speaker_invited", _l("Will you speak? %(title)s", title=exchange.title), exchange=exchange,
          sessions=[session], role=speaker.role,
          intro=_l("You are invited to speak at “%(title)s” as %(role)s. Please accept or decline with the link below.",
                   title=exchange.title, role=SpeakerRole(speaker.role).noun),
          link=public_url("exchanges.speaking", token=token), link_label=_l("Accept or decline"))


def _speaking_key(session, user) -> str:
    """The key of a speaker's own calendar messages for one session: a newer one replaces an unsent one at once."""
    return f"speaking:{session.id}:{user.id}"


def speaker_confirmed(speaker) -> None:
    """Confirm a speaker's place with a calendar invite for their session; the others holding the session get its
    new list of speakers (`speakers_changed`)."""
    session = speaker.session
    exchange = session.exchange
    if session.status != "scheduled" or session.ends_at <= utcnow():
        return
    db.session.flush()  # a session staged in this transaction gets its id (the key) and UID
    key = _speaking_key(session, speaker.user)
    replace_unsent(key, window=timedelta(0))
    _send(speaker.user, "speaker_confirmed", _l("You are speaking: %(title)s", title=exchange.title), exchange=exchange,
          session=session, method="REQUEST", role=speaker.role, coalesce_key=key,
          intro=_l("Thank you: you speak at “%(title)s” as %(role)s. The calendar invite below holds the time.",
                   title=exchange.title, role=SpeakerRole(speaker.role).noun),
          link=_join(exchange), link_label=_l("Joining details"))
    speakers_changed(session, skip={speaker.user_id})


def speaker_removed(session, user, role: str, *, had_place: bool) -> None:
    """Tell someone she no longer speaks at `session` (called once she is off its list of speakers).

    `had_place`: she had accepted, so her calendar may hold the session. Then, while she is still registered for
    the exchange, she gets a REQUEST with her new role (participant): the event stays in her calendar, as her
    feed says. Otherwise a CANCEL when her calendar holds it. The others holding the session get its new list of
    speakers (`speakers_changed`).
    """
    exchange = session.exchange
    subject = _l("Speaking plan changed: %(title)s", title=exchange.title)
    intro = _l("You are no longer on the programme of “%(session)s” (%(title)s).", session=session.title,
               title=exchange.title)
    upcoming = session.status == "scheduled" and session.ends_at > utcnow() and exchange.status != "cancelled"
    if not (had_place and upcoming):
        _send(user, "speaker_removed", subject, exchange=exchange, sessions=[session], role=role, intro=intro,
              link=_page(exchange), link_label=_l("The exchange"))
        return
    key = _speaking_key(session, user)
    replace_unsent(key, window=timedelta(0))
    registration = _registration(exchange, user)
    if registration is not None and registration.holds_seat:
        _send(user, "speaker_removed", subject, exchange=exchange, session=session, method="REQUEST", role=None,
              coalesce_key=key, link=_join(exchange), link_label=_l("Joining details"),
              intro=_l("You are no longer on the programme of “%(session)s” (%(title)s). You are still registered, "
                       "so the session stays in your calendar: the invite below lists you as a participant.",
                       session=session.title, title=exchange.title))
    elif _holds(user, session):
        _send(user, "speaker_removed", subject, exchange=exchange, session=session, method="CANCEL", role=role,
              coalesce_key=key, intro=intro, link=_page(exchange), link_label=_l("The exchange"))
    else:  # her invite never left (replaced above): nothing to take out of her calendar
        _send(user, "speaker_removed", subject, exchange=exchange, sessions=[session], role=role, intro=intro,
              link=_page(exchange), link_label=_l("The exchange"))
    speakers_changed(session, skip={user.id})


def _update_key(session, user) -> str:
    """The key of one person's speaker-list update for one session (`speakers_changed`)."""
    return f"speakers:{session.id}:{user.id}"


def _drop_updates(pairs: list[tuple]) -> None:
    """Replace the unsent speaker-list updates of these (session, user) pairs by nothing: a newer message about
    the session (a new time, a CANCEL) follows and says everything (few queries: only keys with one are touched)."""
    keys = [_update_key(session, user) for session, user in pairs]
    for key in unsent_kinds(keys):
        replace_unsent(key, window=timedelta(0))


def speakers_changed(session, *, skip: Iterable[int] = ()) -> None:
    """Send everyone whose calendar holds `session` its invite with the speakers now (its DESCRIPTION lists them).

    Called when the accepted speakers change (one accepts, is taken off or declines; an import changes a role).
    Coalesced so that building a panel does not flood anyone: one update per person and session per
    MAIL_PERSON_WINDOW, a change inside the window replacing her unsent update with the one for the speakers at
    its end. `skip`: the people the change is about (their own message says it); registrants whose registration
    message is still unsent get that message rebuilt instead.
    """
    exchange = session.exchange
    if session.status != "scheduled" or session.ends_at <= utcnow() or exchange.status == "cancelled":
        return
    skip = set(skip)
    holders, _others = audience(exchange, session)
    refreshed = _refresh_registrants(exchange)
    subject = _l("Speakers changed: %(title)s", title=exchange.title)
    intro = _l("The speakers of “%(session)s” (%(title)s) changed. The calendar invite below lists them as they are "
               "now.", session=session.title, title=exchange.title)
    speakers = [_l("%(name)s (%(role)s)", name=sp.user.name, role=SpeakerRole(sp.role).noun)
                for sp in accepted_speakers(session)] or [_l("No speaker is confirmed at the moment.")]
    for user, role in holders:
        if user.id in skip or (role is None and user.id in refreshed) or not _holds(user, session):
            continue
        key = _update_key(session, user)
        window = replace_unsent(key, window=window_for("MAIL_PERSON_WINDOW"))
        _send(user, "speakers_changed", subject, exchange=exchange, intro=intro, session=session, method="REQUEST",
              role=role, details=speakers, link=_join(exchange), link_label=_l("Joining details"), coalesce_key=key,
              not_before=window.not_before)


def exchange_published(exchange) -> None:
    """Confirm each accepted speaker's session: while the exchange was a draft her invite said TENTATIVE."""
    for session in upcoming_sessions(exchange):
        for speaker in session.speakers:
            if speaker.status != "accepted":
                continue
            key = _speaking_key(session, speaker.user)
            replace_unsent(key, window=timedelta(0))  # a "you are speaking" of this same transaction: this says it
            _send(speaker.user, "published", _l("Confirmed: %(title)s", title=exchange.title), exchange=exchange,
                  session=session, method="REQUEST", role=speaker.role, coalesce_key=key,
                  intro=_l("“%(title)s” is published, so your session is confirmed: you speak at “%(session)s” as "
                           "%(role)s. The calendar invite below holds the time.", title=exchange.title,
                           session=session.title, role=SpeakerRole(speaker.role).noun),
                  link=_join(exchange), link_label=_l("Joining details"))


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
        intro = _l("“%(session)s” has moved to a new time.", session=session.title)  # the exchange follows below
    else:
        subject = _l("Updated: %(title)s", title=exchange.title)
        intro = _l("The joining link of “%(title)s” changed. Open the joining details before the session.",
                   title=exchange.title)
    holders, others = audience(exchange, session)
    refreshed = _refresh_registrants(exchange)
    _drop_updates([(session, user) for user, _role in holders])  # this invite carries the speakers too
    for user, role in holders:
        if role is None and user.id in refreshed:
            continue  # her first message is still unsent: it now says the new time instead
        _send(user, "session_changed", subject, exchange=exchange, intro=intro, session=session, method="REQUEST",
              role=role, was=was, link=public_url("exchanges.join", exchange_id=exchange.id),
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


def _reason(reason: str) -> list:
    """The lines a cancellation adds for the organizer's reason (none without one)."""
    return [_l("The organizers' reason: %(reason)s", reason=reason)] if reason else []


def session_cancelled(session, reason: str = "") -> None:
    """Cancel one session in the calendars that hold it; the others concerned are told in plain words (both
    quote the organizer's `reason` when there is one)."""
    exchange = session.exchange
    subject = _l("Cancelled: %(session)s", session=session.title)
    intro = _l("“%(session)s” (%(title)s) is cancelled.", session=session.title, title=exchange.title)
    holders, others = audience(exchange, session)
    _refresh_registrants(exchange)  # unsent invites lose the cancelled session; the notice below says why
    for user in [user for user, _role in holders] + others:
        _cancel_where_held(user, "session_cancelled", subject, exchange=exchange, intro=intro, sessions=[session],
                           details=_reason(reason))


def exchange_cancelled(exchange, sessions: list, reason: str = "") -> None:
    """Cancel every remaining session of an exchange in each calendar that holds it (only those: nobody gets a
    CANCEL for a session she never had); the others concerned are told in plain words."""
    subject = _l("Cancelled: %(title)s", title=exchange.title)
    intro = _l("“%(title)s” is cancelled.", title=exchange.title)
    details = _reason(reason)
    for registration, _kind in _unsent(exchange):  # unsent registration messages are out of date: drop them
        replace_unsent(_registration_key(registration), window=window_for("MAIL_PERSON_WINDOW"))
    holders, others = audience(exchange)
    for user in [user for user, _role in holders] + others:
        _cancel_where_held(user, "cancelled", subject, exchange=exchange, intro=intro, sessions=sessions,
                           details=details)


# -- the team ---------------------------------------------------------------------------------------

def added_to_team(member) -> None:
    """Tell an organizer they are now on an exchange's team, with the link to its page (where its tools are)."""
    exchange = member.exchange
    by = member.added_by.name if member.added_by is not None else ""
    _send(member.user, "team_added", _l("You are on the team of %(title)s", title=exchange.title), exchange=exchange,
          sessions=upcoming_sessions(exchange),
          intro=_l("%(name)s added you to the team of “%(title)s”. You can now edit it, run its registrations, "
                   "invitations and follow-ups, and moderate its live rooms.", name=by, title=exchange.title),
          link=public_url("exchanges.detail", exchange_id=exchange.id, _anchor="manage"),
          link_label=_l("Manage the exchange"))
