"""The authorization matrix: every URL rule and every /live Socket.IO event, against every kind of person.

Each row names a route (endpoint + method) or an event and the outcome for: anonymous, official, pending expert,
approved expert, organizer, admin, a host of another exchange, and a disabled account (which is always treated
as anonymous: its session no longer loads). The test fails when a route or event exists without a row, and
when a row names one that no longer exists.

Outcomes: ok = allowed (2xx/3xx, or 400/409 for a POST with an empty form: the form was judged, so the person
was let in); in = sent to the login page; no = refused with 403 or 404; nf = 404 exactly (missing and forbidden
look alike); any = the same answer for everyone, never a 5xx (links with a secret token, which here is wrong).
"""

from __future__ import annotations

import uuid

import pytest

from exchange.extensions import socketio
from tests.live.conftest import NS
from tests.security.conftest import ROLES

P = ("ok",) * 7                               # public
L = ("in", "ok", "ok", "ok", "ok", "ok", "ok")  # any logged-in person
ORG = ("in", "no", "no", "no", "ok", "ok", "no")  # organizers and admins
ANY = ("any",) * 7

# endpoint, method, url arguments (from the world), outcomes for ROLES[:-1] (disabled = anonymous)
ROUTES: list[tuple[str, str, dict, tuple]] = [
    ("main.home", "GET", {}, P),
    ("main.healthz", "GET", {}, P),
    ("main.set_language", "POST", {}, P),
    ("static", "GET", {"filename": "css/app.css"}, P),
    ("accounts.login", "GET", {}, P),
    ("accounts.login", "POST", {}, P),
    ("accounts.signup", "GET", {}, P),
    ("accounts.signup", "POST", {}, P),
    ("accounts.request_reset", "GET", {}, P),
    ("accounts.request_reset", "POST", {}, P),
    ("accounts.reset_password", "GET", {"token": "not-a-token"}, ANY),
    ("accounts.reset_password", "POST", {"token": "not-a-token"}, ANY),
    ("accounts.logout", "POST", {}, P),
    ("accounts.profile", "GET", {}, L),
    ("accounts.profile", "POST", {}, L),
    ("accounts.change_email", "POST", {}, L),
    ("accounts.change_password", "POST", {}, L),
    ("accounts.download_data", "GET", {}, L),
    ("accounts.delete_account", "POST", {}, L),
    ("api.exchanges", "GET", {}, P),
    ("api.exchange", "GET", {"exchange_id": "exchange"}, P),
    ("api.openapi", "GET", {}, P),
    ("calendar.personal_feed", "GET", {"token": "not-a-token"}, ("nf",) * 7),
    ("calendar.public_feed", "GET", {}, P),
    ("calendar.regenerate_token", "POST", {}, L),
    ("calendar.exchange_calendar", "GET", {"exchange_id": "exchange"}, P),
    ("experts.cities", "GET", {}, P),
    ("experts.city", "GET", {"slug": "city"}, P),
    ("experts.edit_city", "GET", {"slug": "city"}, ORG),
    ("experts.edit_city", "POST", {"slug": "city"}, ORG),
    ("experts.new_city", "GET", {}, ORG),
    ("experts.new_city", "POST", {}, ORG),
    ("experts.directory", "GET", {}, P),
    ("experts.expert", "GET", {"expert_id": "expert"}, P),
    ("experts.photo", "GET", {"expert_id": "expert"}, ("nf",) * 7),  # no photo uploaded
    ("experts.apply", "GET", {}, L),
    ("experts.apply", "POST", {}, L),
    ("experts.my_application", "GET", {}, L),
    ("experts.edit_application", "GET", {}, L),
    ("experts.edit_application", "POST", {}, L),
    ("experts.withdraw", "POST", {}, L),
    ("experts.review_queue", "GET", {}, ORG),
    ("experts.review", "GET", {"expert_id": "pending"}, ORG),
    ("experts.review", "POST", {"expert_id": "pending"}, ORG),
    ("experts.official_profile", "GET", {}, L),
    ("experts.official_profile", "POST", {}, L),
    ("experts.requests", "GET", {}, L),
    ("experts.peer_request", "GET", {"request_id": "peer_request"}, ("in", "ok", "nf", "ok", "ok", "ok", "nf")),
    ("experts.cancel_request", "POST", {"request_id": "peer_request"}, ("in", "ok", "nf", "no", "ok", "ok", "nf")),
    ("experts.respond", "POST", {"request_id": "peer_request"}, ("in", "no", "nf", "ok", "no", "no", "nf")),
    ("experts.send_request", "POST", {"request_id": "peer_request"}, ("in", "ok", "nf", "no", "ok", "ok", "nf")),
    ("experts.new_request", "GET", {}, ("in", "ok", "no", "no", "ok", "ok", "no")),
    ("experts.new_request", "POST", {}, ("in", "ok", "no", "no", "ok", "ok", "no")),
    ("exchanges.index", "GET", {}, P),
    ("exchanges.my_agenda", "GET", {}, L),
    ("exchanges.detail", "GET", {"exchange_id": "exchange"}, P),
    ("exchanges.agenda", "GET", {"exchange_id": "exchange"}, P),
    ("exchanges.join", "GET", {"exchange_id": "exchange"}, ("in", "ok", "no", "no", "ok", "ok", "no")),
    ("exchanges.register", "POST", {"exchange_id": "exchange"}, L),
    ("exchanges.unregister", "POST", {"exchange_id": "exchange"}, L),
    ("exchanges.cancel", "GET", {"exchange_id": "exchange"}, ORG),
    ("exchanges.cancel", "POST", {"exchange_id": "exchange"}, ORG),
    ("exchanges.edit", "GET", {"exchange_id": "exchange"}, ORG),
    ("exchanges.edit", "POST", {"exchange_id": "exchange"}, ORG),
    ("exchanges.invitations", "GET", {"exchange_id": "exchange"}, ORG),
    ("exchanges.invitations", "POST", {"exchange_id": "exchange"}, ORG),
    ("exchanges.publish", "POST", {"exchange_id": "exchange"}, ORG),
    ("exchanges.registrations", "GET", {"exchange_id": "exchange"}, ORG),
    ("exchanges.decide_registration", "POST", {"exchange_id": "exchange", "registration_id": "registration",
                                               "decision": "approve"}, ORG),
    ("exchanges.cancel_session", "POST", {"exchange_id": "exchange", "session_id": "session"}, ORG),
    ("exchanges.edit_session", "GET", {"exchange_id": "exchange", "session_id": "session"}, ORG),
    ("exchanges.edit_session", "POST", {"exchange_id": "exchange", "session_id": "session"}, ORG),
    ("exchanges.add_speaker", "POST", {"exchange_id": "exchange", "session_id": "session"}, ORG),
    ("exchanges.new_session", "GET", {"exchange_id": "exchange"}, ORG),
    ("exchanges.new_session", "POST", {"exchange_id": "exchange"}, ORG),
    ("exchanges.remove_speaker", "POST", {"exchange_id": "other", "speaker_id": "speaker"}, ORG),
    ("exchanges.add_track", "POST", {"exchange_id": "exchange"}, ORG),
    ("exchanges.assistant", "GET", {}, ORG),
    ("exchanges.export_program", "GET", {}, ORG),
    ("exchanges.import_program", "GET", {}, ORG),
    ("exchanges.import_program", "POST", {}, ORG),
    ("exchanges.invitation", "GET", {"token": "not-a-token"}, ANY),
    ("exchanges.invitation", "POST", {"token": "not-a-token"}, ANY),
    ("exchanges.speaking", "GET", {"token": "not-a-token"}, ANY),
    ("exchanges.speaking", "POST", {"token": "not-a-token"}, ANY),
    ("exchanges.new", "GET", {}, ORG),
    ("exchanges.new", "POST", {}, ORG),
    ("mail.outbox", "GET", {}, ORG),
    ("live.index", "GET", {}, L),
    ("live.room", "GET", {"session_id": "session"}, ("in", "ok", "no", "no", "ok", "ok", "no")),
    ("live.summary", "GET", {"session_id": "session"}, ("in", "ok", "no", "no", "ok", "ok", "no")),
    ("live.answer", "POST", {"session_id": "session", "question_id": "question"}, ("in", "no", "no", "no", "nf", "nf", "no")),
    ("live.export", "GET", {"session_id": "session", "fmt": "json"}, ORG),
    ("reports.index", "GET", {}, ORG),
    ("reports.exchange", "GET", {"exchange_id": "exchange"}, ORG),
    ("reports.download", "GET", {"key": "questions", "fmt": "csv"}, ORG),
    ("reports.follow_ups", "GET", {}, ORG),
    ("reports.assign", "POST", {"follow_up_id": 999_999}, ("in", "no", "no", "no", "nf", "nf", "no")),
    ("reports.my_follow_ups", "GET", {}, L),
    ("reports.answer_follow_up", "GET", {"follow_up_id": 999_999}, ("in",) + ("nf",) * 6),
    ("reports.answer_follow_up", "POST", {"follow_up_id": 999_999}, ("in",) + ("nf",) * 6),
    ("reports.about_you", "GET", {}, L),
    ("reports.about_you", "POST", {}, L),
    ("reports.survey", "GET", {"token": "not-a-token"}, ANY),
    ("reports.survey", "POST", {"token": "not-a-token"}, ANY),
    ("reports.library_index", "GET", {}, P),
    ("reports.note", "GET", {"note_id": 999_999}, ("nf",) * 7),
    ("reports.edit_note", "GET", {}, ORG),
    ("reports.edit_note", "POST", {}, ORG),
]


