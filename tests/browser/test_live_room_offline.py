"""Nothing a person typed or clicked in the live room is lost: while the link is down every chat message,
question, vote, ballot and raised hand waits (shown as "Sending…", kept across a reload) and reaches the
server exactly once when it is back; messages over the chat limit wait their turn; a muted person is told
until when, in her own zone and language.

These tests run their own server whose room page retries quickly (LIVE_RECONNECT_DELAY 0.2 s, at most 1 s)
and gives up on an ack after 2 s (LIVE_ACK_TIMEOUT), so that several failed reconnect attempts and more than
one ack timeout pass in a few seconds of being offline: the old page dropped a click after one ack timeout.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Server
from tests.browser.helpers import login, no_sideways_scroll

DEMO = "@demo.peer-exchange.org"
ROOM = "Open data that residents actually use"
ANSWERED = "Which datasets did residents use first?"  # the demo's answered question (Budi's)
POLL = "Does your city publish open data today?"  # the demo's open poll; Adaeze chose "Some, on request"
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
SHOTS = str(Path(tempfile.gettempdir()) / "live-offline")  # looked at by people, beside test-artifacts/


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("browser-offline"))
    srv.env.update({"LIVE_RECONNECT_DELAY": "0.2", "LIVE_RECONNECT_DELAY_MAX": "1", "LIVE_ACK_TIMEOUT": "2"})
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def open_page(browser, quick):
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=quick.url, **kwargs)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def rows(server, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(server.instance / "browser.sqlite") as con:
        return con.execute(sql, args).fetchall()


def user_id(server, who: str) -> int:
    return rows(server, "SELECT id FROM users WHERE email = ?", who + DEMO)[0][0]


def enter_room(page, who: str):
    login(page, who + DEMO)
    page.goto("/live/")
    page.get_by_role("link", name=ROOM).click()
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "connected")
    return page


def attempts(page) -> int:
    return int(page.locator("#live-conn").get_attribute("data-attempts") or 0)


def wait_for_failed_attempts(page, more: int) -> None:
    """Wait until the page has tried (and failed) to reconnect `more` more times."""
    start, deadline = attempts(page), time.monotonic() + 30
    while attempts(page) < start + more:  # the page's CSP forbids wait_for_function's string evaluation
        assert time.monotonic() < deadline, f"only {attempts(page) - start} reconnect attempts in 30 s"
        page.wait_for_timeout(100)


def shot(page, name: str) -> None:
    page.screenshot(path=f"{SHOTS}-{name}.png", full_page=True)


def test_what_a_person_does_offline_is_kept_and_sent_once_when_back(open_page, quick):
    tag = uuid.uuid4().hex[:6]
    page = enter_room(open_page(timezone_id="Africa/Lagos", **PHONE), "lagos")
    me = user_id(quick, "lagos")
    question = page.locator("#question-list > li", has_text=ANSWERED)
    poll = page.locator("#poll-list fieldset", has_text=POLL)
    expect(question.locator("button.live-vote")).to_have_attribute("aria-pressed", "false")
    ((before,),) = rows(quick, "SELECT max(seq) FROM live_events")
    votes = int(question.locator("button.live-vote").inner_text().strip("▲ "))

    page.context.set_offline(True)
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "offline")
    # A phone shows one section at a time: the tabs (Chat · Questions · Polls · Video) lead to each.
    page.get_by_role("tab", name=re.compile("^Questions")).tap()
    question.locator("button.live-vote").tap()
    page.get_by_role("tab", name=re.compile("^Polls")).tap()
    poll.get_by_label("Not yet").check()
    poll.get_by_role("button", name="Submit my choice").tap()
    page.get_by_role("tab", name=re.compile("^Video")).tap()
    page.locator("#hand-toggle").tap()
    page.get_by_role("tab", name=re.compile("^Chat")).tap()
    chat, asked = f"Typed while my link was down [{tag}]", f"Asked while offline: who pays for the sensors? [{tag}]"
    page.get_by_label("Message").fill(chat)
    page.get_by_role("button", name="Send", exact=True).tap()
    page.get_by_role("tab", name=re.compile("^Questions")).tap()
    page.get_by_label("Your question").fill(asked)
    page.get_by_role("button", name="Ask", exact=True).tap()

    # Each is shown as waiting, and the page says it keeps them.
    expect(question).to_contain_text("Sending…")
    expect(question.locator("button.live-vote")).to_have_attribute("aria-pressed", "true")
    expect(question.locator("button.live-vote")).to_have_text(f"▲ {votes + 1}")  # counted in already
    expect(poll).to_contain_text("Sending…")
    expect(poll.get_by_label("Not yet")).to_be_checked()
    expect(page.locator("#hand-toggle")).to_have_text("Lower hand")
    expect(page.locator("#hand-note")).to_have_text("Sending…")
    expect(page.locator("#chat-outbox li", has_text=chat)).to_contain_text("Sending…")
    expect(page.locator("#question-outbox li", has_text=asked)).to_contain_text("Sending…")
    expect(page.locator("#live-queue")).to_contain_text("5 things you did are kept here")
    shot(page, "phone-offline-queued")
    no_sideways_scroll(page)

    # Several failed reconnect attempts (and more than one ack timeout) later, all of it is still waiting.
    wait_for_failed_attempts(page, 5)
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "offline")
    expect(page.locator("#chat-outbox li", has_text=chat)).to_have_count(1)
    expect(page.locator("#hand-note")).to_have_text("Sending…")
    expect(question).to_contain_text("Sending…")
    assert rows(quick, "SELECT count(*) FROM live_chat_messages WHERE body = ?", chat) == [(0,)]

    page.context.set_offline(False)
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "connected")
    expect(page.locator("#chat-list > li", has_text=chat)).to_have_count(1)
    expect(page.locator("#question-list > li", has_text=asked)).to_have_count(1)
    expect(page.locator("#chat-outbox")).to_be_hidden()
    expect(page.locator("#question-outbox")).to_be_hidden()
    expect(page.locator("#live-queue")).to_be_hidden()
    expect(question).not_to_contain_text("Sending…")
    expect(question.locator("button.live-vote")).to_have_attribute("aria-pressed", "true")
    expect(question.locator("button.live-vote")).to_have_text(f"▲ {votes + 1}")
    expect(poll).not_to_contain_text("Sending…")
    expect(page.locator("#hand-note")).to_have_text("")
    expect(page.locator("#hand-toggle")).to_have_text("Lower hand")
    shot(page, "phone-back-online")

    # Stored exactly once each: the rows, and the events the room heard.
    assert rows(quick, "SELECT count(*) FROM live_chat_messages WHERE body = ? AND author_id = ?", chat, me) == [(1,)]
    assert rows(quick, "SELECT count(*) FROM live_questions WHERE body = ? AND author_id = ?", asked, me) == [(1,)]
    (question_id,) = rows(quick, "SELECT id FROM live_questions WHERE body = ?", ANSWERED)[0]
    assert rows(quick, "SELECT count(*) FROM live_question_votes WHERE question_id = ? AND user_id = ?",
                question_id, me) == [(1,)]
    (poll_id,) = rows(quick, "SELECT id FROM live_polls WHERE prompt = ?", POLL)[0]
    (not_yet,) = rows(quick, "SELECT id FROM live_poll_options WHERE poll_id = ? AND label = 'Not yet'", poll_id)[0]
    assert rows(quick, "SELECT choices FROM live_poll_ballots WHERE poll_id = ? AND user_id = ?", poll_id, me) == [
        (f"[{not_yet}]",)]
    assert rows(quick, "SELECT count(*) FROM live_raised_hands WHERE user_id = ?", me) == [(1,)]
    events = rows(quick, "SELECT type, count(*) FROM live_events WHERE actor_id = ? AND seq > ? GROUP BY type",
                  me, before)
    assert dict(events) == {"chat.posted": 1, "question.asked": 1, "question.updated": 1, "poll.updated": 1,
                            "hand.changed": 1}, events


def test_a_reload_while_the_link_is_down_keeps_the_queue_and_the_typed_text(open_page, quick):
    tag = uuid.uuid4().hex[:6]
    page = enter_room(open_page(timezone_id="Asia/Jakarta"), "jakarta")
    # The live link fails (the page itself still loads, as on a network that lets pages through but not the room).
    page.context.set_offline(True)
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "offline")
    page.route("**/socket.io/**", lambda route: route.abort())
    page.context.set_offline(False)
    queued, draft, question_draft = f"Sent before the reload [{tag}]", f"Half a thought [{tag}]", f"Still typing [{tag}]"
    page.get_by_label("Message").fill(queued)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#chat-outbox li", has_text=queued)).to_contain_text("Sending…")
    page.get_by_label("Message").fill(draft)
    page.get_by_label("Your question").fill(question_draft)

    page.reload()
    expect(page.locator("#chat-outbox li", has_text=queued)).to_contain_text("Sending…")
    expect(page.get_by_label("Message")).to_have_value(draft)
    expect(page.get_by_label("Your question")).to_have_value(question_draft)
    wait_for_failed_attempts(page, 3)
    assert rows(quick, "SELECT count(*) FROM live_chat_messages WHERE body = ?", queued) == [(0,)]
    shot(page, "reloaded-while-down")

    page.unroute("**/socket.io/**")  # the link is back: the backoff's next attempt gets through
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "connected")
    expect(page.locator("#chat-list > li", has_text=queued)).to_have_count(1)
    expect(page.locator("#chat-outbox")).to_be_hidden()
    expect(page.get_by_label("Message")).to_have_value(draft)  # typed, not sent: still there, not sent
    assert rows(quick, "SELECT count(*) FROM live_chat_messages WHERE body = ?", queued) == [(1,)]
    assert rows(quick, "SELECT count(*) FROM live_chat_messages WHERE body = ?", draft) == [(0,)]


def test_messages_over_the_chat_limit_wait_their_turn_and_all_arrive_in_order(open_page, quick):
    tag = uuid.uuid4().hex[:6]
    page = enter_room(open_page(timezone_id="America/Chicago"), "chicago.cio")
    other = enter_room(open_page(timezone_id="Africa/Lagos"), "lagos")
    sent = [f"Point {n} of 8 [{tag}]" for n in range(1, 9)]  # the limit is 5 in 10 seconds
    for text in sent:
        page.get_by_label("Message").fill(text)
        page.get_by_label("Message").press("Enter")
    expect(page.locator("#chat-queue")).to_contain_text(re.compile(r"Sending more slowly: \d waiting"))
    shot(page, "rate-limited")
    for viewer in (page, other):
        expect(viewer.locator("#chat-list > li", has_text=sent[-1])).to_have_count(1, timeout=40_000)
        shown = viewer.locator("#chat-list > li .live-body").all_inner_texts()
        assert [t for t in shown if tag in t] == sent
    expect(page.locator("#chat-queue")).to_be_hidden()
    me = user_id(quick, "chicago.cio")
    stored = rows(quick, "SELECT body FROM live_chat_messages WHERE author_id = ? AND body LIKE ? ORDER BY id",
                  me, f"%[{tag}]")
    assert [b for (b,) in stored] == sent


def test_a_muted_person_is_told_until_when_in_her_own_zone_and_language(open_page, quick):
    tag = uuid.uuid4().hex[:6]
    # Lucía reads Spanish and lives in Mexico City; her phone is set to another zone: the room uses her profile's.
    lucia = enter_room(open_page(timezone_id="Asia/Tokyo", **PHONE), "mexico")
    moderator = enter_room(open_page(timezone_id="America/Los_Angeles"), "la.data")
    first = f"Hola desde la Ciudad de México [{tag}]"
    lucia.get_by_label("Mensaje").fill(first)
    lucia.get_by_label("Mensaje").press("Enter")
    line = moderator.locator("#chat-list > li", has_text=first)
    expect(line).to_have_count(1)
    expect(lucia.locator("#chat-outbox")).to_be_hidden()  # her own ack came too: nothing of hers is waiting

    # Her link drops for a moment: the page tells her, in Spanish, that what she sent waits.
    lucia.context.set_offline(True)
    waiting = f"Se me fue la señal [{tag}]"
    lucia.get_by_label("Mensaje").fill(waiting)
    lucia.get_by_label("Mensaje").press("Enter")
    expect(lucia.locator("#chat-outbox li", has_text=waiting)).to_contain_text("Enviando…")
    expect(lucia.locator("#live-queue")).to_contain_text("Se guarda aquí 1 acción suya")
    no_sideways_scroll(lucia)
    shot(lucia, "phone-spanish-offline")
    lucia.context.set_offline(False)
    expect(moderator.locator("#chat-list > li", has_text=waiting)).to_have_count(1)
    expect(lucia.locator("#live-queue")).to_be_hidden()
    line.locator("summary.live-menu-button").click()  # the message's one compact menu
    moderator.get_by_role("button", name="Mute…").click()
    mute = moderator.locator("#mute-dialog")
    mute.get_by_label("15 minutes").check()
    mute.get_by_role("button", name="Mute", exact=True).click()
    expect(mute).to_be_hidden()

    banner = lucia.locator("#live-muted")
    expect(banner).to_be_visible()
    (until,) = rows(quick, "SELECT until FROM live_mutes WHERE user_id = ?", user_id(quick, "mexico"))[0]
    until = datetime.fromisoformat(str(until).replace(" ", "T"))
    until = until if until.tzinfo else until.replace(tzinfo=UTC)
    at = until.astimezone(ZoneInfo("America/Mexico_City"))
    local = f"{at.hour}:{at.minute:02d}"  # Spanish writes the hour without a leading zero (timefmt.clock)
    expect(banner).to_contain_text(local)
    expect(banner).to_contain_text("hasta")  # Spanish
    text = banner.inner_text()
    tokyo = until.astimezone(ZoneInfo("Asia/Tokyo"))
    for other in (until, tokyo):  # not the UTC time, nor another zone's
        assert not re.search(rf"(?<!\d){other.hour}:{other.minute:02d}", text)
    assert not re.search(r"\d\d:\d\d:\d\d", text)  # never seconds
    no_sideways_scroll(lucia)
    shot(lucia, "phone-spanish-muted")

    # What she sends meanwhile is refused and given back to her, not lost.
    refused = f"¿Me escuchan? [{tag}]"
    lucia.get_by_label("Mensaje").fill(refused)
    lucia.get_by_label("Mensaje").press("Enter")
    expect(lucia.get_by_label("Mensaje")).to_have_value(refused)
    expect(lucia.locator("#chat-muted")).to_contain_text(local)  # said by the box she types in, too
    expect(lucia.locator("#live-error")).to_be_hidden()  # the banner says it already, with the time
    shot(lucia, "phone-spanish-muted-refused")

    # The moderator lifts the mute: the banner goes.
    line.locator("summary.live-menu-button").click()
    moderator.get_by_role("button", name="Unmute").click()
    expect(banner).to_be_hidden()
    expect(lucia.locator("#chat-muted")).to_be_hidden()
    lucia.get_by_label("Mensaje").press("Enter")
    expect(moderator.locator("#chat-list > li", has_text=refused)).to_have_count(1)
    shot(lucia, "phone-spanish-unmuted")
