"""Program import and export: documented JSON, idempotent by external id, all-or-nothing with every bad row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exchange.exchanges.models import Exchange, ExchangeSession, SessionSpeaker
from exchange.exchanges.program import dumps, export_program, import_program
from exchange.mail.models import OutboxMessage

EXAMPLE = (Path(__file__).resolve().parents[2] / "docs" / "program-example.json").read_text()


@pytest.fixture
def people(make_user, make_expert_user, reference):
    return {"organizer": make_user(role="organizer", email="organizer@example.org", timezone="America/New_York"),
            "expert": make_expert_user(email="chicago.cio@example.org", name="Marcus Reed")}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_documented_example_imports(db, people, outbox):
    report = import_program(EXAMPLE, actor=people["organizer"])
    assert report.ok, report.errors
    assert (report.exchanges_created, report.sessions_created) == (2, 3)
    webinar = db.session.scalar(select(Exchange).where(Exchange.external_id == "2030-open-data-webinar"))
    assert (webinar.status, webinar.capacity, webinar.languages) == ("published", 150, "en,es")
    assert sorted(c.slug for c in webinar.cities) == ["chicago", "jakarta", "lagos"]
    session = webinar.sessions[0]
    assert session.starts_at == datetime(2030, 3, 6, 14, 0, tzinfo=UTC) and session.premoderate_questions
    assert {(s.user.email, s.role, s.status) for s in session.speakers} == {
        ("organizer@example.org", "host", "accepted"), ("chicago.cio@example.org", "panelist", "invited")}
    assert "accept or decline" in outbox.last(to="chicago.cio@example.org").get_body(("plain",)).get_content()
    conference = db.session.scalar(select(Exchange).where(Exchange.external_id == "2030-engagement-conference"))
    assert [t.name for t in conference.tracks] == ["Participatory budgeting", "Unheard voices"]
    opening, youth = conference.sessions
    assert opening.starts_at == datetime(2030, 3, 13, 13, 0, tzinfo=UTC)  # 09:00-04:00, after the U.S. change
    assert youth.track.name == "Participatory budgeting" and youth.timezone == "America/New_York"


def test_an_export_imported_again_changes_nothing(db, people):
    assert import_program(EXAMPLE, actor=people["organizer"]).ok
    before = dumps(export_program(actor=None))
    state = [(s.id, s.ical_sequence, s.updated_at, s.starts_at) for s in db.session.scalars(select(ExchangeSession))]
    exchanges_updated = [e.updated_at for e in db.session.scalars(select(Exchange).order_by(Exchange.id))]
    mails = _count(db, OutboxMessage)

    report = import_program(before, actor=people["organizer"])
    assert report.ok and report.exchanges_created == 0 and report.sessions_created == 0
    db.session.expire_all()
    assert dumps(export_program(actor=None)) == before
    assert [(s.id, s.ical_sequence, s.updated_at, s.starts_at)
            for s in db.session.scalars(select(ExchangeSession))] == state
    assert [e.updated_at for e in db.session.scalars(select(Exchange).order_by(Exchange.id))] == exchanges_updated
    assert _count(db, OutboxMessage) == mails
    assert (_count(db, Exchange), _count(db, ExchangeSession), _count(db, SessionSpeaker)) == (2, 3, 3)


def test_a_second_import_updates_instead_of_duplicating(db, people, make_user):
    assert import_program(EXAMPLE, actor=people["organizer"]).ok
    document = json.loads(EXAMPLE)
    webinar = document["exchanges"][0]
    webinar["title"] = "Open data, two years on"
    webinar["sessions"][0]["start"], webinar["sessions"][0]["end"] = "2030-03-06T09:00", "2030-03-06T10:30"
    webinar["sessions"][0]["speakers"][1]["role"] = "moderator"
    session = db.session.scalar(select(ExchangeSession).where(ExchangeSession.external_id == "main"))
    sequence = session.ical_sequence
    report = import_program(json.dumps(document), actor=people["organizer"])
    assert report.ok and (report.exchanges_created, report.exchanges_updated) == (0, 2)
    db.session.expire_all()
    session = db.session.scalar(select(ExchangeSession).where(ExchangeSession.external_id == "main"))
    assert session.exchange.title == "Open data, two years on"
    assert session.starts_at == datetime(2030, 3, 6, 15, 0, tzinfo=UTC) and session.ical_sequence == sequence + 1
    assert {s.role for s in session.speakers if s.user.email == "chicago.cio@example.org"} == {"moderator"}
    assert _count(db, Exchange) == 2 and _count(db, ExchangeSession) == 3


BAD = """{
  "format": "peer-exchange-program",
  "version": 1,
  "exchanges": [
    {
      "external_id": "one", "kind": "seminar", "title": "Bad kind", "timezone": "America/New_York",
      "sessions": [
        {"external_id": "s1", "title": "Gap", "start": "2030-03-10T02:30", "end": "2030-03-10T03:30"},
        {"external_id": "s2", "title": "Twice", "start": "2030-11-03T01:30", "end": "2030-11-03T02:30"},
        {"external_id": "s3", "title": "Speaker", "start": "2030-03-12T10:00", "end": "2030-03-12T11:00",
         "speakers": [
           {"email": "nobody@example.org", "role": "host"}
         ]}
      ]
    },
    {
      "external_id": "one", "kind": "webinar", "title": "", "timezone": "Mars/Olympus", "capacity": 0,
      "cities": ["atlantis"], "sessions": [
        {"external_id": "x", "title": "Offset", "start": "2030-03-12T10:00+09:00", "end": "not a time",
         "timezone": "America/Chicago"}
      ]
    }
  ]
}
"""


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(db, people):
    report = import_program(BAD, actor=people["organizer"])
    problems = [(p.line, p.where, p.reason) for p in report.errors]
    expected = [
        (5, "exchanges[0]", "“kind” must be one of webinar, peer_exchange, conference, not “seminar”"),
        (12, "exchanges[0].sessions[2].speakers[0]", "no account has the email nobody@example.org"),
        (16, "exchanges[1]", "external_id “one” appears twice"),
        (16, "exchanges[1]", "unknown time zone “Mars/Olympus”"),
        (16, "exchanges[1]", "“capacity” must be a whole number of at least 1, or null"),
        (16, "exchanges[1]", "“title” is required"),
        (16, "exchanges[1]", "unknown cities: atlantis"),
        (19, "exchanges[1].sessions[0]", "“start” has the offset +0900, but America/Chicago is at -0500 then"),
        (19, "exchanges[1].sessions[0]", "“end” is not a date and time like 2027-03-10T09:00: “not a time”"),
    ]
    for item in expected:
        assert item in problems, (item, problems)
    assert _count(db, Exchange) == 0 and _count(db, OutboxMessage) == 0


def test_times_that_do_not_exist_or_happen_twice_are_reported_after_the_checks(db, people):
    # The file is well-formed, so the rows are applied; the clock problems still stop the whole import.
    document = json.loads(BAD)
    document["exchanges"] = document["exchanges"][:1]
    document["exchanges"][0]["kind"] = "webinar"
    document["exchanges"][0]["sessions"][2]["speakers"] = [{"email": "chicago.cio@example.org", "role": "host"}]
    document["exchanges"].append({"external_id": "fine", "kind": "webinar", "title": "Fine", "sessions": [
        {"external_id": "ok", "title": "OK", "start": "2030-05-01T10:00", "end": "2030-05-01T11:00"}]})
    text = json.dumps(document, indent=2)
    report = import_program(text, actor=people["organizer"])
    reasons = {(p.where, p.reason.split(":")[0]) for p in report.errors}
    assert ("exchanges[0].sessions[0]", "2030-03-10 02") in reasons  # "02:30 does not exist …"
    assert any("happens twice" in p.reason and p.where == "exchanges[0].sessions[1]" for p in report.errors)
    assert all(p.line > 1 for p in report.errors)
    assert _count(db, Exchange) == 0 and _count(db, ExchangeSession) == 0 and _count(db, OutboxMessage) == 0
    # Saying which 01:30 is meant fixes it.
    document["exchanges"][0]["sessions"][0]["start"] = "2030-03-10T03:30"
    document["exchanges"][0]["sessions"][0]["end"] = "2030-03-10T04:30"
    document["exchanges"][0]["sessions"][1]["fold"] = 1
    assert import_program(json.dumps(document), actor=people["organizer"]).ok


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not valid JSON"),
    ('{"exchanges": {}}', "a list “exchanges”"),
    ('{"format": "other", "exchanges": []}', "unknown format"),
])
def test_unreadable_files_are_refused(db, people, text, message):
    report = import_program(text, actor=people["organizer"])
    assert not report.ok and message in report.errors[0].reason


def test_exchanges_without_an_external_id_round_trip(db, make_exchange, organizer):
    exchange = make_exchange(created_by=organizer)
    document = export_program(actor=organizer)
    assert document["exchanges"][0]["external_id"] == f"peer-exchange-{exchange.id}"
    assert import_program(dumps(document), actor=organizer).ok
    assert _count(db, Exchange) == 1 and _count(db, ExchangeSession) == 1


def test_command_line_import_and_export(db, people, run, tmp_path):
    path = tmp_path / "program.json"
    path.write_text(EXAMPLE)
    first = run("program", "import", str(path))
    assert first.exit_code == 0, first.output
    assert "2 exchange(s) created" in first.output
    exported = run("program", "export")
    assert exported.exit_code == 0
    again = tmp_path / "again.json"
    again.write_text(exported.output)
    second = run("program", "import", str(again))
    assert "0 exchange(s) created, 2 updated" in second.output
    bad = tmp_path / "bad.json"
    bad.write_text(BAD)
    failed = run("program", "import", str(bad))
    assert failed.exit_code != 0
    assert "line 5, exchanges[0]: “kind” must be one of" in failed.output
    assert "nothing was imported" in failed.output
    assert _count(db, Exchange) == 2


def test_organizers_upload_a_program_file(db, client, login_as, people):
    login_as(people["organizer"])
    response = client.submit("/exchanges/import", {"file": (BytesIO(BAD.encode()), "program.json")},
                             content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in html and "exchanges[1].sessions[0]" in html
    response = client.submit("/exchanges/import", {"file": (BytesIO(EXAMPLE.encode()), "program.json")},
                             content_type="multipart/form-data", follow_redirects=True)
    assert "2 exchanges created" in response.get_data(as_text=True)
    exported = client.get("/exchanges/export.json")
    assert exported.status_code == 200 and exported.json["format"] == "peer-exchange-program"
