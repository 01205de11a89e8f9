"""Logins end on the server: logging out, logging out everywhere and a new password end them for every copy of
the cookies (session and remember-me), for pages and for the live room alike."""

from __future__ import annotations

import re

import pytest
import requests
from sqlalchemy import select

from exchange.accounts.models import LoginSession
from exchange.extensions import socketio
from tests.conftest import TEST_PASSWORD
from tests.live.helpers import NS, login_cookie, wait_for

EVICTION_SECONDS = 5  # the promise of live/access.py: a revoked socket closes within 5 seconds


def _log_in(client, email: str, *, remember: bool = False):
    data = {"email": email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.submit("/accounts/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _copy_cookies(app, source, names=("session", "remember_token")):
    """A second browser holding copies of `source`'s cookies (stolen, or a backup of the profile)."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def _socket_opens(app, http) -> bool:
    """Whether the live room's namespace accepts a connection carrying `http`'s cookies."""
    with app.app_context():
        sock = socketio.test_client(app, namespace=NS, flask_test_client=http)
        opened = sock.is_connected(NS)
        if opened:
            sock.disconnect(namespace=NS)
    return opened


@pytest.mark.parametrize("remember", [False, True], ids=["session-cookie", "remember-me"])
def test_a_cookie_copied_before_logout_opens_nothing_after_it(app, client, make_user, remember):
    make_user(email="owner@example.org")
    _log_in(client, "owner@example.org", remember=remember)
    copies = [_copy_cookies(app, client)]
    if remember:
        copies.append(_copy_cookies(app, client, names=("remember_token",)))  # the remember cookie alone
    for copy in copies:
        assert copy.get("/accounts/profile").status_code == 200, "the copy works while the login lasts"
    assert _socket_opens(app, _copy_cookies(app, client))

    assert client.submit("/accounts/logout", page="/accounts/profile").status_code == 302

    assert client.get("/accounts/profile").status_code == 302
    for copy in copies:
        assert copy.get("/accounts/profile").status_code == 302, "a logged-out cookie still opens the profile"
        assert not _socket_opens(app, copy), "a logged-out cookie opened a live-room socket"


def test_logging_out_ends_only_that_login(app, client, make_user):
    make_user(email="two@example.org")
    laptop, phone = app.test_client(), app.test_client()
    _log_in(laptop, "two@example.org")
    _log_in(phone, "two@example.org")
    laptop.submit("/accounts/logout", page="/accounts/profile")
    assert laptop.get("/accounts/profile").status_code == 302
    assert phone.get("/accounts/profile").status_code == 200


def test_log_out_everywhere_asks_first_then_ends_every_login(app, db, make_user):
    user = make_user(email="many@example.org")
    laptop, phone = app.test_client(), app.test_client()
    _log_in(laptop, "many@example.org")
    _log_in(phone, "many@example.org", remember=True)
    copy = _copy_cookies(app, phone)

    profile = laptop.get("/accounts/profile").get_data(as_text=True)
    assert "Your account is logged in on 2 browsers or devices." in profile
    assert 'href="/accounts/logout/everywhere"' in profile
    confirm = laptop.get("/accounts/logout/everywhere")  # the button opens a page that asks first: nothing ends
    assert confirm.status_code == 200 and "Log out everywhere" in confirm.get_data(as_text=True)
    assert phone.get("/accounts/profile").status_code == 200
    assert laptop.post("/accounts/logout/everywhere").status_code == 400  # no CSRF token: nothing ends
    assert phone.get("/accounts/profile").status_code == 200

    done = laptop.submit("/accounts/logout/everywhere", follow_redirects=True)
    assert "You are logged out on every browser and device." in done.get_data(as_text=True)
    for http in (laptop, phone, copy, _copy_cookies(app, phone, names=("remember_token",))):
        assert http.get("/accounts/profile").status_code == 302
    assert not _socket_opens(app, _copy_cookies(app, phone))
    db.session.expire_all()
    assert [row.revoked_at is not None for row in db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id))] == [True, True]
    # Logging in again works as before.
    _log_in(phone, "many@example.org")
    assert phone.get("/accounts/profile").status_code == 200


def test_changing_the_password_ends_copies_of_this_browsers_cookie_but_keeps_it_logged_in(app, client, make_user):
    make_user(email="change@example.org")
    _log_in(client, "change@example.org")
    copy = _copy_cookies(app, client)
    changed = client.submit("/accounts/profile/password", {"pw-current_password": TEST_PASSWORD,
                                                          "pw-password": "lagos open data 2026",
                                                          "pw-confirm": "lagos open data 2026"},
                            page="/accounts/profile")
    assert changed.status_code == 302
    assert client.get("/accounts/profile").status_code == 200
    assert copy.get("/accounts/profile").status_code == 302
    assert not _socket_opens(app, _copy_cookies(app, copy))


def _real_login(base: str, email: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base}/accounts/login", timeout=5).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert http.post(f"{base}/accounts/login", timeout=5, allow_redirects=False,
                     data={"email": email, "password": TEST_PASSWORD, "csrf_token": token}).status_code == 302
    return http


def test_log_out_everywhere_closes_another_browsers_open_room_socket(live_server, world):
    import socketio as socketio_client

    official = world.people["official"]
    laptop = _real_login(live_server, official.email)
    phone_cookie = login_cookie(live_server, official)
    phone = socketio_client.Client(reconnection=False)
    phone.connect(live_server, namespaces=[NS], transports=["websocket"], headers={"Cookie": phone_cookie},
                  wait_timeout=5)
    try:
        assert phone.call("join", {"session_id": world.session.id}, namespace=NS, timeout=5)["ok"]
        page = laptop.get(f"{live_server}/accounts/logout/everywhere", timeout=5).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        assert laptop.post(f"{live_server}/accounts/logout/everywhere", data={"csrf_token": token}, timeout=5,
                           allow_redirects=False).status_code == 302

        wait_for(lambda: not phone.connected, timeout=EVICTION_SECONDS, what="the other browser's socket to close")
        # Its cookie opens neither a page nor a new socket.
        assert requests.get(f"{live_server}/accounts/profile", headers={"Cookie": phone_cookie}, timeout=5,
                            allow_redirects=False).status_code == 302
        again = socketio_client.Client(reconnection=False)
        with pytest.raises(socketio_client.exceptions.ConnectionError):
            again.connect(live_server, namespaces=[NS], transports=["websocket"], headers={"Cookie": phone_cookie},
                          wait_timeout=5)
    finally:
        if phone.connected:
            phone.disconnect()
