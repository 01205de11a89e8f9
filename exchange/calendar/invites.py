"""Calendar invites for one person and one session: the one hook exchange notices call (`exchanges/notify.py`).

`invite_part(session, recipient, *, method="REQUEST"|"CANCEL", role=...)` builds the calendar part of an
email: METHOD:REQUEST for an invite or update (same UID, SEQUENCE from the session), METHOD:CANCEL for a
cancellation. The email around it (wording, the recipient's zone and language, coalescing) is `notify`'s.
"""

from __future__ import annotations

from .services import invite_part

__all__ = ["invite_part"]
