"""The live room in real browsers: anonymous questions, votes, moderation, polls, chat, a dropped link,
a phone screen and a keyboard without a mouse. The demo's webinar session is live, with its room open."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import check_accessibility, dump, login, no_sideways_scroll

DEMO = "@demo.peer-exchange.org"
OFFICIAL_NAME = "Adaeze Okafor"  # lagos@ in the demo


def enter_room(page, email: str):
    """Log in, find the open room on /live/ and wait until the room has joined over Socket.IO."""
    login(page, email + DEMO)
    page.goto("/live/")
    page.get_by_role("link", name="Open data that residents actually use").click()
    expect(page.locator("#live-conn")).to_have_attribute("data-state", "connected")
    return page


def question(page, text: str):
    return page.locator("#question-list > li", has_text=text)


def chat_line(page, text: str):
    return page.locator("#chat-list > li", has_text=text)


def chat_ids(page) -> list[str]:
    return page.locator("#chat-list > li").evaluate_all("items => items.map(i => i.dataset.id)")


def send_chat(page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def test_questions_votes_moderation_polls_chat_and_a_dropped_link(new_page, shots):
    tag = uuid.uuid4().hex[:6]
    official = enter_room(new_page(timezone_id="Africa/Lagos"), "lagos")
    expert = enter_room(new_page(timezone_id="America/Chicago"), "chicago.cio")
    moderator = enter_room(new_page(timezone_id="America/Los_Angeles"), "la.data")
    shots.take(official, "room-official")

    # The official asks anonymously: the expert sees the question without a name, and votes.
    asked = f"How did you persuade the budget office to publish raw data? [{tag}]"
    official.get_by_label("Your question").fill(asked)
    official.get_by_label("Ask anonymously").check()
    official.get_by_role("button", name="Ask", exact=True).click()
    expect(question(official, asked)).to_contain_text("Anonymous (you)")
    on_expert = question(expert, asked)
    expect(on_expert).to_contain_text("Anonymous")
    expect(on_expert).not_to_contain_text(OFFICIAL_NAME)
    on_expert.locator("button.live-vote").click()
    expect(on_expert.locator("button.live-vote")).to_have_attribute("aria-pressed", "true")
    expect(question(official, asked).locator("button.live-vote")).to_contain_text("1")
    shots.take(expert, "expert-sees-anonymous-question")

    # The moderator sees who asked (moderators may), and marks it answered with a written answer.
    expect(question(moderator, asked)).to_contain_text(f"{OFFICIAL_NAME} (anonymous to others)")
    question(moderator, asked).locator("summary.live-menu-button").click()
    moderator.get_by_role("button", name="Mark answered…").click()
    answer = moderator.locator("#answer-dialog")
    answer.get_by_label("Written answer (optional)").fill("We started with one dataset the budget office chose.")
    answer.get_by_role("button", name="Save").click()
    expect(answer).to_be_hidden()
    expect(question(official, asked)).to_contain_text("Answered")
    expect(question(official, asked)).to_contain_text("We started with one dataset")
    shots.take(official, "question-answered")

    # A poll runs: the moderator opens it, the official votes, everyone sees the count.
    prompt = f"Which dataset would residents use first? [{tag}]"
    moderator.get_by_text("New poll").click()
    moderator.get_by_label("Question", exact=True).fill(prompt)
    moderator.get_by_label("Options, one per line").fill("Street lights\nBus arrivals\nPermits")
    moderator.get_by_role("button", name="Open poll").click()
    poll = official.locator("#poll-list fieldset", has_text=prompt)
    poll.get_by_label("Bus arrivals").check()
    poll.get_by_role("button", name="Submit my choice").click()
    expect(moderator.locator("#poll-list fieldset", has_text=prompt)).to_contain_text("1 voted")
    expect(expert.locator("#poll-list fieldset", has_text=prompt)).to_contain_text("Bus arrivals — 1")
    shots.take(official, "poll-voted")

    # Chat flows both ways.
    send_chat(expert, f"Welcome from Chicago [{tag}]")
    expect(chat_line(official, f"Welcome from Chicago [{tag}]")).to_have_count(1)
    send_chat(official, f"Thank you from Lagos [{tag}]")
    expect(chat_line(expert, f"Thank you from Lagos [{tag}]")).to_have_count(1)

    # The official's link drops. What happens meanwhile reaches her once she is back, once each.
    official.context.set_offline(True)
    expect(official.locator("#live-conn")).to_have_attribute("data-state", "offline")
    missed_chat = f"Slides are on the exchange page [{tag}]"
    missed_question = f"Which sensors do you use for street lights? [{tag}]"
    send_chat(expert, missed_chat)
    expect(chat_line(moderator, missed_chat)).to_have_count(1)
    expert.get_by_label("Your question").fill(missed_question)
    expert.get_by_role("button", name="Ask", exact=True).click()
    expect(question(moderator, missed_question)).to_have_count(1)
    moderator.locator("#poll-list fieldset", has_text=prompt).get_by_role("button", name="Close poll").click()
    expect(moderator.locator("#poll-list fieldset", has_text=prompt)).to_contain_text("Closed")
    written_offline = f"My link dropped for a moment [{tag}]"
    send_chat(official, written_offline)  # queued until the link is back
    expect(chat_line(official, missed_chat)).to_have_count(0)
    shots.take(official, "offline")

    official.context.set_offline(False)
    expect(official.locator("#live-conn")).to_have_attribute("data-state", "connected")
    expect(chat_line(official, missed_chat)).to_have_count(1)
    expect(question(official, missed_question)).to_have_count(1)
    expect(official.locator("#poll-list fieldset", has_text=prompt)).to_contain_text("Closed")
    expect(chat_line(expert, written_offline)).to_have_count(1)
    expect(chat_line(official, written_offline)).to_have_count(1)
    # Nothing doubled, nothing missing: both people see the same chat, each message once.
    expect(chat_line(official, f"Thank you from Lagos [{tag}]")).to_have_count(1)
    official_ids, expert_ids = chat_ids(official), chat_ids(expert)
    assert len(official_ids) == len(set(official_ids)), official_ids
    assert official_ids == expert_ids
    assert question(official, asked).count() == 1
    shots.take(official, "back-online")


def test_the_live_room_speaks_the_readers_language_with_plural_forms(new_page, shots):
    """The room's script takes its words, role labels and plural forms from the page's one catalogue."""
    problems: list[str] = []
    lucia = enter_room(new_page(timezone_id="America/Mexico_City"), "mexico")  # her profile says Spanish
    lucia.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    joao = enter_room(new_page(timezone_id="America/Sao_Paulo"), "saopaulo")  # his says Portuguese
    assert lucia.evaluate("window.i18n.locale") == "es" and joao.evaluate("window.i18n.locale") == "pt"
    # A string no page script uses is not in the room's catalogue: it stays as written.
    assert joao.evaluate("ngettext('%(num)d expert found.', '%(num)d experts found.', 2, {num: 2})") == "2 experts found."
    assert joao.evaluate("ngettext('%(num)d vote', '%(num)d votes', 2, {num: 2})") == "2 votos"
    # The host's welcome carries the role label in Spanish, not the role's code.
    welcome = lucia.locator("#chat-list > li", has_text="Welcome!").first
    expect(welcome.locator(".pill")).to_have_text("anfitrión")
    # One vote, then two: singular, then plural, in each reader's language.
    asked = f"¿Cómo publicaron los datos del presupuesto? [{uuid.uuid4().hex[:6]}]"
    lucia.get_by_label("Su pregunta").fill(asked)
    lucia.get_by_role("button", name="Preguntar", exact=True).click()
    vote = question(lucia, asked).locator("button.live-vote")
    expect(vote).to_have_attribute("aria-label", re.compile(r"— 0 votos$"))
    vote.click()
    expect(vote).to_have_attribute("aria-label", re.compile(r"^Votado — 1 voto$"))
    question(joao, asked).locator("button.live-vote").click()
    expect(vote).to_have_attribute("aria-label", re.compile(r"^Votado — 2 votos$"))
    expect(question(joao, asked).locator("button.live-vote")).to_have_attribute("aria-label", re.compile(r"^Voto registrado — 2 votos$"))
    expect(lucia.locator("#live-presence")).to_have_text(re.compile(r"^\d+ presentes?$"))
    shots.take(lucia, "room-es-votes")
    assert problems == []


def test_an_event_rebuilds_only_the_item_it_changes_and_the_focus_stays(new_page):
    tag = uuid.uuid4().hex[:6]
    official = enter_room(new_page(), "lagos")
    expert = enter_room(new_page(), "chicago.cio")
    first, second = f"First of two [{tag}]", f"Second of two [{tag}]"
    for text in (first, second):
        official.get_by_label("Your question").fill(text)
        official.get_by_role("button", name="Ask", exact=True).click()
        expect(question(official, text)).to_have_count(1)
    expect(question(expert, second)).to_have_count(1)
    # Mark the nodes the official's page shows now, and put her keyboard focus on the first question's vote.
    official.evaluate("""() => {
        document.querySelectorAll("#question-list > li, #chat-list > li").forEach(n => { n.dataset.before = "1"; });
    }""")
    question(official, first).locator("button.live-vote").focus()
    # Someone votes on the second question: only its item is built again.
    question(expert, second).locator("button.live-vote").click()
    expect(question(official, second).locator("button.live-vote")).to_contain_text("1")
    expect(question(official, second)).not_to_have_attribute("data-before", "1")
    expect(question(official, first)).to_have_attribute("data-before", "1")
    unmarked = official.locator("#chat-list > li:not([data-before])")
    expect(unmarked).to_have_count(0)
    assert official.evaluate("document.activeElement.dataset.key") == question(official, first).locator(
        "button.live-vote").get_attribute("data-key")
    # Her own vote rebuilds her item; the focus comes back to the same button.
    official.keyboard.press("Enter")
    expect(question(official, first).locator("button.live-vote")).to_have_attribute("aria-pressed", "true")
    expect(question(official, first)).not_to_have_attribute("data-before", "1")
    assert official.evaluate("document.activeElement.classList.contains('live-vote')")
    assert tag in official.evaluate("document.activeElement.closest('li').textContent")
    # Her chat message comes back twice (her ack, then the room's event): its node in the live region stays the same.
    mine = f"One message, one node [{tag}]"
    send_chat(official, mine)
    expect(chat_line(official, mine)).to_have_count(1)
    chat_line(official, mine).evaluate("node => { node.dataset.before = '1'; }")
    send_chat(expert, f"And a reply [{tag}]")
    expect(chat_line(official, f"And a reply [{tag}]")).to_have_count(1)
    expect(chat_line(official, mine)).to_have_attribute("data-before", "1")
    expect(official.locator("#chat-list > li:not([data-before])")).to_have_count(1)  # only the reply is new


def test_live_room_on_a_phone(new_page, shots):
    phone = enter_room(new_page(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True,
                                timezone_id="Asia/Jakarta"), "jakarta")
    no_sideways_scroll(phone)
    shots.take(phone, "live-room-phone")
    text = f"Hello from Jakarta on a phone [{uuid.uuid4().hex[:6]}]"
    body = phone.get_by_label("Message")
    body.tap()
    body.fill(text)
    send = phone.get_by_role("button", name="Send", exact=True)
    box = send.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 24, box
    send.tap()
    expect(chat_line(phone, text)).to_have_count(1)
    phone.get_by_role("tab", name=re.compile("^Questions")).tap()  # a phone shows one section at a time
    phone.get_by_label("Your question").fill(f"Can a phone ask too? {text}")
    phone.get_by_role("button", name="Ask", exact=True).tap()
    expect(question(phone, text)).to_have_count(1)
    no_sideways_scroll(phone)
    shots.take(phone, "live-room-phone-after-sending")


def tab_to(page, script: str, limit: int = 80) -> None:
    """Press Tab until `script` (a test on `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({script}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {script}")


def test_live_room_works_with_the_keyboard_alone(new_page, shots):
    page = enter_room(new_page(), "mexico")
    tag = uuid.uuid4().hex[:6]
    # Chat: Tab to the message field, type, Enter sends.
    tab_to(page, "el.id === 'chat-body'")
    page.keyboard.type(f"Typed without a mouse [{tag}]")
    page.keyboard.press("Enter")
    expect(chat_line(page, f"Typed without a mouse [{tag}]")).to_have_count(1)
    # A question: Tab to the field, type, Space on the anonymous box, Enter on the Ask button.
    tab_to(page, "el.id === 'question-body'")
    page.keyboard.type(f"Asked with the keyboard [{tag}]")
    tab_to(page, "el.id === 'question-anon'")
    page.keyboard.press("Space")
    tab_to(page, "el.type === 'submit' && el.form && el.form.id === 'question-form'")
    page.keyboard.press("Enter")
    mine = question(page, f"Asked with the keyboard [{tag}]")
    expect(mine).to_contain_text("Anónimo (usted)")  # Lucía reads the room in Spanish
    # A vote: Tab to that question's vote button, Enter; the focus stays on it after the list re-renders.
    tab_to(page, f"el.classList.contains('live-vote') && el.closest('li').textContent.includes('{tag}')")
    page.keyboard.press("Enter")
    expect(mine.locator("button.live-vote")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("document.activeElement.classList.contains('live-vote')")
    shots.take(page, "keyboard-voted")


@pytest.mark.parametrize("who", ["saopaulo", "la.data"])  # a participant; a moderator (every tool shown)
def test_live_room_has_no_serious_accessibility_violations(new_page, axe_source, who):
    page = enter_room(new_page(), who)
    expect(page.locator("#question-list > li").first).to_be_visible()
    violations = check_accessibility(page, axe_source)
    assert violations == [], dump(violations)
