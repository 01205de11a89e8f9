"""Account journeys in a real browser: sign up with the browser's zone, log in, profile."""

from __future__ import annotations

import pytest

from tests.browser.helpers import DEMO_PASSWORD, check_accessibility, dump, login


def test_sign_up_preselects_the_browsers_time_zone(new_page, shots):
    page = new_page(timezone_id="Asia/Jakarta", locale="en-US")
    page.goto("/accounts/signup")
    assert page.get_by_label("Time zone").input_value() == "Asia/Jakarta"
    shots.take(page, "signup-form")
    page.get_by_label("Full name").fill("Sari Wulandari")
    page.get_by_label("Email").fill("sari@jakarta.example")
    page.get_by_label("Password").fill("monsoon rains on the old town")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    assert "Check your email" in page.inner_text("body")
    shots.take(page, "signed-up")
    login(page, "sari@jakarta.example", "monsoon rains on the old town")
    assert "Confirm your email address" in page.inner_text("body")  # the banner of an unverified account
    page.goto("/accounts/profile")
    assert "Jakarta" in page.inner_text("body")


def test_bad_sign_up_shows_the_reason_next_to_the_field(new_page):
    page = new_page()
    page.goto("/accounts/signup")
    page.get_by_label("Full name").fill("Short Password")
    page.get_by_label("Email").fill("short@example.org")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    error = page.locator("#password-error")
    assert "at least 10 characters" in error.inner_text()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"


def test_demo_organizer_logs_in_and_sees_the_outbox(new_page, shots):
    page = new_page()
    login(page, "organizer@demo.peer-exchange.org", DEMO_PASSWORD)
    page.get_by_role("link", name="Outbox").click()
    assert page.get_by_role("heading", name="Outbox").is_visible()
    shots.take(page, "outbox")


@pytest.mark.parametrize("path", ["/", "/accounts/login", "/accounts/signup", "/accounts/reset"])
def test_public_pages_have_no_serious_accessibility_violations(new_page, axe_source, path):
    page = new_page()
    page.goto(path)
    violations = check_accessibility(page, axe_source)
    assert violations == [], dump(violations)


def test_profile_page_has_no_serious_accessibility_violations(new_page, axe_source):
    page = new_page()
    login(page, "lagos@demo.peer-exchange.org")
    page.goto("/accounts/profile")
    assert check_accessibility(page, axe_source) == []


def test_keyboard_user_reaches_main_content_with_the_skip_link(new_page):
    page = new_page()
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_phone_viewport_sign_up_fits_without_sideways_scrolling(new_page, shots):
    page = new_page(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True)
    page.goto("/accounts/signup")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width}px wide"
    shots.take(page, "signup-phone")


def test_the_accessibility_check_itself_finds_a_violation(new_page, axe_source):
    page = new_page()
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><input type="text"></main></body></html>')
    ids = {v["id"] for v in check_accessibility(page, axe_source)}
    assert "label" in ids
