"""Account use cases: sign-up, login, password reset, proving an email address, profile changes.

The actor is always passed in.

Proving an address. An address an account has typed in grants nothing until its owner opens a one-time link sent
there (`EmailVerificationToken`, hashed at rest, expiring, single use): sign-up leaves the account unverified, and
an email change leaves the account on its old, proven address until the new one is confirmed. A password-reset
link and an invitation link were sent to the address too, so opening one proves it as well.

Squatting (someone claims an address that is not theirs) cannot lock the owner out, by one rule: **an unverified
account holds its address only until somebody proves it** (`stage_release_email`). When the owner proves the
address through a link (an invitation, or a change of their own account's address), the unverified account that
claimed it loses it: it is given a placeholder address, logged out everywhere and disabled. An account whose
address is verified keeps it. A stranger who signs up with a taken address learns nothing: they see the same
answer as for a new address, and the owner gets an email ("someone tried to sign up with your address") with
links to log in and to reset the password (the reset link proves the address, so it also verifies an unverified
account).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from ..common import permissions
from ..common.errors import Conflict, Forbidden, Invalid, NotFound, Problems, RateLimited
from ..common.time import is_zone, utcnow
from ..common.tokens import hash_token, new_token
from ..common.urls import public_url
from ..config import SUPPORTED_LANGUAGES
from ..extensions import db
from ..live.access import record_revocation
from ..mail.services import Recipient, queue_email
from . import throttle
from .models import EmailVerificationToken, LoginSession, PasswordResetToken, User, UserRole

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 512
MIN_PASSWORD_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable", about 10^8 guesses or more
ESTIMATED_PREFIX = 100  # zxcvbn's time grows with length; the first 100 characters tell the strength enough
# Words anyone guessing a password of this site tries first, besides the person's own name and address.
SITE_WORDS = ("peer", "exchange", "peerexchange", "peer exchange", "megacity", "official")
# zxcvbn's warnings (English only) in our words, so the reason reaches every reader in their language.
_ESTIMATOR_WARNINGS = {
    "This is a top-10 common password.": _l("It is one of the most common passwords."),
    "This is a top-100 common password.": _l("It is one of the most common passwords."),
    "This is a very common password.": _l("It is one of the most common passwords."),
    "This is similar to a commonly used password.": _l("It is a common password with small changes."),
    "A word by itself is easy to guess.": _l("A single word is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Names are easy to guess."),
    "Straight rows of keys are easy to guess.": _l("Rows and patterns of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Rows and patterns of keys are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l("Repeated letters or words are easy to guess."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l("Repeated letters or words are easy to guess."),
    'Sequences like "abc" or "6543" are easy to guess.': _l("Sequences such as “abc” or “6543” are easy to guess."),
    "Recent years are easy to guess.": _l("Years and dates are easy to guess."),
    "Dates are often easy to guess.": _l("Years and dates are easy to guess."),
}
# A fixed hash to check against when no account matches, so a login takes as long either way.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


def normalize_email(email: str) -> str:
    """Return the email trimmed and lower-cased, the form stored and compared."""
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """Hash a password with scrypt (Werkzeug's default)."""
    return generate_password_hash(password, method="scrypt")


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise Invalid when `password` is too weak to protect an account.

    The strength is estimated by zxcvbn (Dropbox's estimator, Python port): it knows the passwords of public
    breach lists, dictionary words, names, keyboard patterns, dates and common substitutions, and is told the
    person's own name and address and this site's words. A score under `MIN_PASSWORD_SCORE` is refused with its
    reason, in our words (every language), and the advice that always works: add a word or two.
    """
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(_l("Use at least %(n)d characters for your password.", n=MIN_PASSWORD_LENGTH), field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise Invalid(_l("That password is too long (at most 512 characters)."), field="password")
    lowered = password.lower()
    address = normalize_email(email)
    local = address.partition("@")[0]
    if (local and len(local) >= 4 and local in lowered) or _only_personal_words(lowered, local, name):
        raise Invalid(_l("Your password must not contain your name or email address."), field="password")
    inputs = [address, local, *address.partition("@")[2].split("."), *(name or "").split(), *SITE_WORDS]
    estimate = zxcvbn(password[:ESTIMATED_PREFIX], user_inputs=[word for word in inputs if word])
    if estimate["score"] < MIN_PASSWORD_SCORE:
        reason = _ESTIMATOR_WARNINGS.get(estimate["feedback"].get("warning") or "")
        if reason is not None:
            raise Invalid(_l("This password is too easy to guess: %(reason)s Add another word or two; a short "
                             "sentence of unrelated words works well.", reason=reason), field="password")
        raise Invalid(_l("This password is too easy to guess. Add another word or two; a short sentence of "
                         "unrelated words works well."), field="password")


def _only_personal_words(lowered: str, local: str, name: str) -> bool:
    """Tell whether the password is nothing but words of the person's name or address, digits and symbols
    ("OrtizLina2024", "lina.ortiz!")."""
    words = sorted({w for w in re.split(r"[\W\d_]+", f"{local} {(name or '').lower()}") if len(w) >= 3},
                   key=len, reverse=True)
    if not words:
        return False
    rest = lowered
    for word in words:
        rest = rest.replace(word, "")
    return rest != lowered and not re.sub(r"[\W\d_]+", "", rest)


def _check_choices(timezone: str, language: str) -> None:
    problems = Problems()
    if not is_zone(timezone):
        problems.add(Invalid(_l("Unknown time zone “%(zone)s”. Choose one from the list.", zone=timezone or ""),
                             field="timezone"))
    if language not in SUPPORTED_LANGUAGES:
        problems.add(Invalid(_l("Unknown language. Choose one from the list."), field="language"))
    problems.raise_any()


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid(_l("Enter your name."), field="name")
    if len(name) > 120:
        raise Invalid(_l("Your name can be at most 120 characters."), field="name")
    return name


def _holder(email: str, *, exclude_id: int | None = None) -> User | None:
    """Return the account that uses `email` as its sign-in address (verified or not), if any."""
    query = select(User).where(func.lower(User.email) == email)
    if exclude_id is not None:
        query = query.where(User.id != exclude_id)
    return db.session.scalar(query)


def _checked_account(*, email: str, name: str, password: str, timezone: str, language: str,
                     role: str) -> tuple[str, str]:
    """Check a new account's fields; return the normalised email and name (whether the address is free is not
    asked here). Every field is checked; all the problems are raised together."""
    problems = Problems()
    email = normalize_email(email)
    checked_name = problems.check(_check_name, name, default="")
    if "@" not in email or len(email) > 254:
        problems.add(Invalid(_l("Enter a valid email address."), field="email"))
    if role not in tuple(UserRole):
        problems.add(Invalid(_l("Unknown role “%(role)s”.", role=role), field="role"))
    problems.check(check_password_strength, password, email=email, name=checked_name)
    problems.check(_check_choices, timezone, language)
    problems.raise_any()
    return email, checked_name


def _new_user(*, email: str, name: str, password: str, timezone: str, language: str, role: str,
              verified: bool) -> User:
    email, name = _checked_account(email=email, name=name, password=password, timezone=timezone,
                                   language=language, role=role)
    if _holder(email) is not None:
        raise Conflict(_l("An account with this email address already exists. Log in or reset your password."), field="email")
    user = User(email=email, name=name, password_hash=hash_password(password), role=UserRole(role),
                timezone=timezone, language=language, email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    return user


def add_user(*, email: str, name: str, password: str, timezone: str, language: str,
             role: str = UserRole.OFFICIAL, verified: bool = False) -> User:
    """Check and add an account to the current transaction without committing (for larger use cases).

    `verified`: the caller has proof that the person owns `email` (they opened a link sent there)."""
    return _new_user(email=email, name=name, password=password, timezone=timezone, language=language, role=role,
                     verified=verified)


def sign_up(*, email: str, name: str, password: str, timezone: str, language: str) -> User | None:
    """Start an official's account and email a link that proves the address; None when the address is taken.

    The caller answers the same either way, so nobody learns which addresses have accounts: a taken address's
    owner gets an email instead ("someone tried to sign up with your address"), and the password is hashed all
    the same, so the answer takes as long.
    """
    email, name = _checked_account(email=email, name=name, password=password, timezone=timezone,
                                   language=language, role=UserRole.OFFICIAL)
    holder = _holder(email)
    if holder is not None:
        hash_password(password)
        queue_email(Recipient.of(holder), "signup_attempt",
                    subject=_l("Someone tried to use your email address on Peer Exchange"),
                    context={"user": holder, "login": public_url("accounts.login"),
                             "reset": public_url("accounts.request_reset")})
        db.session.commit()
        return None
    user = User(email=email, name=name, password_hash=hash_password(password), role=UserRole.OFFICIAL,
                timezone=timezone, language=language)
    db.session.add(user)
    db.session.flush()
    _stage_verification(user, email, purpose="signup")
    db.session.commit()
    return user


def create_user(*, email: str, name: str, role: str, password: str, timezone: str = "UTC",
                language: str = "en") -> User:
    """Create an account with any role (command line and administrators); its address counts as verified, the
    person who creates it vouches for it."""
    user = _new_user(email=email, name=name, password=password, timezone=timezone, language=language, role=role,
                     verified=True)
    db.session.commit()
    return user


# -- proving an address ---------------------------------------------------------------------------------------


def _stage_verification(user: User, email: str, *, purpose: Literal["signup", "change"]) -> None:
    """Add a one-time link that proves `email` for `user` and queue it to that address (no commit)."""
    token = new_token()
    hours = current_app.config["EMAIL_VERIFICATION_HOURS"]
    db.session.add(EmailVerificationToken(user=user, email=email, token_hash=hash_token(token),
                                          expires_at=utcnow() + timedelta(hours=hours)))
    recipient = Recipient(email=email, name=user.name, language=user.language or "en",
                          timezone=user.timezone or "UTC", user_id=user.id)
    subject = (_l("Confirm your new email address for Peer Exchange") if purpose == "change"
               else _l("Welcome to Peer Exchange: confirm your email address"))
    queue_email(recipient, "verify_email", subject=subject, kind=f"verify_email_{purpose}",
                context={"user": user, "link": public_url("accounts.verify_email", token=token),
                         "hours": f"{hours:g}", "change": purpose == "change"})


def stage_release_email(email: str, *, keep: User | None = None) -> None:
    """Take `email` from the unverified account that claims it, for someone who has just proved it (no commit).

    The rule against squatting: an unverified account holds its address only until somebody proves it. The
    claimant gets a placeholder address nobody receives mail at, is logged out everywhere and disabled (it never
    proved the address it signed in with, so it loses nothing it was shown to own). A verified holder keeps its
    address: Conflict. `keep` (the account that proved it) is never released.
    """
    holder = _holder(normalize_email(email), exclude_id=keep.id if keep is not None else None)
    if holder is None:
        return
    if holder.email_verified:
        raise Conflict(_l("Another account already uses this email address."), field="email")
    now = utcnow()
    holder.email = f"released-{holder.id}@released.invalid"
    holder.disabled = True
    stage_end_logins(holder)
    for row in [*holder.verification_tokens, *holder.reset_tokens]:
        row.used_at = row.used_at or now
    db.session.flush()  # the address is free before anyone takes it (it is unique)


def stage_verify_email(user: User) -> None:
    """Mark `user`'s own address proven: they opened a link sent to it, e.g. an invitation (no commit)."""
    if not user.email_verified:
        user.email_verified_at = utcnow()


def check_verification_token(token: str) -> EmailVerificationToken:
    """Return the unused, unexpired verification token, or raise Invalid."""
    row = db.session.scalar(select(EmailVerificationToken)
                            .where(EmailVerificationToken.token_hash == hash_token(token or "")))
    if row is None or row.used_at is not None or row.user.disabled:
        raise Invalid(_l("This confirmation link is not valid or was already used. Log in to ask for a new one."))
    if row.expires_at <= utcnow():
        raise Invalid(_l("This confirmation link has expired. Log in to ask for a new one."))
    return row


def verify_email(*, token: str) -> User:
    """Prove an address through its one-time link: it becomes the account's verified sign-in address.

    For an email change this is the moment the address changes: the old address is told, and reset links sent
    to it stop working. An unverified account claiming the address loses it (`stage_release_email`).
    """
    row = check_verification_token(token)
    user = row.user
    now = utcnow()
    if row.email != user.email:
        stage_release_email(row.email, keep=user)
        old = Recipient.of(user)
        user.email = row.email
        for reset in user.reset_tokens:
            reset.used_at = reset.used_at or now
        queue_email(old, "email_changed", subject=_l("Your Peer Exchange email address was changed"),
                    context={"user": user, "new_email": row.email})
    user.email_verified_at = now
    # One proof settles the account's address; every other outstanding link of it dies.
    for other in user.verification_tokens:
        other.used_at = other.used_at or now
    db.session.commit()
    return user


def resend_verification(user: User, *, actor: User) -> None:
    """Email a fresh link that proves the account's own (unverified) address."""
    permissions.require(actor, "account.edit", user)
    if user.email_verified:
        raise Invalid(_l("Your email address is already confirmed."))
    _stage_verification(user, user.email, purpose="signup")
    db.session.commit()


def authenticate(*, email: str, password: str, address: str) -> User:
    """Return the user for these credentials, tried from client `address`; the error never says which part was
    wrong.

    Wrong passwords are counted per (account, address) with growing waits (`throttle`): a pair that must wait is
    refused before the password is even checked (RateLimited, with `retry_after`), whether the account exists or
    not; the right password clears the pair's count. Nothing is written to the database: `open_login` records
    the login.
    """
    email = normalize_email(email)
    wait = throttle.wait_seconds(email, address)
    if wait:
        raise _too_many_failures(wait)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
    if user is None or not check_password_hash(user.password_hash, password or ""):
        throttle.record_failure(email, address)
        raise Invalid(_l("That email and password do not match an account."))
    throttle.clear(email, address)
    if user.disabled:
        # Said only to someone who knows the password, so it reveals nothing to a stranger.
        raise Forbidden(_l("This account is disabled. Contact the program organizers."))
    return user


def _too_many_failures(wait: int) -> RateLimited:
    when = format_timedelta(timedelta(seconds=wait), add_direction=True)
    return RateLimited(_l("Too many wrong passwords for this account from your network. Try again %(when)s, or "
                          "reset your password.", when=when), details={"retry_after": wait})


# -- logins: one row per browser session, checked on every request and live-room event --------------------------


def open_login(user: User, *, remember: bool) -> str:
    """Record a new login of `user` and return its token (the secret the cookies carry).

    The login lasts `SESSION_ABSOLUTE_SECONDS`, or `REMEMBER_COOKIE_DURATION` with "remember me"; the user object
    is marked with it (`login_token`, `login_id`), so Flask-Login writes it into the cookies. The account's dead
    logins (ended or expired a day ago or more) are deleted on the way.
    """
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["SESSION_ABSOLUTE_SECONDS"]
    if isinstance(lifetime, timedelta):
        lifetime = lifetime.total_seconds()
    now = utcnow()
    token = new_token()
    db.session.execute(delete(LoginSession).where(
        LoginSession.user_id == user.id,
        or_(LoginSession.revoked_at < now - timedelta(days=1), LoginSession.expires_at < now - timedelta(days=1))))
    row = LoginSession(user_id=user.id, token_hash=hash_token(token), created_at=now, remembered=remember,
                       expires_at=now + timedelta(seconds=float(lifetime)))
    db.session.add(row)
    user.last_login_at = now
    db.session.commit()
    user.login_token, user.login_id = token, row.id
    return token


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user of a live login ("<user id>:<login token>"), or None. One query.

    Every request and every live-room event passes here, so an ended login (logged out, logged out everywhere, a
    new password, a disabled or deleted account) or an expired one opens nothing, whatever cookie carries it.
    """
    ident, _, token = (user_id or "").partition(":")
    if not ident.isdigit() or not token:
        return None
    found = db.session.execute(
        select(User, LoginSession.id).join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == int(ident), LoginSession.token_hash == hash_token(token),
               LoginSession.revoked_at.is_(None), LoginSession.expires_at > utcnow(), User.disabled.is_(False))
    ).first()
    if found is None:
        return None
    user, login_id = found
    user.login_token, user.login_id = token, login_id
    return user


def active_logins(user: User) -> int:
    """Return how many logins of `user` are live (browsers and devices where the account is logged in)."""
    return db.session.scalar(select(func.count()).select_from(LoginSession).where(
        LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None), LoginSession.expires_at > utcnow())) or 0


def end_login(*, login_id: int | None) -> None:
    """Log one login out: its row ends (a copy of its cookies stops working) and its live connections close on
    every server process."""
    if not login_id:
        return
    row = db.session.get(LoginSession, login_id)
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
    record_revocation(db.session, login=str(login_id))
    db.session.commit()


def stage_end_logins(user: User) -> None:
    """End every login of `user` and close all their live connections, in the caller's transaction (no commit).

    The one way an account is logged out everywhere (new password, "log out everywhere", disabled, deleted,
    released address): the rows end, and the raised `session_version` makes the access watcher close the
    person's sockets on every server process (live/access.py).
    """
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    user.session_version += 1


def end_all_logins(user: User, *, actor: User) -> None:
    """Log the account out on every browser and device, this one too ("log out everywhere")."""
    permissions.require(actor, "account.edit", user)
    stage_end_logins(user)
    db.session.commit()


def request_password_reset(*, email: str) -> None:
    """Email a one-time reset link when the address has an active account; say nothing either way."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None or user.disabled:
        return
    token = new_token()
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    db.session.add(PasswordResetToken(user=user, token_hash=hash_token(token),
                                      expires_at=utcnow() + timedelta(hours=hours)))
    link = public_url("accounts.reset_password", token=token)
    queue_email(Recipient.of(user), "password_reset", subject=_l("Reset your Peer Exchange password"),
                context={"user": user, "link": link, "hours": hours})
    db.session.commit()


def check_reset_token(token: str) -> PasswordResetToken:
    """Return the unused, unexpired reset token, or raise Invalid."""
    row = db.session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == hash_token(token or "")))
    if row is None or row.used_at is not None:
        raise Invalid(_l("This reset link is not valid or was already used. Ask for a new one."))
    if row.expires_at <= utcnow():
        raise Invalid(_l("This reset link has expired. Ask for a new one."))
    if row.user.disabled:
        raise Invalid(_l("This reset link is not valid or was already used. Ask for a new one."))
    return row


