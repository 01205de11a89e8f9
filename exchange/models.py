"""Every feature's models, imported in one place for Alembic and the shell."""

from .accounts.models import PasswordResetToken, User
from .calendar.models import CalendarReminder
from .exchanges.models import Exchange, ExchangeSession, Invitation, Registration, SessionSpeaker, Track
from .experts.models import (
    AvailabilityWindow,
    City,
    ExpertLanguage,
    ExpertProfile,
    FocusArea,
    OfficialProfile,
    PeerRequest,
    ReviewDecision,
    Topic,
)
from .mail.models import OutboxMessage

__all__ = [
    "AvailabilityWindow", "CalendarReminder", "City", "Exchange", "ExchangeSession", "ExpertLanguage", "ExpertProfile",
    "FocusArea", "Invitation", "OfficialProfile", "OutboxMessage", "PasswordResetToken", "PeerRequest", "Registration",
    "ReviewDecision", "SessionSpeaker", "Topic", "Track", "User",
]
