"""Time zones: local input checked against daylight saving, times shown in each reader's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from exchange.common.errors import Invalid
from exchange.exchanges import services
from exchange.exchanges.models import ExchangeSession
from exchange.exchanges.registrations import RegistrationAnswers, register
from tests.conftest import body_text
from tests.exchanges.conftest import event_of, local


def _exchange(organizer, reference, **overrides):
    values = {"kind": "peer_exchange", "title": "Budgeting with residents", "timezone": "America/New_York",
              "city_ids": [reference.city("new-york").id, reference.city("sao-paulo").id]}
    values.update(overrides)
    return services.create_exchange(actor=organizer, data=services.ExchangeData(**values))


def _session(start: str, end: str, zone: str = "America/New_York", **extra) -> services.SessionData:
    return services.SessionData(title="Weekly call", starts_local=local(start), ends_local=local(end), timezone=zone,
                                **extra)


def test_weekly_session_new_york_sao_paulo_across_the_us_change(db, client, login_as, make_user, organizer,
                                                                 reference, outbox):
    exchange = _exchange(organizer, reference)
    # 10:00 in New York every Wednesday; the U.S. springs forward on Sunday 10 March 2030, Brazil does not.
    for day in ("2030-03-06", "2030-03-13", "2030-03-20"):
        services.add_session(exchange, actor=organizer, data=_session(f"{day} 10:00", f"{day} 11:00"))
    starts = [s.starts_at for s in exchange.sessions]
    assert starts == [datetime(2030, 3, 6, 15, 0, tzinfo=UTC), datetime(2030, 3, 13, 14, 0, tzinfo=UTC),
                      datetime(2030, 3, 20, 14, 0, tzinfo=UTC)]
    services.publish_exchange(exchange, actor=organizer)

    paulista = make_user(name="João", timezone="America/Sao_Paulo")
    register(exchange, actor=paulista, answers=RegistrationAnswers(city_id=reference.city("sao-paulo").id))
    page = login_as(paulista).get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    # The reader's own zone: noon before the U.S. change, 11:00 after it; the exchange's zone stays at 10:00.
    assert "Your time:</strong> Wed, Mar 6, 2030, 12:00\u202fPM–1:00\u202fPM (São Paulo, UTC−3)" in page
    assert "Your time:</strong> Wed, Mar 13, 2030, 11:00\u202fAM–12:00\u202fPM (São Paulo, UTC−3)" in page
    assert "Exchange time: Wed, Mar 6, 2030, 10:00\u202fAM–11:00\u202fAM (New York, UTC−5)" in page
    assert "Exchange time: Wed, Mar 13, 2030, 10:00\u202fAM–11:00\u202fAM (New York, UTC−4)" in page
    assert "New York Wed 10:00\u202fAM–11:00\u202fAM · São Paulo Wed 12:00\u202fPM–1:00\u202fPM" in page
    assert "New York Wed 10:00\u202fAM–11:00\u202fAM · São Paulo Wed 11:00\u202fAM–12:00\u202fPM" in page

    mails = outbox.messages(to=paulista.email)
    assert len(mails) == 3  # one message per session, each with its own calendar invite
    assert "Your time: Wed, Mar 13, 2030, 11:00\u202fAM–12:00\u202fPM (São Paulo, UTC−3)" in body_text(mails[1])
    for mail, session in zip(mails, exchange.sessions, strict=True):
        event = event_of(mail)
        assert str(event["UID"]) == session.ical_uid
        start = event.decoded("DTSTART")
        assert start.tzinfo is not None and str(start.tzinfo) == "America/New_York" and start.hour == 10
        assert start == session.starts_at


def test_0230_on_the_us_spring_forward_day_in_new_york_is_rejected(db, client, login_as, organizer, reference):
    exchange = _exchange(organizer, reference)
    with pytest.raises(Invalid, match="does not exist in America/New_York"):
        services.add_session(exchange, actor=organizer, data=_session("2030-03-10 02:30", "2030-03-10 03:30"))
    login_as(organizer)
    url = f"/exchanges/{exchange.id}/sessions/new"
    response = client.submit(url, {"title": "Call", "timezone": "America/New_York", "starts_local": "2030-03-10T02:30",
                                   "ends_local": "2030-03-10T04:00", "track_id": "0"})
    assert response.status_code == 400
    assert "2030-03-10 02:30 does not exist in America/New_York" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ExchangeSession)) == 0


def test_an_ambiguous_fall_back_time_asks_which_one_and_takes_the_answer(db, client, login_as, organizer, reference):
    exchange = _exchange(organizer, reference)
    login_as(organizer)
    url = f"/exchanges/{exchange.id}/sessions/new"
    data = {"title": "Night owls", "timezone": "America/New_York", "starts_local": "2030-11-03T01:30",
            "ends_local": "2030-11-03T02:30", "track_id": "0"}
    asked = client.submit(url, data)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 400
    assert "happens twice in America/New_York" in html
    assert 'name="start_fold" value="0"' in html and 'name="start_fold" value="1"' in html
    assert "1:30\u202fAM New York, UTC−4 — before the clocks go back" in html
    assert "1:30\u202fAM New York, UTC−5 — after the clocks go back" in html
    assert db.session.scalar(select(func.count()).select_from(ExchangeSession)) == 0

    answered = client.submit(url, {**data, "start_fold": "1"})
    assert answered.status_code == 302
    session = db.session.scalar(select(ExchangeSession))
    assert session.starts_at == datetime(2030, 11, 3, 6, 30, tzinfo=UTC)  # the second 01:30 (EST, UTC−5)
    assert session.ends_at == datetime(2030, 11, 3, 7, 30, tzinfo=UTC)


def test_the_first_of_two_ambiguous_instants_can_be_chosen(db, organizer, reference):
    exchange = _exchange(organizer, reference)
    session = services.add_session(exchange, actor=organizer,
                                   data=_session("2030-11-03 01:30", "2030-11-03 03:00", start_fold=0))
    assert session.starts_at == datetime(2030, 11, 3, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT, UTC−4)


def test_organizers_are_warned_when_a_session_is_outside_waking_hours(db, client, login_as, make_user, make_expert_user,
                                                                      organizer, reference):
    exchange = _exchange(organizer, reference, timezone="America/Chicago")
    # 10:00 Chicago in January is 23:00 in Jakarta.
    session = services.add_session(exchange, actor=organizer,
                                   data=_session("2030-01-09 10:00", "2030-01-09 11:00", "America/Chicago"))
    services.publish_exchange(exchange, actor=organizer)
    budi = make_user(name="Budi Santoso", timezone="Asia/Jakarta")
    register(exchange, actor=budi, answers=RegistrationAnswers())
    lagos = make_user(name="Adaeze Okafor", timezone="Africa/Lagos")  # 17:00 in Lagos: fine
    register(exchange, actor=lagos, answers=RegistrationAnswers())
    expert = make_expert_user(name="Marcus Reed", timezone="America/Chicago")
    services.add_speaker(session, actor=organizer, user_id=expert.id, role="panelist")

    warnings = services.organizer_warnings(exchange)
    assert [(w.person, w.role) for w in warnings] == [("Budi Santoso", "registrant")]
    page = login_as(organizer).get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Outside 07:00–22:00 for some people" in page
    assert "Budi Santoso (registrant) — Wed, Jan 9, 2030, 11:00\u202fPM – Thu, Jan 10, 2030, 12:00\u202fAM (Jakarta, UTC+7)" in page
    other = login_as(budi).get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Outside 07:00–22:00 for some people" not in other  # the organizers' list is theirs
    assert "Weekly call is at 11:00\u202fPM–12:00\u202fAM your time (Jakarta)." in other  # his own hint


def _two_parts(db, make_exchange, *, part_one_utc: int, part_two_utc: int):
    """A published exchange tomorrow: "Part 1" and "Part 2", an hour each, starting at these UTC hours."""
    from datetime import timedelta

    from exchange.common.time import utcnow

    day = (utcnow() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    exchange = make_exchange(sessions=2)
    for session, title, hour in zip(exchange.sessions, ("Part 1", "Part 2"), (part_one_utc, part_two_utc), strict=True):
        session.title, session.starts_at = title, day + timedelta(hours=hour)
        session.ends_at = session.starts_at + timedelta(hours=1)
    db.session.commit()
    return exchange


def test_a_registrant_sees_before_registering_which_sessions_fall_at_night_for_them(db, client, login_as, make_user,
                                                                                  make_exchange):
    exchange = _two_parts(db, make_exchange, part_one_utc=12, part_two_utc=1)  # Lagos (UTC+1): 13:00 and 02:00
    url = f"/exchanges/{exchange.id}"
    login_as(make_user(timezone="Africa/Lagos"))
    page = client.get(url).get_data(as_text=True)
    assert "Outside 07:00–22:00 where you are:" in page
    assert "Part 2 is at 2:00\u202fAM–3:00\u202fAM your time (Lagos)." in page
    assert "Part 1 is at" not in page
    assert page.index("Part 2 is at") < page.index(f'action="{url}/register"')  # before the form
    login_as(make_user(timezone="Africa/Lagos", language="fr"))
    assert "Part 2 a lieu à 02:00–03:00 à votre heure (Lagos)." in client.get(url).get_data(as_text=True)
    login_as(make_user(timezone="Europe/Paris"))  # 13:00 and 02:00 in winter, 14:00 and 03:00 in summer
    assert "Part 2 is at" in client.get(url).get_data(as_text=True)
    login_as(make_user(timezone="America/Chicago"))  # 06:00 or 07:00 and 19:00 or 20:00: Part 1 at most
    assert "Part 2 is at" not in client.get(url).get_data(as_text=True)


def test_off_hours_warnings_name_a_speaker_only_for_the_sessions_he_speaks_in(db, client, login_as, make_user,
                                                                             make_exchange, add_speaker, register):
    # Jakarta (UTC+7): Part 1 at 12:00, Part 2 at 03:00.
    exchange = _two_parts(db, make_exchange, part_one_utc=5, part_two_utc=20)
    expert = make_user(name="Siti Rahma", role="expert", timezone="Asia/Jakarta")
    add_speaker(expert, exchange.sessions[0])  # invited to Part 1 only
    register(make_user(name="Budi Santoso", timezone="Asia/Jakarta"), exchange)  # registrants attend both
    warnings = services.organizer_warnings(exchange)
    assert [(w.session_title, w.person, w.role) for w in warnings] == [("Part 2", "Budi Santoso", "registrant")]

    add_speaker(expert, exchange.sessions[1], role="host")  # now she speaks in Part 2 too
    db.session.expire_all()
    page = login_as(exchange.created_by).get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Part 2: Siti Rahma (host)" in page and "Part 2: Budi Santoso (registrant)" in page
    assert "Part 1: Siti Rahma" not in page


@pytest.mark.parametrize(("start", "end", "zone", "outside"), [
    ("2030-01-09 07:00", "2030-01-09 22:00", "Asia/Jakarta", False),
    ("2030-01-09 06:59", "2030-01-09 08:00", "Asia/Jakarta", True),
    ("2030-01-09 21:00", "2030-01-09 22:01", "Asia/Jakarta", True),
    ("2030-01-09 23:30", "2030-01-10 00:30", "Asia/Jakarta", True),
])
def test_waking_hours_boundaries(start, end, zone, outside):
    from exchange.common.time import local_to_utc
    from exchange.exchanges.timeinfo import outside_waking_hours

    assert outside_waking_hours(local_to_utc(local(start), zone), local_to_utc(local(end), zone), zone) is outside
