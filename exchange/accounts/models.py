"""Accounts: people who sign in, their logins (one per browser session), and their one-time password-reset and
email-verification tokens."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..common.enums import EnumText, Vocabulary
from ..common.time import UTCDateTime, utcnow
from ..common.tokens import new_token
from ..extensions import db


class UserRole(Vocabulary):
    """What an account is for. Organizers run the program (administrators also manage accounts); experts are
    approved peer experts; officials are city officials and stakeholders (everyone who signs themselves up)."""

    ORGANIZER = "organizer", _l("Organizer")
    EXPERT = "expert", _l("Peer expert")
    OFFICIAL = "official", _l("City official or stakeholder")
    ADMIN = "admin", _l("Administrator")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased so that uniqueness holds regardless of case.
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(EnumText(UserRole, 20), default=UserRole.OFFICIAL)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    language: Mapped[str] = mapped_column(String(8), default="en")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Raised whenever every login of the account ends (new password, log out everywhere, disabled, deleted): the
    # live-room watcher closes all the person's sockets on it (live/access.py). The logins themselves end in
    # `login_sessions` (`accounts.services.stage_end_logins`).
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # When the owner of `email` proved it by opening a link sent there; None: a claim that grants nothing yet
    # (no invitation matches it, no approval is skipped). `email` changes only when a new address is proven.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The secret in the private calendar feed's URL (/calendar/<token>.ics); regenerating it kills the old URL.
    calendar_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True,
                                                       default=new_token)

    reset_tokens: Mapped[list[PasswordResetToken]] = relationship(back_populates="user", cascade="all, delete-orphan")
    verification_tokens: Mapped[list[EmailVerificationToken]] = relationship(back_populates="user",
                                                                             cascade="all, delete-orphan")
    login_sessions: Mapped[list[LoginSession]] = relationship(back_populates="user", cascade="all, delete-orphan",
                                                              passive_deletes=True)

    # The login this object was loaded for (not columns): set at login and by Flask-Login's loader
    # (`accounts.services.load_user`). `login_token` is the secret in the cookie, `login_id` its row's id.
    login_token = None
    login_id = None

    @property
    def email_verified(self) -> bool:
        """Tell whether the owner of `email` proved it (only then does the address grant anything)."""
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in or stay logged in
        return not self.disabled

    def get_id(self) -> str:
        """Flask-Login's id, kept in the session and the remember cookie: "<user id>:<login token>"."""
        return f"{self.id}:{self.login_token or ''}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(db.Model):
    """One login: a browser that typed the password (or was logged in by an invitation's sign-up).

    The session cookie and the remember cookie carry a random token; this row keeps only its hash. Every request
    and every live-room event loads the person through it (`accounts.services.load_user`), so a login ends on the
    server: logging out revokes its row, and a copy of the cookie taken before stops working at once; "log out
    everywhere", a new password, disabling or deleting the account revoke every row of the account.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The login's absolute lifetime (SESSION_ABSOLUTE_SECONDS, or REMEMBER_COOKIE_DURATION with "remember me").
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    remembered: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="login_sessions")

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} user={self.user_id}{' revoked' if self.revoked_at else ''}>"


class PasswordResetToken(db.Model):
    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Only a hash is kept: a copy of the database does not give anyone a working link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="reset_tokens")

    def __repr__(self) -> str:
        return f"<PasswordResetToken {self.id} user={self.user_id}>"


class EmailVerificationToken(db.Model):
    """A one-time link that proves an address: the account's own (sign-up) or a new one (an email change).

    `email` is the address the link was sent to; opening the link makes it the account's verified address.
    """

    __tablename__ = "email_verification_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    # Only a hash is kept, as for reset tokens: a copy of the database does not give anyone a working link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship(back_populates="verification_tokens")

    def __repr__(self) -> str:
        return f"<EmailVerificationToken {self.id} user={self.user_id}>"


class AccessRevocation(db.Model):
    """A committed loss of access: every server process closes the matching live sockets (live/access.py).

    Written in the same transaction as the change that took the right away (a disabled or deleted account, a new
    password, a cancelled place, a removed speaker) or by a logout, so nothing is announced that did not happen
    and no process can miss it: each one reads the rows after its cursor about once a second. Rows name a person
    (`user_id`: all their connections) or one login (`login`: the id of its `LoginSession` row); they are kept for
    an hour and then deleted.
    """

    __tablename__ = "access_revocations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a row must outlive nothing and block nothing; it only names whom to disconnect.
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    login: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The process that wrote the row: its own watcher closed those sockets at commit and skips the row.
    origin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<AccessRevocation {self.id} user={self.user_id} login={'yes' if self.login else 'no'}>"
