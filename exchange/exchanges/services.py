"""The exchanges' public face: every exchange, session and speaker write and read other code calls, as
`services.<name>`.

The views, forms, program import, other features (the API, the home page, reports) and the tests call through this
module; it holds no logic (as `live/services.py` for the live room). Each concern has its own module:

- `checks`      what an organizer enters (`ExchangeData`, `SessionData`, languages) and the checks the writes share
- `reads`       one exchange or session for an actor, the listing, agendas, the people of an exchange, form choices
- `lifecycle`   create, edit, publish and cancel an exchange
- `sessions`    add, edit and cancel sessions; tracks; the calendar SEQUENCE
- `speakers`    invite and remove speakers; their answer by emailed link

- `team`        the exchange's team: its creator, co-organizers added and removed

Registration, the waitlist and invitations are `registrations.py`; an exchange's own registration questions and the
answers kept with a registration are `questions.py` (views call both directly, as their own faces). Each public write commits once, with its emails
in the same transaction; a `stage_*` function does the same change without committing, for another use case of this
package (program import) to commit (docs/architecture.md, "Commit naming").
"""

from __future__ import annotations

from .checks import LANGUAGES, MAX_SESSION_HOURS, STAKEHOLDER_LABELS, ExchangeData, SessionData
from .lifecycle import (
    UpdateResult,
    cancel_exchange,
    create_exchange,
    publish_exchange,
    stage_cancel_exchange,
    stage_exchange_data,
    stage_publish_exchange,
    update_exchange,
)
from .reads import (
    PER_PAGE,
    AgendaItem,
    ExchangeFilters,
    Page,
    agenda_for,
    cities,
    focus_areas,
    get_exchange,
    get_managed_exchange,
    get_session,
    list_exchanges,
    may_speak,
    organizer_warnings,
    participant_ids,
    people_of,
    speaker_choices,
    topic_ids,
    topics,
    upcoming_public,
    user_by_id,
)
from .sessions import (
    add_session,
    add_track,
    cancel_session,
    stage_bump_sequence,
    stage_cancel_session,
    stage_new_session,
    stage_update_session,
    update_session,
)
from .speakers import add_speaker, get_speaker_by_token, remove_speaker, respond_as_speaker, stage_add_speaker
from .team import (
    add_team_member,
    get_team_member,
    remove_team_member,
    stage_add_creator,
    team_candidates,
    team_of,
)

__all__ = [
    # what an organizer enters
    "LANGUAGES", "MAX_SESSION_HOURS", "STAKEHOLDER_LABELS", "ExchangeData", "SessionData",
    # reads
    "PER_PAGE", "AgendaItem", "ExchangeFilters", "Page", "agenda_for", "cities", "focus_areas", "get_exchange",
    "get_managed_exchange", "get_session", "list_exchanges", "may_speak", "organizer_warnings", "participant_ids",
    "people_of", "speaker_choices", "topic_ids", "topics", "upcoming_public", "user_by_id",
    # an exchange's life
    "UpdateResult", "cancel_exchange", "create_exchange", "publish_exchange", "stage_cancel_exchange",
    "stage_exchange_data", "stage_publish_exchange", "update_exchange",
    # sessions and tracks
    "add_session", "add_track", "cancel_session", "stage_bump_sequence", "stage_cancel_session", "stage_new_session",
    "stage_update_session", "update_session",
    # speakers
    "add_speaker", "get_speaker_by_token", "remove_speaker", "respond_as_speaker", "stage_add_speaker",
    # the team
    "add_team_member", "get_team_member", "remove_team_member", "stage_add_creator", "team_candidates", "team_of",
]