# Forms filled enough for the service (where the permission is asked) to be reached.
FORMS = {
    "experts.respond": lambda world: {"answer": "accept", "note": ""},
    "experts.send_request": lambda world: {"expert": str(world.expert.id)},
}


def _arg(world, value):
    if value == "speaker":  # a fresh speaker for each person, so an allowed removal leaves one for the next
        from exchange.accounts.models import User
        from exchange.exchanges.models import SessionSpeaker
        from exchange.extensions import db

        person = User(email=f"speaker-{uuid.uuid4().hex[:8]}@example.org", name="Sam Speaker",
                      role="expert", password_hash="!")
        speaker = SessionSpeaker(user=person, session=world.other.sessions[0],
                                 role="panelist", status="accepted")
        db.session.add(speaker)
        db.session.commit()
        return speaker.id
    if value == "question":
        return 999_999  # no question exists: everyone gets the same 404
    obj = getattr(world, value, None) if isinstance(value, str) else None
    if obj is None:
        return value
    return getattr(obj, "slug", None) or obj.id


def _outcome(response) -> str:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    location = response.headers.get("Location", "")
    if status in (301, 302, 303) and "/accounts/login" in location:
        return "in"
    if status in (403, 404):
        return "nf" if status == 404 else "no"
    return "ok" if status < 400 or status in (400, 409, 429) else str(status)


