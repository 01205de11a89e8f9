"""Privacy: anonymous askers stay anonymous everywhere; feed tokens; download my data; delete my account."""

from __future__ import annotations

import json
import logging
import re

import pytest

from exchange.accounts.models import User
from exchange.accounts.privacy import DELETED_NAME, delete_account, deleted_user
from exchange.exchanges.models import Registration
from exchange.live import services as live
from exchange.live.models import ChatMessage, Question

SECRET_NAME = "Zelda Candidspeaker"
SECRET_EMAIL = "zelda.candid@lagos.example"


@pytest.fixture
def anonymous_question(world, db):
    asker = world.people["official"]
    asker.name, asker.email = SECRET_NAME, SECRET_EMAIL
    db.session.commit()
    ack = live.ask_question(world.session.id, actor=asker, body="Is our budget data really open?", anonymous=True,
                            client_id="anon-1")
    live.send_chat(world.session.id, actor=world.people["host"], body="Thanks for asking", client_id="c1")
    return ack["question"]


def test_an_anonymous_asker_is_never_exposed(app, world, anonymous_question, login_as, live_client, caplog, db):
    caplog.set_level(logging.DEBUG)
    registered = world.people["approved_expert"]
    db.session.add(Registration(user=registered, exchange=world.exchange, status="registered"))
    db.session.commit()
    seen: dict[str, str] = {}
    # Live: the snapshot and a replay for another participant and for a panel member.
    watcher = live_client(registered)
    seen["snapshot"] = json.dumps(watcher.join(world.session.id))
    seen["replay"] = json.dumps(live_client(registered).join(world.session.id, after_seq=0))
    # HTML pages and exports, as another participant and as the organizers who export.
    other = login_as(registered, app.test_client())
    for url in (f"/sessions/{world.session.id}/room", f"/sessions/{world.session.id}/summary",
                f"/exchanges/{world.exchange.id}", f"/api/v1/exchanges/{world.exchange.id}", "/api/v1/exchanges"):
        seen[url] = other.get(url).get_data(as_text=True)
    organizer = login_as(world.people["organizer"], app.test_client())
    for fmt in ("md", "csv", "json"):
        url = f"/sessions/{world.session.id}/transcript.{fmt}"
        response = organizer.get(url)
        assert response.status_code == 200
        seen[url] = response.get_data(as_text=True)
        assert "Is our budget data really open?" in seen[url]
    seen["logs"] = caplog.text
    leaks = [where for where, text in seen.items() if SECRET_NAME in text or SECRET_EMAIL in text]
    assert not leaks, f"the anonymous asker's name shows in {leaks}"
    assert "Is our budget data really open?" in seen["snapshot"]


def test_feed_tokens_are_unguessable_unique_and_revocable(app, make_user, login_as, client, db):
    people = [make_user() for _ in range(20)]
    tokens = [p.calendar_token for p in people]
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", t) for t in tokens)  # 256 bits of randomness
    person = people[0]
    old = person.calendar_token
    assert client.get(f"/calendar/{old}.ics").status_code == 200
    login_as(person)
    assert client.submit("/calendar/token", {}, page="/accounts/profile").status_code == 302
    db.session.expire_all()
    person = db.session.get(User, person.id)
    assert person.calendar_token != old
    assert client.get(f"/calendar/{old}.ics").status_code == 404
    assert client.get(f"/calendar/{person.calendar_token}.ics").status_code == 200
    assert client.get("/calendar/" + "A" * 43 + ".ics").status_code == 404


def test_a_person_downloads_their_data(world, anonymous_question, login_as, client):
    login_as(world.people["official"])
    response = client.get("/accounts/profile/data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["account"]["email"] == SECRET_EMAIL and "password_hash" not in data["account"]
    assert "calendar_token" not in data["account"]
    assert [r["exchange_id"] for r in data["registrations"]] == [world.exchange.id]
    assert [q["body"] for q in data["questions"]] == ["Is our budget data really open?"]
    assert data["questions"][0]["anonymous"] is True  # their own anonymous question, with them as author
    assert data["peer_requests"][0]["title"] == "Open data help"
    assert data["chat_messages"] == []  # the host's message is not theirs
    assert "Thanks for asking" not in response.get_data(as_text=True)


def test_deleting_an_account_needs_the_password_and_keeps_places_without_the_name(
        world, anonymous_question, login_as, client, db, live_client):
    person = world.people["official"]
    live.send_chat(world.session.id, actor=person, body="My city publishes budgets weekly", client_id="c2")
    login_as(person)
    # No CSRF token: refused. Wrong password: refused. Nothing changes.
    assert client.post("/accounts/profile/delete", data={"del-password": "correct horse battery"}).status_code == 400
    wrong = client.submit("/accounts/profile/delete", {"del-password": "not my password"}, page="/accounts/profile")
    assert wrong.status_code == 400 and "That password is not right." in wrong.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, person.id).name == SECRET_NAME

    done = client.submit("/accounts/profile/delete", {"del-password": "correct horse battery"},
                         page="/accounts/profile")
    assert done.status_code == 302
    db.session.expire_all()
    gone = db.session.get(User, person.id)
    assert gone.name == DELETED_NAME == "Deleted user" and gone.disabled and gone.calendar_token is None
    assert SECRET_EMAIL not in gone.email and gone.email.endswith("@deleted.invalid")
    assert client.get("/accounts/profile").status_code == 302  # logged out
    login = client.submit("/accounts/login", {"email": SECRET_EMAIL, "password": "correct horse battery"})
    assert login.status_code == 400
    # Their places stay: the registration, the chat message, the question, all without their name (the messages
    # and questions now belong to the one placeholder every deleted person shares).
    assert db.session.query(Registration).filter_by(user_id=person.id).count() == 1
    placeholder = deleted_user()
    message = db.session.query(ChatMessage).filter_by(author_id=placeholder.id).one()
    assert message.body == "My city publishes budgets weekly"
    assert db.session.query(Question).filter_by(author_id=placeholder.id).count() == 1
    assert db.session.query(ChatMessage).filter_by(author_id=person.id).count() == 0
    snapshot = json.dumps(live_client(world.people["organizer"]).join(world.session.id))
    assert "My city publishes budgets weekly" in snapshot and SECRET_NAME not in snapshot


