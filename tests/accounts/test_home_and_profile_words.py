"""What the home page and the account page say to each kind of person (issue 19 §5, the small items)."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD


def test_the_home_page_lets_us_city_administrators_apply(client):
    html = client.get("/").get_data(as_text=True)
    card = html[html.index("U.S. city administrators</h3>"):]
    card = card[:card.index("</article>")]
    assert '<a href="/experts/apply">Apply as a peer expert</a>' in card


def test_a_person_who_just_signed_up_is_welcomed_and_later_welcomed_back(client, make_user):
    make_user(email="amaka@lagos.example", name="Amaka Eze", last_login_at=None)  # signed up, never logged in
    first = client.submit("/accounts/login", {"email": "amaka@lagos.example", "password": TEST_PASSWORD},
                          follow_redirects=True).get_data(as_text=True)
    assert "Welcome, Amaka Eze." in first and "Welcome back" not in first
    client.submit("/accounts/logout", page="/")
    again = client.submit("/accounts/login", {"email": "amaka@lagos.example", "password": TEST_PASSWORD},
                          follow_redirects=True).get_data(as_text=True)
    assert "Welcome back, Amaka Eze." in again


def test_logging_in_with_an_unknown_address_says_what_a_wrong_password_says(client, make_user):
    make_user(email="known@example.org")
    unknown = client.submit("/accounts/login", {"email": "nobody@example.org", "password": TEST_PASSWORD})
    wrong = client.submit("/accounts/login", {"email": "known@example.org", "password": "not the password"})
    assert unknown.status_code == wrong.status_code == 400
    assert "No account with that email" not in unknown.get_data(as_text=True)
    assert "That email and password do not match an account." in unknown.get_data(as_text=True)


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
