"""Hostile input gets an honest answer: numbers, dates and text no database can hold give a 404, a 400 or a form
error naming the field, never a 500 (issue 17 §4). Run on SQLite and PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import json
import re
from io import BytesIO

import pytest

HUGE = [2**70, 2**63, 2**40, 2**31, 99999999999999999999, 2**31 - 1]  # the last: the largest id, reaching views
_INT = re.compile(r"<int:(\w+)>")
_ANY = re.compile(r"<any\(([^)]*)\):(\w+)>")
_STR = re.compile(r"<(?:string:)?(\w+)>")


def _int_routes(app):
    """Every rule with an `<int:…>` part, with its methods (HEAD and OPTIONS aside)."""
    for rule in app.url_map.iter_rules():
        if "<int:" in rule.rule:
            yield rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"})


def _address(rule: str, number: int) -> str:
    path = _INT.sub(str(number), rule)
    path = _ANY.sub(lambda m: m.group(1).split(",")[0].strip(), path)
    return _STR.sub("x", path)


def test_there_are_routes_with_ids_to_walk(app):
    rules = dict(_int_routes(app))
    assert "/exchanges/<int:exchange_id>" in rules and "/library/<int:note_id>" in rules
    assert "/sessions/<int:session_id>/room" in rules and "/api/v1/exchanges/<int:exchange_id>" in rules


@pytest.mark.parametrize("number", HUGE)
def test_every_route_with_an_id_answers_a_huge_one_without_a_500(app, client, make_user, login_as, monkeypatch,
                                                                   number):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # reach the route itself, not the CSRF check
    login_as(make_user(role="admin", email="admin@example.org"))
    seen = []
    for rule, methods in _int_routes(app):
        path = _address(rule, number)
        for method in methods:
            response = client.open(path, method=method, data={})
            seen.append((method, path, response.status_code))
    failures = [s for s in seen if s[2] >= 500]
    assert not failures, failures
    if number >= 2**31:
        assert {status for *_, status in seen} == {404}  # no id column holds it: no such address at all
    assert len(seen) > 30


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**70), "²", "-3", "0"])
def test_a_page_number_no_database_can_hold_shows_the_first_page(client, make_exchange, page):
    make_exchange(title="Open data in practice")
    for listing in ("/exchanges/", "/experts/"):
        response = client.get(f"{listing}?page={page}")
        assert response.status_code == 200, listing
    assert "Open data in practice" in client.get(f"/exchanges/?page={page}").get_data(as_text=True)


@pytest.mark.parametrize("query", ["page=99999999999999999999", f"page={2**70}", "per_page=99999999999999999999",
                                   "page=²", "page=1000001"])
def test_the_api_refuses_a_page_beyond_its_bounds_with_a_400_naming_the_parameter(client, query):
    response = client.get(f"/api/v1/exchanges?{query}")
    assert response.status_code == 400
    key = query.split("=")[0]
    assert f"“{key}” must be a whole number from 1 to" in response.json["error"]["message"]


def test_a_city_id_no_column_can_hold_is_a_form_error_on_that_field(client, make_user, make_exchange, login_as, db):
    from exchange.exchanges.models import Registration

    exchange = make_exchange()
    login_as(make_user())
    response = client.submit(f"/exchanges/{exchange.id}/register", {"city_id": str(2**66)},
                             page=f"/exchanges/{exchange.id}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r'id="city_id"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="city_id"', html)
    assert "Invalid Choice: could not coerce." in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration)) == 0


def test_an_organizer_choosing_a_city_no_column_can_hold_gets_a_form_error(organizer_client, reference, db):
    from exchange.exchanges.models import Exchange

    response = organizer_client.submit("/exchanges/new", {
        "kind": "webinar", "title": "Huge ids", "description": "", "timezone": "UTC", "visibility": "public",
        "languages": "en", "cities": [str(2**66)], "focus_areas": [str(2**70)]})
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    for field in ("cities", "focus_areas"):
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html), field
    assert "could not be coerced" in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Exchange)) == 0


def test_a_library_link_naming_a_huge_exchange_opens_an_empty_note_form(organizer_client):
    response = organizer_client.get(f"/library/new?exchange={2**70}")
    assert response.status_code in (200, 403)


def _program(start: str, *, title: str = "Fine", external_id: str = "x") -> str:
    return json.dumps({"exchanges": [{"external_id": external_id, "kind": "webinar", "title": title, "sessions": [
        {"external_id": "s", "title": "Session", "start": start, "end": "2030-05-01T11:00"}]}]})


@pytest.mark.parametrize(("start", "zone"), [("0001-01-01T00:00", "Pacific/Kiritimati"),
                                             ("9999-12-31T23:00", "Pacific/Kiritimati"),
                                             ("9999-12-31T23:00", "America/Los_Angeles"),
                                             ("1999-12-31T23:00", "UTC")])
def test_a_session_in_year_1_or_9999_is_a_form_error_naming_the_field(organizer_client, organizer, make_exchange, db,
                                                                      start, zone):
    from exchange.exchanges.models import ExchangeSession

    exchange = make_exchange(created_by=organizer, sessions=0)
    response = organizer_client.submit(f"/exchanges/{exchange.id}/sessions/new", {
        "title": "Far away", "timezone": zone, "starts_local": start, "ends_local": "2030-05-01T11:00",
        "track_id": "0"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose a date between 2000 and 2100." in html
    assert re.search(r'id="starts_local"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="starts_local"', html)
    assert db.session.scalar(db.select(db.func.count()).select_from(ExchangeSession)) == 0


def test_a_registration_deadline_in_year_9999_is_a_form_error(organizer_client, organizer, make_exchange):
    exchange = make_exchange(created_by=organizer)
    response = organizer_client.submit(f"/exchanges/{exchange.id}/edit", {
        "kind": "webinar", "title": "Deadline", "timezone": "Pacific/Kiritimati", "visibility": "public",
        "languages": "en", "registration_deadline": "9999-12-31T23:59"})
    assert response.status_code == 400
    assert "Choose a date between 2000 and 2100." in response.get_data(as_text=True)


@pytest.mark.parametrize(("program", "message"), [
    (_program("0001-01-01T00:00+14:00"), "“start” must be a date between 2000 and 2100"),
    (_program("9999-12-31T23:00-12:00"), "“start” must be a date between 2000 and 2100"),
    (_program("9999-12-31T23:00"), "“start” must be a date between 2000 and 2100"),
    (_program("2030-05-01T10:00", title="Bad \ud800 half"), "unpaired surrogate"),
    (_program("2030-05-01T10:00", external_id="\udfff"), "unpaired surrogate"),
    ('{"exchanges": ' + "[" * 5000 + "]" * 5000 + "}", "nested too deeply"),
])
def test_a_hostile_program_file_is_refused_with_a_message(client, login_as, organizer, db, program, message):
    from exchange.exchanges.models import Exchange

    login_as(organizer)
    response = client.submit("/exchanges/import", {"file": (BytesIO(program.encode()), "program.json")},
                             content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in html
    assert message in html
    assert db.session.scalar(db.select(db.func.count()).select_from(Exchange)) == 0


def test_a_paired_surrogate_escape_is_an_ordinary_character(client, login_as, organizer, db):
    from exchange.exchanges.models import Exchange

    login_as(organizer)
    program = _program("2030-05-01T10:00", title="Launch \U0001f680")
    response = client.submit("/exchanges/import", {"file": (BytesIO(program.encode()), "program.json")},
                             content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(db.select(Exchange.title)) == "Launch \U0001f680"


def test_text_with_a_lone_surrogate_is_stored_without_it(organizer):
    from exchange.exchanges import services

    exchange = services.create_exchange(actor=organizer, data=services.ExchangeData(
        kind="webinar", title="Half \ud800 a pair", description="x\udc00y"))
    assert (exchange.title, exchange.description) == ("Half  a pair", "xy")


@pytest.mark.parametrize(("first", "last", "field"), [("0001-01-01", "0001-01-03", "date_from"),
                                                      ("9999-12-29", "9999-12-31", "date_from"),
                                                      ("2030-01-01", "9999-12-31", "date_to")])
def test_the_scheduling_assistant_refuses_year_1_and_9999_on_the_field(organizer_client, reference, first, last,
                                                                       field):
    city = reference.city("lagos").id
    response = organizer_client.get(f"/exchanges/assistant?date_from={first}&date_to={last}&zone=UTC"
                                    f"&duration=60&occurrences=1&cities={city}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose a date between 2000 and 2100." in html
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{field}"', html)


@pytest.mark.parametrize(("event", "payload"), [
    ("join", {"session_id": 2**70}),
    ("join", {"session_id": "ROOM", "after_seq": 2**70}),
    ("chat.delete", {"session_id": "ROOM", "message_id": 2**70}),
    ("chat.mute", {"session_id": "ROOM", "user_id": 2**63, "minutes": 2**70}),
    ("question.vote", {"session_id": "ROOM", "question_id": 2**70, "value": 1}),
    ("question.vote", {"session_id": "ROOM", "question_id": 1, "value": -(2**70)}),
    ("question.moderate", {"session_id": "ROOM", "question_id": 2**40, "action": "dismiss"}),
    ("poll.vote", {"session_id": "ROOM", "poll_id": 2**70, "choices": [1]}),
    ("poll.vote", {"session_id": "ROOM", "poll_id": 1, "choices": [2**70]}),
    ("poll.close", {"session_id": "ROOM", "poll_id": 2**63}),
])
def test_a_live_event_carrying_a_huge_id_gets_an_error_ack(room, live_client, event, payload):
    host = live_client(room.host)
    assert host.join(room.id)["ok"]
    payload = {k: (room.id if v == "ROOM" else v) for k, v in payload.items()}
    ack = host.emit(event, payload)
    assert ack["ok"] is False
    assert ack["error"]["code"] in ("invalid", "not_found")
    assert host.emit("chat.send", {"session_id": room.id, "body": "still here", "client_id": "c1"})["ok"]
