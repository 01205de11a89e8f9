"""Calendar invites for one person and one session: the one hook exchange notices call (`exchanges/notify.py`).

`invite_part(session, recipient, *, method="REQUEST"|"CANCEL", role=...)` builds the calendar part of an
email: METHOD:REQUEST for an invite or update (same UID), METHOD:CANCEL for a cancellation; its SEQUENCE is the
session's and above every one this recipient was already sent for the event. `accepted_speakers(session)` is who
its DESCRIPTION names (hosts first). The email around it (wording, the recipient's zone and language, coalescing)
is `notify`'s.
"""

from __future__ import annotations

from .services import accepted_speakers, invite_part

__all__ = ["accepted_speakers", "invite_part"]
