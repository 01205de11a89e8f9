"""Every feature's models, imported in one place for Alembic and the shell."""

from .accounts.models import PasswordResetToken, User
from .exchanges.models import Exchange, ExchangeSession, Registration, SessionSpeaker, Track
from .experts.models import (
    AvailabilityWindow,
    City,
    ExpertLanguage,
    ExpertProfile,
    FocusArea,
    OfficialProfile,
    ReviewDecision,
    Topic,
)
from .live.models import (
    Attendance,
    ChatMessage,
    LiveEvent,
    LiveRoom,
    Mute,
    Poll,
    PollBallot,
    PollOption,
    Presence,
    Question,
    QuestionVote,
    RaisedHand,
)
from .mail.models import OutboxMessage

__all__ = [
    "AvailabilityWindow", "City", "Exchange", "ExchangeSession", "ExpertLanguage", "ExpertProfile", "FocusArea",
    "OfficialProfile", "OutboxMessage", "PasswordResetToken", "Registration", "ReviewDecision", "SessionSpeaker",
    "Topic", "Track", "User",
    "Attendance", "ChatMessage", "LiveEvent", "LiveRoom", "Mute", "Poll", "PollBallot", "PollOption", "Presence",
    "Question", "QuestionVote", "RaisedHand",
]