def _matches(expected: str, got: str) -> bool:
    return got == expected or (expected == "no" and got == "nf")


def test_every_route_has_a_row(app):
    rules = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in r.methods - {"HEAD", "OPTIONS"}}
    rows = {(endpoint, method) for endpoint, method, _args, _want in ROUTES}
    assert rules - rows == set(), "routes without a row in the authorization matrix"
    assert rows - rules == set(), "rows naming routes that no longer exist"


@pytest.mark.parametrize(("endpoint", "method", "args", "want"), ROUTES, ids=[f"{r[0]}:{r[1]}" for r in ROUTES])
def test_route_answers_each_kind_of_person_as_expected(app, world, login_as, monkeypatch, endpoint, method, args, want):
    from flask import url_for

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # authorization is judged here, CSRF elsewhere
    expected = dict(zip(ROLES, (*want, want[0]), strict=True))
    # Refused people first, so an allowed person's side effect (a cancel, a publish) cannot hide a refusal.
    order = sorted(ROLES, key=lambda role: expected[role] == "ok")
    got = {}
    for role in order:
        with app.test_request_context():
            url = url_for(endpoint, **{k: _arg(world, v) for k, v in args.items()})
        client = app.test_client()
        if role != "anonymous":
            login_as(world.people[role], client)
        response = client.open(url, method=method, data=FORMS.get(endpoint, lambda _w: {})(world))
        got[role] = _outcome(response)
    if want == ANY:
        assert len(set(got.values())) == 1 and not got["anonymous"].startswith("server"), got
        return
    wrong = {role: (expected[role], got[role]) for role in ROLES if not _matches(expected[role], got[role])}
    assert not wrong, f"{method} {url}: expected vs got {wrong}"


# --- Socket.IO events of /live --------------------------------------------------------------------------------

