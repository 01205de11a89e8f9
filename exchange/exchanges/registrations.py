"""Registration use cases: register, cancel, waitlist and its promotion, approval, invitations.

Seats are counted and changed under a lock on the exchange row (see `lock_exchange`), so two people
taking the last seat at the same moment cannot both get it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.services import add_user, normalize_email, stage_release_email, stage_verify_email
from ..common import permissions, spreadsheet, timefmt
from ..common.errors import Conflict, Forbidden, Invalid, NotFound, Problems
from ..common.i18n import translated
from ..common.time import utcnow
from ..common.tokens import hash_token, new_token
from ..experts.models import STAKEHOLDER_GROUPS, City, OfficialProfile
from ..extensions import db
from . import notify, questions
from .checks import STAKEHOLDER_LABELS
from .models import SEAT_HOLDING, Exchange, ExchangeTeamMember, Invitation, Registration, RegistrationStatus
from .timeinfo import is_past

INVITATION_DAYS = 30


@dataclass
class RegistrationAnswers:
    """The registration questions: where the person is from, their stakeholder group, their needs, and the answers
    to the exchange's own questions ({question id: text, a choice's place or a list of places})."""

    city_id: int | None = None
    stakeholder_group: str = ""
    needs: str = ""  # interpretation or accessibility needs
    questions: dict[int, Any] = field(default_factory=dict)


def lock_exchange(exchange_id: int) -> Exchange:
    """Take the exchange row's lock for the rest of this transaction and return the fresh row.

    PostgreSQL: `SELECT … FOR UPDATE` on the exchange row. A second registration for the same exchange waits
    on that row lock until the first commits; its next statements (READ COMMITTED) then see the seat taken.
    SQLite: it has one writer at a time, so the first statement is a no-op `UPDATE` of the exchange row,
    which takes the database's write lock at once (what `BEGIN IMMEDIATE` would do). The second registration
    waits (busy timeout) and counts seats after the first commits. Writing first matters: a transaction that
    only read and then tried to write could find another writer ahead and fail with "database is locked".
    """
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("UPDATE exchanges SET id = id WHERE id = :id"), {"id": exchange_id})
    exchange = db.session.scalar(select(Exchange).where(Exchange.id == exchange_id).with_for_update()
                                 .execution_options(populate_existing=True))
    if exchange is None:
        raise NotFound(_l("There is no such exchange, or it is not open to you."))
    return exchange


def seats_taken(exchange_id: int) -> int:
    """Count the seats held (`Registration.holds_seat`)."""
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.exchange_id == exchange_id, Registration.holds_seat)) or 0


def seats_left(exchange: Exchange) -> int | None:
    """Return free seats (never below zero), or None when there is no limit."""
    if exchange.capacity is None:
        return None
    return max(exchange.capacity - seats_taken(exchange.id), 0)


def registration_of(exchange: Exchange, user) -> Registration | None:
    """Return `user`'s registration row for `exchange` (any status), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(select(Registration).where(Registration.exchange_id == exchange.id,
                                                        Registration.user_id == user.id))


def usual_answers(user) -> tuple[int, str]:
    """Return (city id, stakeholder group) from an official's profile, to prefill the registration questions."""
    if not getattr(user, "is_authenticated", False):
        return 0, ""
    profile = db.session.scalar(select(OfficialProfile).where(OfficialProfile.user_id == user.id))
    if profile is None:
        return 0, ""
    return profile.city_id or 0, profile.stakeholder_group or ""


def _check_open(exchange: Exchange) -> None:
    if exchange.status != "published":
        raise Conflict(_l("This exchange is not open for registration."))
    if is_past(exchange):
        raise Invalid(_l("This exchange has already taken place."))
    deadline = exchange.registration_deadline
    if deadline is not None and deadline <= utcnow():
        raise Invalid(_l("Registration closed on %(when)s.", when=timefmt.stamp(deadline, exchange.timezone)))


