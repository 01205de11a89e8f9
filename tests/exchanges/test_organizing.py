"""Organizers create, edit, publish and cancel exchanges; sessions, speakers and their answers; past exchanges."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from exchange.common.errors import Conflict, Invalid
from exchange.common.time import utcnow
from exchange.exchanges import registrations, services
from exchange.exchanges.models import Exchange, ExchangeSession, Invitation, SessionSpeaker, Track
from exchange.exchanges.registrations import RegistrationAnswers
from tests.conftest import body_text
from tests.exchanges.conftest import calendar_of, event_of, local

SPEAKING = re.compile(r"http://localhost(/exchanges/speaking/[\w-]+)")


def _session(start: datetime, minutes: int = 60, zone: str = "UTC", title: str = "Session") -> services.SessionData:
    wall = start.astimezone(UTC).replace(tzinfo=None)
    return services.SessionData(title=title, starts_local=wall, ends_local=wall + timedelta(minutes=minutes),
                                timezone=zone)


def _soon(days: int = 3, hour: int = 14) -> datetime:
    return (utcnow() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_create_from_a_prefilled_link_adds_the_panelist_and_the_invitee(db, client, login_as, organizer, make_expert_user,
                                                                        make_user, reference, outbox):
    expert = make_expert_user(name="Marcus Reed")
    official = make_user(name="Adaeze Okafor", timezone="Africa/Lagos")
    login_as(organizer)
    url = (f"/exchanges/new?kind=peer_exchange&title=Open+data+portals&description=Lagos+asks+**how**"
           f"&topics=open-data,data-analytics&speaker={expert.id}&invitee={official.id}&peer_request=42")
    page = client.get(url).get_data(as_text=True)
    assert 'value="Open data portals"' in page
    assert "Marcus Reed will be invited as a panelist" in page and "Adaeze Okafor will be invited" in page
    assert "Arranged from peer request #42." in page
    assert re.search(r'<option selected value="\d+">Open data</option>|<option value="\d+" selected>Open data', page)
    start = _soon()
    form = {"kind": "peer_exchange", "title": "Open data portals", "description": "Lagos asks **how**",
            "timezone": "Africa/Lagos", "languages": "en", "visibility": "invite_only", "capacity": "12",
            "starts_local": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"),
            "ends_local": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "speaker_id": str(expert.id), "invitee_id": str(official.id), "publish": "y",
            "topics": [str(t) for t in services.topic_ids(["open-data"])]}
    response = client.submit("/exchanges/new", form, page=url)
    assert response.status_code == 302, response.get_data(as_text=True)
    exchange = db.session.scalar(select(Exchange))
    assert (exchange.kind, exchange.status, exchange.visibility, exchange.capacity) == \
        ("peer_exchange", "published", "invite_only", 12)
    assert [t.slug for t in exchange.topics] == ["open-data"]
    speaker = exchange.sessions[0].speakers[0]
    assert (speaker.user_id, speaker.role, speaker.status) == (expert.id, "panelist", "invited")
    assert "accept or decline" in body_text(outbox.last(to=expert.email))
    invitation = db.session.scalar(select(Invitation))
    assert invitation.user_id == official.id and invitation.sent_at is not None
    assert "You are invited" in body_text(outbox.last(to=official.email))


def test_the_assistant_link_prefills_start_zone_and_duration(db, client, login_as, organizer, make_exchange):
    exchange = make_exchange(created_by=organizer)
    login_as(organizer)
    page = client.get(f"/exchanges/{exchange.id}/sessions/new?start=2030-05-06T14:30&zone=Asia/Jakarta&duration=90")
    html = page.get_data(as_text=True)
    assert 'value="2030-05-06T14:30"' in html and 'value="2030-05-06T16:00"' in html
    assert '<option selected value="Asia/Jakarta">' in html or 'value="Asia/Jakarta" selected' in html
    new = client.get("/exchanges/new?start=2030-05-06T14:30&zone=Asia/Jakarta&duration=45").get_data(as_text=True)
    assert 'value="2030-05-06T15:15"' in new


def test_only_organizers_create_exchanges(db, client, login_as, make_user):
    login_as(make_user())
    assert client.get("/exchanges/new").status_code == 403
    assert client.get("/exchanges/assistant").status_code == 403
    assert client.get("/exchanges/import").status_code == 403


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "", "This field is required"),
    ("video_url", "javascript:alert(1)", "full web address"),
    ("capacity", "0", "Number must be between 1 and 100000"),
    ("ends_local", "2030-05-06T09:00", "must end after it starts"),
    ("languages", "xx", "Choose at least one language"),
])
def test_bad_exchange_input_is_refused_with_a_message(db, client, login_as, organizer, field, value, message):
    login_as(organizer)
    form = {"kind": "webinar", "title": "A title", "timezone": "UTC", "languages": "en", "visibility": "public",
            "starts_local": "2030-05-06T10:00", "ends_local": "2030-05-06T11:00"}
    form[field] = value
    response = client.submit("/exchanges/new", form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Exchange)) == 0


def test_a_speaker_cannot_be_booked_into_overlapping_sessions(db, make_exchange, make_expert_user, organizer):
    expert = make_expert_user(name="Marcus Reed")
    start = _soon()
    first = make_exchange(title="Open data", starts_at=start, created_by=organizer)
    second = make_exchange(title="Smart procurement", starts_at=start + timedelta(minutes=30), created_by=organizer)
    services.add_speaker(first.sessions[0], actor=organizer, user_id=expert.id, role="panelist")
    with pytest.raises(Conflict, match="Marcus Reed already speaks at “Open data — part 1” \\(Open data\\)"):
        services.add_speaker(second.sessions[0], actor=organizer, user_id=expert.id, role="moderator")
    # Moving a session onto a speaker's other session is refused the same way.
    third = make_exchange(title="Later", starts_at=start + timedelta(hours=3), created_by=organizer)
    services.add_speaker(third.sessions[0], actor=organizer, user_id=expert.id, role="panelist")
    with pytest.raises(Conflict, match="already speaks"):
        services.update_session(third.sessions[0], actor=organizer, data=_session(start + timedelta(minutes=45)))
    # A declined speaker frees the time.
    speaker = first.sessions[0].speakers[0]
    speaker.status = "declined"
    db.session.commit()
    services.add_speaker(second.sessions[0], actor=organizer, user_id=expert.id, role="moderator")


def test_only_approved_experts_and_organizers_speak(db, make_exchange, make_user, organizer):
    exchange = make_exchange(created_by=organizer)
    with pytest.raises(Invalid, match="approved peer experts and organizers"):
        services.add_speaker(exchange.sessions[0], actor=organizer, user_id=make_user().id, role="panelist")


def test_a_speaker_accepts_by_email_link_and_gets_a_calendar_invite(db, client, make_exchange, make_expert_user,
                                                                    organizer, outbox):
    exchange = make_exchange(created_by=organizer)
    expert = make_expert_user(timezone="America/Chicago")
    services.add_speaker(exchange.sessions[0], actor=organizer, user_id=expert.id, role="moderator")
    link = SPEAKING.search(body_text(outbox.last(to=expert.email))).group(1)
    page = client.get(link).get_data(as_text=True)
    assert "Will you speak" in page and "Moderator" in page and "(Chicago, UTC" in page
    response = client.submit(link, {"answer": "accept"})
    assert response.status_code == 302
    assert db.session.scalar(select(SessionSpeaker.status)) == "accepted"
    mail = outbox.last(to=expert.email)
    event = event_of(mail)
    assert calendar_of(mail)["METHOD"] == "REQUEST"
    assert "ROLE=CHAIR" in event.to_ical().decode().replace("\r\n ", "")
    outbox.deliver()  # her invite is in her calendar
    # Declining later cancels their calendar entry.
    client.submit(link, {"answer": "decline"})
    assert db.session.scalar(select(SessionSpeaker.status)) == "declined"
    assert calendar_of(outbox.last(to=expert.email))["METHOD"] == "CANCEL"
    assert client.get("/exchanges/speaking/forged").status_code == 404


def test_rescheduling_raises_the_sequence_and_tells_everyone_in_their_zone(db, make_exchange, make_user, make_expert_user,
                                                                         add_speaker, organizer, outbox):
    start = _soon(days=5, hour=13)
    exchange = make_exchange(starts_at=start, created_by=organizer, capacity=1)
    session = exchange.sessions[0]
    lagos, jakarta = make_user(timezone="Africa/Lagos"), make_user(timezone="Asia/Jakarta")
    registrations.register(exchange, actor=lagos, answers=RegistrationAnswers())
    registrations.register(exchange, actor=jakarta, answers=RegistrationAnswers())  # waitlisted
    outbox.deliver()  # the registration emails leave after their window; the move below is news to them
    expert = make_expert_user()
    add_speaker(expert, session, "panelist", "accepted")
    sequence = session.ical_sequence
    new_start = start + timedelta(days=1, hours=2)
    services.update_session(session, actor=organizer, data=_session(new_start, title=session.title))
    assert session.ical_sequence == sequence + 1
    mail = outbox.last(to=lagos.email)
    assert calendar_of(mail)["METHOD"] == "REQUEST"
    event = event_of(mail)
    assert int(event["SEQUENCE"]) == session.ical_sequence and str(event["UID"]) == session.ical_uid
    text = body_text(mail)
    assert "has moved to a new time" in text and "(Lagos, UTC+1)" in text and "Previously:" in text
    assert f"({exchange.title})" not in text  # the exchange is named on its own line, not again in brackets
    assert calendar_of(outbox.last(to=expert.email))["METHOD"] == "REQUEST"
    waiting = outbox.last(to=jakarta.email)
    assert calendar_of(waiting) is None and "(Jakarta, UTC+7)" in body_text(waiting)
    # Saving without a change of time sends nothing and keeps the sequence.
    count = len(outbox.messages())
    services.update_session(session, actor=organizer, data=_session(new_start, title="Renamed"))
    assert len(outbox.messages()) == count and session.ical_sequence == sequence + 1


def test_a_new_video_link_raises_the_sequence_and_is_announced(db, make_exchange, make_user, organizer, outbox):
    exchange = make_exchange(created_by=organizer)
    person = make_user()
    registrations.register(exchange, actor=person, answers=RegistrationAnswers())
    outbox.deliver()  # her invite left after its window; the new link is news to her
    sequence = exchange.sessions[0].ical_sequence
    services.update_exchange(exchange, actor=organizer, data=services.ExchangeData(
        kind="webinar", title=exchange.title, video_url="https://meet.jit.si/new-room"))
    assert exchange.sessions[0].ical_sequence == sequence + 1
    assert "joining link" in body_text(outbox.last(to=person.email))


def test_cancelling_a_session_and_an_exchange_sends_calendar_cancellations(db, make_exchange, make_user, organizer,
                                                                          outbox, client, login_as):
    exchange = make_exchange(sessions=2, created_by=organizer)
    person = make_user()
    registrations.register(exchange, actor=person, answers=RegistrationAnswers())
    outbox.deliver()  # her invites left after their window: her calendar holds both sessions
    first, second = exchange.sessions
    services.cancel_session(first, actor=organizer)
    mail = outbox.last(to=person.email)
    assert calendar_of(mail)["METHOD"] == "CANCEL" and str(event_of(mail)["UID"]) == first.ical_uid
    assert str(event_of(mail)["STATUS"]) == "CANCELLED"
    login_as(organizer)
    response = client.submit(f"/exchanges/{exchange.id}/cancel", {"reason": "The speaker fell ill.", "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Exchange, exchange.id).status == "cancelled"
    last = outbox.last(to=person.email)
    assert calendar_of(last)["METHOD"] == "CANCEL" and str(event_of(last)["UID"]) == second.ical_uid
    assert "The speaker fell ill." in body_text(last)


def test_a_past_exchange_keeps_its_times_but_its_text_can_be_corrected(db, make_exchange, organizer, client, login_as):
    started = (utcnow() - timedelta(days=2)).replace(second=0, microsecond=0)
    exchange = make_exchange(starts_at=started, created_by=organizer)
    session = exchange.sessions[0]
    with pytest.raises(Invalid, match="its time can no longer be changed"):
        services.update_session(session, actor=organizer, data=_session(utcnow() + timedelta(days=1)))
    with pytest.raises(Invalid, match="already started"):
        services.cancel_session(session, actor=organizer)
    with pytest.raises(Invalid, match="already taken place"):
        services.cancel_exchange(exchange, actor=organizer)
    with pytest.raises(Invalid, match="already passed"):
        services.add_session(exchange, actor=organizer, data=_session(utcnow() - timedelta(hours=1)))
    db.session.rollback()
    # The session form shows the refusal; fixing a typo in the title is fine.
    login_as(organizer)
    wall = session.starts_at.astimezone(UTC)
    form = {"title": "Corrected title", "timezone": "UTC", "starts_local": wall.strftime("%Y-%m-%dT%H:%M"),
            "ends_local": (wall + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "track_id": "0"}
    url = f"/exchanges/{exchange.id}/sessions/{session.id}/edit"
    assert client.submit(url, form).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExchangeSession, session.id).title == "Corrected title"
    moved = client.submit(url, {**form, "starts_local": "2031-01-01T10:00", "ends_local": "2031-01-01T11:00"})
    assert moved.status_code == 400 and "its time can no longer be changed" in moved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExchangeSession, session.id).starts_at == started


def test_publishing_needs_a_session(db, organizer):
    exchange = services.create_exchange(actor=organizer, data=services.ExchangeData(kind="webinar", title="Empty"))
    with pytest.raises(Invalid, match="at least one session"):
        services.publish_exchange(exchange, actor=organizer)


def test_conference_tracks_and_agenda(db, client, login_as, organizer, make_exchange, make_user):
    conference = make_exchange(kind="conference", sessions=2, created_by=organizer, title="Digital conference")
    login_as(organizer)
    client.submit(f"/exchanges/{conference.id}/tracks", {"name": "Participatory budgeting"},
                  page=f"/exchanges/{conference.id}")
    track = conference.tracks[0] if conference.tracks else db.session.scalar(select(Track))
    session = conference.sessions[1]
    wall = session.starts_at.astimezone(UTC)
    client.submit(f"/exchanges/{conference.id}/sessions/{session.id}/edit",
                  {"title": "Youth budgets", "timezone": "UTC", "starts_local": wall.strftime("%Y-%m-%dT%H:%M"),
                   "ends_local": (wall + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "track_id": str(track.id)})
    login_as(make_user(timezone="Asia/Kolkata"))
    agenda = client.get(f"/exchanges/{conference.id}/agenda").get_data(as_text=True)
    assert "Participatory budgeting" in agenda and "Youth budgets" in agenda and "(Kolkata, UTC+5:30)" in agenda


def test_markdown_is_rendered_safely(db, client, make_exchange):
    exchange = make_exchange(description="**Bold** <script>alert(1)</script> [x](javascript:alert(2)) "
                                         "<img src=x onerror=alert(3)> [ok](https://example.org)")
    html = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<img" not in html and 'href="javascript' not in html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in html


def test_a_european_spring_forward_gap_is_rejected_too(db, organizer, make_exchange):
    exchange = make_exchange(created_by=organizer)
    with pytest.raises(Invalid, match="does not exist"):
        services.add_session(exchange, actor=organizer, data=services.SessionData(
            title="x", starts_local=local("2030-03-31 02:30"), ends_local=local("2030-03-31 04:00"),
            timezone="Europe/Paris"))
