"""The live room on a 360 px phone: the sections are tabs (Chat · Questions · Polls · Video) with unread counts, the
arrow keys move between them, a poll opening shows a cue with a way to it, the video folds away; and "Load earlier
messages" pages back through a long chat. The demo's webinar session is live, with its room open."""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, dump, no_sideways_scroll
from tests.browser.test_live_room_in_browsers import enter_room

PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}


def tab(page, name: str):
    """The section tab named `name` (its accessible name may go on with a count: "Polls, 1 new")."""
    return page.get_by_role("tab", name=re.compile(rf"^{name}\b"))


def shown(page, selected: str) -> None:
    """Assert that only the section of the `selected` tab shows, and its tab says so."""
    for name, panel in (("Chat", "#panel-chat"), ("Questions", "#panel-qa"), ("Polls", "#panel-polls"),
                        ("Video", "#panel-video")):
        if name == selected:
            expect(tab(page, name)).to_have_attribute("aria-selected", "true")
            expect(page.locator(panel)).to_be_visible()
        else:
            expect(tab(page, name)).to_have_attribute("aria-selected", "false")
            expect(page.locator(panel)).to_be_hidden()


def test_a_phone_has_section_tabs_with_counts_and_a_cue_when_a_poll_opens(new_page, axe_source, shots):
    phone = enter_room(new_page(timezone_id="Africa/Lagos", **PHONE), "lagos")
    expect(phone.get_by_role("tablist", name="Room sections")).to_be_visible()
    shown(phone, "Chat")  # the chat first, not the video
    expect(phone.locator("#panel-chat")).to_have_attribute("role", "tabpanel")
    expect(tab(phone, "Chat")).to_have_attribute("aria-controls", "panel-chat")
    no_sideways_scroll(phone)
    shots.take(phone, "phone-chat-tab")

    # Tapping a tab shows its section.
    tab(phone, "Questions").tap()
    shown(phone, "Questions")
    expect(phone.get_by_label("Your question")).to_be_visible()

    # The arrow keys move between the tabs (wrapping around), Home and End go to the ends.
    tab(phone, "Questions").focus()
    phone.keyboard.press("ArrowRight")
    shown(phone, "Polls")
    expect(tab(phone, "Polls")).to_be_focused()
    phone.keyboard.press("ArrowRight")
    shown(phone, "Video")
    phone.keyboard.press("ArrowRight")
    shown(phone, "Chat")
    expect(tab(phone, "Chat")).to_be_focused()
    phone.keyboard.press("ArrowLeft")
    shown(phone, "Video")
    phone.keyboard.press("Home")
    shown(phone, "Chat")
    phone.keyboard.press("End")
    shown(phone, "Video")

    # The video folds away (and opens again); the hands are still there.
    player = phone.locator("#panel-video details.live-video-toggle")
    expect(player.locator("iframe")).to_be_visible()
    player.locator("summary").tap()
    expect(player.locator("iframe")).to_be_hidden()
    expect(phone.locator("#hand-toggle")).to_be_visible()
    player.locator("summary").tap()
    expect(player.locator("iframe")).to_be_visible()
    tab(phone, "Chat").tap()

    # A moderator opens a poll: the phone's Polls tab counts it, a cue says so (and is announced) with a way there.
    moderator = enter_room(new_page(timezone_id="America/Los_Angeles"), "la.data")
    expect(moderator.get_by_role("tablist")).to_be_hidden()  # a wide screen: every section, no tabs
    expect(moderator.locator("#panel-polls")).to_be_visible()
    expect(moderator.locator("#panel-chat")).to_be_visible()
    prompt = f"Which bus line first? [{uuid.uuid4().hex[:6]}]"
    moderator.get_by_text("New poll").click()
    moderator.get_by_label("Question", exact=True).fill(prompt)
    moderator.get_by_label("Options, one per line (2 to 10)").fill("Line 1\nLine 2")
    moderator.get_by_role("button", name="Open poll").click()
    # Its accessible name says so ("Polls, 1 new"; Chrome puts a space between the flex items' texts).
    expect(phone.get_by_role("tab", name=re.compile(r"^Polls\s*,\s*1 new$"))).to_have_count(1)
    expect(tab(phone, "Polls").locator(".live-tab-count")).to_have_text("1")
    cue = phone.locator("#live-cue")
    expect(cue).to_be_visible()
    expect(cue).to_contain_text(f"A poll opened: {prompt}")
    expect(phone.locator("#live-announce")).to_have_text(f"A poll opened: {prompt}")
    shown(phone, "Chat")  # the cue does not take the person away from what she is doing
    no_sideways_scroll(phone)
    shots.take(phone, "phone-poll-cue")
    violations = check_accessibility(phone, axe_source)  # a participant, with a count and the cue showing
    assert violations == [], dump(violations)

    cue.get_by_role("button", name="Go to Polls").tap()
    shown(phone, "Polls")
    expect(tab(phone, "Polls")).to_be_focused()
    expect(cue).to_be_hidden()
    expect(phone.get_by_role("tab", name="Polls", exact=True)).to_have_count(1)  # seen: no count any more
    poll = phone.locator("#poll-list fieldset", has_text=prompt)
    poll.get_by_label(re.compile(r"^Line 2")).check()
    poll.get_by_role("button", name="Submit my choice").tap()
    expect(poll).to_contain_text("Line 2 — 1 vote")  # a plural form, in the reader's language
    no_sideways_scroll(phone)

    # The moderators' view on a phone: every tool, the same tabs, nothing sideways, no serious violation.
    mod_phone = enter_room(new_page(timezone_id="America/Los_Angeles", **PHONE), "la.data")
    for name in ("Chat", "Questions", "Polls", "Video"):
        tab(mod_phone, name).tap()
        shown(mod_phone, name)
        no_sideways_scroll(mod_phone)
    violations = check_accessibility(mod_phone, axe_source)
    assert violations == [], dump(violations)
    shots.take(mod_phone, "phone-moderator-video-tab")
    moderator.locator("#poll-list fieldset", has_text=prompt).get_by_role("button", name="Close poll").click()
    expect(poll).to_contain_text("Closed")


