"""The issue's "done when", as new people would live it, with real socketio.Clients against a real server.

An official (new: she signs up through the form) asks an anonymous question; the expert on the panel sees it
without her name; votes rise; a moderator marks it answered; a poll runs; and an official whose connection
drops sees, once he is back, every message he missed, once each and in order.
"""

from __future__ import annotations

import re

import requests
from sqlalchemy import select

from exchange.accounts.models import User


def sign_up(base_url: str, name: str, email: str) -> str:
    """Create an account through the sign-up form and log in; return the logged-in Cookie header."""
    http = requests.Session()
    page = http.get(f"{base_url}/accounts/signup", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = http.post(f"{base_url}/accounts/signup", timeout=10, allow_redirects=False, data={
        "name": name, "email": email, "password": "lagos open data 2026", "timezone": "Africa/Lagos",
        "language": "en", "csrf_token": token})
    assert response.status_code == 200, response.text  # "check your email": sign-up does not log in
    page = http.get(f"{base_url}/accounts/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = http.post(f"{base_url}/accounts/login", timeout=10, allow_redirects=False, data={
        "email": email, "password": "lagos open data 2026", "csrf_token": token})
    assert response.status_code == 302, response.text
    return "; ".join(f"{k}={v}" for k, v in http.cookies.items())


def test_anonymous_question_votes_answer_poll_and_a_dropped_official_catches_up(
        room, live_server, proxy, room_client, register, db, wait_for):
    cookie = sign_up(live_server, "Chiamaka Eze", "chiamaka@lagos.example")
    newcomer = db.session.scalar(select(User).where(User.email == "chiamaka@lagos.example"))
    register(newcomer, room.exchange)
    page = requests.get(f"{live_server}/sessions/{room.id}/room", headers={"Cookie": cookie}, timeout=10)
    assert page.status_code == 200 and "socket.io.min.js" in page.text

    official = room_client(None, room.id, cookie=cookie)  # first browser: the new official
    expert = room_client(room.panelist, room.id)  # second browser: the peer expert on the panel
    moderator = room_client(room.moderator, room.id)
    host = room_client(room.host, room.id)
    traveller = room_client(room.other, room.id, via=proxy.url)  # an official on a flaky mobile link
    # 1. The official asks anonymously; the expert sees the question without a name, the moderator with it.
    asked = official.call("question.ask", {"body": "Candidly: how did you convince the council to publish?",
                                           "anonymous": True, "client_id": "ask-1"})
    assert asked["ok"] and asked["question"]["author"] is None
    qid = asked["question"]["id"]
    wait_for(lambda: asked["seq"] in expert.seqs() and asked["seq"] in moderator.seqs(), what="the question")
    seen_by_expert = next(e for e in expert.events() if e["seq"] == asked["seq"])["data"]["question"]
    assert seen_by_expert["author"] is None and "Chiamaka" not in str(expert.events())
    seen_by_moderator = next(e for e in moderator.events() if e["seq"] == asked["seq"])["data"]["question"]
    assert seen_by_moderator["author"]["name"] == "Chiamaka Eze"

    # 2. Votes rise, and everyone watches them rise.
    for voter in (expert, traveller, host):
        assert voter.call("question.vote", {"question_id": qid, "value": 1})["ok"]
    wait_for(lambda: [e["data"]["question"]["votes"] for e in official.events()
                      if e["type"] == "question.updated"] == [1, 2, 3], what="votes to rise")

    # 3. The traveller's link drops; the room goes on without him.
    proxy.cut()
    wait_for(lambda: traveller.disconnects == 1, what="the drop")
    missed = []
    answered = moderator.call("question.moderate", {"question_id": qid, "action": "answer",
                                                    "answer": "We started with data the council already used."})
    assert answered["question"]["status"] == "answered"
    missed.append(answered["seq"])
    poll = host.call("poll.open", {"prompt": "Will you publish a dataset this year?", "options": ["Yes", "Not yet"]})
    missed.append(poll["seq"])
    yes = poll["poll"]["options"][0]["id"]
    for voter in (official, expert):
        missed.append(voter.call("poll.vote", {"poll_id": poll["poll"]["id"], "choices": [yes]})["seq"])
    for n, who in enumerate((expert, official, host)):
        missed.append(who.call("chat.send", {"body": f"Message {n} while the link was down",
                                             "client_id": f"down-{n}"})["seq"])
    closed = host.call("poll.close", {"poll_id": poll["poll"]["id"]})
    missed.append(closed["seq"])
    assert [o["votes"] for o in closed["poll"]["options"]] == [2, 0]

    # 4. He is back: he gets exactly what he missed, in order, once; then the room carries on live.
    before = traveller.seqs()
    proxy.restore()
    wait_for(lambda: traveller.joined and traveller.connects == 2, what="the traveller to come back")
    replay = traveller.acks[-1]
    assert [e["seq"] for e in replay["events"]] == missed
    types = [e["type"] for e in replay["events"]]
    assert types == ["question.updated", "poll.opened", "poll.updated", "poll.updated",
                     "chat.posted", "chat.posted", "chat.posted", "poll.closed"]
    assert replay["events"][0]["data"]["question"]["status"] == "answered"
    assert replay["events"][0]["data"]["question"]["author"] is None  # still anonymous in replays
    welcome = host.call("chat.send", {"body": "Welcome back", "client_id": "back"})
    wait_for(lambda: welcome["seq"] in traveller.seqs(), what="live messages after the return")
    assert traveller.seqs() == [*before, *missed, welcome["seq"]]

    # The expert's own view agrees with the stored log, and the summary shows the outcome.
    assert expert.seqs() == sorted(set(expert.seqs()))
    summary = requests.get(f"{live_server}/sessions/{room.id}/summary", headers={"Cookie": cookie}, timeout=10).text
    questions = summary.split('id="answered"')[1]
    assert "We started with data the council already used." in questions and "Chiamaka" not in questions
