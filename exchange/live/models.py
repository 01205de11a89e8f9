"""The live room: its event log and the chat, questions, polls, hands and presence the events describe."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..common.enums import EnumText, Vocabulary
from ..common.time import UTCDateTime, utcnow
from ..exchanges.models import CHAIRING, SpeakerRole
from ..extensions import db


class RoomRole(Vocabulary):
    """A person's role in a live room: their speaker role in the session, or participant (a seat holder)."""

    HOST = SpeakerRole.HOST.value, SpeakerRole.HOST.noun
    MODERATOR = SpeakerRole.MODERATOR.value, SpeakerRole.MODERATOR.noun
    PANELIST = SpeakerRole.PANELIST.value, SpeakerRole.PANELIST.noun
    PARTICIPANT = "participant", _l("participant")

    @property
    def moderates(self) -> bool:
        """Hosts and moderators moderate the room (organizers get MODERATOR in every room)."""
        return self in CHAIRING


class QuestionStatus(Vocabulary):
    """Where a question stands: PENDING waits for a moderator (pre-moderated rooms); VISIBLE and ANSWERED are
    shown to the room; DISMISSED is hidden (its author sees the reason)."""

    PENDING = "pending", _l("Waiting for a moderator")
    VISIBLE = "visible", _l("Open")
    ANSWERED = "answered", _l("Answered")
    DISMISSED = "dismissed", _l("Dismissed")


class DismissReason(Vocabulary):
    """Why a moderator dismissed a question: stored as the code, shown in each reader's language (its author and
    the moderators), beside any words the moderator added."""

    DUPLICATE = "duplicate", _l("Already asked (a duplicate)")
    OFF_TOPIC = "off_topic", _l("Off topic for this session")
    ANSWERED_ELSEWHERE = "answered_elsewhere", _l("Answered elsewhere in the session")
    NOT_A_QUESTION = "not_a_question", _l("Not a question")
    OTHER = "other", _l("Another reason")


# Questions only moderators and their authors see; the others are shown to the whole room.
HIDDEN_QUESTIONS = (QuestionStatus.PENDING, QuestionStatus.DISMISSED)
SHOWN_QUESTIONS = (QuestionStatus.VISIBLE, QuestionStatus.ANSWERED)
POLL_STATUSES = ("open", "closed")
EVENT_TYPES = ("chat.posted", "chat.deleted", "question.asked", "question.updated", "poll.opened",
               "poll.updated", "poll.closed", "hand.changed", "room.status")


class LiveRoom(db.Model):
    """One row per session's room: the seq counter (locked by every writer) and the attendance peak."""

    __tablename__ = "live_rooms"

    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    peak_presence: Mapped[int] = mapped_column(Integer, default=0)
    peak_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<LiveRoom session={self.session_id} seq={self.last_seq}>"


class LiveEvent(db.Model):
    """A stored room event; clients replay these by `seq` after a reconnect.

    `data` holds the moderators' view; `public` events reach everyone, the others only the moderators and
    `user_id` (a pending question's author, a person's own hand). Views are redacted per reader on the way out.
    """

    __tablename__ = "live_events"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    data: Mapped[dict] = mapped_column(JSON)

    def __repr__(self) -> str:
        return f"<LiveEvent session={self.session_id} seq={self.seq} {self.type}>"


class ChatMessage(db.Model):
    __tablename__ = "live_chat_messages"
    __table_args__ = (
        UniqueConstraint("session_id", "author_id", "client_id"),
        Index("ix_live_chat_messages_rate", "session_id", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_role: Mapped[str] = mapped_column(String(12))  # the room role when it was sent, shown as a badge
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(Integer)  # the seq of its chat.posted event
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<ChatMessage {self.id} session={self.session_id}>"


class Mute(db.Model):
    __tablename__ = "live_mutes"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)

    def __repr__(self) -> str:
        return f"<Mute session={self.session_id} user={self.user_id} until={self.until:%H:%M}Z>"


class Question(db.Model):
    __tablename__ = "live_questions"
    __table_args__ = (
        UniqueConstraint("session_id", "author_id", "client_id"),
        Index("ix_live_questions_rate", "session_id", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_role: Mapped[str] = mapped_column(String(12))
    client_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[QuestionStatus] = mapped_column(EnumText(QuestionStatus, 12), default=QuestionStatus.VISIBLE)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    votes: Mapped[int] = mapped_column(Integer, default=0)  # recounted from QuestionVote on every change
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was dismissed: moderators and the author only
    # The preset reason (a DismissReason code, or ""), shown in the reader's language beside `reason`.
    reason_code: Mapped[str] = mapped_column(String(24), default="", server_default="")

    @property
    def reason_text(self) -> str:
        """The dismissal reason as its reader reads it: the preset in their language, then the moderator's words."""
        try:
            preset = str(DismissReason(self.reason_code).label) if self.reason_code else ""
        except ValueError:
            preset = ""
        return " — ".join(part for part in (preset, self.reason) if part)
    answer: Mapped[str] = mapped_column(Text, default="")
    # Asked while the room was still scheduled (before the session): kept, so the mark survives reopening.
    asked_early: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    seq: Mapped[int] = mapped_column(Integer)  # the seq of its question.asked event
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<Question {self.id} session={self.session_id} {self.status}>"


class QuestionVote(db.Model):
    __tablename__ = "live_question_votes"

    question_id: Mapped[int] = mapped_column(ForeignKey("live_questions.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<QuestionVote question={self.question_id} user={self.user_id}>"


class Poll(db.Model):
    __tablename__ = "live_polls"
    __table_args__ = (UniqueConstraint("session_id", "created_by_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prompt: Mapped[str] = mapped_column(Text)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(8), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    options: Mapped[list[PollOption]] = relationship(back_populates="poll", cascade="all, delete-orphan",
                                                     order_by="PollOption.position")

    def __repr__(self) -> str:
        return f"<Poll {self.id} session={self.session_id} {self.status}>"


class PollOption(db.Model):
    __tablename__ = "live_poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))

    poll: Mapped[Poll] = relationship(back_populates="options")

    def __repr__(self) -> str:
        return f"<PollOption {self.id} poll={self.poll_id}>"


class PollBallot(db.Model):
    """One person's choices in a poll (replaced while the poll is open)."""

    __tablename__ = "live_poll_ballots"
    __table_args__ = (UniqueConstraint("poll_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("live_polls.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    choices: Mapped[list] = mapped_column(JSON)  # option ids
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<PollBallot poll={self.poll_id} user={self.user_id}>"


class RaisedHand(db.Model):
    __tablename__ = "live_raised_hands"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<RaisedHand session={self.session_id} user={self.user_id}>"


class Presence(db.Model):
    """One connected socket in a room; the live count is the number of distinct people here.

    `node` is the server process holding the connection; it refreshes `seen_at` while it runs, so the
    connections of a process that stopped without saying goodbye soon stop counting.
    """

    __tablename__ = "live_presence"
    __table_args__ = (UniqueConstraint("sid", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(String(64), index=True)
    node: Mapped[str] = mapped_column(String(32), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Presence session={self.session_id} user={self.user_id}>"


class Attendance(db.Model):
    """Who came into a room at all (for the summary), one row per person."""

    __tablename__ = "live_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    first_joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Attendance session={self.session_id} user={self.user_id}>"
