"""Feeds: a person's private subscription, the public program, one exchange's download, and the links."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from ical_tools import iso, vobject_events
from icalendar import Calendar
from sqlalchemy import event

from exchange.calendar import links
from exchange.calendar.builders import EventData
from exchange.common.time import utcnow
from exchange.extensions import db as _db


def _feed(client, user):
    response = client.get(f"/calendar/{user.calendar_token}.ics")
    assert response.status_code == 200, response.status_code
    return response


def test_every_account_has_a_long_random_feed_token(make_user):
    one, two = make_user(), make_user()
    assert one.calendar_token != two.calendar_token
    assert len(one.calendar_token) >= 43  # 256 random bits, URL-safe


def test_personal_feed_has_registered_and_speaking_sessions_only(db, client, make_user, make_exchange, register,
                                                                 add_speaker, icaljs):
    person = make_user()
    attending = make_exchange(title="Attending", sessions=2)
    register(person, attending)
    speaking = make_exchange(title="Speaking")
    add_speaker(person, speaking.sessions[0], "host")
    invited = make_exchange(title="Invited, not accepted")
    add_speaker(person, invited.sessions[0], "panelist", status="invited")
    waitlisted = make_exchange(title="Waitlisted")
    register(person, waitlisted, "waitlisted")
    other = make_exchange(title="Someone else's")
    register(make_user(), other)
    response = _feed(client, person)
    assert response.content_type == "text/calendar; charset=utf-8"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in response.data and b"X-PUBLISHED-TTL:PT1H\r\n" in response.data
    assert response.headers["Cache-Control"].startswith("private")
    seen = icaljs.read(response.data)
    assert seen["method"] == "PUBLISH"
    expected = [*attending.sessions, *speaking.sessions]
    assert sorted(e["uid"] for e in seen["events"]) == sorted(s.ical_uid for s in expected)
    assert {e["status"] for e in seen["events"]} == {"CONFIRMED"}
    assert all(e["attendees"] == [] for e in seen["events"]), "a feed names nobody"
    assert len(vobject_events(response.data)) == 3


def test_cancelled_sessions_stay_30_days_marked_cancelled(db, client, make_user, make_exchange, register, icaljs):
    person = make_user()
    exchange = make_exchange(sessions=2)
    register(person, exchange)
    gone = make_exchange(title="Whole exchange cancelled")
    register(person, gone)
    left = make_exchange(title="Registration cancelled")
    register(person, left, "cancelled")
    exchange.sessions[0].status = "cancelled"
    gone.status = "cancelled"
    db.session.commit()
    statuses = {e["uid"]: e["status"] for e in icaljs.read(_feed(client, person).data)["events"]}
    assert statuses == {exchange.sessions[0].ical_uid: "CANCELLED", exchange.sessions[1].ical_uid: "CONFIRMED",
                        gone.sessions[0].ical_uid: "CANCELLED", left.sessions[0].ical_uid: "CANCELLED"}
    with time_machine.travel(utcnow() + timedelta(days=29), tick=False):
        assert len(icaljs.read(_feed(client, person).data)["events"]) == 4
    with time_machine.travel(utcnow() + timedelta(days=31), tick=False):
        uids = [e["uid"] for e in icaljs.read(_feed(client, person).data)["events"]]
    assert uids == [exchange.sessions[1].ical_uid]


def test_a_speaker_who_cancelled_a_registration_still_sees_the_session_they_speak_at(db, client, make_user,
                                                                                    make_exchange, register,
                                                                                    add_speaker, icaljs):
    person = make_user()
    exchange = make_exchange()
    register(person, exchange, "cancelled")
    add_speaker(person, exchange.sessions[0], "moderator")
    assert [e["status"] for e in icaljs.read(_feed(client, person).data)["events"]] == ["CONFIRMED"]


@pytest.mark.parametrize("token", ["nope", "x" * 43, "x" * 200])
def test_an_unknown_token_is_404(client, make_user, token):
    make_user()
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_disabled_account_has_no_feed(client, make_user):
    person = make_user(disabled=True)
    assert client.get(f"/calendar/{person.calendar_token}.ics").status_code == 404


def test_a_regenerated_token_invalidates_the_old_url(db, client, make_user, login_as):
    person = make_user()
    old = f"/calendar/{person.calendar_token}.ics"
    assert client.get(old).status_code == 200
    login_as(person)
    response = client.submit("/calendar/token", page="/accounts/profile")
    assert response.status_code == 302 and response.headers["Location"].endswith("/accounts/profile#calendar-feed")
    db.session.expire_all()
    assert client.get(old).status_code == 404
    assert client.get(f"/calendar/{person.calendar_token}.ics").status_code == 200
    assert f"/calendar/{person.calendar_token}.ics" not in old


def test_regenerating_needs_login_and_a_csrf_token(db, client, make_user, login_as):
    person = make_user()
    token = person.calendar_token
    anonymous = client.submit("/calendar/token", page="/accounts/login")
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous.headers["Location"]
    login_as(person)
    assert client.post("/calendar/token").status_code == 400  # no CSRF token
    db.session.expire_all()
    assert person.calendar_token == token


def test_profile_shows_the_feed_address_and_subscribe_links(client, make_user, login_as):
    person = make_user()
    login_as(person)
    html = client.get("/accounts/profile").get_data(as_text=True)
    url = f"http://localhost/calendar/{person.calendar_token}.ics"
    assert f'value="{url}"' in html and 'for="calendar-feed-url"' in html
    assert f"webcal://localhost/calendar/{person.calendar_token}.ics" in html
    assert "calendar.google.com" in html and "outlook.live.com" in html
    assert 'action="/calendar/token"' in html


def test_profile_offers_to_create_a_missing_feed_address(db, client, make_user, login_as):
    person = make_user()
    person.calendar_token = None
    db.session.commit()
    login_as(person)
    html = client.get("/accounts/profile").get_data(as_text=True)
    assert "Create my feed address" in html
    client.submit("/calendar/token", page="/accounts/profile")
    db.session.expire_all()
    assert person.calendar_token and client.get(f"/calendar/{person.calendar_token}.ics").status_code == 200


def test_public_feed_lists_published_public_exchanges_only(db, client, make_exchange, icaljs):
    public = make_exchange(title="Public")
    make_exchange(title="Invite only", visibility="invite_only")
    make_exchange(title="Draft", status="draft")
    old = make_exchange(title="Long ago", starts_at=utcnow() - timedelta(days=200))
    response = client.get("/calendar/public.ics")
    assert response.status_code == 200
    seen = icaljs.read(response.data)
    assert [e["summary"] for e in seen["events"]] == ["Public: Public — part 1"]
    assert old.sessions[0].ical_uid not in response.get_data(as_text=True)
    assert seen["events"][0]["uid"] == public.sessions[0].ical_uid


def test_exchange_download_is_publish_with_every_session(client, make_exchange, icaljs):
    exchange = make_exchange(sessions=3, session_zone="Asia/Jakarta")
    response = client.get(f"/exchanges/{exchange.id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="exchange-{exchange.id}.ics"'
    seen = icaljs.read(response.data)
    assert seen["method"] == "PUBLISH"
    assert [(e["uid"], e["start"], e["tzid"]) for e in seen["events"]] == \
        [(s.ical_uid, iso(s.starts_at), "Asia/Jakarta") for s in exchange.sessions]


def test_hidden_exchanges_answer_404_like_missing_ones(db, client, make_user, make_exchange, register, login_as,
                                                       add_speaker):
    hidden = make_exchange(visibility="invite_only")
    draft = make_exchange(status="draft")
    url = f"/exchanges/{hidden.id}/calendar.ics"
    assert client.get(url).status_code == 404
    assert client.get("/exchanges/999999/calendar.ics").status_code == 404
    assert client.get(f"/exchanges/{draft.id}/calendar.ics").status_code == 404
    stranger = make_user()
    login_as(stranger)
    assert client.get(url).status_code == 404
    member = make_user()
    register(member, hidden)
    login_as(member)
    assert client.get(url).status_code == 200
    speaker = make_user(role="expert")
    add_speaker(speaker, draft.sessions[0])
    login_as(speaker)
    assert client.get(f"/exchanges/{draft.id}/calendar.ics").status_code == 200
    login_as(hidden.created_by)  # its team
    assert client.get(url).status_code == 200
    login_as(make_user(role="organizer"))  # an organizer outside its team: as anyone
    assert client.get(url).status_code == 404


def _count_queries():
    counter = {"n": 0}
    me = threading.get_ident()  # the server's background tasks (presence, revocation watcher) query too

    def before(*_args, **_kwargs):
        if threading.get_ident() == me:
            counter["n"] += 1

    return counter, before


@pytest.mark.parametrize("feed", ["personal", "public"])
def test_a_feed_of_500_sessions_is_complete_and_needs_no_query_per_session(db, client, make_user, feed, icaljs,
                                                                           add_speaker):
    from exchange.exchanges.models import Exchange, ExchangeSession, Registration

    person = make_user()
    speaker = make_user(name="Speaker")
    organizer = make_user(role="organizer")
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=1)
    zones = ["America/New_York", "Africa/Lagos", "Asia/Jakarta", "Australia/Sydney", "Asia/Kolkata"]

    def build(count: int) -> None:
        for index in range(count):
            exchange = Exchange(kind="conference", title=f"Conference {index}", status="published",
                                visibility="public", timezone="UTC", created_by=organizer)
            for part in range(5):
                begin = start + timedelta(days=index, hours=part)
                exchange.sessions.append(ExchangeSession(title=f"Part {part}", starts_at=begin,
                                                         ends_at=begin + timedelta(minutes=50),
                                                         timezone=zones[(index + part) % len(zones)]))
            exchange.registrations.append(Registration(user=person, status="registered"))
            db.session.add(exchange)
        db.session.commit()

    url = f"/calendar/{person.calendar_token}.ics" if feed == "personal" else "/calendar/public.ics"

    def queries() -> tuple[int, bytes]:
        counter, hook = _count_queries()
        event.listen(_db.engine, "before_cursor_execute", hook)
        try:
            body = client.get(url).data
        finally:
            event.remove(_db.engine, "before_cursor_execute", hook)
        return counter["n"], body

    build(2)
    add_speaker(speaker, db.session.scalars(db.select(ExchangeSession)).first())
    small, _body = queries()
    build(98)
    large, body = queries()
    assert large == small, "the number of queries must not grow with the number of sessions"
    seen = icaljs.read(body)
    assert len(seen["events"]) == 500
    assert len({e["uid"] for e in seen["events"]}) == 500
    assert body.count(b"BEGIN:VTIMEZONE") == len(zones)


def test_google_and_outlook_links_carry_the_instant_and_text():
    start = datetime(2027, 3, 16, 13, 0, tzinfo=UTC)
    data = EventData(uid="u", sequence=0, start=start, end=start + timedelta(hours=1), zone="America/New_York",
                     summary="Open data, & more", description="Agenda\nJoin: https://x.example/e/1",
                     url="https://x.example/e/1", location="Online: https://x.example/e/1")
    google = parse_qs(urlsplit(links.google_event_url(data)).query)
    assert google["action"] == ["TEMPLATE"] and google["text"] == ["Open data, & more"]
    assert google["dates"] == ["20270316T130000Z/20270316T140000Z"] and google["ctz"] == ["America/New_York"]
    assert google["details"] == ["Agenda\nJoin: https://x.example/e/1"]
    outlook = parse_qs(urlsplit(links.outlook_event_url(data)).query)
    assert outlook["startdt"] == ["2027-03-16T13:00:00Z"] and outlook["enddt"] == ["2027-03-16T14:00:00Z"]
    assert outlook["subject"] == ["Open data, & more"] and outlook["rru"] == ["addevent"]


def test_long_descriptions_are_cut_but_keep_the_link():
    start = datetime(2027, 3, 16, 13, 0, tzinfo=UTC)
    data = EventData(uid="u", sequence=0, start=start, end=start, zone="UTC", summary="S",
                     description="x" * 5000, url="https://x.example/e/1")
    details = parse_qs(urlsplit(links.google_event_url(data)).query)["details"][0]
    assert len(details) < 1000 and details.endswith("https://x.example/e/1")


@pytest.mark.parametrize(("url", "expected"), [
    ("https://px.example/calendar/t.ics", "webcal://px.example/calendar/t.ics"),
    ("http://127.0.0.1:5000/calendar/t.ics", "webcal://127.0.0.1:5000/calendar/t.ics"),
])
def test_webcal_links(url, expected):
    assert links.webcal_url(url) == expected
    assert parse_qs(urlsplit(links.google_subscribe_url(url)).query)["cid"] == [expected]
    assert parse_qs(urlsplit(links.outlook_subscribe_url(url, "Mine")).query)["url"] == [url]


def test_webcal_refuses_other_schemes():
    with pytest.raises(ValueError, match="not a web address"):
        links.webcal_url("javascript:alert(1)")


def test_add_links_partial_for_a_session(app, make_exchange):
    from flask import render_template_string

    exchange = make_exchange(session_zone="Africa/Lagos")
    with app.test_request_context("/"):
        html = render_template_string('{% include "calendar/_add_links.html" %}', session=exchange.sessions[0])
    assert "calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "outlook.live.com/calendar/0/deeplink/compose" in html
    assert f'href="http://localhost/exchanges/{exchange.id}/calendar.ics"' in html
    assert f"webcal://localhost/exchanges/{exchange.id}/calendar.ics" in html


def test_add_links_partial_renders_nothing_without_a_session(app):
    from flask import render_template_string

    with app.test_request_context("/"):
        assert render_template_string('{% include "calendar/_add_links.html" %}').strip() == ""


def test_a_feed_answers_304_until_its_content_changes_and_then_the_new_file(db, client, make_user, make_exchange,
                                                                            register):
    person = make_user()
    exchange = make_exchange(title="Water metering")
    register(person, exchange)
    first = _feed(client, person)
    etag = first.headers["ETag"]
    again = client.get(f"/calendar/{person.calendar_token}.ics", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert _feed(client, person).data == first.data  # the same content: the same file, DTSTAMP included

    exchange.sessions[0].starts_at += timedelta(hours=1)  # a calendar program must pick this up at once
    exchange.sessions[0].ends_at += timedelta(hours=1)
    db.session.commit()
    moved = client.get(f"/calendar/{person.calendar_token}.ics", headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    (vevent,) = Calendar.from_ical(moved.data).walk("VEVENT")
    assert vevent.decoded("DTSTART") == exchange.sessions[0].starts_at

    register(make_user(), exchange)  # someone else's registration changes nothing in this feed
    assert client.get(f"/calendar/{person.calendar_token}.ics",
                      headers={"If-None-Match": moved.headers["ETag"]}).status_code == 304
