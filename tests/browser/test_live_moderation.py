"""Moderating the live room in a real browser, by keyboard only: one compact menu per item, real dialogs (no
window.prompt) in the reader's language, the moderators' glance and the presenter view for the shared screen."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, dump
from tests.browser.test_live_room_in_browsers import enter_room, question


def _focused(page) -> str:
    return page.evaluate("() => document.activeElement && (document.activeElement.textContent || '').trim()")


def test_a_moderator_dismisses_answers_and_pins_with_the_keyboard_and_presents(new_page, axe_source, shots):
    tag = uuid.uuid4().hex[:6]
    prompts: list[str] = []
    lucia = enter_room(new_page(timezone_id="America/Mexico_City"), "mexico")
    lagos = enter_room(new_page(timezone_id="Africa/Lagos"), "lagos")
    moderator = enter_room(new_page(timezone_id="America/Los_Angeles"), "la.data")
    moderator.on("dialog", lambda dialog: (prompts.append(dialog.message), dialog.dismiss()))

    off_topic = f"¿Alguien sabe de un buen restaurante? [{tag}]"
    lucia.get_by_label("Su pregunta").fill(off_topic)
    lucia.get_by_role("button", name="Preguntar", exact=True).click()
    wanted = f"How do you keep an open-data portal alive after launch? [{tag}]"
    lagos.get_by_label("Your question").fill(wanted)
    lagos.get_by_role("button", name="Ask", exact=True).click()
    expect(question(moderator, off_topic)).to_have_count(1)
    expect(question(moderator, wanted)).to_have_count(1)

    # Keyboard only: the question's menu button, Enter opens it with its first action focused; Tab to "Dismiss…".
    menu = question(moderator, off_topic).locator("summary.live-menu-button")
    expect(menu).to_have_attribute("aria-label", f"Moderate the question: {off_topic[:60]}")
    menu.focus()
    moderator.keyboard.press("Enter")
    expect(question(moderator, off_topic).get_by_role("button", name="Mark answered…")).to_be_focused()
    moderator.keyboard.press("Tab")
    expect(question(moderator, off_topic).get_by_role("button", name="Dismiss…")).to_be_focused()
    moderator.keyboard.press("Enter")
    dialog = moderator.locator("#dismiss-dialog")
    expect(dialog).to_be_visible()
    violations = check_accessibility(moderator, axe_source)  # the room with a dialog open
    assert violations == [], dump(violations)
    shots.take(moderator, "dismiss-dialog")
    # The preset reasons are radio buttons: arrow keys choose, Tab goes on to the note, then the buttons.
    expect(dialog.get_by_label("Already asked (a duplicate)")).to_be_focused()
    moderator.keyboard.press("ArrowDown")
    expect(dialog.get_by_label("Off topic for this session")).to_be_checked()
    moderator.keyboard.press("Tab")
    moderator.keyboard.type("Try the chat for that.")
    moderator.keyboard.press("Tab")
    moderator.keyboard.press("Enter")  # "Dismiss"
    expect(dialog).to_be_hidden()
    expect(menu).to_be_focused()  # the focus comes back to where the moderator was

    # The author reads the reason in her own language; the rest of the room no longer sees the question.
    mine = question(lucia, off_topic)
    expect(mine).to_contain_text("Fuera del tema de esta sesión — Try the chat for that.")
    expect(question(lagos, off_topic)).to_have_count(0)

    # Escape cancels a dialog: nothing is sent.
    other_menu = question(moderator, wanted).locator("summary.live-menu-button")
    other_menu.focus()
    moderator.keyboard.press("Enter")
    expect(question(moderator, wanted).get_by_role("button", name="Mark answered…")).to_be_focused()
    moderator.keyboard.press("Enter")
    expect(moderator.locator("#answer-dialog")).to_be_visible()
    moderator.keyboard.press("Escape")
    expect(moderator.locator("#answer-dialog")).to_be_hidden()
    expect(question(lagos, wanted)).not_to_contain_text("Answered")

    # At a glance: the open question with the most votes is highlighted, and named above the room.
    top = moderator.locator("#question-list > li.live-q--top")
    expect(top).to_have_count(1)
    expect(top).to_contain_text(moderator.locator("#glance-top").inner_text().split(": ", 1)[1][:40])

    # The presenter view shows the pinned question large, with the address to join, and follows the room.
    session_id = moderator.locator("#live-room").get_attribute("data-session-id")
    screen = new_page(viewport={"width": 1600, "height": 900})
    screen.context.add_cookies(moderator.context.cookies())
    screen.goto(f"/sessions/{session_id}/present")
    expect(screen.locator("#present-conn")).to_have_text("Connected")
    other_menu.focus()
    moderator.keyboard.press("Enter")
    expect(question(moderator, wanted).get_by_role("button", name="Mark answered…")).to_be_focused()
    question(moderator, wanted).get_by_role("button", name="Pin").click()
    expect(screen.locator("#present-label")).to_have_text("Pinned question")
    expect(screen.locator("#present-question")).to_have_text(wanted)
    expect(screen.locator(".present-join")).to_contain_text(f"/sessions/{session_id}/room")
    shots.take(screen, "presenter-view")
    violations = check_accessibility(screen, axe_source)
    assert violations == [], dump(violations)
    assert prompts == []  # not one window.prompt or confirm on the way
