"""Fixtures for reports: a session that has just ended, with people from several cities and groups."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest

from exchange.common.time import utcnow
from exchange.live import services as live
from exchange.live.models import Attendance


@pytest.fixture
def ended(db, make_user, make_exchange, make_official, make_expert, register):
    """A webinar whose session ended an hour ago: 6 people from Lagos (innovation staff, all joined the room),
    2 from Jakarta (civil society, one joined); an anonymous and a named unanswered question, one answered."""
    organizer = make_user(role="organizer", name="Olu Organizer")
    exchange = make_exchange(title="Open budgets", created_by=organizer,
                             starts_at=utcnow() - timedelta(hours=2), duration=timedelta(hours=1))
    session = exchange.sessions[0]
    lagos = [make_official(city="lagos", name=f"Lagos Person {i}") for i in range(6)]
    jakarta = [make_official(city="jakarta", group="civil_society", name=f"Jakarta Person {i}") for i in range(2)]
    for person in [*lagos, *jakarta]:
        register(person, exchange)
    for person in [*lagos, jakarta[0]]:
        db.session.add(Attendance(session_id=session.id, user_id=person.id))
    session.room_status = "open"
    db.session.commit()
    anonymous = live.ask_question(session.id, actor=jakarta[1], body="Candidly: how do you handle a hostile council?",
                                  anonymous=True, client_id="q-anon")["question"]
    named = live.ask_question(session.id, actor=lagos[0], body="Which budget data did you publish first?",
                              anonymous=False, client_id="q-named")["question"]
    answered = live.ask_question(session.id, actor=lagos[1], body="Was it expensive?", anonymous=False,
                                 client_id="q-answered")["question"]
    live.moderate_question(session.id, actor=organizer, question_id=answered["id"], action="answer", answer="No.")
    return SimpleNamespace(organizer=organizer, exchange=exchange, session=session, lagos=lagos, jakarta=jakarta,
                           expert=make_expert(name="Dana Expert", job_title="Chief Innovation Officer",
                                              city_government="City of Boston", state="MA", department="", bio="",
                                              topics=(), languages=(), windows=()),
                           anonymous_id=anonymous["id"], named_id=named["id"],
                           answered_id=answered["id"])


@pytest.fixture
def closed(ended):
    """The same session after the organizer closed its room."""
    live.close_room(ended.session.id, actor=ended.organizer)
    return ended
