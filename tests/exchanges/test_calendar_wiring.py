"""The exchange flows and the calendar feature meet: invites carry the calendar notice, pages the links."""

from __future__ import annotations

from tests.conftest import body_text


def test_registration_email_says_calendar_replies_are_not_read_and_links_the_exchange(client, make_user, login_as,
                                                                                     make_exchange, outbox):
    exchange = make_exchange()
    official = make_user(email="reg@example.org")
    login_as(official)
    client.submit(f"/exchanges/{exchange.id}/register", {}, page=f"/exchanges/{exchange.id}")
    message = outbox.last(to="reg@example.org")
    text = body_text(message)
    assert "Answers from your calendar program" in text
    assert f"http://localhost/exchanges/{exchange.id}" in text
    assert message.get_content_type() == "multipart/mixed"


def test_exchange_page_offers_add_to_calendar_links(client, make_exchange):
    exchange = make_exchange()
    html = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Add to Google Calendar" in html and f"/exchanges/{exchange.id}/calendar.ics" in html


def test_registered_people_find_the_live_room_from_the_exchange_and_join_pages(client, make_user, login_as,
                                                                            make_exchange, register):
    exchange = make_exchange()
    session = exchange.sessions[0]
    outsider = make_user()
    login_as(outsider)
    assert f"/sessions/{session.id}/room" not in client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    official = make_user()
    register(official, exchange)
    login_as(official)
    assert f"/sessions/{session.id}/room" in client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert f"/sessions/{session.id}/room" in client.get(f"/exchanges/{exchange.id}/join").get_data(as_text=True)


def test_listing_shows_each_exchanges_languages_and_interpretation(client, make_exchange):
    make_exchange(title="Bilingual budgets", languages="en,es", interpretation_notes="Spanish interpretation.")
    html = client.get("/exchanges/").get_data(as_text=True)
    item = html[html.index("Bilingual budgets"):]
    assert "English, Spanish" in item[:1500] or "English, español" in item[:1500]
    assert "Spanish interpretation." in item[:1500]
