"""Sign-up, login, logout, remember-me and disabled accounts, through the HTTP forms."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import User
from tests.conftest import TEST_PASSWORD, body_text

GOOD = {"name": "Adaeze Okafor", "email": "Adaeze@Lagos.gov.ng", "password": "rivers and bridges 42",
        "timezone": "Africa/Lagos", "language": "en"}


def count_users(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_signup_creates_an_unverified_official_and_emails_a_confirmation_link(client, db, outbox):
    response = client.submit("/accounts/signup", GOOD, follow_redirects=True)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert user.email == "adaeze@lagos.gov.ng"  # stored lower-case
    assert user.role == "official"
    assert user.timezone == "Africa/Lagos"
    assert user.password_hash.startswith("scrypt:")
    assert user.email_verified_at is None
    assert outbox.last(to="adaeze@lagos.gov.ng")["Subject"] == "Welcome to Peer Exchange: confirm your email address"
    # Not logged in by the sign-up (the answer must not differ for a taken address); the password works.
    assert client.get("/accounts/profile").status_code == 302
    login = client.submit("/accounts/login", {"email": GOOD["email"], "password": GOOD["password"]},
                          follow_redirects=True)
    assert "You are logged in." in login.get_data(as_text=True)
    assert client.get("/accounts/profile").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"password": "short"}, "at least 10 characters"),
        ({"password": "1234567890"}, "too easy to guess"),
        ({"password": "aaaaaaaaaaaa"}, "too easy to guess"),
        ({"password": "adaeze-secret-pass"}, "must not contain your name or email"),
        ({"timezone": "Mars/Olympus_Mons"}, "Unknown time zone"),
        ({"language": "xx"}, "Unknown language"),
        ({"email": "not-an-email"}, "Invalid email address"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_signup_input_is_explained_and_creates_nothing(client, db, outbox, change, message):
    response = client.submit("/accounts/signup", {**GOOD, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count_users(db) == 0
    assert outbox.rows() == []


def test_duplicate_email_in_another_case_creates_nothing_and_says_nothing(client, db, make_user, outbox):
    make_user(email="adaeze@lagos.gov.ng")
    response = client.submit("/accounts/signup", {**GOOD, "email": "ADAEZE@LAGOS.GOV.NG"})
    assert response.status_code == 200
    assert "already exists" not in response.get_data(as_text=True)
    assert count_users(db) == 1


def test_form_without_csrf_token_is_refused_and_changes_nothing(client, db):
    response = client.post("/accounts/signup", data=GOOD)
    assert response.status_code == 400
    assert "The form expired or was not sent from this site" in response.get_data(as_text=True)
    assert count_users(db) == 0


def test_signup_page_preselects_zone_detection_and_labels_every_control(client):
    html = client.get("/accounts/signup").get_data(as_text=True)
    assert 'data-detect-zone="1"' in html
    for control in ("name", "email", "password", "timezone", "language"):
        assert f'<label for="{control}"' in html


def test_login_with_email_in_any_case(client, make_user):
    make_user(email="budi@jakarta.go.id", name="Budi")
    response = client.submit("/accounts/login", {"email": " Budi@Jakarta.GO.ID ", "password": TEST_PASSWORD},
                             follow_redirects=True)
    assert "You are logged in." in response.get_data(as_text=True)
    assert client.get("/accounts/profile").status_code == 200


def test_login_errors_do_not_reveal_which_accounts_exist(client, make_user):
    make_user(email="budi@jakarta.go.id")
    wrong_password = client.submit("/accounts/login", {"email": "budi@jakarta.go.id", "password": "wrong password!"})
    no_account = client.submit("/accounts/login", {"email": "nobody@jakarta.go.id", "password": "wrong password!"})
    assert wrong_password.status_code == no_account.status_code == 400
    message = "That email and password do not match an account."
    assert message in wrong_password.get_data(as_text=True)
    assert message in no_account.get_data(as_text=True)
    assert client.get("/accounts/profile").status_code == 302  # still logged out


def test_disabled_account_cannot_log_in(client, make_user):
    make_user(email="gone@example.org", disabled=True)
    response = client.submit("/accounts/login", {"email": "gone@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "disabled" in response.get_data(as_text=True)
    assert client.get("/accounts/profile").status_code == 302


def test_disabling_logs_out_an_open_session(client, db, make_user, login_as):
    from exchange.accounts.services import set_disabled

    user = make_user()
    login_as(user)
    assert client.get("/accounts/profile").status_code == 200
    set_disabled(user, actor=None, disabled=True)
    assert client.get("/accounts/profile").status_code == 302


def test_remember_me_sets_a_lax_httponly_cookie(client, make_user):
    make_user(email="remember@example.org")
    response = client.submit("/accounts/login", {"email": "remember@example.org", "password": TEST_PASSWORD,
                                                 "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    session = [c for c in cookies if c.startswith("session=")]
    assert remember and "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    assert session and "HttpOnly" in session[0] and "SameSite=Lax" in session[0]


def test_login_without_remember_sets_no_remember_cookie(client, make_user):
    make_user(email="forget@example.org")
    response = client.submit("/accounts/login", {"email": "forget@example.org", "password": TEST_PASSWORD})
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


def test_logout_needs_post_with_csrf(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/accounts/logout").status_code == 405
    assert client.post("/accounts/logout").status_code == 400  # no CSRF token: still logged in
    assert client.get("/accounts/profile").status_code == 200
    client.submit("/accounts/logout", page="/")
    assert client.get("/accounts/profile").status_code == 302


def test_login_redirects_only_to_local_next(client, make_user):
    make_user(email="next@example.org")
    evil = client.submit("/accounts/login?next=https://evil.example/", {"email": "next@example.org",
                                                                         "password": TEST_PASSWORD})
    assert evil.headers["Location"] == "/"


def test_welcome_email_is_in_the_recipients_language_zone(client, outbox):
    client.submit("/accounts/signup", {**GOOD, "email": "ana@sp.gov.br", "timezone": "America/Sao_Paulo"})
    message = outbox.last(to="ana@sp.gov.br")
    assert "America/Sao_Paulo" in body_text(message)


def test_password_reset_requests_are_rate_limited_per_address(client, outbox):
    statuses = [client.submit("/accounts/reset", {"email": f"p{i}@example.org"}).status_code for i in range(11)]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429


def _login(client, email: str, remember: bool = False):
    data = {"email": email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.submit("/accounts/login", data)


def test_idle_session_expires_without_remember_me(client, make_user):
    import time_machine

    make_user(email="idle@example.org")
    with time_machine.travel(0, tick=False) as clock:
        clock.move_to("2027-01-10 09:00Z")
        _login(client, "idle@example.org")
        clock.shift(60 * 60)  # an hour later: still in
        assert client.get("/accounts/profile").status_code == 200
        clock.shift(2 * 60 * 60 + 30)  # a little over two hours after the last request: out
        response = client.get("/accounts/profile", follow_redirects=True)
        assert "Your session expired" in response.get_data(as_text=True)
        assert client.get("/accounts/profile").status_code == 302


def test_active_session_still_ends_at_its_absolute_lifetime(client, make_user):
    import time_machine

    make_user(email="busy@example.org")
    with time_machine.travel(0, tick=False) as clock:
        clock.move_to("2027-01-10 09:00Z")
        _login(client, "busy@example.org")
        for _hour in range(23):
            clock.shift(60 * 60)
            assert client.get("/accounts/profile").status_code == 200
        clock.shift(60 * 60 + 60)
        assert client.get("/accounts/profile").status_code == 302


def test_remember_me_survives_idle_time(client, make_user):
    import time_machine

    make_user(email="remembered@example.org")
    with time_machine.travel(0, tick=False) as clock:
        clock.move_to("2027-01-10 09:00Z")
        _login(client, "remembered@example.org", remember=True)
        clock.shift(3 * 24 * 60 * 60)  # three days idle
        assert client.get("/accounts/profile").status_code == 200


def test_login_starts_a_new_session(client, make_user):
    make_user(email="fixation@example.org")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    _login(client, "fixation@example.org")
    with client.session_transaction() as sess:
        assert "planted" not in sess
