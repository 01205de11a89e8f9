"""A real server on a free port with real socketio.Clients: transports, dropped links, replay, oversized packets."""

from __future__ import annotations

import pytest

from exchange.live.models import ChatMessage, LiveEvent


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_dropped_link_replays_exactly_the_missed_events_in_order(room, room_client, proxy, transport, wait_for):
    host = room_client(room.host, room.id)
    official = room_client(room.official, room.id, via=proxy.url, transports=(transport,))
    assert official.acks[0]["role"] == "participant" and "snapshot" in official.acks[0]
    first = host.call("chat.send", {"body": "Welcome, everyone", "client_id": "h0"})
    wait_for(lambda: official.seqs() == [first["seq"]], what="the first message")

    proxy.cut()  # the official's network drops
    wait_for(lambda: official.disconnects == 1, what="the client to notice")
    missed = [host.call("chat.send", {"body": f"While you were away {n}", "client_id": f"h{n + 1}"}) for n in range(3)]
    missed.append(host.call("poll.open", {"prompt": "Did you follow?", "options": ["Yes", "No"]}))
    missed_seqs = [m["seq"] for m in missed]
    proxy.restore()

    wait_for(lambda: official.joined and official.connects == 2, what="the reconnect and replay")
    replay = official.acks[-1]
    assert replay["ok"] and "events" in replay and "snapshot" not in replay
    assert [e["seq"] for e in replay["events"]] == missed_seqs
    assert [e["type"] for e in replay["events"]] == ["chat.posted"] * 3 + ["poll.opened"]
    assert replay["events"][0]["data"]["message"]["body"] == "While you were away 0"
    after = host.call("chat.send", {"body": "Good to have you back", "client_id": "h9"})
    wait_for(lambda: after["seq"] in official.seqs(), what="a live message after the reconnect")
    assert official.seqs() == [first["seq"], *missed_seqs, after["seq"]]  # each once, in order


def test_long_polling_alone_carries_the_whole_protocol(room, room_client, wait_for):
    official = room_client(room.official, room.id, transports=("polling",))
    host = room_client(room.host, room.id)
    assert official.sio.transport() == "polling"
    asked = official.call("question.ask", {"body": "Does polling work?", "anonymous": False, "client_id": "p"})
    wait_for(lambda: asked["seq"] in host.seqs(), what="the question at the host")
    vote = host.call("question.vote", {"question_id": asked["question"]["id"], "value": 1})
    wait_for(lambda: vote["seq"] in official.seqs(), what="the vote at the official")
    assert official.events()[-1]["data"]["question"]["votes"] == 1


def test_presence_follows_connections(room, room_client, proxy, wait_for):
    host = room_client(room.host, room.id)
    official = room_client(room.official, room.id, via=proxy.url)
    wait_for(lambda: host.presence[-1:] == [2], what="presence 2")
    proxy.cut()
    wait_for(lambda: host.presence[-1:] == [1], what="presence back to 1 when the link drops")
    proxy.restore()
    wait_for(lambda: official.joined and host.presence[-1:] == [2], what="presence 2 again")


def test_a_1_mb_packet_closes_the_connection_and_stores_nothing(room, room_client, stored, wait_for):
    official = room_client(room.official, room.id)
    official.sio.emit("chat.send", {"session_id": room.id, "body": "x" * 1_000_000, "client_id": "big"},
                      namespace="/live")
    wait_for(lambda: official.disconnects >= 1, what="the server to refuse the packet")
    wait_for(lambda: official.joined, what="the client to come back")
    assert stored(ChatMessage) == 0 and stored(LiveEvent) == 0
    ack = official.call("chat.send", {"body": "small again", "client_id": "small"})
    assert ack["ok"]


def test_without_login_a_real_client_gets_an_error_ack(room, live_server):
    import socketio

    client = socketio.Client()
    client.connect(live_server, namespaces=["/live"], transports=["websocket"], wait_timeout=10)
    try:
        ack = client.call("join", {"session_id": room.id}, namespace="/live", timeout=10)
    finally:
        client.disconnect()
    assert ack["ok"] is False and ack["error"]["code"] == "unauthenticated"
