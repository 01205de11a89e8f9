"""The live room's public face: every room write and read other code calls, as `services.<name>`.

`sockets.py`, the views, the CLI, other features and the tests call the room through this module; it holds no
logic. Each concern has its own module, the way Zulip's `zerver/actions/<domain>.py` do:

- `seats`     who may be in a room and in which role; the Socket.IO room names
- `payloads`  what people read: message, question, poll and event views, redaction
- `eventlog`  `room_write` (the one place that takes a room's lock), `record`, seq order, deliveries, repair
- `rules`     text, client ids, the room's status, rate and flood limits, mutes
- `chat`, `questions`, `polls`, `room` (open/close, hands)   the writes
- `presence`  join, leave, the presence count, the join answer (snapshot or replay)
- `summary`   the summary page, the transcript, the rooms open around now

Every write follows the same path (docs/architecture.md, "The live room's write path"): check the seat,
validate, `eventlog.room_write`, re-read, change, `eventlog.record`, commit once; events are sent after the lock
is released, never under it.
"""

from __future__ import annotations

from .chat import CHAT_MAX, CHAT_PAGE, MAX_MUTE_MINUTES, chat_history, delete_chat, mute_user, send_chat
from .eventlog import RoomBusy, deliveries, repair_deliveries
from .models import DismissReason
from .payloads import event_view, message_view, poll_view, question_view, redact_question
from .polls import MAX_OPTIONS, OPTION_MAX, PROMPT_MAX, close_poll, open_poll, vote_poll
from .presence import (
    NODE,
    PRESENCE_FORGET,
    PRESENCE_FRESH,
    SNAPSHOT_CHAT,
    PresenceCoalescer,
    drop_presence,
    join_room,
    leave_room,
    presence_counts,
    refresh_presence,
    room_state,
    snapshot,
)
from .questions import (
    ANSWER_MAX,
    MODERATION_ACTIONS,
    QUESTION_MAX,
    REASON_MAX,
    ask_question,
    moderate_question,
    question_answered,
    vote_question,
)
from .room import close_room, lower_hand, open_room, raise_hand, room_closed
from .rules import FLOOD_LIMITS, Muted, RoomNotOpen
from .seats import (
    MODERATOR_ROLES,
    NAMESPACE,
    Seat,
    everyone_room,
    get_seat,
    moderators_room,
    people_room,
    person_room,
    require_host,
    require_moderator,
    room_role,
    rooms_for,
)
from .summary import Summary, rooms_now, session_summary, transcript, transcript_questions

__all__ = [
    # seats and Socket.IO rooms
    "MODERATOR_ROLES", "NAMESPACE", "Seat", "everyone_room", "get_seat", "moderators_room",
    "people_room", "person_room", "require_host", "require_moderator", "room_role", "rooms_for",
    # what people read
    "event_view", "message_view", "poll_view", "question_view", "redact_question",
    # the event log
    "RoomBusy", "deliveries", "repair_deliveries",
    # the checks
    "FLOOD_LIMITS", "Muted", "RoomNotOpen",
    # chat, questions, polls, the room
    "CHAT_MAX", "CHAT_PAGE", "MAX_MUTE_MINUTES", "chat_history", "delete_chat", "mute_user", "send_chat",
    "ANSWER_MAX", "DismissReason", "MODERATION_ACTIONS", "QUESTION_MAX", "REASON_MAX", "ask_question", "moderate_question",
    "question_answered", "vote_question",
    "MAX_OPTIONS", "OPTION_MAX", "PROMPT_MAX", "close_poll", "open_poll", "vote_poll",
    "close_room", "lower_hand", "open_room", "raise_hand", "room_closed",
    # presence and the join answer
    "NODE", "PRESENCE_FORGET", "PRESENCE_FRESH", "SNAPSHOT_CHAT", "PresenceCoalescer", "drop_presence",
    "join_room", "leave_room", "presence_counts", "refresh_presence", "room_state", "snapshot",
    # pages
    "Summary", "rooms_now", "session_summary", "transcript", "transcript_questions",
]
