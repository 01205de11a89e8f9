"""The room page (weight, CSP, accessibility hooks), the list of live rooms, the summary and the transcript."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from pathlib import Path

import pytest

from exchange.live import services
from exchange.live.views import video_embed

ROOT = Path(__file__).resolve().parents[2]


def test_room_page_needs_a_login(room, client):
    response = client.get(f"/sessions/{room.id}/room")
    assert response.status_code == 302 and "/accounts/login" in response.headers["Location"]


def test_room_page_refuses_people_without_a_place(room, client, login_as, db):
    login_as(room.outsider)
    response = client.get(f"/sessions/{room.id}/room")
    assert response.status_code == 403 and "Register for" in response.get_data(as_text=True)
    room.exchange.visibility = "invite_only"
    db.session.commit()
    assert client.get(f"/sessions/{room.id}/room").status_code == 404
    assert client.get("/sessions/99999/room").status_code == 404


def test_room_page_has_everything_in_one_page_and_no_inline_script(room, client, login_as):
    login_as(room.official)
    response = client.get(f"/sessions/{room.id}/room")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-session-id="{room.id}"' in html and 'data-role="participant"' in html
    assert 'src="https://meet.jit.si/peer-exchange-test"' in html  # the video, embedded
    for part in ('id="chat-list"', 'role="log"', 'aria-live="polite"', 'id="question-form"', 'id="poll-list"',
                 'id="hand-toggle"', 'id="live-conn"'):
        assert part in html, part
    assert 'id="poll-form"' not in html and 'id="room-close"' not in html  # moderator and host tools only
    assert "<script>" not in html and " style=" not in html and " on" + "click=" not in html
    # The room's words reach its script in the page scripts' one catalogue (a data block), not in a second table.
    assert "data-strings" not in html
    catalog = json.loads(re.search(r'<script type="application/json" id="i18n-messages">(.*?)</script>', html, re.S).group(1))
    assert catalog["messages"]["Anonymous"] == "Anonymous"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    labels = set(re.findall(r'<label for="([^"]+)"', html))
    controls = set(re.findall(r'<(?:textarea|select|input)[^>]* id="([^"]+)"', html)) - {"lang-switch"}
    assert controls <= labels, controls - labels  # every control has a label


def test_only_web_links_become_video_links(room, client, login_as, db):
    room.exchange.video_url = "javascript:alert(1)"
    db.session.commit()
    login_as(room.official)
    html = client.get(f"/sessions/{room.id}/room").get_data(as_text=True)
    assert "javascript:" not in html and "not shared a video link" in html


def test_hosts_get_room_and_poll_tools(room, client, login_as):
    login_as(room.host)
    html = client.get(f"/sessions/{room.id}/room").get_data(as_text=True)
    assert 'id="room-close"' in html and 'id="poll-form"' in html and 'id="hand-list"' in html


def test_moderators_get_real_dialogs_and_the_script_never_prompts(room, client, login_as):
    login_as(room.moderator)
    html = client.get(f"/sessions/{room.id}/room").get_data(as_text=True)
    for dialog in ("mute-dialog", "dismiss-dialog", "answer-dialog"):
        assert f'<dialog id="{dialog}"' in html
    for code in ("duplicate", "off_topic", "answered_elsewhere", "not_a_question", "other"):
        assert f'value="{code}"' in html  # the preset dismissal reasons, in the reader's language
    assert 'value="rest"' in html and f'href="/sessions/{room.id}/present"' in html
    assert 'id="glance-pending"' in html
    login_as(room.official)
    participant = client.get(f"/sessions/{room.id}/room").get_data(as_text=True)
    assert "<dialog" not in participant and "/present" not in participant
    script = (ROOT / "static" / "js" / "live.js").read_text()
    assert "window.prompt" not in script and "window.confirm" not in script and "alert(" not in script


def test_the_presenter_view_is_for_the_rooms_moderators(room, client, login_as):
    login_as(room.moderator)
    response = client.get(f"/sessions/{room.id}/present")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"http://localhost/sessions/{room.id}/room" in html or f"/sessions/{room.id}/room</strong>" in html
    assert 'id="present-question"' in html and "present.js" in html
    login_as(room.official)
    assert client.get(f"/sessions/{room.id}/present").status_code == 403


def test_room_page_with_everything_it_loads_stays_under_50_kb_compressed(room, client, login_as):
    login_as(room.host)  # the host's page is the largest (every tool)
    html = client.get(f"/sessions/{room.id}/room").get_data()
    assets = re.findall(rb'<(?:script|link|img)\b[^>]*?(?:src|href)="(/[^"]+)"', html)
    files = [a.split(b"?")[0] for a in assets]  # static addresses carry ?v=<content hash>
    assert any(f.endswith(b"live.js") for f in files) and any(f.endswith(b"socket.io.min.js") for f in files)
    total = len(gzip.compress(html))
    for path in assets:
        body = client.get(path.decode()).get_data()
        assert body, path
        total += len(gzip.compress(body))
    assert total <= 50 * 1024, f"{total} bytes compressed"  # a phone on a weak link opens it cold


def test_socket_io_client_is_pinned_with_its_licence():
    vendor = ROOT / "static" / "vendor" / "socket.io-client"
    banner = (vendor / "socket.io.min.js").read_text()[:200]
    version = re.search(r"Socket\.IO v(\d+\.\d+\.\d+)", banner).group(1)
    assert version.startswith("4.")  # v4 speaks to python-socketio 5
    assert "MIT" in (vendor / "LICENSE").read_text() or "Permission is hereby granted" in (vendor / "LICENSE").read_text()
    assert f"socket.io-client@{version}" in (ROOT / "static" / "vendor" / "README.md").read_text()


@pytest.mark.parametrize(("url", "embed"), [
    ("https://meet.jit.si/room-1", "https://meet.jit.si/room-1"),
    ("https://www.youtube.com/watch?v=abc_DEF-123", "https://www.youtube-nocookie.com/embed/abc_DEF-123"),
    ("https://youtu.be/abc123", "https://www.youtube-nocookie.com/embed/abc123"),
    ("https://vimeo.com/123456", "https://player.vimeo.com/video/123456"),
    ("https://zoom.us/j/123", None),  # not embeddable: a link only
    ("http://meet.jit.si/room", None),  # not over HTTPS
    ("https://www.youtube.com/watch?v=a\"b", None),
    ("", None),
])
def test_video_embeds(url, embed):
    assert video_embed(url) == embed


def test_live_rooms_lists_the_rooms_a_person_may_join(room, client, login_as, make_exchange):
    make_exchange(title="Not mine")
    login_as(room.official)
    html = client.get("/live/").get_data(as_text=True)
    assert f"/sessions/{room.id}/room" in html and "Not mine" not in html


@pytest.fixture
def finished(room):
    """A room after its session: questions in every state, an anonymous one, a poll, chat and attendance."""
    sid = room.id
    services.send_chat(sid, actor=room.official, body="=HYPERLINK(\"http://evil\")", client_id="c1")
    services.send_chat(sid, actor=room.host, body="Thanks for coming", client_id="c2")
    anon = services.ask_question(sid, actor=room.official, body="Candidly: how do you fund it?", anonymous=True,
                                 client_id="q1")["question"]
    named = services.ask_question(sid, actor=room.other, body="Which license?", anonymous=False, client_id="q2")["question"]
    dismissed = services.ask_question(sid, actor=room.other, body="Off topic", anonymous=False, client_id="q3")["question"]
    services.vote_question(sid, actor=room.other, question_id=anon["id"], value=1)
    services.vote_question(sid, actor=room.host, question_id=anon["id"], value=1)
    services.moderate_question(sid, actor=room.moderator, question_id=anon["id"], action="answer",
                               answer="A mix of grants and the city budget.")
    services.moderate_question(sid, actor=room.moderator, question_id=dismissed["id"], action="dismiss",
                               reason="Not today")
    poll = services.open_poll(sid, actor=room.host, prompt="Useful?", options=["Yes", "No"])["poll"]
    services.vote_poll(sid, actor=room.official, poll_id=poll["id"], choices=[poll["options"][0]["id"]])
    for n, person in enumerate((room.official, room.other, room.host)):
        services.join_room(sid, actor=person, sid=f"s{n}", subscribe=lambda rooms: None)
    services.close_room(sid, actor=room.host)
    return {"anon": anon, "named": named, "dismissed": dismissed, "poll": poll}


def test_summary_shows_answered_and_open_questions_polls_and_the_peak(room, finished, client, login_as):
    login_as(room.other)
    html = client.get(f"/sessions/{room.id}/summary").get_data(as_text=True)
    answered, unanswered = html.split('id="answered"')[1].split('id="unanswered"')
    assert "Candidly: how do you fund it?" in answered and "A mix of grants" in answered and "2 votes" in answered
    assert "Which license?" in unanswered.split('id="polls"')[0]
    assert "Adaeze" not in html  # the anonymous asker stays anonymous
    assert "Off topic" not in html and "Not today" not in html  # dismissed: moderators only
    assert "Useful?" in html and "Yes: 1" in html and "1 person voted" in html
    assert re.search(r"Attendance peak</dt>\s*<dd>3", html)
    assert "transcript.md" not in html  # exports are for organizers


def test_moderators_see_dismissed_questions_and_attach_answers_after_the_session(room, finished, client, login_as):
    login_as(room.moderator)
    page = f"/sessions/{room.id}/summary"
    html = client.get(page).get_data(as_text=True)
    assert "Off topic" in html and "Not today" in html
    url = f"/sessions/{room.id}/questions/{finished['named']['id']}/answer"
    response = client.submit(url, {"answer": "CC BY 4.0, written after the session."}, page=page)
    assert response.status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "CC BY 4.0, written after the session." in html.split('id="answered"')[1].split('id="unanswered"')[0]
    too_long = client.submit(url, {"answer": "a" * 5001}, page=page, follow_redirects=True)
    assert "5000" in too_long.get_data(as_text=True)


def test_participants_cannot_attach_answers(room, finished, client, login_as):
    login_as(room.other)
    page = f"/sessions/{room.id}/summary"
    url = f"/sessions/{room.id}/questions/{finished['named']['id']}/answer"
    assert client.submit(url, {"answer": "Mine"}, page=page).status_code == 403
    login_as(room.outsider)
    assert client.post(url, data={"answer": "x"}).status_code == 400  # no CSRF token


@pytest.mark.parametrize("fmt", ["md", "csv", "json"])
def test_transcript_exports_keep_anonymous_askers_anonymous(room, finished, client, login_as, fmt):
    login_as(room.organizer)
    response = client.get(f"/sessions/{room.id}/transcript.{fmt}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "Candidly: how do you fund it?" in text and "A mix of grants and the city budget." in text
    assert "Which license?" in text and "Thanks for coming" in text and "Useful?" in text
    anon_line = next(line for line in text.splitlines() if "Candidly" in line or "Q1" in line)
    assert "Adaeze" not in anon_line
    if fmt == "json":
        data = json.loads(text)
        (anon,) = [q for q in data["questions"] if q["anonymous"]]
        assert anon["author"] is None and anon["votes"] == 2 and anon["status"] == "answered"
        assert data["polls"][0]["options"] == [{"label": "Yes", "votes": 1}, {"label": "No", "votes": 0}]
        assert data["attendance"]["peak"] == 3
        assert "Adaeze Official" in {m["author"] for m in data["chat"]}  # her chat is hers; her question is not
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        (anon,) = [r for r in rows if r["kind"] == "question" and r["text"].startswith("Candidly")]
        assert anon["author"] == "Anonymous" and anon["votes"] == "2"
        assert any(r["text"].startswith("'=HYPERLINK") for r in rows)  # no formula runs in a spreadsheet
    if fmt == "md":
        assert "— Anonymous" in text and "**Answer:** A mix of grants and the city budget." in text


def test_the_people_who_ran_the_session_export_its_transcript_with_anonymity_kept(room, finished, client, login_as,
                                                                                    make_user, add_speaker):
    """Issue 21 §4: the session's accepted host and moderator (experts, not organizers) export it; askers stay
    anonymous for them too. Panelists, participants, a speaker who has not accepted and organizers outside the
    exchange's team may not."""
    for person in (room.host, room.moderator):
        login_as(person)
        response = client.get(f"/sessions/{room.id}/transcript.json")
        assert response.status_code == 200, person.name
        (anon,) = [q for q in json.loads(response.get_data(as_text=True))["questions"] if q["anonymous"]]
        assert anon["author"] is None and "Adaeze" not in json.dumps(anon)
    invited = make_user(role="expert", name="Ines Invited")
    add_speaker(invited, room.session, "moderator", status="invited")
    outside_organizer = make_user(role="organizer", name="Otto Outside")
    for person in (room.panelist, room.official, room.declined, invited, outside_organizer, room.outsider):
        login_as(person)
        assert client.get(f"/sessions/{room.id}/transcript.json").status_code in (403, 404), person.name
    login_as(room.host)
    assert client.get(f"/sessions/{room.id}/transcript.pdf").status_code == 404
