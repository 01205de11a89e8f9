"""Exchanges, their timed sessions, speakers and registrations."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..accounts.models import User
from ..common.enums import EnumText, Vocabulary
from ..common.time import UTCDateTime, utcnow
from ..experts.models import City, FocusArea, Topic
from ..extensions import db, link_table

EXCHANGE_KINDS = ("webinar", "peer_exchange", "conference")
EXCHANGE_STATUSES = ("draft", "published", "cancelled")
VISIBILITIES = ("public", "invite_only")
SESSION_STATUSES = ("scheduled", "cancelled")
SPEAKER_STATUSES = ("invited", "accepted", "declined")


class RoomStatus(Vocabulary):
    """Where a session's live room stands: not open yet, open (people write), closed (read-only)."""

    SCHEDULED = "scheduled", _l("Not open yet")
    OPEN = "open", _l("Open")
    CLOSED = "closed", _l("Closed")


class SpeakerRole(Vocabulary):
    """A speaker's part in a session; it is also the speaker's role in the session's live room."""

    HOST = "host", _l("Host")
    MODERATOR = "moderator", _l("Moderator")
    PANELIST = "panelist", _l("Panelist")

    @property
    def noun(self):
        """The role as a word inside a sentence ("you speak as host")."""
        return _SPEAKER_NOUNS[self]



_SPEAKER_NOUNS = {SpeakerRole.HOST: _l("host"), SpeakerRole.MODERATOR: _l("moderator"),
                  SpeakerRole.PANELIST: _l("panelist")}
# Hosts and moderators chair a session: they moderate its live room and are CHAIR in calendar invites.
CHAIRING = (SpeakerRole.HOST, SpeakerRole.MODERATOR)


class RegistrationStatus(Vocabulary):
    """Where a person's registration stands. Only REGISTERED holds a seat (`Registration.holds_seat`)."""

    PENDING = "pending", _l("awaiting approval")
    REGISTERED = "registered", _l("registered")
    WAITLISTED = "waitlisted", _l("on the waitlist")
    CANCELLED = "cancelled", _l("cancelled")


# The two rules on a registration's status, each written once; rows are asked through `Registration.holds_seat`
# and `Registration.active` (SQL and Python alike), a bare status (a digest's "before") with `in`.
SEAT_HOLDING = (RegistrationStatus.REGISTERED,)
ACTIVE_REGISTRATION = (RegistrationStatus.PENDING, RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)

class QuestionKind(Vocabulary):
    """The kind of answer a registration question takes."""

    SHORT_TEXT = "short_text", _l("Short text")
    LONG_TEXT = "long_text", _l("Long text")
    ONE_CHOICE = "one_choice", _l("One choice")
    SEVERAL_CHOICES = "several_choices", _l("Several choices")


CHOICE_KINDS = (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES)

exchange_focus_areas = link_table("exchange_focus_areas", ("exchange_id", "exchanges.id"), ("focus_area_id", "focus_areas.id"))
exchange_topics = link_table("exchange_topics", ("exchange_id", "exchanges.id"), ("topic_id", "topics.id"))
exchange_cities = link_table("exchange_cities", ("exchange_id", "exchanges.id"), ("city_id", "cities.id"))


class Exchange(db.Model):
    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(120), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    visibility: Mapped[str] = mapped_column(String(12), default="public")
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None = unlimited
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    video_url: Mapped[str] = mapped_column(String(500), default="")  # shown to registered people only
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")  # the exchange's own zone
    languages: Mapped[str] = mapped_column(String(60), default="en")  # comma-separated ISO 639-1 codes
    interpretation_notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # The first start and the last end of its sessions, kept by `register_time_bounds()` below: listings filter and
    # sort on these indexed columns instead of aggregating every session per request (bench/RESULTS.md).
    first_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    last_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)

    created_by: Mapped[User | None] = relationship()
    sessions: Mapped[list[ExchangeSession]] = relationship(back_populates="exchange", cascade="all, delete-orphan",
                                                           order_by="ExchangeSession.starts_at")
    tracks: Mapped[list[Track]] = relationship(back_populates="exchange", cascade="all, delete-orphan",
                                               order_by="Track.position")
    registrations: Mapped[list[Registration]] = relationship(back_populates="exchange", cascade="all, delete-orphan")
    # Every question ever asked, removed ones included (their answers stay); `questions.questions_of` reads them.
    registration_questions: Mapped[list[RegistrationQuestion]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="RegistrationQuestion.position")
    invitations: Mapped[list[Invitation]] = relationship(back_populates="exchange", cascade="all, delete-orphan")
    team: Mapped[list[ExchangeTeamMember]] = relationship(back_populates="exchange", cascade="all, delete-orphan",
                                                          order_by="ExchangeTeamMember.added_at")
    focus_areas: Mapped[list[FocusArea]] = relationship(secondary=exchange_focus_areas)
    topics: Mapped[list[Topic]] = relationship(secondary=exchange_topics)
    cities: Mapped[list[City]] = relationship(secondary=exchange_cities)

    @property
    def live_sessions(self) -> list[ExchangeSession]:
        """Its sessions that are not cancelled, in order (what a listing counts and spans)."""
        return [s for s in self.sessions if s.status != "cancelled"]

    @property
    def live_span(self) -> tuple[datetime, datetime] | None:
        """From the first live session's start to the last one's end (a conference to its last session), or None."""
        live = self.live_sessions
        return (live[0].starts_at, max(s.ends_at for s in live)) if live else None

    def __repr__(self) -> str:
        return f"<Exchange {self.id} {self.kind} {self.status}>"


