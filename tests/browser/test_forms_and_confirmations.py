"""Forms say everything at once and destructive actions ask first — in a real browser, without JavaScript too.

(a) The expert application sent empty with JavaScript off answers with an error summary whose links lead to each
field; with JavaScript on, the summary takes the focus. (b) Cancelling a registration without JavaScript goes
through the confirmation page. (c) axe-core finds no serious or critical violation on the application with its
errors and on the confirmation page.
"""

from __future__ import annotations

from tests.browser.helpers import check_accessibility, dump, login

OFFICIAL = "mumbai@demo.peer-exchange.org"  # used by no other browser test: her registration may be cancelled
WEBINAR = "/exchanges/1"  # the demo's live webinar, where every demo official is registered


def _submit_empty_application(page) -> None:
    page.goto("/experts/apply")
    page.get_by_role("button", name="Submit application").click()
    page.wait_for_load_state()


def test_an_empty_application_without_javascript_lists_every_error_as_a_link(new_page, shots):
    from playwright.sync_api import expect

    page = new_page(java_script_enabled=False)
    login(page, OFFICIAL)
    _submit_empty_application(page)
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    shots.take(page, "application-errors-no-js")
    hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for field in ("#job_title", "#city_government", "#state", "#department", "#topics", "#bio"):
        assert field in hrefs, hrefs
    for href in hrefs:  # every link leads to a control on the page, which shows its own message
        assert page.locator(href).count() == 1, href
    expect(page.locator("#job_title-error")).to_have_text("Enter your job title.")
    expect(page.get_by_label("Job title (required)")).to_have_attribute("aria-invalid", "true")
    summary.get_by_role("link", name="Enter your job title.").click()
    assert page.url.endswith("#job_title")


def test_with_javascript_the_summary_takes_the_focus_and_has_no_accessibility_violations(new_page, axe_source):
    page = new_page()
    login(page, OFFICIAL)
    _submit_empty_application(page)
    page.wait_for_function("document.activeElement && document.activeElement.hasAttribute('data-error-summary')")
    violations = check_accessibility(page, axe_source)
    assert violations == [], dump(violations)


def test_cancelling_a_registration_without_javascript_goes_through_the_confirmation_page(new_page, axe_source, shots):
    from playwright.sync_api import expect

    page = new_page(java_script_enabled=False)
    login(page, OFFICIAL)
    page.goto(WEBINAR)
    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel your registration for")
    expect(page.get_by_text("The sessions leave your calendar: you get a cancellation by email.")).to_be_visible()
    shots.take(page, "confirm-cancel-registration")

    # The way back changes nothing.
    page.get_by_role("link", name="Keep my place").click()
    expect(page.get_by_role("link", name="Cancel my registration")).to_be_visible()

    page.get_by_role("link", name="Cancel my registration").click()
    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.get_by_text("Your registration is cancelled.")).to_be_visible()
    expect(page.get_by_role("link", name="Cancel my registration")).to_have_count(0)

    # axe on the confirmation page (JavaScript on: axe is a script), as an organizer asked to cancel the exchange (the same page).
    checker = new_page()
    login(checker, "organizer@demo.peer-exchange.org")
    checker.goto(WEBINAR + "/cancel")
    expect(checker.get_by_role("button", name="Cancel the exchange")).to_be_visible()
    violations = check_accessibility(checker, axe_source)
    assert violations == [], dump(violations)
    page.goto(WEBINAR)  # register again, so the demo stays as it was for later journeys
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("link", name="Cancel my registration")).to_be_visible()
