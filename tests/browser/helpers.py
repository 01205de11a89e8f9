"""Helpers for browser journeys: accessibility checks, logging in, readable dumps."""

from __future__ import annotations

import email
import email.policy
import json
import time

DEMO_PASSWORD = "demo-peer-exchange"


def check_accessibility(page, axe_source: str) -> list[dict]:
    """Run axe-core on the page; return serious and critical violations (id, impact, help, targets)."""
    # Evaluated through the DevTools protocol: our strict CSP (rightly) refuses inline script tags.
    page.evaluate(axe_source + "\n;true")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            found.append({"id": violation["id"], "impact": violation["impact"], "help": violation["help"],
                          "targets": [n["target"] for n in violation["nodes"]][:5]})
    return found


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/accounts/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    # The next page speaks the person's own language: check for the logout button, not a sentence.
    assert page.locator("form[action='/accounts/logout']").count() == 1, page.inner_text("body")[:500]


def dump(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def wait_for_email(server, *, to: str, contains: str, timeout: float = 30.0) -> email.message.Message:
    """Return the first email to `to` whose text contains `contains`, polling the server's outbox folder.

    The server delivers mail from a background thread after the commit, so the file appears a little later.
    """
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while time.monotonic() < deadline:
        seen = []
        for raw in server.outbox():
            message = email.message_from_string(raw, policy=email.policy.default)
            seen.append(f"{message['To']}: {message['Subject']}")
            if to in str(message["To"]) and contains in email_text(message):
                return message
        time.sleep(0.25)  # polling the outbox folder, not waiting for the browser
    raise AssertionError(f"no email to {to} containing {contains!r}; the outbox has:\n" + "\n".join(seen))


def email_text(message: email.message.Message) -> str:
    """Return every text part of an email (plain, HTML, calendar), decoded, joined."""
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
    return "\n".join(parts)


def no_sideways_scroll(page) -> None:
    """Assert the page fits its viewport's width (no horizontal scrolling on a phone)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} is {width}px wide on a {viewport}px screen"