def _people_in(data) -> list[dict]:
    """Every person entry ({id, name[, role]}) anywhere in JSON data."""
    found = []
    if isinstance(data, dict):
        if "id" in data and "name" in data and set(data) <= {"id", "name", "role"}:
            found.append(data)
        for value in data.values():
            found += _people_in(value)
    elif isinstance(data, list):
        for value in data:
            found += _people_in(value)
    return found


def test_a_deleted_account_is_named_nowhere_and_its_id_is_gone(app, world, anonymous_question, login_as, live_client,
                                                              db, add_speaker):
    """Replay, snapshot, moderator views, summary, transcripts, follow-ups: after deletion, nobody is named."""
    from exchange.live.models import LiveEvent
    from exchange.mail.models import OutboxMessage
    from exchange.reports.followups import create_follow_ups

    person = world.people["official"]
    person_id = person.id
    live.send_chat(world.session.id, actor=person, body="My city publishes budgets weekly", client_id="c2")
    live.raise_hand(world.session.id, actor=person, raised=True)
    live.ask_question(world.session.id, actor=person, body="A named question", anonymous=False, client_id="named-1")
    assert create_follow_ups(world.session.id) == 2
    db.session.commit()
    before = json.dumps(live_client(world.people["organizer"]).join(world.session.id, after_seq=0))
    assert SECRET_NAME in before  # the moderator saw who asked anonymously, while the account existed

    delete_account(person, actor=person, password="correct horse battery")

    placeholder = deleted_user()
    seen: dict[str, str] = {}
    for who in ("organizer", "host", "approved_expert"):
        if who == "approved_expert":
            db.session.add(Registration(user=world.people[who], exchange=world.exchange, status="registered"))
            db.session.commit()
        replay = live_client(world.people[who]).join(world.session.id, after_seq=0)
        snapshot = live_client(world.people[who]).join(world.session.id)
        seen[f"replay as {who}"], seen[f"snapshot as {who}"] = json.dumps(replay), json.dumps(snapshot)
        people = _people_in(replay) + _people_in(snapshot)
        assert person_id not in {p["id"] for p in people}, f"the deleted account's id is in the {who}'s view"
    moderator_replay = json.loads(seen["replay as organizer"])
    asked = [e for e in moderator_replay["events"] if e["type"] == "question.asked"
             and e["data"]["question"]["id"] == anonymous_question["id"]]
    assert asked and asked[0]["data"]["question"]["author"] == {"id": placeholder.id, "name": DELETED_NAME,
                                                               "role": "participant"}
    chat = [e for e in moderator_replay["events"] if e["type"] == "chat.posted"
            and e["data"]["message"]["body"] == "My city publishes budgets weekly"]
    assert chat and chat[0]["data"]["message"]["author"]["name"] == DELETED_NAME
    organizer = login_as(world.people["organizer"], app.test_client())
    for url in (f"/sessions/{world.session.id}/summary", f"/sessions/{world.session.id}/transcript.md",
                f"/sessions/{world.session.id}/transcript.csv", f"/sessions/{world.session.id}/transcript.json",
                f"/exchanges/{world.exchange.id}/registrations", f"/sessions/{world.session.id}/room",
                "/reports/follow-ups"):
        response = organizer.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        seen[url] = response.get_data(as_text=True)
    assert "My city publishes budgets weekly" in seen[f"/sessions/{world.session.id}/transcript.json"]
    assert "A named question" in seen[f"/sessions/{world.session.id}/summary"]
    transcript = json.loads(seen[f"/sessions/{world.session.id}/transcript.json"])
    assert {m["author"] for m in transcript["chat"] if m["body"] == "My city publishes budgets weekly"} == {DELETED_NAME}
    leaks = [where for where, text in seen.items() if SECRET_NAME in text or SECRET_EMAIL in text]
    assert not leaks, f"the deleted person is named in {leaks}"
    db.session.expire_all()
    stored = [e.data for e in db.session.query(LiveEvent)]
    assert SECRET_NAME not in json.dumps(stored)
    assert person_id not in {p["id"] for p in _people_in(stored)}
    assert db.session.query(LiveEvent).filter((LiveEvent.actor_id == person_id) | (LiveEvent.user_id == person_id)
                                              ).count() == 0
    assert db.session.query(OutboxMessage).filter(OutboxMessage.to_addr == SECRET_EMAIL).count() == 0


def test_the_deleted_label_is_shown_in_the_readers_language(app, world, anonymous_question, login_as, db):
    person = world.people["official"]
    live.ask_question(world.session.id, actor=person, body="Shown with a label", anonymous=False, client_id="n")
    delete_account(person, actor=person, password="correct horse battery")
    reader = world.people["organizer"]
    reader.language = "es"
    db.session.commit()
    page = login_as(reader, app.test_client()).get(f"/sessions/{world.session.id}/summary").get_data(as_text=True)
    assert "Usuario eliminado" in page and DELETED_NAME not in page
