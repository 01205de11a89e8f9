"""From application to invite, in a real browser: an expert applies and is approved, an organizer schedules
a webinar with that expert, an official registers in her own time zone and gets the calendar file and invite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.browser.helpers import login, no_sideways_scroll, wait_for_email

EXPERT = {"name": "Dana Whitcombe", "email": "dana.whitcombe@denvergov.example", "zone": "America/Denver"}
OFFICIAL = "lagos@demo.peer-exchange.org"  # her profile's zone is Africa/Lagos
EXCHANGE_ZONE = "America/New_York"
TITLE = "Street lighting data for safer evenings"


def webinar_start() -> datetime:
    """Ten o'clock in New York two weeks from now (a future date whatever day the tests run)."""
    day = (datetime.now(UTC) + timedelta(days=14)).date()
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo(EXCHANGE_ZONE))


def hhmm(moment: datetime, zone: str) -> str:
    """The time of day as an English reader sees it: "4:00 PM" (exchange/common/timefmt.py: clock)."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local.hour % 12 or 12}:{local.minute:02d}\u202f{'AM' if local.hour < 12 else 'PM'}"


def test_expert_applies_is_approved_scheduled_and_an_official_registers(new_page, server, shots):
    # 1. A U.S. administrator signs up (her browser says Denver) and applies as a peer expert.
    expert = new_page(timezone_id=EXPERT["zone"], locale="en-US")
    expert.goto("/accounts/signup")
    expert.get_by_label("Full name").fill(EXPERT["name"])
    expert.get_by_label("Email").fill(EXPERT["email"])
    expert.get_by_label("Password").fill("mile high open data portal")
    expert.get_by_role("button", name="Create account").click()
    expect(expert.get_by_text("Check your email", exact=True)).to_be_visible()
    login(expert, EXPERT["email"], "mile high open data portal")
    expert.goto("/experts/apply")
    expert.get_by_label("Job title").fill("Chief Data Officer")
    expert.get_by_label("City government").fill("City and County of Denver")
    expert.get_by_label("U.S. state or territory").select_option("CO")
    expert.get_by_label("Department").fill("Technology Services")
    expert.get_by_label("Managing Information").check()
    expert.get_by_label("Open data").check()
    expert.get_by_label("Language 1", exact=True).select_option("en")
    expert.get_by_label("Level of language 1").select_option("native")
    expect(expert.get_by_label("Your time zone")).to_have_value(EXPERT["zone"])
    expert.get_by_label("Day 1", exact=True).select_option("weekdays")
    expert.get_by_label("From (window 1)").fill("08:00")
    expert.get_by_label("Until (window 1)").fill("12:00")
    expert.get_by_label("Short bio").fill("Runs Denver's open data program and its street lighting sensors.")
    shots.take(expert, "expert-application")
    expert.get_by_role("button", name="Submit application").click()
    expect(expert.get_by_text("Your application is waiting for review")).to_be_visible()
    shots.take(expert, "expert-application-sent")

    # 2. An organizer approves the application from the review queue.
    organizer = new_page(timezone_id="America/Chicago")
    login(organizer, "organizer@demo.peer-exchange.org")
    organizer.goto("/experts/review")
    shots.take(organizer, "review-queue")
    organizer.get_by_role("link", name=EXPERT["name"]).click()
    organizer.get_by_role("button", name="Approve").click()
    expect(organizer.get_by_text(f"Decision recorded; {EXPERT['name']} has been emailed.")).to_be_visible()

    # 3. Anyone now finds the expert in the directory.
    visitor = new_page()
    visitor.goto("/experts/")
    expect(visitor.get_by_role("link", name=EXPERT["name"])).to_be_visible()
    shots.take(visitor, "directory-with-new-expert")

    # 4. The organizer schedules a webinar in New York's zone and invites the Denver expert as panelist.
    start = webinar_start()
    organizer.goto("/exchanges/new")
    organizer.get_by_label("Kind").select_option("webinar")
    organizer.get_by_label("Title").fill(TITLE)
    organizer.get_by_label("Description").fill("How Denver publishes lighting outages and what residents did with them.")
    organizer.get_by_label("Time zone of the exchange").select_option(EXCHANGE_ZONE)
    organizer.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
    organizer.get_by_label("Ends").fill((start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    shots.take(organizer, "new-webinar")
    organizer.get_by_role("button", name="Create exchange").click()
    expect(organizer.get_by_text("The exchange is created.")).to_be_visible()
    exchange_url = organizer.url
    organizer.get_by_label("Speaker").select_option(label=f"{EXPERT['name']} ({EXPERT['zone']})")
    organizer.get_by_label("Role").select_option("panelist")
    organizer.get_by_role("button", name="Invite speaker").click()
    expect(organizer.locator(".speakers")).to_contain_text(EXPERT["name"])
    organizer.get_by_role("button", name="Publish").click()
    expect(organizer.get_by_role("button", name="Publish")).to_have_count(0)
    expect(organizer.locator(".times__exchange")).to_contain_text(hhmm(start, EXCHANGE_ZONE))
    shots.take(organizer, "webinar-published")

    # 5. The official in Lagos sees the times in her own zone and registers.
    official = new_page(timezone_id="Africa/Lagos")
    login(official, OFFICIAL)
    official.goto(exchange_url)
    mine = official.locator(".times__mine")
    expect(mine).to_contain_text(hhmm(start, "Africa/Lagos"))
    expect(mine).to_contain_text("Lagos")
    official.get_by_label("Your city").select_option(label="Lagos")
    official.get_by_role("button", name="Register").click()
    expect(official.get_by_text("Your registration:")).to_be_visible()
    shots.take(official, "registered-in-lagos-time")

    # 6. She downloads the calendar file: a published event with a stable UID and the exchange's zone.
    with official.expect_download() as download:
        official.get_by_role("link", name="Download for your calendar (.ics)").click()
    ics = download.value.path().read_text()
    assert "METHOD:PUBLISH" in ics
    assert "UID:" in ics
    assert f"TZID:{EXCHANGE_ZONE}" in ics
    assert f"DTSTART;TZID={EXCHANGE_ZONE}:{start.strftime('%Y%m%dT%H%M%S')}" in ics
    assert TITLE in ics.replace("\r\n ", "")

    # 7. The invite email (a calendar request in her name) reaches the outbox.
    invite = wait_for_email(server, to=OFFICIAL, contains=TITLE)
    calendar = [p for p in invite.walk() if p.get_content_type() == "text/calendar"]
    assert calendar, "the invite has no calendar part"
    body = calendar[0].get_content()
    assert "METHOD:REQUEST" in body and f"TZID:{EXCHANGE_ZONE}" in body and OFFICIAL in body.replace("\r\n ", "")

    # 8. The expert sees the webinar in her own zone (Denver), two hours before New York.
    expert.goto(exchange_url)
    expect(expert.locator(".times__mine")).to_contain_text(hhmm(start, EXPERT["zone"]))
    shots.take(expert, "webinar-in-denver-time")


def test_registration_on_a_phone(new_page, shots):
    phone = new_page(viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, timezone_id="Asia/Jakarta")
    login(phone, "jakarta@demo.peer-exchange.org")
    phone.goto("/exchanges/")
    no_sideways_scroll(phone)
    phone.get_by_role("link", name="Digital conference: deepening citizen engagement").click()
    no_sideways_scroll(phone)
    register = phone.get_by_role("button", name="Register")
    register.scroll_into_view_if_needed()
    box = register.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 24, box
    phone.get_by_label("Your city").select_option(label="Jakarta")
    register.tap()
    expect(phone.get_by_text("Your registration:")).to_be_visible()
    no_sideways_scroll(phone)
    shots.take(phone, "registered-on-phone")
