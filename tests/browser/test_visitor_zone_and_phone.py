"""A visitor's own time from the first page, and the agenda on a phone (issue 19 §4, §5), in Chromium.

A visitor in Lagos (the browser's zone Africa/Lagos) reads Lagos times on an exchange page and on the invitation
she opens before signing up; with JavaScript off she reads UTC and the exchange's zone, said as such; on a 360 px
phone the conference agenda reads as a list and Register is on the first screen. axe-core finds no serious or
critical violation on these pages.
"""

from __future__ import annotations

import re

from tests.browser.helpers import (
    check_accessibility,
    dump,
    email_text,
    login,
    no_sideways_scroll,
    wait_for_email,
)

CONFERENCE = "/exchanges/2"  # the demo's conference next week, in New York's zone
LAGOS = "(Lagos, UTC+1)"


def test_a_visitor_in_lagos_reads_lagos_times_from_her_first_page(new_page, axe_source, shots):
    page = new_page(timezone_id="Africa/Lagos")
    page.goto(CONFERENCE)  # zone.js remembers the browser's zone and loads the page again, once
    mine = page.locator(".times__mine").first
    assert "Your time:" in mine.inner_text() and LAGOS in mine.inner_text()
    assert page.locator(".zone-notice").count() == 0
    assert {c["name"]: c["value"] for c in page.context.cookies()}.get("tz") == "Africa/Lagos"
    assert "Times are shown in Lagos (Africa/Lagos)." in page.inner_text("footer")
    shots.take(page, "exchange-in-lagos")
    assert check_accessibility(page, axe_source) == [], dump(check_accessibility(page, axe_source))

    # She changes it on the zone page, finding Jakarta with the picker's search.
    page.get_by_role("link", name="Change the time zone").click()
    search = page.get_by_label("Find a city or country")
    assert page.locator("select#timezone").input_value() == "Africa/Lagos"
    search.fill("jakarta")
    assert page.locator("select#timezone").input_value() == "Asia/Jakarta"
    assert check_accessibility(page, axe_source) == [], dump(check_accessibility(page, axe_source))
    page.get_by_role("button", name="Set").click()
    page.wait_for_url(re.compile(r"/exchanges/2$"))
    assert "(Jakarta, UTC+7)" in page.locator(".times__mine").first.inner_text()


def test_without_javascript_a_visitor_reads_utc_and_the_exchanges_zone(server, new_page, axe_source, shots):
    page = new_page(timezone_id="Africa/Lagos", java_script_enabled=False)
    page.goto(CONFERENCE)
    mine = page.locator(".times__mine").first.inner_text()
    assert "In UTC:" in mine and "(UTC)" in mine and "Your time" not in mine
    assert "New York" in page.locator(".times__exchange").first.inner_text()
    assert "Times are shown in UTC and in the exchange's own time zone." in page.locator(".zone-notice").inner_text()
    shots.take(page, "exchange-no-js")
    # axe needs script: it reads the same fallback page in a browser whose zone the server did not accept.
    fallback = new_page(timezone_id="Africa/Lagos")
    fallback.context.add_cookies([{"name": "tz", "value": "Nowhere", "url": server.url}])
    fallback.goto(CONFERENCE)
    assert "In UTC:" in fallback.locator(".times__mine").first.inner_text()
    assert check_accessibility(fallback, axe_source) == [], dump(check_accessibility(fallback, axe_source))
    # The picker works without the script: choose Lagos, set it, read Lagos times.
    page.locator(".zone-notice").get_by_role("link", name="Show times in your time zone").click()
    assert page.locator(".zone-search").is_hidden()  # the search needs the script; the select alone works
    page.locator("select#timezone").select_option("Africa/Lagos")
    page.get_by_role("button", name="Set").click()
    page.wait_for_url(re.compile(r"/exchanges/2$"))
    assert LAGOS in page.locator(".times__mine").first.inner_text()


def test_an_invitee_in_lagos_reads_lagos_times_on_her_invitation_before_signing_up(server, new_page, axe_source,
                                                                                  shots):
    organizer = new_page()
    login(organizer, "organizer@demo.peer-exchange.org")
    organizer.goto(CONFERENCE + "/invitations")
    organizer.get_by_label("Email").fill("ngozi@lagos.example")
    organizer.get_by_label("Name").fill("Ngozi Okafor")
    organizer.get_by_role("button", name="Invite", exact=True).click()
    message = wait_for_email(server, to="ngozi@lagos.example", contains="/exchanges/invitations/")
    link = re.search(r"https?://[^/\s]+(/exchanges/invitations/[\w-]+)", email_text(message)).group(1)
    page = new_page(timezone_id="Africa/Lagos")
    page.goto(link)
    mine = page.locator(".times__mine").first.inner_text()
    assert "Your time:" in mine and LAGOS in mine
    assert page.locator("select#timezone").input_value() == "Africa/Lagos"  # the sign-up form proposes her zone
    shots.take(page, "invitation-in-lagos")
    assert check_accessibility(page, axe_source) == [], dump(check_accessibility(page, axe_source))


def test_on_a_phone_the_agenda_is_a_list_and_register_is_on_the_first_screen(new_page, axe_source, shots):
    page = new_page(viewport={"width": 360, "height": 740}, timezone_id="Africa/Lagos", is_mobile=True)
    page.goto(CONFERENCE + "/agenda")
    row = page.locator(".agenda-table tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "flex"
    assert page.locator(".agenda-table thead").first.evaluate("h => h.getBoundingClientRect().height") <= 1
    title, time = row.locator(".agenda-table__title"), row.locator(".agenda-table__time")
    assert title.bounding_box()["y"] < time.bounding_box()["y"]  # the session's title reads first
    no_sideways_scroll(page)
    shots.take(page, "agenda-360")
    assert check_accessibility(page, axe_source) == [], dump(check_accessibility(page, axe_source))

    page.goto(CONFERENCE)
    register = page.locator(".register-jump a")
    box = register.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 740, box  # on the first screen
    register.click()
    assert page.locator("#register").evaluate("s => s.getBoundingClientRect().top") < 740
    no_sideways_scroll(page)
    shots.take(page, "exchange-360")
    assert check_accessibility(page, axe_source) == [], dump(check_accessibility(page, axe_source))
