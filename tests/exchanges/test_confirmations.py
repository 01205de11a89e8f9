"""Every destructive action of an exchange asks first, without JavaScript: its link opens a confirmation page that
says what will happen; only the Confirm button (POST with confirm=1 and CSRF) acts, and a one-click POST without it
changes nothing. Cancelling a session or an exchange takes an optional reason that goes into the emails. The
exchange and session forms report all their problems at once."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from exchange.common.time import utcnow
from exchange.exchanges import registrations
from exchange.exchanges.models import Exchange, ExchangeSession, Registration, SessionSpeaker, Track
from exchange.exchanges.registrations import RegistrationAnswers
from tests.conftest import body_text
from tests.exchanges.conftest import calendar_of

SUMMARY = re.compile(r'<div class="error-summary"[^>]*data-error-summary>(.*?)</div>', re.S)


def summary_targets(html: str) -> list[str]:
    found = SUMMARY.search(html)
    assert found, "no error summary on the page"
    return re.findall(r'<a href="#([^"]+)">', found.group(1))


def status_of(db, registration_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Registration, registration_id).status


def test_cancelling_my_registration_asks_first_and_then_gives_the_seat_to_the_waitlist(
        db, app, make_exchange, make_user, register, login_as, outbox):
    exchange = make_exchange(capacity=1)
    me, next_in_line = make_user(name="Adaeze"), make_user(name="Budi")
    mine = register(me, exchange)
    waiting = register(next_in_line, exchange, "waitlisted")
    client = login_as(me, app.test_client())
    url = f"/exchanges/{exchange.id}/unregister"
    detail = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert f'href="{url}"' in detail and f'action="{url}"' not in detail  # a link to the question, not a one-tap form

    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Cancel your registration for “Open data in practice”?" in html
    assert "Your seat goes at once to the next person on the waitlist." in html
    assert f'<a href="/exchanges/{exchange.id}">Keep my place</a>' in html
    assert status_of(db, mine.id) == "registered"

    # A POST without the confirmation (a stray one-click form anywhere) only asks again.
    again = client.submit(url, {})
    assert again.status_code == 200 and "Cancel your registration" in again.get_data(as_text=True)
    assert (status_of(db, mine.id), status_of(db, waiting.id)) == ("registered", "waitlisted")

    assert client.submit(url, {"confirm": "1"}).status_code == 302
    assert (status_of(db, mine.id), status_of(db, waiting.id)) == ("cancelled", "registered")


def test_the_confirmation_needs_the_csrf_token(db, app, make_exchange, make_user, register, login_as):
    exchange = make_exchange()
    me = make_user()
    mine = register(me, exchange)
    client = login_as(me, app.test_client())
    response = client.post(f"/exchanges/{exchange.id}/unregister", data={"confirm": "1"})
    assert response.status_code == 400
    assert status_of(db, mine.id) == "registered"


def test_cancelling_a_session_asks_first_and_emails_the_reason(db, app, make_exchange, make_user, register, organizer,
                                                               login_as, outbox):
    exchange = make_exchange(sessions=2, created_by=organizer)
    person = make_user(name="Adaeze")
    registrations.register(exchange, actor=person, answers=RegistrationAnswers())
    outbox.deliver()  # her invites leave: her calendar holds both sessions
    first = exchange.sessions[0]
    client = login_as(organizer, app.test_client())
    url = f"/exchanges/{exchange.id}/sessions/{first.id}/cancel"
    detail = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert f'href="{url}"' in detail and f'action="{url}"' not in detail

    html = client.get(url).get_data(as_text=True)
    assert f"Cancel the session “{first.title}”?" in html
    assert "Everyone registered and every speaker gets a cancellation in their calendar, by email." in html
    assert re.search(r'<textarea[^>]*id="reason"[^>]*name="reason"', html) and "(required)" not in html  # optional
    before = len(outbox.messages(to=person.email))
    client.submit(url, {"reason": "The speaker fell ill."})  # no confirm=1
    db.session.expire_all()
    assert db.session.get(ExchangeSession, first.id).status == "scheduled"
    assert len(outbox.messages(to=person.email)) == before

    # A reason over 1000 characters is refused, shown in the summary, and nothing happens.
    refused = client.submit(url, {"reason": "x" * 1001, "confirm": "1"})
    assert refused.status_code == 400 and summary_targets(refused.get_data(as_text=True)) == ["reason"]
    db.session.expire_all()
    assert db.session.get(ExchangeSession, first.id).status == "scheduled"

    done = client.submit(url, {"reason": "  The speaker fell ill.\x07 We will find a new date.  ", "confirm": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(ExchangeSession, first.id).status == "cancelled"
    mail = outbox.last(to=person.email)
    assert calendar_of(mail)["METHOD"] == "CANCEL"
    assert "The organizers' reason: The speaker fell ill. We will find a new date." in body_text(mail)


def test_a_session_cancelled_without_a_reason_says_no_reason(db, app, make_exchange, make_user, register, organizer,
                                                             login_as, outbox):
    exchange = make_exchange(sessions=2, created_by=organizer)
    person = make_user()
    register(person, exchange)
    outbox.deliver()
    client = login_as(organizer, app.test_client())
    client.submit(f"/exchanges/{exchange.id}/sessions/{exchange.sessions[0].id}/cancel", {"confirm": "1"})
    assert "reason" not in body_text(outbox.last(to=person.email))


def test_cancelling_an_exchange_acts_only_when_confirmed(db, app, make_exchange, make_user, register, organizer,
                                                        login_as, outbox):
    exchange = make_exchange(created_by=organizer)
    person = make_user()
    register(person, exchange)
    client = login_as(organizer, app.test_client())
    url = f"/exchanges/{exchange.id}/cancel"
    html = client.get(url).get_data(as_text=True)
    assert "Cancel “Open data in practice”?" in html and 'name="confirm" value="1"' in html
    assert client.submit(url, {"reason": "Budget cut."}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Exchange, exchange.id).status == "published"
    assert client.submit(url, {"reason": "Budget cut.", "confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Exchange, exchange.id).status == "cancelled"
    assert "Budget cut." in body_text(outbox.last(to=person.email))


def test_removing_a_speaker_asks_first(db, app, make_exchange, make_user, add_speaker, organizer, login_as, outbox):
    exchange = make_exchange(created_by=organizer)
    speaker = add_speaker(make_user(name="Marcus Reed"), exchange.sessions[0])
    client = login_as(organizer, app.test_client())
    speaker_id = speaker.id
    url = f"/exchanges/{exchange.id}/speakers/{speaker_id}/remove"
    detail = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert f'href="{url}"' in detail and f'action="{url}"' not in detail
    html = client.get(url).get_data(as_text=True)
    assert f"Remove Marcus Reed from “{exchange.sessions[0].title}”?" in html
    assert client.submit(url, {}).status_code == 200
    assert db.session.scalar(select(SessionSpeaker).where(SessionSpeaker.id == speaker_id)) is not None
    assert client.submit(url, {"confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(SessionSpeaker).where(SessionSpeaker.id == speaker_id)) is None


def test_the_exchange_form_reports_every_service_problem_at_once(db, app, organizer, login_as):
    client = login_as(organizer, app.test_client())
    start = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    end = (utcnow() + timedelta(days=3, hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.submit("/exchanges/new", {
        "kind": "webinar", "title": "Flood maps", "visibility": "public", "timezone": "Mars/Olympus",
        "video_url": "ftp://video.example", "starts_local": start, "ends_local": end})
    assert response.status_code == 400
    assert summary_targets(response.get_data(as_text=True)) == ["languages", "video_url", "timezone"]
    assert db.session.scalar(select(Exchange)) is None


def test_the_session_form_reports_every_service_problem_at_once(db, app, make_exchange, organizer, login_as):
    exchange = make_exchange(created_by=organizer, kind="conference")
    other = make_exchange(kind="conference")
    foreign = Track(exchange=other, name="Elsewhere", position=0)
    db.session.add_all([foreign, Track(exchange=exchange, name="Mobility", position=0)])
    db.session.commit()
    client = login_as(organizer, app.test_client())
    past = utcnow() - timedelta(days=2)
    response = client.submit(f"/exchanges/{exchange.id}/sessions/new", {
        "title": "Late", "timezone": "UTC", "track_id": str(foreign.id),
        "starts_local": past.strftime("%Y-%m-%dT%H:%M"),
        "ends_local": (past + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400
    assert summary_targets(response.get_data(as_text=True)) == ["starts_local", "track_id"]
    assert len(exchange.sessions) == 1
