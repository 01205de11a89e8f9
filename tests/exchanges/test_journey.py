"""The "done when" journey, through the HTTP client only, as the people involved would go through it.

An organizer uses the assistant to pick a slot for a speaker in Chicago and officials in Lagos and Jakarta,
schedules a webinar with a panelist, an official registers, a second lands on the waitlist and is promoted
when the first cancels — every step emailed and shown in each person's own zone.
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from exchange.common.time import utcnow, zone_label
from exchange.exchanges.models import Exchange
from tests.conftest import body_text
from tests.exchanges.conftest import calendar_of, event_of


def _link(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match, f"no link like {pattern}"
    return htmllib.unescape(match.group(1))


def test_organizer_schedules_a_webinar_across_three_continents(app, db, login_as, make_user, make_expert_user,
                                                                organizer, reference, outbox):
    marcus = make_expert_user(name="Marcus Reed", email="marcus@chicago.example", timezone="America/Chicago")
    adaeze = make_user(name="Adaeze Okafor", email="adaeze@lagos.example", timezone="Africa/Lagos")
    budi = make_user(name="Budi Santoso", email="budi@jakarta.example", timezone="Asia/Jakarta")
    org, speaker, lagos, jakarta = (app.test_client() for _ in range(4))
    login_as(organizer, org)
    login_as(adaeze, lagos)
    login_as(budi, jakarta)

    # 1. The assistant, for the three people, over a few days next week (shown in the organizer's zone).
    today = utcnow().date()
    query = (f"people={marcus.id}&people={adaeze.id}&people={budi.id}&duration=60"
             f"&date_from={today + timedelta(days=3)}&date_to={today + timedelta(days=9)}&zone=America/New_York")
    page = org.get(f"/exchanges/assistant?{query}").get_data(as_text=True)
    assert "Best start times" in page and "Hours by day" in page
    pick = _link(r'<td><a class="button button--small" href="([^"]+)">Use this time</a>', page)
    args = {k: v[0] for k, v in parse_qs(urlsplit(pick).query).items()}
    assert urlsplit(pick).path == "/exchanges/new" and args["zone"] == "America/New_York"

    # 2. The picked slot lands in the form; the organizer completes and publishes a webinar with one seat.
    form_page = org.get(pick).get_data(as_text=True)
    assert f'value="{args["start"]}"' in form_page
    start = datetime.strptime(args["start"], "%Y-%m-%dT%H:%M")
    response = org.submit("/exchanges/new", {
        "kind": "webinar", "title": "Open data across three continents", "description": "Portals, 311 and *trust*.",
        "timezone": "America/New_York", "languages": "en", "visibility": "public", "capacity": "1",
        "cities": [str(reference.city(s).id) for s in ("chicago", "lagos", "jakarta")],
        "starts_local": args["start"], "ends_local": (start + timedelta(minutes=60)).strftime("%Y-%m-%dT%H:%M"),
        "start_fold": args["fold"], "end_fold": args["fold"], "publish": "y"}, page=pick)
    assert response.status_code == 302, re.findall(r'class="(?:error|notice notice--error)"[^>]*>([^<]+)', response.get_data(as_text=True))
    exchange = db.session.scalar(select(Exchange))
    session = exchange.sessions[0]
    url = f"/exchanges/{exchange.id}"

    def label(zone: str) -> str:
        return zone_label(zone, session.starts_at)

    # 3. Marcus is invited as panelist, accepts by the emailed link and gets a calendar invite in Chicago time.
    org.submit(f"{url}/sessions/{session.id}/speakers", {"user_id": str(marcus.id), "role": "panelist"}, page=url)
    invite = outbox.last(to=marcus.email)
    assert f"({label('America/Chicago')})" in body_text(invite)
    accept = _link(r"http://localhost(/exchanges/speaking/[\w-]+)", body_text(invite))
    assert speaker.submit(accept, {"answer": "accept"}).status_code == 302
    confirmed = outbox.last(to=marcus.email)
    assert calendar_of(confirmed)["METHOD"] == "REQUEST" and f"({label('America/Chicago')})" in body_text(confirmed)

    # 4. Adaeze registers and takes the only seat; her page and email show Lagos time.
    assert lagos.submit(f"{url}/register", {"city_id": str(reference.city("lagos").id),
                                            "stakeholder_group": "innovation_staff"}, page=url).status_code == 302
    her_page = lagos.get(url).get_data(as_text=True)
    assert "registered" in her_page and f"({label('Africa/Lagos')})" in her_page
    registered = outbox.last(to=adaeze.email)
    assert calendar_of(registered)["METHOD"] == "REQUEST" and f"({label('Africa/Lagos')})" in body_text(registered)
    assert "Lagos " in body_text(registered) and "Jakarta " in body_text(registered)  # the cities' line

    # 5. Budi registers: the webinar is full, so he is on the waitlist (emailed, no calendar entry yet).
    jakarta.submit(f"{url}/register", {"city_id": str(reference.city("jakarta").id)}, page=url)
    assert "on the waitlist" in jakarta.get(url).get_data(as_text=True)
    waiting = outbox.last(to=budi.email)
    assert calendar_of(waiting) is None and f"({label('Asia/Jakarta')})" in body_text(waiting)
    # Registration emails wait a short window (a change inside it replaces them); then they go out.
    assert outbox.deliver() >= 2

    # 6. Adaeze cancels: her calendar entry is cancelled and Budi is promoted, with an invite in Jakarta time.
    assert lagos.submit(f"{url}/unregister", {"confirm": "1"}).status_code == 302
    cancelled = outbox.last(to=adaeze.email)
    assert calendar_of(cancelled)["METHOD"] == "CANCEL" and str(event_of(cancelled)["UID"]) == session.ical_uid
    promoted = outbox.last(to=budi.email)
    assert calendar_of(promoted)["METHOD"] == "REQUEST" and "moved from the waitlist" in body_text(promoted)
    assert f"({label('Asia/Jakarta')})" in body_text(promoted)
    agenda = jakarta.get("/agenda").get_data(as_text=True)
    assert "Open data across three continents" in agenda and "registered" in agenda
    assert f"({label('Asia/Jakarta')})" in agenda
    # The organizer sees who is where; the seat count is right.
    manage = org.get(url).get_data(as_text=True)
    assert "Registered 1 · waitlist 0" in manage
