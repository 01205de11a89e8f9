"""Every feature's models, imported in one place for Alembic and the shell."""

from .accounts.models import AccessRevocation, PasswordResetToken, User
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
from .reports.models import (
    AbsenteeEmail,
    FollowUp,
    OutcomeMedia,
    OutcomeNote,
    SelfDescription,
    SurveyInvitation,
    SurveyResponse,
)

__all__ = [
    "AccessRevocation", "Attendance", "AvailabilityWindow", "CalendarReminder", "ChatMessage", "City", "Exchange", "ExchangeSession",
    "ExpertLanguage", "ExpertProfile", "FocusArea", "Invitation", "LiveEvent", "LiveRoom", "Mute", "OfficialProfile",
    "OutboxMessage", "PasswordResetToken", "PeerRequest", "Poll", "PollBallot", "PollOption", "Presence", "Question",
    "QuestionVote", "RaisedHand", "Registration", "ReviewDecision", "SessionSpeaker", "Topic", "Track", "User",
    "FollowUp", "OutcomeMedia", "OutcomeNote", "SelfDescription", "SurveyInvitation", "SurveyResponse",
    "AbsenteeEmail",
]
