"""Q&A around the clock in a real browser: registrants open a room that is not open yet (the demo conference's
opening plenary, a week away), ask and vote; the host opens the room and finds those questions ready, marked
"Asked before the session", the most voted first."""

from __future__ import annotations

import sqlite3
import uuid

from playwright.sync_api import expect

from tests.browser.helpers import login
from tests.browser.test_live_room_in_browsers import question

DEMO = "@demo.peer-exchange.org"


def plenary_room(server) -> str:
    with sqlite3.connect(server.instance / "browser.sqlite") as conn:
        (session_id,) = conn.execute("SELECT id FROM exchange_sessions WHERE title = 'Opening plenary'").fetchone()
    return f"/sessions/{session_id}/room"


def open_room(page, email: str, url: str):
    login(page, email + DEMO)
    page.goto(url)
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "connected")
    return page


def test_registrants_ask_and_vote_before_the_session_and_the_host_opens_with_them_ready(new_page, server):
    tag = uuid.uuid4().hex[:6]
    url = plenary_room(server)
    mumbai = open_room(new_page(timezone_id="Asia/Kolkata"), "mumbai", url)
    expect(mumbai.locator("#live-status")).to_have_text("Not open yet")
    expect(mumbai.locator("#question-early")).to_be_visible()
    # Chat waits for the room to open; questions do not.
    expect(mumbai.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    first = f"How did Porto Alegre keep turnout up after the first year? [{tag}]"
    second = f"Which budget share went to the districts? [{tag}]"
    for text in (second, first):
        mumbai.get_by_label("Your question").fill(text)
        mumbai.get_by_role("button", name="Ask", exact=True).click()
        expect(question(mumbai, text)).to_contain_text("Asked before the session")

    # A registrant in São Paulo, hours later in her own language, votes for one of them.
    saopaulo = open_room(new_page(timezone_id="America/Sao_Paulo"), "saopaulo", url)
    expect(question(saopaulo, first)).to_contain_text("Feita antes da sessão")
    vote = question(saopaulo, first).locator("button.live-vote")
    expect(vote).to_be_enabled()
    vote.click()
    expect(vote).to_have_attribute("aria-pressed", "true")
    expect(vote).to_contain_text("1")

    # The host opens the room: the early questions are there, marked, the most voted first and highlighted.
    host = open_room(new_page(timezone_id="America/New_York"), "organizer", url)
    host.get_by_role("button", name="Open the room").click()
    expect(host.locator("#live-status")).to_have_text("Open")
    expect(host.locator("#question-early")).to_be_hidden()
    mine = host.locator("#question-list > li", has_text=tag)
    expect(mine).to_have_count(2)
    expect(mine.first).to_contain_text(first)
    expect(mine.first).to_contain_text("Top question")
    expect(mine.nth(1)).to_contain_text("Asked before the session")
    # The people already there see the room open and can chat now.
    expect(mumbai.locator("#live-status")).to_have_text("Open")
    expect(mumbai.get_by_role("button", name="Send", exact=True)).to_be_enabled()
