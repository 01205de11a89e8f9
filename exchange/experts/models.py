"""The program's vocabulary (focus areas, topics, cities) and peer experts' profiles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..common.time import UTCDateTime, utcnow
from ..extensions import db, link_table

EXPERT_STATUSES = ("pending", "changes_requested", "approved", "rejected", "withdrawn")
LANGUAGE_LEVELS = ("basic", "working", "fluent", "native")
STAKEHOLDER_GROUPS = ("political_leaders", "innovation_staff", "administrators", "tech_leaders", "civil_society")
# draft: the challenge is described, no expert asked yet; sent: waiting for the expert's answer.
PEER_REQUEST_STATUSES = ("draft", "sent", "accepted", "declined", "cancelled")

expert_topics = link_table("expert_topics", ("expert_id", "expert_profiles.id"), ("topic_id", "topics.id"))
expert_focus_areas = link_table("expert_focus_areas", ("expert_id", "expert_profiles.id"), ("focus_area_id", "focus_areas.id"))


class FocusArea(db.Model):
    __tablename__ = "focus_areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    topics: Mapped[list[Topic]] = relationship(back_populates="focus_area", order_by="Topic.name")

    def __repr__(self) -> str:
        return f"<FocusArea {self.slug}>"


class Topic(db.Model):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    focus_area_id: Mapped[int] = mapped_column(ForeignKey("focus_areas.id", ondelete="CASCADE"), index=True)

    focus_area: Mapped[FocusArea] = relationship(back_populates="topics")

    def __repr__(self) -> str:
        return f"<Topic {self.slug}>"


class City(db.Model):
    __tablename__ = "cities"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(80))
    region: Mapped[str] = mapped_column(String(80))
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    timezone: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<City {self.slug}>"


class ExpertProfile(db.Model):
    """A U.S. city administrator's application and, once approved, public expert profile."""

    __tablename__ = "expert_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    job_title: Mapped[str] = mapped_column(String(160))
    city_government: Mapped[str] = mapped_column(String(160))
    state: Mapped[str] = mapped_column(String(2))  # U.S. state or territory code
    department: Mapped[str] = mapped_column(String(160), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[str] = mapped_column(Text, default="")  # one URL a line
    timezone: Mapped[str] = mapped_column(String(64))
    photo: Mapped[bytes | None] = mapped_column(db.LargeBinary, nullable=True)  # re-encoded JPEG, never a path
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the expert edits an approved profile: organizers see such edits in their queue.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=expert_topics)
    focus_areas: Mapped[list[FocusArea]] = relationship(secondary=expert_focus_areas)
    languages: Mapped[list[ExpertLanguage]] = relationship(back_populates="expert", cascade="all, delete-orphan")
    availability: Mapped[list[AvailabilityWindow]] = relationship(back_populates="expert", cascade="all, delete-orphan",
                                                                  order_by="(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)")

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"

    def __repr__(self) -> str:
        return f"<ExpertProfile {self.id} user={self.user_id} {self.status}>"


class ExpertLanguage(db.Model):
    __tablename__ = "expert_languages"
    __table_args__ = (UniqueConstraint("expert_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))  # ISO 639-1, e.g. "en", "es", "pt"
    level: Mapped[str] = mapped_column(String(10), default="fluent")

    expert: Mapped[ExpertProfile] = relationship(back_populates="languages")

    def __repr__(self) -> str:
        return f"<ExpertLanguage {self.code} {self.level}>"


class AvailabilityWindow(db.Model):
    """A weekly window when an expert is available, in the expert's own zone."""

    __tablename__ = "availability_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday … 6 = Sunday
    start_minute: Mapped[int] = mapped_column(SmallInteger)  # minutes after local midnight
    end_minute: Mapped[int] = mapped_column(SmallInteger)

    expert: Mapped[ExpertProfile] = relationship(back_populates="availability")

    def __repr__(self) -> str:
        return f"<AvailabilityWindow d{self.weekday} {self.start_minute}-{self.end_minute}>"


class ReviewDecision(db.Model):
    """Who decided what about an expert application, when and why."""

    __tablename__ = "expert_review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert_profiles.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    decision: Mapped[str] = mapped_column(String(20))  # approved, rejected, changes_requested
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReviewDecision {self.decision} expert={self.expert_id}>"


class OfficialProfile(db.Model):
    """A megacity official's or stakeholder's profile."""

    __tablename__ = "official_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id", ondelete="SET NULL"), nullable=True, index=True)
    organization: Mapped[str] = mapped_column(String(160), default="")
    role_title: Mapped[str] = mapped_column(String(160), default="")
    stakeholder_group: Mapped[str] = mapped_column(String(30))
    languages: Mapped[str] = mapped_column(String(120), default="")  # comma-separated ISO 639-1 codes

    user: Mapped[User] = relationship()
    city: Mapped[City | None] = relationship()

    @property
    def language_codes(self) -> list[str]:
        return [c for c in self.languages.split(",") if c]

    def __repr__(self) -> str:
        return f"<OfficialProfile user={self.user_id} {self.stakeholder_group}>"


peer_request_topics = link_table("peer_request_topics", ("peer_request_id", "peer_requests.id"), ("topic_id", "topics.id"))


class PeerRequest(db.Model):
    """An official's challenge and, once sent, the request to one peer expert to help with it."""

    __tablename__ = "peer_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The person who wrote it: the official, or an organizer on the official's behalf.
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert_profiles.id", ondelete="SET NULL"),
                                                  nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    focus_area_id: Mapped[int | None] = mapped_column(ForeignKey("focus_areas.id", ondelete="SET NULL"), nullable=True)
    languages: Mapped[str] = mapped_column(String(120), default="")  # comma-separated ISO 639-1 codes
    # Preferred times: weekdays between these local minutes, in this zone (08:00-18:00 by default).
    timezone: Mapped[str] = mapped_column(String(64))
    hours_start: Mapped[int] = mapped_column(SmallInteger, default=8 * 60)
    hours_end: Mapped[int] = mapped_column(SmallInteger, default=18 * 60)
    preferred_times: Mapped[str] = mapped_column(Text, default="")  # anything else, in the official's words
    response_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    official: Mapped[User] = relationship(foreign_keys=[official_id])
    requester: Mapped[User | None] = relationship(foreign_keys=[requester_id])
    expert: Mapped[ExpertProfile | None] = relationship()
    focus_area: Mapped[FocusArea | None] = relationship()
    topics: Mapped[list[Topic]] = relationship(secondary=peer_request_topics)

    @property
    def language_codes(self) -> list[str]:
        return [c for c in self.languages.split(",") if c]

    def __repr__(self) -> str:
        return f"<PeerRequest {self.id} official={self.official_id} expert={self.expert_id} {self.status}>"