def _apply_answers(registration: Registration, answers: RegistrationAnswers) -> None:
    problems = Problems()  # every answer is checked; all the problems are raised together
    if answers.city_id and db.session.get(City, answers.city_id) is None:
        problems.add(Invalid(_l("Choose a city from the list."), field="city_id"))
    if answers.stakeholder_group and answers.stakeholder_group not in STAKEHOLDER_GROUPS:
        problems.add(Invalid(_l("Choose a stakeholder group from the list."), field="stakeholder_group"))
    needs = (answers.needs or "").strip()
    if len(needs) > 2000:
        problems.add(Invalid(_l("Keep your needs to at most 2000 characters."), field="needs"))
    own = problems.check(questions.check_answers, registration.exchange, answers.questions)
    problems.raise_any()
    registration.city_id = answers.city_id or None
    registration.stakeholder_group = answers.stakeholder_group or ""
    registration.needs = needs
    questions.stage_answers(registration, own)


def _organizers(exchange: Exchange) -> list[User]:
    """Who hears of the exchange's registrations: its team's active organizers; with none, up to three active
    administrators (they run every exchange). Organizers outside the team never do."""
    active = (User.disabled.is_(False), User.role.in_(("organizer", "admin")))
    team = list(db.session.scalars(select(User).join(ExchangeTeamMember, ExchangeTeamMember.user_id == User.id)
                                   .where(ExchangeTeamMember.exchange_id == exchange.id, *active)
                                   .order_by(ExchangeTeamMember.added_at, ExchangeTeamMember.id)))
    return team or list(db.session.scalars(select(User).where(User.role == "admin", *active[:1])
                                           .order_by(User.id).limit(3)))


def _seat_or_waitlist(exchange: Exchange, registration: Registration) -> None:
    free = seats_left(exchange)
    if free is None or free > 0:
        registration.status, registration.waitlisted_at = RegistrationStatus.REGISTERED, None
        db.session.flush()
        notify.registration_confirmed(registration)
    else:
        registration.status, registration.waitlisted_at = RegistrationStatus.WAITLISTED, utcnow()
        db.session.flush()
        notify.waitlisted(registration)


def _register(exchange: Exchange, user: User, answers: RegistrationAnswers, *, invited: bool) -> Registration:
    """Register under the exchange lock (the caller holds it): seat, waitlist or approval queue."""
    _check_open(exchange)
    registration = registration_of(exchange, user)
    if registration is not None and registration.active:
        messages = {RegistrationStatus.REGISTERED: _l("You are already registered for this exchange."),
                    RegistrationStatus.WAITLISTED: _l("You are already on the waitlist of this exchange."),
                    RegistrationStatus.PENDING: _l("Your registration is already waiting for approval.")}
        raise Conflict(messages[registration.status])
    was = registration.status if registration is not None else None
    if registration is None:
        registration = Registration(exchange=exchange, user=user, status=RegistrationStatus.PENDING)
        db.session.add(registration)
    registration.created_at = utcnow()
    _apply_answers(registration, answers)
    if exchange.requires_approval and not invited:  # an invitation is the organizers' approval already
        registration.status, registration.waitlisted_at = RegistrationStatus.PENDING, None
        db.session.flush()
        notify.pending_approval(registration)
    else:
        _seat_or_waitlist(exchange, registration)
    notify.registrations_changed(exchange, [(registration, was)], _organizers(exchange))
    return registration


def register(exchange: Exchange, *, actor: User, answers: RegistrationAnswers) -> Registration:
    """Register `actor`: a seat while any is free, else the waitlist; pending when approval is required."""
    if not permissions.can(actor, "exchange.register", exchange):
        raise NotFound(_l("There is no such exchange, or it is not open to you."))
    if (exchange.visibility == "invite_only" and not permissions.can(actor, "exchange.manage", exchange)
            and not _invited(exchange, actor)):
        raise Forbidden(_l("This exchange is by invitation only. Use the link in your invitation email."))
    exchange = lock_exchange(exchange.id)
    registration = _register(exchange, actor, answers, invited=_invited(exchange, actor))
    for invite in _invitations_of(exchange, actor):
        invite.used_at, invite.user = invite.used_at or utcnow(), actor
    db.session.commit()
    return registration


