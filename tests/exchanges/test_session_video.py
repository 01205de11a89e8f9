"""Issue 21 §4: a session may have its own video link (a conference's track rooms), used instead of the exchange's
in the live room, the joining details, the program file and the session's calendar invite."""

from __future__ import annotations

import json
from datetime import UTC, timedelta

from icalendar import Calendar
from sqlalchemy import select

from exchange.exchanges import services
from exchange.exchanges.models import Exchange, ExchangeSession
from exchange.exchanges.program import dumps, export_program, import_program
from tests.conftest import body_text

TRACK_ROOM = "https://meet.jit.si/track-b-room"
MAIN_ROOM = "https://meet.jit.si/main-hall"


def _form(session, **extra) -> dict:
    wall = session.starts_at.astimezone(UTC)
    return {"title": session.title, "timezone": "UTC", "starts_local": wall.strftime("%Y-%m-%dT%H:%M"),
            "ends_local": (session.ends_at.astimezone(UTC)).strftime("%Y-%m-%dT%H:%M"), "track_id": "0", **extra}


def _invite(message) -> Calendar:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    return Calendar.from_ical(part.get_content())


def test_an_organizer_gives_a_session_its_own_https_link_in_the_session_form(db, client, login_as, make_exchange):
    conference = make_exchange(kind="conference", sessions=2, video_url=MAIN_ROOM)
    session = conference.sessions[1]
    login_as(conference.created_by)
    url = f"/exchanges/{conference.id}/sessions/{session.id}/edit"
    assert 'name="video_url"' in client.get(url).get_data(as_text=True)
    for bad in ("http://meet.example/room", "javascript:alert(1)", "https://", "https://a b"):
        refused = client.submit(url, _form(session, video_url=bad))
        assert refused.status_code == 400 and "full web address starting with https://" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ExchangeSession, session.id).video_url is None
    assert client.submit(url, _form(session, video_url=f"  {TRACK_ROOM} ")).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExchangeSession, session.id).video_url == TRACK_ROOM
    assert f'value="{TRACK_ROOM}"' in client.get(url).get_data(as_text=True)
    assert client.submit(url, _form(session, video_url="")).status_code == 302  # back to the exchange's link
    db.session.expire_all()
    assert db.session.get(ExchangeSession, session.id).video_url is None


def test_the_room_and_the_joining_details_use_the_sessions_own_link(db, client, login_as, make_exchange, make_user,
                                                                   register):
    conference = make_exchange(kind="conference", sessions=2, video_url=MAIN_ROOM)
    plenary, track = conference.sessions
    track.video_url = TRACK_ROOM
    db.session.commit()
    person = make_user(name="Reg Istered")
    register(person, conference)
    login_as(person)
    own = client.get(f"/sessions/{track.id}/room").get_data(as_text=True)
    assert f'href="{TRACK_ROOM}"' in own and f'src="{TRACK_ROOM}"' in own and MAIN_ROOM not in own
    shared = client.get(f"/sessions/{plenary.id}/room").get_data(as_text=True)
    assert f'href="{MAIN_ROOM}"' in shared and TRACK_ROOM not in shared
    join = client.get(f"/exchanges/{conference.id}/join").get_data(as_text=True)
    track_part = join.split(f"<h2>{track.title}</h2>")[1]
    assert MAIN_ROOM in join and TRACK_ROOM in track_part and TRACK_ROOM not in join.split(f"<h2>{track.title}</h2>")[0]
    # A session's link is for registered people only, like the exchange's.
    login_as(make_user(name="Not Registered"))
    assert TRACK_ROOM not in client.get(f"/exchanges/{conference.id}").get_data(as_text=True)
    assert client.get(f"/exchanges/{conference.id}/join").status_code == 404


def test_a_session_alone_with_a_link_needs_no_exchange_link(db, client, login_as, make_exchange, make_user, register):
    webinar = make_exchange()
    webinar.sessions[0].video_url = TRACK_ROOM
    db.session.commit()
    person = make_user()
    register(person, webinar)
    login_as(person)
    join = client.get(f"/exchanges/{webinar.id}/join").get_data(as_text=True)
    assert TRACK_ROOM in join and "have not added a video link yet" not in join
    assert f'src="{TRACK_ROOM}"' in client.get(f"/sessions/{webinar.sessions[0].id}/room").get_data(as_text=True)


def test_a_new_session_link_resends_that_sessions_invite_which_leads_to_its_room(db, make_exchange, make_user,
                                                                                 register, outbox):
    conference = make_exchange(kind="conference", sessions=2, video_url=MAIN_ROOM)
    plenary, track = conference.sessions
    person = make_user()
    register(person, conference)
    outbox.deliver()
    before = (plenary.ical_sequence, track.ical_sequence)
    wall = track.starts_at.astimezone(UTC).replace(tzinfo=None)
    services.update_session(track, actor=conference.created_by, data=services.SessionData(
        title=track.title, starts_local=wall, ends_local=wall + timedelta(hours=1), timezone="UTC",
        video_url=TRACK_ROOM))
    assert (plenary.ical_sequence, track.ical_sequence) == (before[0], before[1] + 1)
    mail = outbox.last(to=person.email)
    assert "joining link" in body_text(mail)
    (event,) = list(_invite(mail).walk("VEVENT"))
    assert str(event["UID"]) == track.ical_uid and int(event["SEQUENCE"]) == before[1] + 1
    assert str(event["URL"]).endswith(f"/sessions/{track.id}/room")  # the room, which shows the session's link
    # Saving the same link again changes nothing and tells nobody.
    count = len(outbox.messages())
    services.update_session(track, actor=conference.created_by, data=services.SessionData(
        title=track.title, starts_local=wall, ends_local=wall + timedelta(hours=1), timezone="UTC",
        video_url=TRACK_ROOM))
    assert track.ical_sequence == before[1] + 1 and len(outbox.messages()) == count


def test_the_program_file_carries_a_sessions_own_link(db, make_exchange):
    conference = make_exchange(kind="conference", sessions=2, video_url=MAIN_ROOM, external_id="conf-2031")
    conference.sessions[1].video_url = TRACK_ROOM
    db.session.commit()
    actor = conference.created_by
    document = export_program(actor=actor)
    (exported,) = [e for e in document["exchanges"] if e["external_id"] == "conf-2031"]
    assert [s["video_url"] for s in exported["sessions"]] == ["", TRACK_ROOM]
    # Importing the export changes nothing; a changed link in the file is saved; a bad one is reported.
    assert import_program(dumps(document), actor=actor).ok
    exported["sessions"][0]["video_url"] = "https://meet.jit.si/plenary-stage"
    assert import_program(json.dumps(document), actor=actor).ok
    db.session.expire_all()
    sessions = db.session.scalar(select(Exchange).where(Exchange.external_id == "conf-2031")).sessions
    assert [s.video_url for s in sessions] == ["https://meet.jit.si/plenary-stage", TRACK_ROOM]
    exported["sessions"][1]["video_url"] = "http://insecure.example/room"
    report = import_program(json.dumps(document), actor=actor)
    assert not report.ok and any("https://" in str(e) for e in report.errors)
