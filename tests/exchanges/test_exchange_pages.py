"""Listing, filters and search, who sees which exchange, the join page, My agenda and the home page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from exchange.common.time import utcnow
from exchange.exchanges.registrations import RegistrationAnswers
from exchange.exchanges.registrations import register as register_for


@pytest.fixture
def listed_exchanges(db, make_exchange, reference, organizer):
    from exchange.experts.models import FocusArea

    focus = {a.slug: a for a in db.session.scalars(db.select(FocusArea))}
    soon = utcnow() + timedelta(days=2)
    items = {
        "open_data": make_exchange(title="Open data portals", kind="webinar", starts_at=soon, languages="en,es",
                                   focus_areas=[focus["managing-information"]], cities=[reference.city("lagos")],
                                   created_by=organizer),
        "budget": make_exchange(title="Participatory budgeting", kind="peer_exchange",
                                starts_at=soon + timedelta(days=1), languages="pt",
                                focus_areas=[focus["citizen-engagement"]], cities=[reference.city("sao-paulo")],
                                description="Neighbourhood assemblies decide", created_by=organizer),
        "past": make_exchange(title="Last year's summit", kind="conference", starts_at=utcnow() - timedelta(days=30),
                              created_by=organizer),
        "draft": make_exchange(title="Secret draft", status="draft", created_by=organizer),
        "private": make_exchange(title="Invite-only roundtable", visibility="invite_only", created_by=organizer),
    }
    return items


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["Open data portals", "Participatory budgeting"]),
    ("?kind=peer_exchange", ["Participatory budgeting"]),
    ("?focus=managing-information", ["Open data portals"]),
    ("?city=sao-paulo", ["Participatory budgeting"]),
    ("?language=es", ["Open data portals"]),
    ("?q=assemblies", ["Participatory budgeting"]),
    ("?q=PORTALS", ["Open data portals"]),
    ("?when=past", ["Last year's summit"]),
])
def test_listing_filters_and_search(client, listed_exchanges, query, expected):
    html = client.get(f"/exchanges/{query}").get_data(as_text=True)
    titles = [t for t in ("Open data portals", "Participatory budgeting", "Last year&#39;s summit", "Secret draft",
                          "Invite-only roundtable") if t in html]
    assert [t.replace("&#39;", "'") for t in titles] == expected


def test_upcoming_is_soonest_first(client, listed_exchanges):
    html = client.get("/exchanges/").get_data(as_text=True)
    assert html.index("Open data portals") < html.index("Participatory budgeting")


def test_organizers_also_see_drafts_and_invite_only(client, login_as, organizer, listed_exchanges):
    html = login_as(organizer).get("/exchanges/").get_data(as_text=True)
    assert "Secret draft" in html and "Invite-only roundtable" in html


@pytest.mark.parametrize("key", ["draft", "private"])
def test_hidden_exchanges_are_not_found_for_others(client, login_as, make_user, listed_exchanges, key):
    exchange = listed_exchanges[key]
    assert client.get(f"/exchanges/{exchange.id}").status_code == 404
    login_as(make_user())
    assert client.get(f"/exchanges/{exchange.id}").status_code == 404
    assert client.get(f"/exchanges/{exchange.id}/agenda").status_code == 404
    assert client.get("/exchanges/99999").status_code == 404


def test_the_video_link_is_for_registered_people_only(db, client, login_as, make_user, make_exchange):
    exchange = make_exchange(video_url="https://meet.jit.si/secret-room")
    assert "secret-room" not in client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    stranger = make_user()
    login_as(stranger)
    assert client.get(f"/exchanges/{exchange.id}/join").status_code == 404
    register_for(exchange, actor=stranger, answers=RegistrationAnswers())
    page = client.get(f"/exchanges/{exchange.id}/join").get_data(as_text=True)
    assert "https://meet.jit.si/secret-room" in page


def test_private_answers_never_appear_on_the_public_page(db, client, login_as, make_user, make_exchange):
    exchange = make_exchange()
    person = make_user(name="Quiet Person", email="quiet@example.org")
    register_for(exchange, actor=person, answers=RegistrationAnswers(needs="Sign language"))
    login_as(make_user())
    html = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Quiet Person" not in html and "quiet@example.org" not in html and "Sign language" not in html


def test_my_agenda_lists_registered_waiting_and_speaking_in_my_zone(db, client, login_as, make_user, make_exchange,
                                                                    make_expert_user, add_speaker):
    person = make_expert_user(timezone="Asia/Jakarta", name="Budi")
    attending = make_exchange(title="Attending this", capacity=5)
    full = make_exchange(title="Waiting for this", capacity=1)
    speaking = make_exchange(title="Speaking here")
    other = make_exchange(title="Not mine")
    register_for(attending, actor=person, answers=RegistrationAnswers())
    register_for(full, actor=make_user(), answers=RegistrationAnswers())
    register_for(full, actor=person, answers=RegistrationAnswers())
    add_speaker(person, speaking.sessions[0], "moderator")
    html = login_as(person).get("/agenda").get_data(as_text=True)
    assert "Attending this" in html and "Waiting for this" in html and "Speaking here" in html
    assert "Not mine" not in html and other.id
    assert "on the waitlist" in html and "Moderator" in html and "(Jakarta, UTC+7)" in html


def test_agenda_needs_login(client):
    assert client.get("/agenda").status_code == 302


def test_home_lists_upcoming_public_exchanges_and_nav_links(client, listed_exchanges):
    html = client.get("/").get_data(as_text=True)
    assert "Upcoming exchanges" in html and "Open data portals" in html
    assert "Secret draft" not in html and "Invite-only roundtable" not in html
    assert 'href="/exchanges/"' in html


def test_pagination(client, make_exchange, organizer):
    for n in range(23):
        make_exchange(title=f"Exchange number {n:02d}", created_by=organizer)
    first = client.get("/exchanges/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Exchange number 19" in first and "Exchange number 20" not in first
    second = client.get("/exchanges/?page=2").get_data(as_text=True)
    assert "Exchange number 22" in second
