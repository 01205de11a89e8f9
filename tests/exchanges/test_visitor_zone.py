"""Each reader's own time from the first visit (issue 19 §4): a visitor's zone from her browser (the `tz` cookie) or
her choice on the zone page, UTC and the exchange's zone when it is unknown; the invitation page the same way; new
exchanges in the organizer's zone; the listing spans the live sessions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from exchange.common import timefmt
from exchange.common.time import utcnow
from exchange.exchanges import registrations, services
from tests.conftest import body_text

LINK = re.compile(r"http://localhost(/exchanges/invitations/[\w-]+)")


def _next_week_at(hour: int, minute: int = 0) -> datetime:
    day = (utcnow() + timedelta(days=7)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def webinar(make_exchange, organizer):
    return make_exchange(created_by=organizer, starts_at=_next_week_at(13), timezone="America/New_York",
                         title="Street vending permits")


def test_a_visitor_whose_zone_is_unknown_reads_utc_and_the_exchanges_zone_said_as_such(client, webinar):
    html = client.get(f"/exchanges/{webinar.id}").get_data(as_text=True)
    session = webinar.sessions[0]
    assert "Your time:" not in html  # it would be a lie: nobody knows her zone yet
    assert "In UTC:" in html and timefmt.span(session.starts_at, session.ends_at, "UTC", "en") in html
    assert "Exchange time:" in html and "(New York, UTC−5)" in html
    assert "Times are shown in UTC and in the exchange's own time zone." in html
    assert f'href="/zone?next=/exchanges/{webinar.id}' in html  # the no-JavaScript way to choose
    assert "js/zone.js" in html  # with JavaScript, the browser's zone is remembered before the page is drawn


def test_a_visitor_whose_browser_told_her_zone_reads_her_own_time(client, webinar):
    client.set_cookie("tz", "Africa/Lagos")
    html = client.get(f"/exchanges/{webinar.id}").get_data(as_text=True)
    assert "Your time:" in html and "(Lagos, UTC+1)" in html
    assert "In UTC:" not in html and "js/zone.js" not in html
    assert "Times are shown in Lagos (Africa/Lagos)." in html and "Change the time zone" in html
    agenda_like = client.get("/exchanges/").get_data(as_text=True)
    assert "(Lagos, UTC+1)" in agenda_like


@pytest.mark.parametrize("cookie", ["Mars/Olympus_Mons", "", "Africa/Lagos; path=/"])
def test_a_cookie_that_names_no_zone_is_ignored(client, webinar, cookie):
    client.set_cookie("tz", cookie)
    html = client.get(f"/exchanges/{webinar.id}").get_data(as_text=True)
    assert "In UTC:" in html and "(Lagos" not in html


def test_an_old_zone_name_in_the_cookie_still_works(client, webinar):
    client.set_cookie("tz", "US/Eastern")
    assert "Your time:" in client.get(f"/exchanges/{webinar.id}").get_data(as_text=True)


def test_a_visitor_chooses_her_zone_without_javascript_and_it_is_kept_for_a_year(client, webinar):
    page = client.get(f"/zone?next=/exchanges/{webinar.id}")
    assert page.status_code == 200 and '<optgroup label="Africa">' in page.get_data(as_text=True)
    response = client.submit("/zone", {"timezone": "Asia/Jakarta", "next": f"/exchanges/{webinar.id}"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/exchanges/{webinar.id}")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("tz=Asia/Jakarta;") and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    html = client.get(f"/exchanges/{webinar.id}").get_data(as_text=True)
    assert "Your time:" in html and "(Jakarta, UTC+7)" in html
    # Changeable: the zone page shows the current choice and takes another.
    assert 'value="Asia/Jakarta" selected' in client.get("/zone").get_data(as_text=True) or \
        '<option selected value="Asia/Jakarta">' in client.get("/zone").get_data(as_text=True)
    client.submit("/zone", {"timezone": "America/Mexico_City", "next": "/"})
    assert "(Mexico City, UTC−6)" in client.get(f"/exchanges/{webinar.id}").get_data(as_text=True)


def test_the_zone_page_refuses_unknown_zones_forged_posts_and_foreign_redirects(client):
    bad = client.submit("/zone", {"timezone": "Mars/Olympus_Mons", "next": "/"})
    assert bad.status_code == 400 and "Choose a zone from the list." in bad.get_data(as_text=True)
    assert "tz=" not in bad.headers.get("Set-Cookie", "")
    away = client.submit("/zone", {"timezone": "Africa/Lagos", "next": "https://evil.example/"})
    assert away.status_code == 302 and "evil.example" not in away.headers["Location"]
    forged = client.post("/zone", data={"timezone": "Africa/Lagos", "next": "/"})  # no CSRF token
    assert forged.status_code == 400 and "tz=" not in forged.headers.get("Set-Cookie", "")


def test_a_signed_in_readers_profile_zone_wins_over_the_cookie(client, login_as, make_user, webinar):
    login_as(make_user(timezone="Asia/Jakarta"))
    client.set_cookie("tz", "Africa/Lagos")
    html = client.get(f"/exchanges/{webinar.id}").get_data(as_text=True)
    assert "(Jakarta, UTC+7)" in html and "(Lagos" not in html
    assert client.get("/zone").headers["Location"].endswith("/accounts/profile")  # her zone is her profile's


def _invitation_link(exchange, organizer, outbox, reference) -> str:
    registrations.invite(exchange, actor=organizer, email="amaka@lagos.example", name="Amaka Eze",
                         city_id=reference.city("jakarta").id)
    return LINK.search(body_text(outbox.last(to="amaka@lagos.example"))).group(1)


def test_an_invitee_not_signed_up_reads_her_browsers_zone_on_the_invitation(client, make_exchange, organizer,
                                                                          outbox, reference):
    private = make_exchange(created_by=organizer, visibility="invite_only", starts_at=_next_week_at(13),
                            timezone="America/New_York")
    link = _invitation_link(private, organizer, outbox, reference)
    unknown = client.get(link).get_data(as_text=True)
    assert "In UTC:" in unknown and "(New York, UTC−5)" in unknown and "Your time:" not in unknown
    client.set_cookie("tz", "Africa/Lagos")
    html = client.get(link).get_data(as_text=True)
    assert "Your time:" in html and "(Lagos, UTC+1)" in html
    # The sign-up form on the invitation proposes her zone, not her invited city's (Jakarta).
    assert re.search(r'<option selected value="Africa/Lagos">|value="Africa/Lagos" selected', html)


def test_a_new_exchange_defaults_to_the_organizers_own_zone(organizer_client):
    html = organizer_client.get("/exchanges/new").get_data(as_text=True)
    assert re.search(r'<option selected value="America/New_York">|value="America/New_York" selected', html)
    assert not re.search(r'<option selected value="UTC">|value="UTC" selected', html)


def test_the_listing_spans_the_live_sessions_and_counts_them(client, make_exchange, organizer):
    start = _next_week_at(13)
    conference = make_exchange(created_by=organizer, kind="conference", sessions=4, starts_at=start,
                               title="Megacity data summit")
    # 13:00–14:00, 14:15–15:15, 15:30–16:30, 16:45–17:45; the last is cancelled.
    services.cancel_session(conference.sessions[3], actor=organizer)
    html = client.get("/exchanges/").get_data(as_text=True)
    card = html[html.index("Megacity data summit"):]
    card = card[:card.index("</li>")]
    span = timefmt.span(start, start + timedelta(hours=3, minutes=30), "UTC", "en")
    assert span in card and "4:30\u202fPM" in span  # to the end of the last live session
    assert "3 sessions" in card and "4 sessions" not in card
    assert timefmt.span(start, start + timedelta(hours=1), "UTC", "en") not in card  # not the first session alone