def _stage_new_password(user: User, new_password: str) -> None:
    """Give `user` a new password (checked) in the caller's transaction: every login of the account ends, every
    outstanding reset link dies (one asked for before the change cannot undo it), and the owner is told."""
    check_password_strength(new_password, email=user.email, name=user.name)
    now = utcnow()
    user.password_hash = hash_password(new_password)
    stage_end_logins(user)
    for link in user.reset_tokens:
        link.used_at = link.used_at or now
    queue_email(Recipient.of(user), "password_changed", subject=_l("Your Peer Exchange password was changed"),
                context={"user": user})


def reset_password(*, token: str, new_password: str) -> User:
    """Set a new password through a one-time link; every session of the account ends, and every other link."""
    row = check_reset_token(token)
    user = row.user
    _stage_new_password(user, new_password)
    stage_verify_email(user)  # the link was sent to the account's address: opening it proves the address
    db.session.commit()
    return user


def change_password(user: User, *, actor: User, current_password: str, new_password: str) -> User:
    """Change a password after checking the current one: every login of the account ends (the caller starts a
    fresh one for the browser that changed it), and reset links asked for before stop working."""
    permissions.require(actor, "account.edit", user)
    if not check_password_hash(user.password_hash, current_password or ""):
        raise Invalid(_l("Your current password is not correct."), field="current_password")
    _stage_new_password(user, new_password)
    db.session.commit()
    return user


