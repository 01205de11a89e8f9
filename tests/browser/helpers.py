"""Helpers for browser journeys: accessibility checks, logging in, readable dumps."""

from __future__ import annotations

import json

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
    assert "You are logged in." in page.inner_text("body"), page.inner_text("body")[:500]


def dump(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)