def seed_chat(server, session_id: int, author_email: str, count: int, tag: str) -> None:
    """Store `count` chat messages straight in the demo server's database (the chat limit allows 5 per 10 s)."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(server.instance / "browser.sqlite") as con:
        ((author,),) = con.execute("SELECT id FROM users WHERE email = ?", (author_email,)).fetchall()
        con.executemany(
            "INSERT INTO live_chat_messages (session_id, author_id, author_role, client_id, body, seq, created_at)"
            " VALUES (?, ?, 'participant', ?, ?, 0, ?)",
            [(session_id, author, f"seed-{tag}-{n}", f"Earlier message {n} [{tag}]", now) for n in range(count)])


def stored_chat(server, session_id: int) -> int:
    with sqlite3.connect(server.instance / "browser.sqlite") as con:
        return con.execute("SELECT count(*) FROM live_chat_messages WHERE session_id = ? AND deleted_at IS NULL",
                           (session_id,)).fetchone()[0]


def chat_ids(page) -> list[int]:
    return page.locator("#chat-list > li").evaluate_all("items => items.map(i => Number(i.dataset.id))")


def test_load_earlier_messages_pages_back_through_a_long_chat(new_page, server, axe_source):
    tag = uuid.uuid4().hex[:6]
    page = enter_room(new_page(timezone_id="Africa/Lagos", **PHONE), "lagos")
    session_id = int(page.locator("#live-room").get_attribute("data-session-id"))
    seed_chat(server, session_id, "lagos@demo.peer-exchange.org", 150, tag)
    total = stored_chat(server, session_id)
    page.reload()
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "connected")
    expect(page.locator("#chat-list > li")).to_have_count(100)  # a reload shows the newest 100
    earlier = page.get_by_role("button", name="Load earlier messages")
    expect(earlier).to_be_visible()
    newest = chat_ids(page)

    earlier.tap()
    expect(page.locator("#chat-list > li")).to_have_count(min(total, 200))
    expect(page.locator("#live-announce")).to_have_text(
        re.compile(rf"^{min(total - 100, 100)} earlier messages? loaded\."))
    ids = chat_ids(page)
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[-100:] == newest  # in order, none twice
    expect(page.locator("#chat-log")).to_have_attribute("aria-live", "polite")  # live again for new messages
    expect(page.locator("#chat-log")).not_to_have_attribute("aria-busy", "true")
    no_sideways_scroll(page)

    button = page.locator("#chat-earlier")
    while button.is_visible():  # (the demo's own messages and other tests' add a page or so)
        button.tap()
        expect(page.locator("#chat-earlier[disabled]")).to_have_count(0)  # the page came
    expect(page.locator("#chat-list > li")).to_have_count(total)
    expect(page.locator("#live-announce")).to_contain_text("This is the start of the chat.")
    expect(page.locator("#chat-list > li", has_text=f"Earlier message 0 [{tag}]")).to_have_count(1)
    expect(page.locator("#chat-log")).to_be_focused()  # the button went away: the focus is on the log
    assert chat_ids(page) == sorted(chat_ids(page))
    violations = check_accessibility(page, axe_source)
    assert violations == [], dump(violations)