def change_email(user: User, *, actor: User, password: str, new_email: str) -> None:
    """Ask to change the sign-in email (password checked): a link goes to the new address, and the account keeps
    its old address until that link is opened (`verify_email`).

    An address another proven account uses gets that owner an email instead of the link, and the asker the same
    answer, so this form tells nobody which addresses have accounts either.
    """
    permissions.require(actor, "account.edit", user)
    if not check_password_hash(user.password_hash, password or ""):
        raise Invalid(_l("Your password is not correct."), field="password")
    new_email = normalize_email(new_email)
    if "@" not in new_email or len(new_email) > 254:
        raise Invalid(_l("Enter a valid email address."), field="email")
    if new_email == user.email:
        raise Invalid(_l("That is already your email address."), field="email")
    holder = _holder(new_email, exclude_id=user.id)
    if holder is not None and holder.email_verified:
        queue_email(Recipient.of(holder), "signup_attempt",
                    subject=_l("Someone tried to use your email address on Peer Exchange"),
                    context={"user": holder, "login": public_url("accounts.login"),
                             "reset": public_url("accounts.request_reset")})
    else:
        _stage_verification(user, new_email, purpose="change")
    db.session.commit()


def update_profile(user: User, *, actor: User, name: str, timezone: str, language: str) -> User:
    """Change name, time zone and language."""
    permissions.require(actor, "account.edit", user)
    user.name = _check_name(name)
    _check_choices(timezone, language)
    user.timezone = timezone
    user.language = language
    db.session.commit()
    return user


def set_disabled(user: User, *, actor: User | None, disabled: bool) -> User:
    """Disable or re-enable an account; a disabled account is logged out everywhere at once."""
    if actor is not None:
        permissions.require(actor, "user.manage", user)
        if actor.id == user.id:
            raise Invalid(_l("You cannot disable your own account."))
    user.disabled = disabled
    stage_end_logins(user)
    db.session.commit()
    return user


def get_user_by_email(email: str) -> User:
    """Return the account with this email or raise NotFound."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(_l("No account with that email address."))
    return user
