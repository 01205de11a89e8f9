"""Polls: open (hosts and moderators), vote while open, close."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..common.errors import Conflict, Invalid, NotFound
from ..common.text import clean_text
from ..common.time import utcnow
from ..extensions import db
from .eventlog import record, room_write
from .models import LiveEvent, Poll, PollBallot, PollOption
from .payloads import poll_view
from .rules import check_client_id, check_flood, require_open
from .seats import get_seat, require_moderator

PROMPT_MAX = 300
OPTION_MAX = 200
MAX_OPTIONS = 10


def _poll(session_id: int, poll_id: int) -> Poll:
    poll = db.session.scalar(select(Poll).where(Poll.id == poll_id, Poll.session_id == session_id))
    if poll is None:
        raise NotFound(_l("That poll does not exist in this room."))
    return poll


def open_poll(session_id: int, *, actor: Any, prompt: str, options: list[str], multiple: bool = False,
              client_id: str | None = None) -> dict:
    """Open a single- or multiple-choice poll (hosts and moderators)."""
    seat = get_seat(session_id, actor=actor)
    require_moderator(seat)
    text = clean_text(prompt, field="prompt", max_len=PROMPT_MAX, drop_controls=True, required=True,
                      empty=_l("Write the poll's question first."),
                      too_long=_l("A poll question can have at most %(n)d characters.", n=PROMPT_MAX))
    labels = [clean_text(o, field="options", max_len=OPTION_MAX, drop_controls=True, required=True,
                         empty=_l("An option is empty."),
                         too_long=_l("An option can have at most %(n)d characters.", n=OPTION_MAX)) for o in options]
    if not 2 <= len(labels) <= MAX_OPTIONS:
        raise Invalid(_l("A poll needs 2 to %(n)d options.", n=MAX_OPTIONS), field="options")
    if len({label.casefold() for label in labels}) != len(labels):
        raise Invalid(_l("Two options say the same thing."), field="options")
    if client_id is not None:
        client_id = check_client_id(client_id)
    with room_write(session_id):
        if client_id is not None:
            first = db.session.scalar(select(Poll).where(Poll.session_id == session_id, Poll.created_by_id == actor.id,
                                                         Poll.client_id == client_id))
            if first is not None:
                return {"poll": poll_view(first)}
        require_open(session_id)
        poll = Poll(session_id=session_id, created_by_id=actor.id, client_id=client_id, prompt=text,
                    multiple=bool(multiple), status="open", opened_at=utcnow(),
                    options=[PollOption(position=i, label=label) for i, label in enumerate(labels)])
        db.session.add(poll)
        db.session.flush()
        view = poll_view(poll)
        event = record(session_id, "poll.opened", {"poll": view}, actor_id=actor.id)
        result = {"poll": view, "seq": event.seq}
        db.session.commit()
    return result


def vote_poll(session_id: int, *, actor: Any, poll_id: int, choices: list[int]) -> dict:
    """Cast or change one's ballot while the poll is open."""
    seat = get_seat(session_id, actor=actor)
    if len(set(choices)) != len(choices):
        raise Invalid(_l("Each option can be chosen once."), field="choices")
    check_flood(seat, "poll.vote")
    with room_write(session_id):
        poll = _poll(session_id, poll_id)
        require_open(session_id)
        if poll.status != "open":
            raise Conflict(_l("This poll is closed."))
        valid = {o.id for o in poll.options}
        if not choices or not set(choices) <= valid:
            raise Invalid(_l("Choose one of the poll's options."), field="choices")
        if not poll.multiple and len(choices) != 1:
            raise Invalid(_l("This poll takes one choice."), field="choices")
        chosen = sorted(choices)
        ballot = db.session.scalar(select(PollBallot).where(PollBallot.poll_id == poll.id,
                                                            PollBallot.user_id == actor.id))
        if ballot is not None and sorted(ballot.choices) == chosen:
            return {"poll_id": poll.id, "choices": chosen, "poll": poll_view(poll)}
        if ballot is None:
            db.session.add(PollBallot(poll_id=poll.id, user_id=actor.id, choices=chosen, updated_at=utcnow()))
        else:
            ballot.choices = chosen
        db.session.flush()
        view = poll_view(poll)
        event = record(session_id, "poll.updated", {"poll": view}, actor_id=actor.id)
        result = {"poll_id": poll.id, "choices": chosen, "poll": view, "seq": event.seq}
        db.session.commit()
    return result


def record_poll_closed(poll: Poll, actor_id: int) -> LiveEvent:
    poll.status, poll.closed_at = "closed", utcnow()
    db.session.flush()
    return record(poll.session_id, "poll.closed", {"poll": poll_view(poll)}, actor_id=actor_id)


def close_poll(session_id: int, *, actor: Any, poll_id: int) -> dict:
    """Close a poll (hosts and moderators); its results stay visible."""
    seat = get_seat(session_id, actor=actor)
    require_moderator(seat)
    with room_write(session_id):
        poll = _poll(session_id, poll_id)
        if poll.status == "closed":
            return {"poll": poll_view(poll)}
        event = record_poll_closed(poll, actor.id)
        result = {"poll": poll_view(poll), "seq": event.seq}
        db.session.commit()
    return result
