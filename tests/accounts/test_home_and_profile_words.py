"""What the home page and the account page say to each kind of person (issue 19 §5, the small items)."""

from __future__ import annotations


def test_the_home_page_lets_us_city_administrators_apply(client):
    html = client.get("/").get_data(as_text=True)
    card = html[html.index("U.S. city administrators</h3>"):]
    card = card[:card.index("</article>")]
    assert '<a href="/experts/apply">Apply as a peer expert</a>' in card


def test_a_person_who_just_signed_up_is_not_welcomed_back(client, login_as, make_user):
    login_as(make_user(name="Amaka Eze", last_login_at=None))
    html = client.get("/").get_data(as_text=True)
    assert "Welcome back" not in html and "Welcome, Amaka Eze." in html


def test_a_pending_applicants_profile_says_her_application_waits_for_review(client, login_as, make_expert):
    pending = make_expert(status="pending")
    login_as(pending.user)
    html = client.get("/accounts/profile").get_data(as_text=True)
    role = html[html.index("<dt>Role</dt>"):]
    role = role[:role.index("</dd>")]
    assert "City official or stakeholder" not in role and "application is waiting for review" in role


def test_an_official_without_an_application_is_still_called_one(client, login_as, make_user):
    login_as(make_user(role="official"))
    html = client.get("/accounts/profile").get_data(as_text=True)
    assert "<dt>Role</dt><dd>City official or stakeholder</dd>" in html
