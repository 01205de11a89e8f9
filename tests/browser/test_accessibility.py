"""axe-core on every main page, as the people who see it: no serious or critical violations."""

from __future__ import annotations

import pytest

from tests.browser.helpers import check_accessibility, dump, login

PAGES = {
    # who: the pages that person sees (an official, an organizer, a visitor who is not logged in)
    "lagos@demo.peer-exchange.org": [
        "/", "/exchanges/", "/exchanges/1", "/exchanges/2/agenda", "/agenda", "/experts/", "/experts/1",
        "/experts/apply", "/requests/", "/cities/", "/cities/lagos", "/accounts/profile", "/officials/profile",
        "/live/", "/sessions/1/summary",
    ],
    "organizer@demo.peer-exchange.org": [
        "/exchanges/1", "/exchanges/new", "/exchanges/1/registrations", "/outbox/", "/experts/review", "/live/",
    ],
    None: ["/", "/exchanges/", "/exchanges/2", "/experts/", "/experts/2", "/cities/"],
}


@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: (who or "visitor").split("@")[0])
def test_main_pages_have_no_serious_accessibility_violations(new_page, axe_source, shots, who):
    page = new_page(timezone_id="Africa/Lagos")
    if who:
        login(page, who)
    found = {}
    for path in PAGES[who]:
        response = page.goto(path)
        assert response.status == 200, f"{path} answered {response.status}"
        shots.take(page, path.strip("/").replace("/", "-") or "home")
        violations = check_accessibility(page, axe_source)
        if violations:
            found[path] = violations
    assert found == {}, dump(found)
