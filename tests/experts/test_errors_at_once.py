"""Forms of the experts pages show every problem at once: the expert application, an official's profile, a peer
request and a city each report all their fields' problems in one answer, in an error summary at the top that links
to each field; required fields say so. Withdrawing and cancelling a request ask first."""

from __future__ import annotations

import re

from sqlalchemy import select

from exchange.experts.models import ExpertProfile, OfficialProfile, PeerRequest
from tests.experts.helpers import VALID

SUMMARY = re.compile(r'<div class="error-summary" role="alert" tabindex="-1"[^>]*data-error-summary>(.*?)</div>', re.S)
LINK = re.compile(r'<a href="#([^"]+)">([^<]+)</a>')


def summary_links(html: str) -> dict[str, list[str]]:
    """Return the error summary's links: field id -> the messages linking to it (fails when there is no summary)."""
    found = SUMMARY.search(html)
    assert found, "no error summary on the page"
    links: dict[str, list[str]] = {}
    for target, message in LINK.findall(found.group(1)):
        links.setdefault(target, []).append(message)
    return links


def test_an_empty_expert_application_reports_every_problem_in_one_answer(db, app, make_user, login_as, reference):
    user = make_user(name="Andrea Applicant")
    client = login_as(user, app.test_client())
    response = client.submit("/experts/apply", {"timezone": "", "languages-0-level": "", "state": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    links = summary_links(html)
    # Every field the service checks, in the form's order, each linked to a control that is on the page.
    assert list(links) == ["job_title", "city_government", "state", "department", "topics", "languages-0-code",
                           "timezone", "availability-0-weekday", "bio"]
    for target in links:
        assert f'id="{target}"' in html
    assert links["state"] == ["Choose the U.S. state or territory of your city government."]
    assert links["topics"] == ["Choose at least one topic."]
    assert links["bio"] == ["Enter a short bio."]
    # Each message is also next to its field, tied to it for screen readers.
    assert 'aria-describedby="job_title-help job_title-error"' in html and 'id="job_title-error"' in html
    assert db.session.scalar(select(ExpertProfile)) is None


def test_an_application_with_two_bad_fields_names_both_and_keeps_the_good_ones(db, app, make_user, login_as, reference):
    client = login_as(make_user(), app.test_client())
    form = {**VALID, "job_title": "", "links": "ftp://old.example"}
    html = client.submit("/experts/apply", form).get_data(as_text=True)
    assert list(summary_links(html)) == ["job_title", "links"]
    assert 'value="City of Austin"' in html  # what was right stays filled in


def test_required_fields_are_marked_and_optional_ones_are_not(db, app, make_user, login_as, reference):
    client = login_as(make_user(), app.test_client())
    html = client.get("/experts/apply").get_data(as_text=True)
    label = re.search(r'<label for="job_title">(.*?)</label>', html, re.S).group(1)
    assert "(required)" in label
    assert re.search(r'<input[^>]*id="job_title"[^>]*>', html).group(0).count("required") >= 2  # required, aria-required
    assert 'aria-required="true"' in re.search(r'<textarea[^>]*id="bio"[^>]*>', html).group(0)
    assert "(required)" not in re.search(r'<label for="links">(.*?)</label>', html, re.S).group(1)
    assert "required" not in re.search(r'<textarea[^>]*id="links"[^>]*>', html).group(0)
    # Grouped controls say it in their legend.
    assert re.search(r'<legend>Focus areas and topics <span class="required">\(required\)</span></legend>', html)
    # In the reader's language.
    client.submit("/language", {"lang": "es"}, page="/experts/apply")
    assert "(obligatorio)" in client.get("/experts/apply").get_data(as_text=True)


def test_the_official_profile_reports_every_problem_at_once(db, app, make_user, login_as, reference):
    client = login_as(make_user(), app.test_client())
    response = client.submit("/officials/profile", {"city": "0", "organization": " ", "role_title": "",
                                                     "stakeholder_group": "nobody"})
    assert response.status_code == 400
    assert list(summary_links(response.get_data(as_text=True))) == [
        "city", "organization", "role_title", "stakeholder_group", "languages"]
    assert db.session.scalar(select(OfficialProfile)) is None


def test_a_peer_request_reports_every_problem_at_once(db, app, make_official, login_as):
    client = login_as(make_official(), app.test_client())
    response = client.submit("/requests/new", {"title": "", "description": "", "focus_area": "", "timezone": "Mars/Base",
                                               "hours_start": "18:00", "hours_end": "08:00"})
    assert response.status_code == 400
    assert set(summary_links(response.get_data(as_text=True))) == {
        "title", "description", "focus_area", "languages", "timezone", "hours_start"}
    assert db.session.scalar(select(PeerRequest)) is None


def test_a_city_reports_every_problem_at_once(db, app, organizer, login_as, reference):
    client = login_as(organizer, app.test_client())
    response = client.submit("/cities/new", {"name": "", "country": "", "region": "", "timezone": "Nowhere/Zone"})
    assert response.status_code == 400
    assert list(summary_links(response.get_data(as_text=True))) == ["name", "country", "region", "timezone"]


def test_withdrawing_asks_first_and_a_one_click_post_changes_nothing(db, app, make_expert, login_as):
    profile = make_expert()
    client = login_as(profile.user, app.test_client())
    me = client.get("/experts/me").get_data(as_text=True)
    assert 'href="/experts/me/withdraw"' in me and 'action="/experts/me/withdraw"' not in me  # a link, not a form
    page = client.get("/experts/me/withdraw")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Withdraw from the program?" in html
    assert "Your profile leaves the directory at once." in html
    assert 'name="confirm" value="1"' in html and 'href="/experts/me"' in html  # confirm, or go back
    assert client.submit("/experts/me/withdraw", {}).status_code == 200  # no confirm=1: the same question again
    db.session.expire_all()
    assert db.session.get(ExpertProfile, profile.id).status == "approved"
    assert client.submit("/experts/me/withdraw", {"confirm": "1"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExpertProfile, profile.id).status == "withdrawn"


def test_cancelling_a_request_asks_first(db, app, make_official, make_expert, login_as, outbox):
    official = make_official()
    expert = make_expert()
    req = PeerRequest(official=official, requester=official, expert=expert, status="sent", title="Flood maps",
                      description="How?", timezone="Africa/Lagos", languages="en")
    db.session.add(req)
    db.session.commit()
    client = login_as(official, app.test_client())
    html = client.get(f"/requests/{req.id}/cancel").get_data(as_text=True)
    assert "Cancel the request “Flood maps”?" in html
    assert client.submit(f"/requests/{req.id}/cancel", {}).status_code == 200
    db.session.expire_all()
    assert db.session.get(PeerRequest, req.id).status == "sent" and not outbox.messages(to=expert.user.email)
    client.submit(f"/requests/{req.id}/cancel", {"confirm": "1"})
    db.session.expire_all()
    assert db.session.get(PeerRequest, req.id).status == "cancelled"
