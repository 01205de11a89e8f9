"""Fuzzing: random and malformed input to every /live event, every form, the calendar and email paths, and
raw Engine.IO/Socket.IO packets over a real WebSocket. Never a 500, a crash, a stack trace or stored garbage."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.live import services as live
from exchange.live.models import ChatMessage, Poll, PollOption, Question
from tests.live.helpers import NS
from tests.security.matrix import EVENTS as EVENT_ROWS
from tests.security.matrix import ROUTES, url_arg

# The code under test (socket ids, tokens) uses `random` while hypothesis draws; that is not a strategy of ours.
pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])
NASTY = ["\u202e", "\u2066", "\u200f", "\x00", "\x07", "\x1b[31m", "\r\n", "\ud800", "<script>alert(1)</script>",
         "javascript:alert(1)", "END:VEVENT\r\nBEGIN:VEVENT", "\r\nBcc: victim@example.org", "%s%n", "{{7*7}}",
         "' OR 1=1 --", "\ufeff", "🇳🇬" * 3]
nasty_text = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(NASTY), min_size=1, max_size=6).map("".join),
    st.builds(lambda n, tail: "x" * n + tail, st.sampled_from([10_240, 70_000, 1_100_000]), st.sampled_from(NASTY)),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), nasty_text,
                    st.sampled_from([-1, 0, 2**31, 2**63, 1, 2, 3]))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                           max_leaves=12)


def _deep(depth: int):
    value: object = {"session_id": 1}
    for level in range(depth):  # one chain, not a tree: deep, not exponentially wide
        value = {"session_id": value} if level % 2 else [value]
    return value


EVENT_FIELDS = ["session_id", "body", "client_id", "message_id", "user_id", "minutes", "anonymous", "question_id",
                "value", "action", "reason", "answer", "prompt", "options", "multiple", "poll_id", "choices",
                "raised", "after_seq"]
payloads = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional=dict.fromkeys(EVENT_FIELDS, json_values)),
    st.builds(_deep, st.integers(min_value=10, max_value=200)),
)
ERROR_CODES = {"invalid", "not_found", "forbidden", "conflict", "rate_limited", "room_not_open", "muted",
               "unauthenticated", "unknown_event"}
# The matrix checks that its rows name every registered event.
EVENTS = sorted(set(EVENT_ROWS) - {"*"}) + ["no.such.event"]


def _clean_text(value: str, limit: int) -> bool:
    return len(value) <= limit and not any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t"
                                           for ch in value)


def _assert_nothing_stored_is_garbage(db) -> None:
    db.session.expire_all()
    for body, in db.session.execute(db.select(ChatMessage.body)):
        assert _clean_text(body, live.CHAT_MAX), repr(body[:80])
    for body, in db.session.execute(db.select(Question.body)):
        assert _clean_text(body, live.QUESTION_MAX), repr(body[:80])
    for prompt, in db.session.execute(db.select(Poll.prompt)):
        assert _clean_text(prompt, live.PROMPT_MAX)
    for label, in db.session.execute(db.select(PollOption.label)):
        assert _clean_text(label, live.OPTION_MAX)


@pytest.mark.parametrize("event", EVENTS)
def test_random_payloads_to_every_live_event_get_a_clear_error_ack(world, live_client, db, event, app, monkeypatch):
    monkeypatch.setitem(app.config, "LIVE_CHAT_RATE", (10_000, 60))
    monkeypatch.setitem(app.config, "LIVE_QUESTION_RATE", (10_000, 60))
    clients = [live_client(world.people["organizer"]), live_client(world.people["official"])]
    for client in clients:
        client.join(world.session.id)

    @FUZZ
    @given(payload=payloads, who=st.sampled_from([0, 1]), extra=st.booleans())
    def run(payload, who, extra):
        if isinstance(payload, dict) and "session_id" not in payload and event != "no.such.event":
            payload = {**payload, "session_id": world.session.id}
        args = (payload, "extra") if extra else (payload,)
        ack = clients[who].emit(event, *args)
        assert isinstance(ack, dict) and isinstance(ack.get("ok"), bool), ack
        if not ack["ok"]:
            error = ack["error"]
            assert error["code"] in ERROR_CODES, ack
            assert error["message"] and len(error["message"]) < 400 and "Traceback" not in error["message"]
        assert clients[who].sock.is_connected(NS)

    run()
    _assert_nothing_stored_is_garbage(db)


def _form_targets():
    seen = set()
    for endpoint, method, args, _want in ROUTES:
        if method == "POST" and endpoint not in seen and endpoint != "accounts.logout":
            seen.add(endpoint)
            yield endpoint, args


FORM_TARGETS = list(_form_targets())
_NAME = re.compile(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"')


@pytest.mark.parametrize(("endpoint", "args"), FORM_TARGETS, ids=[t[0] for t in FORM_TARGETS])
def test_random_input_to_every_form_never_breaks_the_server(app, world, login_as, endpoint, args, monkeypatch):
    from flask import url_for

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    with app.test_request_context():
        url = url_for(endpoint, **{k: url_arg(world, v) for k, v in args.items()})
    client = login_as(world.people["admin"], app.test_client())
    page = client.get(url) if endpoint not in ("exchanges.register", "exchanges.unregister") else None
    names = sorted(set(_NAME.findall(page.get_data(as_text=True)))) if page is not None and page.status_code == 200 else []
    names = [n for n in names if n != "csrf_token"] or ["title", "body", "email", "name", "password"]
    texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=200),
                      st.builds(lambda n: "y" * n, st.sampled_from([10_240, 200_000])))

    @settings(max_examples=20, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.fixed_dictionaries({}, optional=dict.fromkeys(names, texts)))
    def run(data):
        response = client.post(url, data={k: v.replace("\ud800", "\\ud800") for k, v in data.items()})
        assert response.status_code < 500, (url, data)
        assert "Traceback" not in response.get_data(as_text=True)

    run()
    for raw in (b"title=%FF%FE%00&name=%C3%28", b"\xff\xfe\x00garbage", b"a=" + b"z" * 1_100_000):
        response = client.post(url, data=raw, content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500 and "Traceback" not in response.get_data(as_text=True)
    huge = client.post(url, data=b"a=" + b"z" * (9 * 1024 * 1024), content_type="application/x-www-form-urlencoded")
    assert huge.status_code < 500  # 413 where the form is read; views that read no form never look at it


def test_a_body_over_the_size_limit_is_refused_with_413(client):
    response = client.post("/accounts/login", data=b"email=" + b"z" * (9 * 1024 * 1024),
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)
