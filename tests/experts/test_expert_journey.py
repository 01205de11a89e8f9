"""The whole journey as a new user makes it, through the HTTP client: apply, approval, directory, matching, request, accept."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from exchange.accounts.models import User
from exchange.experts.models import City, ExpertProfile, PeerRequest
from tests.conftest import body_text


def test_us_administrator_applies_is_approved_found_matched_and_accepts(app, db, client, make_user, login_as,
                                                                        outbox, reference):
    # 1. A U.S. administrator signs up (as everyone does) and applies as a peer expert.
    response = client.submit("/accounts/signup", {
        "name": "Maya Chen", "email": "maya@cityofboston.example", "password": "open data for everyone",
        "timezone": "America/New_York", "language": "en"}, follow_redirects=True)
    assert response.status_code == 200
    response = client.submit("/accounts/login", {"email": "maya@cityofboston.example",
                                                  "password": "open data for everyone"})
    assert response.status_code == 302
    response = client.submit("/experts/apply", {
        "job_title": "Chief Data Officer", "city_government": "City of Boston", "state": "MA",
        "department": "Department of Innovation and Technology",
        "focus_areas": ["managing-information"], "topics": ["open-data", "data-analytics"],
        "languages-0-code": "en", "languages-0-level": "native", "languages-1-code": "fr", "languages-1-level": "working",
        "timezone": "America/New_York",
        "availability-0-weekday": "weekdays", "availability-0-start": "07:00", "availability-0-end": "12:00",
        "bio": "Built Boston's open data portal and the 311 dashboards.",
        "links": "https://data.boston.gov/",
    }, follow_redirects=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Your application is waiting for review" in response.get_data(as_text=True)
    maya = db.session.scalar(select(User).where(User.email == "maya@cityofboston.example"))
    profile = db.session.scalar(select(ExpertProfile).where(ExpertProfile.user_id == maya.id))
    assert profile.status == "pending" and maya.role == "official"  # an expert only once approved

    # Not public yet: not in the directory, and her page is "not found" to others.
    visitor = app.test_client()
    assert "Maya Chen" not in visitor.get("/experts/").get_data(as_text=True)
    assert visitor.get(f"/experts/{profile.id}").status_code == 404

    # 2. An organizer finds her in the queue and approves; she is emailed.
    organizer = login_as(make_user(role="organizer", name="Olivia Organizer"), app.test_client())
    assert "Maya Chen" in organizer.get("/experts/review").get_data(as_text=True)
    response = organizer.submit(f"/experts/review/{profile.id}", {"decision": "approved", "reason": ""})
    assert response.status_code == 302
    approved = outbox.last(to="maya@cityofboston.example")
    assert approved["Subject"] == "Your peer expert application is approved"
    db.session.expire_all()
    assert db.session.get(User, maya.id).role == "expert"

    # 3. She is in the public directory, found by words, and her email is nowhere on her page.
    listing = visitor.get("/experts/?q=open+data").get_data(as_text=True)
    assert "Maya Chen" in listing
    page = visitor.get(f"/experts/{profile.id}").get_data(as_text=True)
    assert "Chief Data Officer" in page and "maya@cityofboston.example" not in page

    # 4. A Lagos official fills in the official profile and describes a matching challenge.
    official = make_user(name="Adaeze Okafor", email="adaeze@lagos.example", timezone="Africa/Lagos")
    lagos_client = login_as(official, app.test_client())
    lagos = db.session.scalar(select(City).where(City.slug == "lagos"))
    response = lagos_client.submit("/officials/profile", {
        "city": str(lagos.id), "organization": "Lagos State Government", "role_title": "Director of Innovation",
        "stakeholder_group": "innovation_staff", "languages": ["en", "yo"]})
    assert response.status_code == 302
    response = lagos_client.submit("/requests/new", {
        "title": "Opening our budget data", "description": "We want residents to use our budget data.",
        "focus_area": "managing-information", "topics": ["open-data"], "languages": ["en"],
        "timezone": "Africa/Lagos", "hours_start": "08:00", "hours_end": "18:00"})
    assert response.status_code == 302
    request_path = urlsplit(response.headers["Location"]).path
    suggestions = lagos_client.get(request_path).get_data(as_text=True)
    assert "Maya Chen" in suggestions
    assert "1 shared topic: Open data" in suggestions and "Speaks English (native)" in suggestions
    assert re.search(r"\d+(\.\d)? hours a week of shared working hours", suggestions)

    # 5. She asks Maya; Maya is emailed, opens the request and accepts; the official is emailed.
    response = lagos_client.submit(f"{request_path}/send", {"expert": str(profile.id)}, page=request_path)
    assert response.status_code == 302
    asked = outbox.last(to="maya@cityofboston.example")
    assert "Opening our budget data" in asked["Subject"]
    assert "We want residents to use our budget data." in body_text(asked)
    maya_client = login_as(maya, app.test_client())
    assert "Accept" in maya_client.get(request_path).get_data(as_text=True)
    response = maya_client.submit(f"{request_path}/respond", {"answer": "accept", "note": "Happy to help."},
                                  page=request_path)
    assert response.status_code == 302
    accepted = outbox.last(to="adaeze@lagos.example")
    assert accepted["Subject"] == "Maya Chen accepted your peer request"
    assert "maya@cityofboston.example" in body_text(accepted)  # now she may be contacted directly

    # 6. The organizer sees the link that turns the request into a peer exchange.
    req = db.session.scalar(select(PeerRequest))
    page = organizer.get(request_path).get_data(as_text=True)
    link = re.search(r'href="(/exchanges/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    params = parse_qs(urlsplit(link).query)
    assert params == {"kind": ["peer_exchange"], "title": ["Opening our budget data"],
                      "description": params["description"], "topics": ["open-data"], "speaker": [str(maya.id)],
                      "invitee": [str(official.id)], "peer_request": [str(req.id)]}
    assert "We want residents to use our budget data." in params["description"][0]
