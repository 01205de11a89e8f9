"""Header and calendar injection: CR/LF and `END:VEVENT` in anything that reaches an email or a calendar file,
and raw malformed Engine.IO/Socket.IO packets over a real WebSocket."""

from __future__ import annotations

import contextlib

import pytest
import requests
import vobject
import websocket

from exchange.exchanges.registrations import RegistrationAnswers, register
from tests.live.helpers import NS, login_cookie

EVIL = "Budgets\r\nBcc: victim@example.org\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected\nX-EVIL:1"


@pytest.fixture
def evil_exchange(world, db):
    world.exchange.title = EVIL
    world.session.title = EVIL
    world.exchange.location = EVIL if hasattr(world.exchange, "location") else None
    db.session.commit()
    return world.exchange


def test_crlf_in_a_title_cannot_add_email_headers_or_calendar_events(world, evil_exchange, outbox, db, client,
                                                                      make_user):
    person = make_user(name="Newcomer")
    register(evil_exchange, actor=person, answers=RegistrationAnswers())  # her invite is the message under test
    message = outbox.last(to=person.email)
    assert message["Bcc"] is None and "victim@example.org" not in str(message.get("To", ""))
    assert all("\n" not in str(v) and "\r" not in str(v) for v in message.values())
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            calendar = vobject.readOne(part.get_content())
            assert len(calendar.vevent_list) == 1
            assert not any(e.summary.value == "Injected" for e in calendar.vevent_list)
    feed = client.get(f"/exchanges/{evil_exchange.id}/calendar.ics")
    calendar = vobject.readOne(feed.get_data(as_text=True))
    assert len(calendar.vevent_list) == len(evil_exchange.sessions)
    assert "X-EVIL" not in feed.get_data(as_text=True).replace("\\n", "").splitlines()[0]
    assert not any(line.startswith(("X-EVIL", "SUMMARY:Injected", "Bcc"))
                   for line in feed.get_data(as_text=True).splitlines())


RAW_PACKETS = [
    "", "4", "42", "4X", "9", "6", "2probe", "40", "40/live,{", "40/nope,", "41/live,", '42/live,["join"',
    '42/live,1["join",{"session_id":"1"}]', '42/live,["join",' + "[" * 5000 + "]" * 5000 + "]",
    '42/live,2["chat.send",{"session_id":1,"body":{"$gt":""},"client_id":[]}]',
    '451-/live,3["chat.send",{"_placeholder":true,"num":7}]', '43/live,4[]', '44/live,"boom"',
    '42/live,99999999999999999999999["join",{"session_id":1}]', '42/live,5["\\u0000",null]',
    '42/live,6[' + '"x",' * 1000 + '"y"]', "42" + "\udcff".encode("utf-8", "surrogatepass").decode("latin-1"),
]


def _raw_socket(base: str, cookie: str) -> websocket.WebSocket:
    ws = websocket.create_connection(base.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket",
                                     header=[f"Cookie: {cookie}"], timeout=5)
    assert ws.recv().startswith("0{")  # Engine.IO open
    ws.send("40/live,")
    assert ws.recv().startswith("40/live,")
    return ws


def test_malformed_raw_packets_never_crash_the_server_or_leak_a_trace(live_server, world):
    cookie = login_cookie(live_server, world.people["official"])
    replies: list[str] = []
    for packet in RAW_PACKETS + [b"\xff\xfe\x00\x01binary", b"\x04" + b"\x00" * 70_000]:
        ws = _raw_socket(live_server, cookie)
        try:
            if isinstance(packet, bytes):
                ws.send_binary(packet)
            else:
                ws.send(packet)
            ws.settimeout(0.3)
            with contextlib.suppress(websocket.WebSocketException, OSError, TimeoutError):
                while reply := ws.recv():
                    replies.append(reply if isinstance(reply, str) else reply.decode("latin-1"))
        finally:
            with contextlib.suppress(Exception):
                ws.close(timeout=0.1)
    assert not any("Traceback" in r or "File \"" in r for r in replies), replies
    # The server still serves everyone: a fresh connection joins and chats, and the health check answers.
    ws = _raw_socket(live_server, cookie)
    try:
        ws.send(f'42/live,1["join",{{"session_id":{world.session.id}}}]')
        reply = ws.recv()
        while not reply.startswith("43/live,1"):
            reply = ws.recv()
        assert '"ok":true' in reply.replace(" ", "")
    finally:
        ws.close(timeout=0.1)
    assert requests.get(f"{live_server}/healthz", timeout=5).status_code == 200
    assert NS == "/live"
