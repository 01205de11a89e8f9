"""Reminders already sent: one row per session, person and kind, so none goes out twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..common.time import UTCDateTime, utcnow
from ..extensions import db

REMINDER_KINDS = ("24h", "1h")


class CalendarReminder(db.Model):
    """A reminder queued for one person and one session; inserted with its email in one transaction."""

    __tablename__ = "calendar_reminders"
    # The unique key is what makes two senders (server thread and cron) safe: the second insert fails.
    __table_args__ = (UniqueConstraint("session_id", "user_id", "kind", name="uq_calendar_reminders_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exchange_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"),
                                                          nullable=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CalendarReminder session={self.session_id} user={self.user_id} {self.kind}>"
