"""Socket.IO access: same origin only, rights re-checked on every event, lost rights close the connection."""

from __future__ import annotations

import re
import time

import pytest
import requests
import socketio as socketio_client

from exchange.accounts.models import AccessRevocation
from exchange.accounts.services import set_disabled
from exchange.extensions import socketio
from tests.live.helpers import NS, PASSWORD, login_cookie, wait_for

EVICTION_SECONDS = 5  # the promise: a person who lost their place is disconnected within 5 seconds


def _connected(client) -> bool:
    return client.sock.is_connected(NS)


def _closed_soon(client, what: str) -> None:
    """Wait for the access watcher to close `client` (it does so after the commit, from its own task)."""
    wait_for(lambda: not _connected(client), timeout=EVICTION_SECONDS, what=what)


def _registration(world):
    return world.registration


def _cancel(world, db):
    from exchange.exchanges.registrations import cancel_registration

    cancel_registration(world.exchange, actor=world.people["official"])


def _removed_by_organizer(world, db):
    world.registration.status = "cancelled"
    db.session.commit()


def _disabled(world, db):
    set_disabled(world.people["official"], actor=world.people["admin"], disabled=True)


@pytest.mark.parametrize("lose", [_cancel, _removed_by_organizer, _disabled], ids=["cancelled", "removed", "disabled"])
def test_a_participant_who_loses_their_place_is_disconnected_and_refused(world, live_client, db, lose):
    official = live_client(world.people["official"])
    official.join(world.session.id)
    bystander = live_client(world.people["host"])
    bystander.join(world.session.id)
    assert official.emit("chat.send", {"session_id": world.session.id, "body": "Hi", "client_id": "1"})["ok"]

    lose(world, db)

    _closed_soon(official, "the connection of a person who lost their place to close")
    assert _connected(bystander), "someone else's connection was closed"
    again = live_client(world.people["official"])  # reconnecting with the same login cookie does not help
    if lose is _disabled:  # the account's logins ended: the connection itself is refused
        assert not _connected(again)
        return
    ack = again.emit("chat.send", {"session_id": world.session.id, "body": "Still here?", "client_id": "2"})
    assert not ack["ok"] and ack["error"]["code"] in ("forbidden", "unauthenticated")


def test_a_demoted_host_is_disconnected_and_can_no_longer_moderate(world, live_client, db):
    host = live_client(world.people["host"])
    assert host.join(world.session.id)["role"] == "host"
    speaker = next(s for s in world.session.speakers if s.user_id == world.people["host"].id)
    speaker.role = "panelist"
    db.session.commit()
    _closed_soon(host, "the demoted host's connection to close")
    again = live_client(world.people["host"])
    assert again.join(world.session.id)["role"] == "panelist"
    ack = again.emit("room.close", {"session_id": world.session.id})
    assert ack["error"]["code"] == "forbidden"


def test_a_demoted_organizer_is_disconnected_and_refused(world, live_client, db):
    organizer = live_client(world.people["organizer"])
    assert organizer.join(world.session.id)["role"] == "moderator"
    world.people["organizer"].role = "official"
    db.session.commit()
    _closed_soon(organizer, "the demoted organizer's connection to close")
    again = live_client(world.people["organizer"])
    assert again.emit("join", {"session_id": world.session.id})["error"]["code"] == "forbidden"


def test_a_failed_change_disconnects_nobody(world, live_client, db, stored):
    official = live_client(world.people["official"])
    official.join(world.session.id)
    world.registration.status = "cancelled"
    db.session.flush()
    db.session.rollback()
    assert stored(AccessRevocation) == 0, "a rolled-back change left a revocation for other processes to act on"
    time.sleep(2.5)  # two rounds of the access watcher (once a second)
    assert _connected(official)


def test_the_socket_buffer_is_bounded(app):
    assert socketio.server.eio.max_http_buffer_size == app.config.get("SOCKETIO_MAX_BUFFER", 64 * 1024) <= 64 * 1024


# --- over a real server ------------------------------------------------------------------------------------------

def _client(base, cookie, origin=None):
    sio = socketio_client.Client(reconnection=False)
    headers = {"Cookie": cookie}
    if origin:
        headers["Origin"] = origin
    sio.connect(base, namespaces=[NS], transports=["polling" if origin else "websocket"], headers=headers,
                wait_timeout=5)
    return sio


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_foreign_origin_cannot_connect_with_the_login_cookie(live_server, world, transport):
    cookie = login_cookie(live_server, world.people["official"])
    evil = socketio_client.Client(reconnection=False)
    with pytest.raises(socketio_client.exceptions.ConnectionError):
        evil.connect(live_server, namespaces=[NS], transports=[transport], wait_timeout=5,
                     headers={"Cookie": cookie, "Origin": "https://evil.example"})
    # The raw handshake too: refused with 400, no session id handed out.
    raw = requests.get(f"{live_server}/socket.io/?EIO=4&transport=polling", timeout=5,
                       headers={"Cookie": cookie, "Origin": "https://evil.example"})
    assert raw.status_code == 400 and '"sid"' not in raw.text
    # websocket-client sends the server's own origin by itself; polling through requests sends none.
    own = _client(live_server, cookie, origin=live_server if transport == "polling" else None)
    try:
        ack = own.call("join", {"session_id": world.session.id}, namespace=NS, timeout=5)
        assert ack["ok"], ack
    finally:
        own.disconnect()


def test_logging_out_closes_that_logins_live_connections_within_5_seconds(live_server, world):
    http = requests.Session()
    page = http.get(f"{live_server}/accounts/login", timeout=5).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    http.post(f"{live_server}/accounts/login", timeout=5, allow_redirects=False,
              data={"email": world.people["official"].email, "password": PASSWORD, "csrf_token": token})
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    other_device = _client(live_server, login_cookie(live_server, world.people["official"]))
    sio = _client(live_server, cookie)
    try:
        assert sio.call("join", {"session_id": world.session.id}, namespace=NS, timeout=5)["ok"]
        page = http.get(f"{live_server}/accounts/profile", timeout=5).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert http.post(f"{live_server}/accounts/logout", data={"csrf_token": token}, timeout=5,
                         allow_redirects=False).status_code == 302
        wait_for(lambda: not sio.connected, timeout=EVICTION_SECONDS, what="the logged-out socket to close")
        assert other_device.connected, "logging out on one device closed another device's room"
    finally:
        for client in (sio, other_device):
            if client.connected:
                client.disconnect()


def test_cancelling_a_registration_closes_the_socket_within_5_seconds(live_server, world, db):
    sio = _client(live_server, login_cookie(live_server, world.people["official"]))
    try:
        assert sio.call("join", {"session_id": world.session.id}, namespace=NS, timeout=5)["ok"]
        world.registration.status = "cancelled"
        db.session.commit()
        wait_for(lambda: not sio.connected, timeout=EVICTION_SECONDS, what="the removed person's socket to close")
    finally:
        if sio.connected:
            sio.disconnect()


def test_an_oversized_frame_closes_only_that_connection(live_server, world):
    cookie = login_cookie(live_server, world.people["official"])
    big = _client(live_server, cookie)
    try:
        big.emit("chat.send", {"session_id": world.session.id, "body": "x" * 200_000, "client_id": "big"},
                 namespace=NS)
        wait_for(lambda: not big.connected, timeout=10, what="the oversized frame's connection to close")
    finally:
        if big.connected:
            big.disconnect()
    fine = _client(live_server, cookie)
    try:
        assert fine.call("join", {"session_id": world.session.id}, namespace=NS, timeout=5)["ok"]
    finally:
        fine.disconnect()