def stage_promote_waitlist(exchange: Exchange) -> list[Registration]:
    """Move waitlisted people into free seats, longest-waiting first, and email each (no commit; the caller
    holds the exchange lock)."""
    free = seats_left(exchange)
    query = (select(Registration).where(Registration.exchange_id == exchange.id,
                                              Registration.status == RegistrationStatus.WAITLISTED)
             .order_by(Registration.waitlisted_at, Registration.id))
    if free is not None:
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(db.session.scalars(query))
    for registration in promoted:
        registration.status, registration.waitlisted_at = RegistrationStatus.REGISTERED, None
        notify.promoted_from_waitlist(registration)
    db.session.flush()
    return promoted


def cancel_registration(exchange: Exchange, *, actor: User) -> Registration:
    """Cancel `actor`'s registration; a freed seat goes to the longest-waiting person on the waitlist."""
    exchange = lock_exchange(exchange.id)
    registration = registration_of(exchange, actor)
    if registration is None or not registration.active:
        raise Conflict(_l("You are not registered for this exchange."))
    if is_past(exchange):
        raise Invalid(_l("This exchange has already taken place; the registration stays on record."))
    was = registration.status
    registration.status, registration.waitlisted_at = RegistrationStatus.CANCELLED, None
    db.session.flush()
    notify.registration_cancelled(registration)
    promoted = stage_promote_waitlist(exchange) if was in SEAT_HOLDING and exchange.status == "published" else []
    notify.registrations_changed(exchange, [(registration, was),
                                            *((p, RegistrationStatus.WAITLISTED) for p in promoted)],
                                 _organizers(exchange))
    db.session.commit()
    return registration


