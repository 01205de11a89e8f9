"""The email outbox: every message is a row, written in the transaction that caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..common.time import UTCDateTime, utcnow
from ..extensions import db

# "superseded": replaced, before it was sent, by a newer message with the same coalescing key (kept, never sent).
STATUSES = ("pending", "sending", "sent", "failed", "superseded")


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    to_addr: Mapped[str] = mapped_column(String(254), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(300))
    raw: Mapped[str] = mapped_column(Text)  # the whole RFC 5322 message, ready to send
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Not before: a coalesced message waits here for its window; a failed one for its next attempt.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Coalescing (exchange/mail/services.py `replace_unsent`): a newer message with the same key replaces an
    # unsent one; `coalesce_state` is what the window's first message knew (JSON), kept for the next one.
    coalesce_key: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    coalesce_state: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The calendar part, if any: which event (UID), METHOD and SEQUENCE this message puts in the recipient's calendar.
    ical_uid: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    ical_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    ical_sequence: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the SEQUENCE inside that part

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"
