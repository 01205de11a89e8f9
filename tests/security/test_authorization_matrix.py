"""The authorization matrix: every URL rule and every /live Socket.IO event, against every kind of person.

Each row names a route (endpoint + method) or an event and the outcome for: anonymous, official, pending expert,
approved expert, organizer (on the exchanges' team), admin, a host of another exchange, an organizer outside the
team, a co-organizer (added to the team), a speaker invited to moderate who has not accepted, a speaker who accepted
to moderate, and a disabled account (which is always treated as anonymous on pages: its login no longer loads, and
the live room refuses its connection). The test fails when a route or event exists without a row, and
when a row names one that no longer exists.

Outcomes: ok = allowed (2xx/3xx, or 400/409 for a POST with an empty form: the form was judged, so the person
was let in); in = sent to the login page; no = refused with 403 or 404; nf = 404 exactly (missing and forbidden
look alike); any = the same answer for everyone, never a 5xx (links with a secret token, which here is wrong).
"""

from __future__ import annotations

import pytest

from exchange.extensions import socketio
from tests.live.helpers import NS
from tests.security.matrix import ANY, EVENTS, ROLES, ROUTES, url_arg

# Forms filled enough for the service (where the permission is asked) to be reached.
FORMS = {
    "experts.respond": lambda world: {"answer": "accept", "note": ""},
    "experts.send_request": lambda world: {"expert": str(world.expert.id)},
}


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
            url = url_for(endpoint, **{k: url_arg(world, v) for k, v in args.items()})
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
    # A disabled account's login no longer loads: the live room refuses its connection before any event.
    expected = dict(zip(ROLES, (*want, "refused"), strict=True))
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
        if not client.sock.is_connected(NS):
            got[role] = "refused"
            continue
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
