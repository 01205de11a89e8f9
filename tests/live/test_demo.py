"""The demo's live webinar room has chat, questions and a poll, loaded idempotently."""

from __future__ import annotations

from sqlalchemy import func, select

from exchange.demo import load_demo
from exchange.live.models import ChatMessage, LiveEvent, Poll, Question


def test_demo_room_has_content_and_loading_again_changes_nothing(db, stored):
    load_demo()
    counts = {model: stored(model) for model in (ChatMessage, Question, Poll, LiveEvent)}
    assert counts[ChatMessage] == 3 and counts[Question] == 2 and counts[Poll] == 1
    anonymous = db.session.scalar(select(Question).where(Question.anonymous.is_(True)))
    assert anonymous.votes == 3
    assert db.session.scalar(select(func.count()).select_from(Question).where(Question.status == "answered")) == 1
    load_demo()
    assert {model: stored(model) for model in counts} == counts