def get_registration(exchange: Exchange, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.exchange_id != exchange.id:
        raise NotFound(_l("There is no such registration."))
    return registration


def approve_registration(registration: Registration, *, actor: User) -> Registration:
    """Approve a pending registration: a seat if one is free, else the waitlist (emailed either way)."""
    permissions.require(actor, "exchange.manage", registration.exchange)
    exchange = lock_exchange(registration.exchange_id)
    db.session.refresh(registration)
    if registration.status != RegistrationStatus.PENDING:
        raise Conflict(_l("This registration is not waiting for approval any more."))
    _check_open(exchange)
    _seat_or_waitlist(exchange, registration)
    notify.registrations_changed(exchange, [(registration, RegistrationStatus.PENDING)], _organizers(exchange),
                                 decided=True)
    db.session.commit()
    return registration


def decline_registration(registration: Registration, *, actor: User) -> Registration:
    """Decline a pending registration; the person is told."""
    permissions.require(actor, "exchange.manage", registration.exchange)
    exchange = lock_exchange(registration.exchange_id)
    db.session.refresh(registration)
    if registration.status != RegistrationStatus.PENDING:
        raise Conflict(_l("This registration is not waiting for approval any more."))
    registration.status = RegistrationStatus.CANCELLED
    db.session.flush()
    notify.registration_declined(registration)
    notify.registrations_changed(exchange, [(registration, RegistrationStatus.PENDING)], _organizers(exchange),
                                 decided=True)
    db.session.commit()
    return registration


def registrations_of(exchange: Exchange, *, actor: User) -> list[Registration]:
    """Return every registration of an exchange (organizers only), pending first, then in order."""
    permissions.require(actor, "exchange.manage", exchange)
    order = {status: n for n, status in enumerate(RegistrationStatus)}  # the vocabulary's order: pending first
    rows = list(db.session.scalars(select(Registration).where(Registration.exchange_id == exchange.id)
                                   .options(selectinload(Registration.answers), selectinload(Registration.user))))
    return sorted(rows, key=lambda r: (order.get(r.status, 9), r.waitlisted_at or r.created_at, r.id))


def registrations_csv(exchange: Exchange, *, actor: User, locale: str) -> str:
    """Return the registrations list as CSV (organizers only): the fixed answers, then one column per question
    the exchange ever asked (removed ones too, their answers kept), every cell guarded against formulas."""
    rows = registrations_of(exchange, actor=actor)
    asked = questions.questions_of(exchange, archived=True)
    languages = questions.languages_of(exchange)
    header = [_l("Name"), _l("Email"), _l("Status"), _l("City"), _l("Stakeholder group"), _l("Needs"),
              _l("Time zone"), _l("Registered")]
    header += [questions.text_for(q.label, locale, languages) for q in asked]
    table = [[str(h) for h in header]]
    for registration in rows:
        given = questions.answers_of(registration)
        group = registration.stakeholder_group
        table.append([registration.user.name, registration.user.email, str(registration.status.label),
                      translated(registration.city.name) if registration.city else "",
                      str(STAKEHOLDER_LABELS.get(group, group)) if group else "", registration.needs,
                      registration.user.timezone or "UTC",
                      timefmt.stamp(registration.created_at, exchange.timezone, locale),
                      *(questions.answer_text(q, given.get(q.id), locale) for q in asked)])
    return spreadsheet.to_csv(table)


def status_counts(exchange: Exchange) -> dict[str, int]:
    """Return how many registrations are in each status."""
    rows = db.session.execute(select(Registration.status, func.count()).where(Registration.exchange_id == exchange.id)
                              .group_by(Registration.status)).all()
    counts = dict.fromkeys(RegistrationStatus, 0)
    counts.update(dict(rows))
    return counts


# -- invitations ------------------------------------------------------------------------------------


def _invitations_of(exchange: Exchange, user) -> list[Invitation]:
    """The invitations bound to `user`'s account, or sent to their address once they have proven it (an address
    merely typed in claims no invitation: accounts.services, "Proving an address")."""
    email = normalize_email(user.email) if user.email_verified else None
    return [i for i in exchange.invitations if i.user_id == user.id or (email is not None and i.email == email)]


def is_invited(exchange: Exchange, user) -> bool:
    """Tell whether `user` holds a live (or already used) invitation to `exchange`."""
    return getattr(user, "is_authenticated", False) and _invited(exchange, user)


def _invited(exchange: Exchange, user) -> bool:
    now = utcnow()
    return any(i.used_at is not None or i.expires_at > now for i in _invitations_of(exchange, user))


def _expiry(exchange: Exchange):
    ends = [s.ends_at for s in exchange.sessions if s.status == "scheduled"]
    limit = utcnow() + timedelta(days=INVITATION_DAYS)
    return min([limit, *ends]) if ends else limit


def _send_invitation(invite: Invitation) -> None:
    """Give the invitation a fresh link (any older link stops working) and email it."""
    token = new_token()
    invite.token_hash = hash_token(token)
    invite.sent_at = utcnow()
    invite.expires_at = _expiry(invite.exchange)
    notify.invitation(invite, token)


def _upsert_invitation(exchange: Exchange, *, actor: User, email: str, name: str = "", city: City | None = None,
                       stakeholder_group: str = "", user: User | None = None) -> tuple[Invitation, bool]:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise Invalid(_l("Enter a valid email address."), field="email")
    if stakeholder_group and stakeholder_group not in STAKEHOLDER_GROUPS:
        raise Invalid(_l("Choose a stakeholder group from the list."), field="stakeholder_group")
    if exchange.status == "cancelled":
        raise Conflict(_l("This exchange is cancelled; nobody can be invited to it."))
    if user is None:
        user = db.session.scalar(select(User).where(User.email == email))
    if user is not None and not user.email_verified:
        user = None  # bound to an account only once its address is proven; until then the emailed link decides
    invite = db.session.scalar(select(Invitation).where(Invitation.exchange_id == exchange.id, Invitation.email == email))
    created = invite is None
    if invite is None:
        invite = Invitation(exchange=exchange, email=email, token_hash=hash_token(new_token()),
                            expires_at=_expiry(exchange), invited_by_id=actor.id if actor else None)
        db.session.add(invite)
    invite.name = (name or (user.name if user else "")).strip()[:120]
    invite.city = city
    invite.stakeholder_group = stakeholder_group or ""
    invite.user = user
    return invite, created


def invite(exchange: Exchange, *, actor: User, email: str, name: str = "", city_id: int | None = None,
           stakeholder_group: str = "") -> Invitation:
    """Invite one person by email (sent now if the exchange is published, else when it is published)."""
    permissions.require(actor, "exchange.manage", exchange)
    city = db.session.get(City, city_id) if city_id else None
    invitation, _created = _upsert_invitation(exchange, actor=actor, email=email, name=name, city=city,
                                              stakeholder_group=stakeholder_group)
    if invitation.used_at is not None:
        raise Conflict(_l("%(email)s has already accepted an invitation to this exchange.", email=invitation.email),
                       field="email")
    if exchange.status == "published":
        _send_invitation(invitation)
    db.session.commit()
    return invitation


def stage_invite_user(exchange: Exchange, *, actor: User, user_id: int) -> Invitation:
    """Invite an existing account, emailed now if the exchange is published (no commit; for `create_exchange`)."""
    user = db.session.get(User, user_id)
    if user is None or user.disabled:
        raise Invalid(_l("The person to invite no longer has an active account."), field="invitee_id")
    invitation, _created = _upsert_invitation(exchange, actor=actor, email=user.email, user=user)
    if exchange.status == "published" and invitation.used_at is None:
        _send_invitation(invitation)
    return invitation


def stage_send_waiting_invitations(exchange: Exchange) -> int:
    """Email the invitations that waited for publication (no commit; part of publishing an exchange)."""
    waiting = [i for i in exchange.invitations if i.sent_at is None and i.used_at is None]
    for invitation in waiting:
        _send_invitation(invitation)
    return len(waiting)


@dataclass
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class InviteeReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


INVITEE_COLUMNS = ("name", "email", "city", "stakeholder_group")


def import_invitees(exchange: Exchange, *, actor: User, content: str) -> InviteeReport:
    """Invite everyone in a CSV (name, email, city, stakeholder_group); nothing is written if any row is bad."""
    permissions.require(actor, "exchange.manage", exchange)
    report = InviteeReport()
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in reader.fieldnames or []]
    missing = [c for c in ("name", "email") if c not in columns]
    if missing:
        report.errors.append(RowError(1, str(_l("The first line must name the columns name, email, city, "
                                                "stakeholder_group (missing: %(cols)s).", cols=", ".join(missing)))))
        return report
    by_slug = {c.slug: c for c in db.session.scalars(select(City))}
    by_name = {c.name.lower(): c for c in by_slug.values()}
    seen: dict[str, int] = {}
    rows = []
    for row in reader:
        line = reader.line_num
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        if not any(row.values()):
            continue
        email = normalize_email(row.get("email", ""))
        reasons = []
        if "@" not in email or any(c.isspace() for c in email) or len(email) > 254:
            reasons.append(str(_l("“%(email)s” is not a valid email address", email=row.get("email", ""))))
        elif email in seen:
            reasons.append(str(_l("%(email)s is already on line %(line)d", email=email, line=seen[email])))
        city_text = row.get("city", "")
        city = by_slug.get(city_text.lower()) or by_name.get(city_text.lower()) if city_text else None
        if city_text and city is None:
            reasons.append(str(_l("unknown city “%(city)s”", city=city_text)))
        group = row.get("stakeholder_group", "").lower().replace(" ", "_")
        if group and group not in STAKEHOLDER_GROUPS:
            reasons.append(str(_l("unknown stakeholder group “%(group)s” (use one of %(groups)s)",
                                  group=row.get("stakeholder_group"), groups=", ".join(STAKEHOLDER_GROUPS))))
        if len(row.get("name", "")) > 120:
            reasons.append(str(_l("the name is longer than 120 characters")))
        if reasons:
            report.errors.append(RowError(line, "; ".join(reasons)))
        else:
            seen[email] = line
            rows.append((email, row.get("name", ""), city, group))
    if not rows and not report.errors:
        report.errors.append(RowError(1, str(_l("The file lists nobody to invite."))))
    if report.errors:
        return report
    if exchange.status == "cancelled":
        raise Conflict(_l("This exchange is cancelled; nobody can be invited to it."))
    for email, name, city, group in rows:
        invitation, created = _upsert_invitation(exchange, actor=actor, email=email, name=name, city=city,
                                                 stakeholder_group=group)
        if created:
            report.created += 1
        else:
            report.updated += 1
        if exchange.status == "published" and invitation.used_at is None and invitation.sent_at is None:
            db.session.flush()
            _send_invitation(invitation)
    db.session.commit()
    return report


