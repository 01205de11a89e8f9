"""Security fixtures: a small world holding one of every object a route needs, and people of every kind."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from exchange.experts.models import City, ExpertProfile, PeerRequest


@pytest.fixture
def world(db, make_user, make_exchange, register, add_speaker):
    """Two exchanges (A with an open room, B hosted by `other_host`), a city, experts, a peer request, people.

    Both exchanges were created by `organizer`, and `co_organizer` was added to both teams; `outside_organizer` is
    on neither. A's session has an accepted host, an accepted moderator and a moderator invited but not accepted."""
    people = {
        "official": make_user(name="Adaeze Official"),
        "pending_expert": make_user(role="expert", name="Penny Pending"),
        "approved_expert": make_user(role="expert", name="Abe Approved"),
        "organizer": make_user(role="organizer", name="Olivia Organizer"),
        "admin": make_user(role="admin", name="Ada Admin"),
        "other_host": make_user(role="expert", name="Hugo OtherHost"),
        "outside_organizer": make_user(role="organizer", name="Otto Outside"),
        "co_organizer": make_user(role="organizer", name="Cora Coorganizer"),
        "invited_speaker": make_user(role="expert", name="Ines Invited"),
        "accepted_moderator": make_user(role="expert", name="Mona Moderator"),
        "disabled": make_user(name="Dora Disabled", disabled=True),
        "host": make_user(role="expert", name="Hana Host"),
    }
    exchange = make_exchange(created_by=people["organizer"], title="Exchange A", team=[people["co_organizer"]])
    session = exchange.sessions[0]
    session.room_status = "open"
    other = make_exchange(created_by=people["organizer"], title="Exchange B", team=[people["co_organizer"]])
    add_speaker(people["host"], session, "host")
    add_speaker(people["accepted_moderator"], session, "moderator")
    add_speaker(people["invited_speaker"], session, "moderator", status="invited")
    add_speaker(people["other_host"], other.sessions[0], "host")
    registration = register(people["official"], exchange)
    register(people["disabled"], exchange)
    city = City(slug="lagos", name="Lagos", country="Nigeria", region="Africa", timezone="Africa/Lagos")
    profiles = {}
    for key, status in (("pending_expert", "pending"), ("approved_expert", "approved"), ("other_host", "approved")):
        profiles[key] = ExpertProfile(user=people[key], status=status, job_title="CIO", city_government="Boston",
                                      state="MA", timezone="America/New_York")
    peer_request = PeerRequest(official=people["official"], requester=people["official"], status="sent",
                               title="Open data help", timezone="Africa/Lagos", expert=profiles["approved_expert"])
    db.session.add_all([city, *profiles.values(), peer_request])
    db.session.commit()
    return SimpleNamespace(exchange=exchange, session=session, other=other, registration=registration, city=city,
                           expert=profiles["approved_expert"], pending=profiles["pending_expert"],
                           peer_request=peer_request, people=people)
