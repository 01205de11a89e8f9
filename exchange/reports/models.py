"""Self-descriptions, post-session surveys, follow-ups on unanswered questions and the library's outcome notes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..common.time import UTCDateTime, utcnow
from ..exchanges.models import Exchange, ExchangeSession
from ..experts.models import City, ExpertProfile, FocusArea, Topic
from ..extensions import db, link_table
from ..live.models import Question

GENDERS = ("woman", "man", "non_binary", "another", "prefer_not_to_say")
GROUP_IDENTITIES = ("yes", "no", "prefer_not_to_say")
FOLLOW_UP_STATUSES = ("open", "assigned", "answered")
NOTE_STATUSES = ("draft", "published")
MEDIA_KINDS = ("recording", "audio", "photos", "data", "other")


class SelfDescription(db.Model):
    """A person's optional, self-described gender and group identity: counted in reports, never shown one by one."""

    __tablename__ = "self_descriptions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    gender: Mapped[str] = mapped_column(String(20), default="")  # "" = not answered
    group_identity: Mapped[str] = mapped_column(String(20), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<SelfDescription user={self.user_id}>"


class SurveyInvitation(db.Model):
    """One emailed survey link per session and person; `used` only, no time, so it cannot be matched to a response."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # only a hash: a database copy opens nothing
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used: Mapped[bool] = mapped_column(Boolean, default=False)

    session: Mapped[ExchangeSession] = relationship()
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SurveyInvitation session={self.session_id} user={self.user_id} used={self.used}>"


class SurveyResponse(db.Model):
    """An answered survey; `user_id` is empty when the person chose to answer anonymously."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    rating: Mapped[int] = mapped_column(SmallInteger)  # usefulness, 1 to 5
    will_apply: Mapped[str] = mapped_column(Text, default="")
    to_change: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<SurveyResponse session={self.session_id} rating={self.rating}>"


class FollowUp(db.Model):
    """A question left unanswered when its room closed, to be answered in writing by an expert."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("live_questions.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    question: Mapped[Question] = relationship()
    session: Mapped[ExchangeSession] = relationship()
    expert: Mapped[User | None] = relationship(foreign_keys=[expert_id])

    def __repr__(self) -> str:
        return f"<FollowUp {self.id} question={self.question_id} {self.status}>"


note_cities = link_table("outcome_note_cities", ("note_id", "outcome_notes.id"), ("city_id", "cities.id"))
note_experts = link_table("outcome_note_experts", ("note_id", "outcome_notes.id"), ("expert_id", "expert_profiles.id"))
note_focus_areas = link_table("outcome_note_focus_areas", ("note_id", "outcome_notes.id"), ("focus_area_id", "focus_areas.id"))
note_topics = link_table("outcome_note_topics", ("note_id", "outcome_notes.id"), ("topic_id", "topics.id"))


class OutcomeNote(db.Model):
    """What an exchange taught: the challenge, the practice shared, transferable lessons and next steps (Markdown)."""

    __tablename__ = "outcome_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchanges.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    challenge: Mapped[str] = mapped_column(Text, default="")
    practice: Mapped[str] = mapped_column(Text, default="")
    lessons: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    exchange: Mapped[Exchange] = relationship()
    cities: Mapped[list[City]] = relationship(secondary=note_cities, order_by="City.name")
    experts: Mapped[list[ExpertProfile]] = relationship(secondary=note_experts)
    focus_areas: Mapped[list[FocusArea]] = relationship(secondary=note_focus_areas, order_by="FocusArea.position")
    topics: Mapped[list[Topic]] = relationship(secondary=note_topics, order_by="Topic.name")
    media: Mapped[list[OutcomeMedia]] = relationship(back_populates="note", cascade="all, delete-orphan",
                                                     order_by="OutcomeMedia.position")

    def __repr__(self) -> str:
        return f"<OutcomeNote {self.id} exchange={self.exchange_id} {self.status}>"


class OutcomeMedia(db.Model):
    """A link from a note to a recording, audio, photos or a data visualisation (http/https only)."""

    __tablename__ = "outcome_media"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("outcome_notes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(200), default="")

    note: Mapped[OutcomeNote] = relationship(back_populates="media")

    def __repr__(self) -> str:
        return f"<OutcomeMedia {self.kind} note={self.note_id}>"


class AbsenteeEmail(db.Model):
    """The written answers emailed to a person who asked or voted but never came into the room: one per session
    and person (the unique key makes a second close, or a second sender, insert nothing)."""

    __tablename__ = "absentee_emails"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_absentee_emails_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"),
                                                          nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<AbsenteeEmail session={self.session_id} user={self.user_id}>"