def check_invitation(token: str, *, actor=None) -> Invitation:
    """Return the invitation behind a link, or raise: unknown, used, expired, cancelled, or someone else's."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token or "")))
    if invitation is None or invitation.sent_at is None:
        raise NotFound(_l("This invitation link is not valid. Check that you copied the whole link, or ask the "
                          "organizers for a new one."))
    signed_in = getattr(actor, "is_authenticated", False)
    if invitation.used_at is not None:
        if signed_in and invitation.user_id == actor.id:
            return invitation  # the view sends them to the exchange
        raise Conflict(_l("This invitation has already been used. If it was you, log in to see the exchange."))
    if invitation.expires_at <= utcnow():
        raise Invalid(_l("This invitation has expired. Ask the organizers for a new one."))
    if invitation.exchange.status == "cancelled":
        raise Conflict(_l("This exchange has been cancelled."))
    if signed_in and invitation.user_id not in (None, actor.id):
        raise Forbidden(_l("This invitation was sent to another email address. Log out and use the account of "
                           "that address, or ask the organizers to invite you."))
    if signed_in and normalize_email(actor.email) != invitation.email:
        raise Forbidden(_l("This invitation was sent to another email address. Log out and use the account of "
                           "that address, or ask the organizers to invite you."))
    return invitation


def account_exists(email: str) -> bool:
    """Tell whether a proven account uses this address (shown only to the holder of a valid invitation link; an
    unverified account's address does not count: signing up through the link takes it, see
    `sign_up_with_invitation`)."""
    return db.session.scalar(select(User.id).where(User.email == normalize_email(email),
                                                   User.email_verified_at.is_not(None))) is not None


def accept_invitation(token: str, *, actor: User, answers: RegistrationAnswers) -> Registration:
    """Register the invited person (signed in with the invited address) through their link.

    The link was sent to that address, so opening it proves the address: an unverified account becomes verified.
    """
    invitation = check_invitation(token, actor=actor)
    if invitation.used_at is not None:
        raise Conflict(_l("You have already accepted this invitation."))
    stage_verify_email(actor)
    exchange = lock_exchange(invitation.exchange_id)
    registration = _register(exchange, actor, answers, invited=True)
    invitation.used_at, invitation.user = utcnow(), actor
    db.session.commit()
    return registration


def sign_up_with_invitation(token: str, *, name: str, password: str, timezone: str, language: str,
                            answers: RegistrationAnswers) -> tuple[User, Registration]:
    """Create the invited person's account and register them, in one step.

    The link is the proof that they own the invited address, so the account starts verified. Squatting cannot
    lock them out: an unverified account that claimed the address gives it up here (`stage_release_email`: an
    unverified account holds its address only until somebody proves it); only a proven account keeps it, and
    its owner logs in and opens the link again.
    """
    invitation = check_invitation(token)
    if account_exists(invitation.email):
        raise Conflict(_l("An account already uses this address. Log in, then open the invitation link again."))
    stage_release_email(invitation.email)
    user = add_user(email=invitation.email, name=name, password=password, timezone=timezone, language=language,
                    role="official", verified=True)
    db.session.flush()
    exchange = lock_exchange(invitation.exchange_id)
    registration = _register(exchange, user, answers, invited=True)
    invitation.used_at, invitation.user = utcnow(), user
    db.session.commit()
    return user, registration


def invitations_of(exchange: Exchange, *, actor: User) -> list[Invitation]:
    """Return an exchange's invitations (organizers only)."""
    permissions.require(actor, "exchange.manage", exchange)
    return sorted(exchange.invitations, key=lambda i: (i.used_at is not None, i.email))