class ExchangeTeamMember(db.Model):
    """One organizer (or administrator) on an exchange's team: the team runs the exchange and moderates its rooms.

    The organizer who creates an exchange is its first member; members add co-organizers (`exchanges/team.py`).
    A member whose account stops being an active organizer keeps the row but loses the power (the rules ask both).
    """

    __tablename__ = "exchange_team_members"
    __table_args__ = (UniqueConstraint("exchange_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exchange: Mapped[Exchange] = relationship(back_populates="team")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id])

    def __repr__(self) -> str:
        return f"<ExchangeTeamMember exchange={self.exchange_id} user={self.user_id}>"


class Track(db.Model):
    """A parallel strand of a conference's agenda."""

    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)

    exchange: Mapped[Exchange] = relationship(back_populates="tracks")

    def __repr__(self) -> str:
        return f"<Track {self.name}>"


def _new_uid() -> str:
    return f"{uuid.uuid4()}@peer-exchange"


class ExchangeSession(db.Model):
    """A timed slot of an exchange with its own live room ("Session" in the product's words)."""

    __tablename__ = "exchange_sessions"
    # A program file names sessions by external id within their exchange; a second import updates them.
    __table_args__ = (UniqueConstraint("exchange_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), index=True)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(120), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))  # the zone the organizer entered the times in
    status: Mapped[str] = mapped_column(String(12), default="scheduled")
    room_status: Mapped[RoomStatus] = mapped_column(EnumText(RoomStatus, 12), default=RoomStatus.SCHEDULED)
    premoderate_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    # The session's own video link (a conference's track rooms); None: the exchange's. Registered people only.
    video_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Calendar identity: the UID never changes; SEQUENCE rises on every change of time, place, link or status.
    ical_uid: Mapped[str] = mapped_column(String(120), unique=True, default=_new_uid)
    ical_sequence: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    exchange: Mapped[Exchange] = relationship(back_populates="sessions")
    track: Mapped[Track | None] = relationship()
    speakers: Mapped[list[SessionSpeaker]] = relationship(back_populates="session", cascade="all, delete-orphan")

    @property
    def video_link(self) -> str:
        """The video link people use for this session: its own when set, else the exchange's ("" when neither)."""
        return self.video_url or self.exchange.video_url or ""

    def __repr__(self) -> str:
        return f"<ExchangeSession {self.id} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class SessionSpeaker(db.Model):
    __tablename__ = "session_speakers"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[SpeakerRole] = mapped_column(EnumText(SpeakerRole, 12), default=SpeakerRole.PANELIST)
    status: Mapped[str] = mapped_column(String(10), default="invited")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)  # accept/decline link
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    session: Mapped[ExchangeSession] = relationship(back_populates="speakers")
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SessionSpeaker session={self.session_id} user={self.user_id} {self.role} {self.status}>"


class Registration(db.Model):
    """A person's place in an exchange."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("exchange_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(EnumText(RegistrationStatus, 12), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"), nullable=True)
    stakeholder_group: Mapped[str] = mapped_column(String(30), default="")
    needs: Mapped[str] = mapped_column(Text, default="")  # interpretation or accessibility needs
    # When the person joined the waitlist: promotion goes oldest first, even after a cancel and re-register.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    exchange: Mapped[Exchange] = relationship(back_populates="registrations")
    user: Mapped[User] = relationship()
    city: Mapped[City | None] = relationship()
    answers: Mapped[list[RegistrationAnswer]] = relationship(back_populates="registration",
                                                             cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Registration exchange={self.exchange_id} user={self.user_id} {self.status}>"

    @hybrid_property
    def holds_seat(self) -> bool:
        """Tell whether this registration holds a seat: it counts against the capacity, gets the calendar
        invites, joins the live room as a participant and counts as a participant in reports and surveys."""
        return self.status in SEAT_HOLDING

    @holds_seat.inplace.expression
    @classmethod
    def _holds_seat_expression(cls):
        return cls.status.in_(SEAT_HOLDING)

    @hybrid_property
    def active(self) -> bool:
        """Tell whether the person still has, or waits for, a place (registered, waitlisted or pending)."""
        return self.status in ACTIVE_REGISTRATION

    @active.inplace.expression
    @classmethod
    def _active_expression(cls):
        return cls.status.in_(ACTIVE_REGISTRATION)


class RegistrationQuestion(db.Model):
    """A question an exchange's organizers ask on its registration form, written in the exchange's languages.

    `label` is {language: text}; `choices` (one_choice, several_choices) is a list of {language: text}, and an
    answer names a choice by its place in that list. A question removed once people answered it is archived
    (`archived_at`): it leaves the form and the program file, its answers stay in the registrations list and CSV.
    """

    __tablename__ = "registration_questions"
    __table_args__ = (UniqueConstraint("exchange_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(120), nullable=True)  # the program file's name for it
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[QuestionKind] = mapped_column(EnumText(QuestionKind, 20))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    label: Mapped[dict] = mapped_column(JSON)
    choices: Mapped[list] = mapped_column(JSON, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    exchange: Mapped[Exchange] = relationship(back_populates="registration_questions")

    def __repr__(self) -> str:
        return f"<RegistrationQuestion {self.id} {self.kind} exchange={self.exchange_id}>"


class RegistrationAnswer(db.Model):
    """A registrant's answer to one question: text (short_text, long_text), a choice's place (one_choice) or a
    list of places (several_choices)."""

    __tablename__ = "registration_answers"
    __table_args__ = (UniqueConstraint("registration_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("registration_questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[object] = mapped_column(JSON)

    registration: Mapped[Registration] = relationship(back_populates="answers")
    question: Mapped[RegistrationQuestion] = relationship()


class Invitation(db.Model):
    """An emailed link to an exchange; works for people without an account (they sign up through it)."""

    __tablename__ = "exchange_invitations"
    __table_args__ = (UniqueConstraint("exchange_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-cased; only this address may use the link
    name: Mapped[str] = mapped_column(String(120), default="")
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"), nullable=True)
    stakeholder_group: Mapped[str] = mapped_column(String(30), default="")
    # Only a hash is kept: a copy of the database does not give anyone a working link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # None: waits for publication
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    exchange: Mapped[Exchange] = relationship(back_populates="invitations")
    city: Mapped[City | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Invitation exchange={self.exchange_id} used={self.used_at is not None}>"


def time_bounds_values(exchange_id) -> dict:
    """The SQL values of an exchange's `first_start` and `last_end`, read from its sessions."""
    of_it = ExchangeSession.exchange_id == exchange_id
    return {"first_start": select(func.min(ExchangeSession.starts_at)).where(of_it).scalar_subquery(),
            "last_end": select(func.max(ExchangeSession.ends_at)).where(of_it).scalar_subquery()}


def _note_moved_sessions(session: Session, _context) -> None:
    """Note the exchanges whose sessions this flush added, moved or removed (their ids are known by now)."""
    changed = [s for s in (*session.new, *session.dirty, *session.deleted) if isinstance(s, ExchangeSession)]
    if changed:
        ids = session.info.setdefault("exchange_bounds", set())
        for moved in changed:
            ids.add(moved.exchange_id)
            ids.update(inspect(moved).attrs.exchange_id.history.deleted)  # the exchange a session left
        ids.discard(None)


def _keep_time_bounds(session: Session, _context) -> None:
    """Recompute the time bounds of the exchanges noted above, in the same transaction."""
    ids = session.info.pop("exchange_bounds", None)
    if not ids:
        return
    # Lock the exchanges first: on PostgreSQL the UPDATEs below then run with a snapshot that includes what a
    # concurrent writer of the same exchange committed while we waited (else its session could be left out).
    session.execute(select(Exchange.id).where(Exchange.id.in_(sorted(ids))).order_by(Exchange.id).with_for_update())
    for exchange_id in sorted(ids):
        # updated_at stays: these columns are derived, not an edit of the exchange (its onupdate would fire).
        session.execute(update(Exchange).where(Exchange.id == exchange_id)
                        .values(**time_bounds_values(exchange_id), updated_at=Exchange.updated_at)
                        .execution_options(synchronize_session=False))
    for exchange in [obj for obj in session.identity_map.values() if isinstance(obj, Exchange) and obj.id in ids]:
        session.expire(exchange, ["first_start", "last_end"])


def register_time_bounds() -> None:
    """Keep every exchange's `first_start` and `last_end` true to its sessions (for every SQLAlchemy session).

    Guarantees: a flush that adds, moves, removes or re-parents a session updates the bounds of the exchanges it
    touches in the same transaction (both commit or neither), with those exchanges' rows locked first. Called by
    `create_app`; registering again is harmless.
    """
    for name, listener in (("after_flush", _note_moved_sessions), ("after_flush_postexec", _keep_time_bounds)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
