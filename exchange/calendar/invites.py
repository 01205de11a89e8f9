"""Calendar invites for one person and one session (the hook exchange services call).

`invite_part(session, recipient, *, method="REQUEST"|"CANCEL", role=...)` builds the calendar part of an
email: METHOD:REQUEST for an invite or update (same UID, SEQUENCE from the session), METHOD:CANCEL for a
cancellation. Most callers want `queue_session_invite(session, user, *, method, role, reason)`, which
also writes the email (wording, the recipient's zone and language) around it.
"""

from __future__ import annotations

from .services import invite_part, queue_exchange_invites, queue_session_invite

__all__ = ["invite_part", "queue_exchange_invites", "queue_session_invite"]