U, F = "unauthenticated", "forbidden"
PARTICIPANT = (U, "ok", F, F, "ok", "ok", F)   # registered people, speakers and organizers
MODERATOR = (U, F, F, F, "ok", "ok", F)        # the room's hosts/moderators and organizers
EVENTS: dict[str, tuple[dict, tuple]] = {
    "join": ({}, PARTICIPANT),
    "leave": ({}, PARTICIPANT),
    "chat.send": ({"body": "Hello", "client_id": "c-1"}, PARTICIPANT),
    "chat.delete": ({"message_id": "message"}, MODERATOR),
    "chat.mute": ({"user_id": "official", "minutes": 5}, MODERATOR),
    "question.ask": ({"body": "How?", "anonymous": True, "client_id": "q-1"}, PARTICIPANT),
    "question.vote": ({"question_id": "question", "value": 1}, PARTICIPANT),
    "question.moderate": ({"question_id": "question", "action": "pin"}, MODERATOR),
    "poll.open": ({"prompt": "Which?", "options": ["A", "B"]}, MODERATOR),
    "poll.vote": ({"poll_id": "poll", "choices": ["option"]}, PARTICIPANT),
    "poll.close": ({"poll_id": "poll"}, MODERATOR),
    "hand.raise": ({"raised": True}, PARTICIPANT),
    "hand.lower": ({"user_id": "host"}, MODERATOR),
    "room.open": ({}, MODERATOR),
    "room.close": ({}, MODERATOR),
    "*": ({}, ("unknown_event",) * 7),  # any other event name
}


def test_every_live_event_has_a_row(app):
    handlers = set(socketio.server.handlers[NS]) - {"connect", "disconnect"}
    assert handlers - set(EVENTS) == set(), "Socket.IO events without a row in the authorization matrix"
    assert set(EVENTS) - handlers == set(), "rows naming events that no longer exist"


@pytest.fixture
def room_objects(world):
    """A chat message, a visible question and an open poll in room A, made by its host."""
    from exchange.live import services

    host = world.people["host"]
    message = services.send_chat(world.session.id, actor=host, body="Welcome", client_id="m")["message"]
    question = services.ask_question(world.session.id, actor=host, body="Why?", anonymous=False,
                                     client_id="q")["question"]
    poll = services.open_poll(world.session.id, actor=host, prompt="Ready?", options=["Yes", "No"])["poll"]
    return {"message": message["id"], "question": question["id"], "poll": poll["id"],
            "option": poll["options"][0]["id"], "host": host.id,
            "official": world.people["official"].id}


@pytest.mark.parametrize("event", sorted(EVENTS))
def test_live_event_answers_each_kind_of_person_as_expected(app, world, room_objects, live_client, event):
    template, want = EVENTS[event]
    expected = dict(zip(ROLES, (*want, want[0]), strict=True))
    got = {}
    for role in sorted(ROLES, key=lambda r: expected[r] == "ok"):
        payload = {"session_id": world.session.id}
        for key, value in template.items():
            if isinstance(value, list):
                payload[key] = [room_objects.get(v, v) for v in value]
            else:
                payload[key] = room_objects.get(value, value) if isinstance(value, str) and key != "body" else value
        if event == "room.close":
            payload = {"session_id": world.session.id}
        client = live_client(None if role == "anonymous" else world.people[role])
        ack = client.emit("something.else" if event == "*" else event, payload)
        got[role] = "ok" if ack.get("ok") else ack["error"]["code"]
        if event == "room.close" and ack.get("ok"):  # reopen for the next person
            from exchange.live import services

            services.open_room(world.session.id, actor=world.people["host"])
    wrong = {role: (expected[role], got[role]) for role in ROLES if expected[role] != got[role]}
    assert not wrong, f"{event}: expected vs got {wrong}"


def test_a_missing_room_and_a_private_one_answer_alike(world, live_client, db):
    """Nobody can probe which sessions exist: a missing one and one they may not see give the same ack."""
    world.other.visibility = "invite_only"
    db.session.commit()
    client = live_client(world.people["official"])
    hidden = client.emit("chat.send", {"session_id": world.other.sessions[0].id, "body": "x", "client_id": "a"})
    missing = client.emit("chat.send", {"session_id": 987654, "body": "x", "client_id": "b"})
    assert hidden == missing == {"ok": False, "error": {"code": "not_found", "message": "There is no such session."}}
