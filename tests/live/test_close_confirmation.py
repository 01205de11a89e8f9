"""Closing a live room asks first: a dialog in the room, and without JavaScript the "Close the room" link's
confirmation page; only the confirmed POST closes it."""

from __future__ import annotations

from exchange.exchanges.models import ExchangeSession


def room_status(db, session_id: int) -> str:
    db.session.expire_all()
    return db.session.get(ExchangeSession, session_id).room_status


def test_the_room_offers_a_dialog_and_a_confirmation_link(room, app, login_as):
    html = login_as(room.host, app.test_client()).get(f"/sessions/{room.id}/room").get_data(as_text=True)
    assert f'<a id="room-close" class="button button--small button--danger" href="/sessions/{room.id}/room/close">' in html
    assert '<dialog id="room-close-dialog"' in html and 'id="room-close-confirm"' in html


def test_closing_the_room_without_javascript_asks_first(db, room, app, login_as):
    client = login_as(room.host, app.test_client())
    url = f"/sessions/{room.id}/room/close"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Close the room of “{room.session.title}”?" in html
    assert "Chat, questions, votes and hands stop for everyone at once; open polls close." in html
    assert f'href="/sessions/{room.id}/room">Keep it open</a>' in html
    assert client.submit(url, {}).status_code == 200  # no confirm=1: asked again, still open
    assert room_status(db, room.id) == "open"
    response = client.submit(url, {"confirm": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/sessions/{room.id}/room")
    assert room_status(db, room.id) == "closed"


def test_only_hosts_get_the_question(db, room, app, login_as):
    client = login_as(room.official, app.test_client())
    assert client.get(f"/sessions/{room.id}/room/close").status_code == 403
    assert client.submit(f"/sessions/{room.id}/room/close", {"confirm": "1"}, page="/experts/").status_code == 403
    assert room_status(db, room.id) == "open"
