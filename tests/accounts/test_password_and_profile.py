"""Password reset by one-time link, password and email changes, the profile page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from exchange.accounts.models import User
from exchange.common.time import utcnow
from tests.accounts.helpers import verification_link
from tests.conftest import TEST_PASSWORD, body_text


def reset_link(outbox, to: str) -> str:
    text = body_text(outbox.last(to=to))
    match = re.search(r"http://localhost(/accounts/reset/\S+)", text)
    assert match, text
    return match.group(1)


def test_reset_request_answers_the_same_for_unknown_addresses(client, make_user, outbox):
    make_user(email="known@example.org")
    known = client.submit("/accounts/reset", {"email": "known@example.org"}, follow_redirects=True)
    unknown = client.submit("/accounts/reset", {"email": "unknown@example.org"}, follow_redirects=True)
    phrase = "If an account uses that address, a reset link is on its way."
    assert phrase in known.get_data(as_text=True) and phrase in unknown.get_data(as_text=True)
    assert [r.to_addr for r in outbox.rows()] == ["known@example.org"]


def test_reset_link_sets_new_password_once(client, db, make_user, outbox):
    user = make_user(email="reset@example.org")
    old_hash = user.password_hash
    client.submit("/accounts/reset", {"email": "reset@example.org"})
    link = reset_link(outbox, "reset@example.org")
    response = client.submit(link, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"},
                             follow_redirects=True)
    assert "Your password is changed" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash != old_hash
    assert outbox.last(to="reset@example.org")["Subject"] == "Your Peer Exchange password was changed"
    # Reused link: refused, password unchanged.
    again = client.get(link)
    assert again.status_code == 400
    assert "not valid or was already used" in again.get_data(as_text=True)
    login = client.submit("/accounts/login", {"email": "reset@example.org", "password": "a brand new passphrase"},
                          follow_redirects=True)
    assert "You are logged in." in login.get_data(as_text=True)


def test_expired_reset_link_is_refused_and_changes_nothing(client, db, make_user, outbox):
    user = make_user(email="late@example.org")
    old_hash = user.password_hash
    client.submit("/accounts/reset", {"email": "late@example.org"})
    link = reset_link(outbox, "late@example.org")
    with time_machine.travel(utcnow() + timedelta(hours=3)):
        response = client.get(link)
        assert response.status_code == 400
        assert "expired" in response.get_data(as_text=True)
        posted = client.post(link, data={"password": "another passphrase 9", "confirm": "another passphrase 9"})
        assert posted.status_code == 400
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_weak_password_on_reset_is_refused_and_link_stays_usable(client, db, make_user, outbox):
    make_user(email="weak@example.org")
    client.submit("/accounts/reset", {"email": "weak@example.org"})
    link = reset_link(outbox, "weak@example.org")
    response = client.submit(link, {"password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_invented_reset_token_is_refused(client):
    assert client.get("/accounts/reset/not-a-real-token").status_code == 400


def test_profile_update_zone_and_language(client, db, make_user, login_as):
    user = make_user()
    login_as(user)
    response = client.submit("/accounts/profile", {"name": "New Name", "timezone": "Asia/Jakarta", "language": "fr"},
                             follow_redirects=True)
    assert response.status_code == 200
    db.session.refresh(user)
    assert (user.name, user.timezone, user.language) == ("New Name", "Asia/Jakarta", "fr")


def test_profile_rejects_unknown_zone_and_keeps_old_values(client, db, make_user, login_as):
    user = make_user(timezone="Africa/Lagos")
    login_as(user)
    response = client.submit("/accounts/profile", {"name": "X", "timezone": "Lagos", "language": "en"})
    assert response.status_code == 400
    assert "Unknown time zone" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.timezone == "Africa/Lagos" and user.name != "X"


def test_change_password_needs_current_and_logs_out_other_devices(app, client, db, make_user, login_as):
    user = make_user(email="pw@example.org")
    other_device = app.test_client()
    login_as(user, other_device)
    login_as(user)
    bad = client.submit("/accounts/profile/password", {"pw-current_password": "wrong one!", "pw-password": "fresh pass phrase",
                                                       "pw-confirm": "fresh pass phrase"}, page="/accounts/profile")
    assert bad.status_code == 400 and "current password is not correct" in bad.get_data(as_text=True)
    ok = client.submit("/accounts/profile/password", {"pw-current_password": TEST_PASSWORD, "pw-password": "fresh pass phrase",
                                                      "pw-confirm": "fresh pass phrase"}, page="/accounts/profile",
                       follow_redirects=True)
    assert "Other devices are logged out" in ok.get_data(as_text=True)
    assert client.get("/accounts/profile").status_code == 200  # this device stays in
    assert other_device.get("/accounts/profile").status_code == 302  # the other one is out


def test_change_email_checks_password_and_uniqueness(client, db, make_user, login_as, outbox):
    make_user(email="taken@example.org")
    user = make_user(email="me@example.org")
    login_as(user)
    taken = client.submit("/accounts/profile/email", {"em-email": "TAKEN@example.org", "em-password": TEST_PASSWORD},
                          page="/accounts/profile", follow_redirects=True)
    # The same answer as for a free address (nobody learns which addresses have accounts); the owner is told.
    assert taken.status_code == 200 and "Another account already uses" not in taken.get_data(as_text=True)
    assert "We sent a message to taken@example.org" in taken.get_data(as_text=True)
    assert outbox.last(to="taken@example.org")["Subject"] == "Someone tried to use your email address on Peer Exchange"
    wrong = client.submit("/accounts/profile/email", {"em-email": "new@example.org", "em-password": "nope nope nope"},
                          page="/accounts/profile")
    assert wrong.status_code == 400
    db.session.refresh(user)
    assert user.email == "me@example.org"
    client.submit("/accounts/profile/email", {"em-email": "New@Example.org", "em-password": TEST_PASSWORD},
                  page="/accounts/profile")
    db.session.refresh(user)
    assert user.email == "me@example.org"  # kept until the new address is proven
    client.submit(verification_link(outbox, "new@example.org"))
    db.session.refresh(user)
    assert user.email == "new@example.org"
    assert outbox.last(to="me@example.org")["Subject"] == "Your Peer Exchange email address was changed"


def test_profile_requires_login(client):
    response = client.get("/accounts/profile")
    assert response.status_code == 302
    assert "/accounts/login" in response.headers["Location"]


def test_user_model_repr_and_flags(make_user):
    user: User = make_user(role="expert")
    assert repr(user) == f"<User {user.id} expert>"
    assert user.is_active


# --- password strength (zxcvbn) and reset links that die with a password change --------------------------------

GUESSABLE = ["qwerty12345", "iloveyou123", "Password2024"]
TOO_EASY = "This password is too easy to guess"
ADVICE = "Add another word or two; a short sentence of unrelated words works well."
SIGN_UP = {"name": "Lina Ortiz", "email": "lina.ortiz@lagos.gov.ng", "timezone": "Africa/Lagos", "language": "en"}


@pytest.mark.parametrize("password", GUESSABLE)
def test_sign_up_refuses_a_guessable_password_and_says_why(client, db, password):
    response = client.submit("/accounts/signup", {**SIGN_UP, "password": password})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert TOO_EASY in page and ADVICE in page
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_reason_is_in_the_readers_language(client, db):
    response = client.submit("/accounts/signup", {**SIGN_UP, "password": "qwerty12345", "language": "es"},
                             headers={"Accept-Language": "es"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Esta contraseña es demasiado fácil de adivinar" in page and "contraseñas más comunes" in page


@pytest.mark.parametrize("password", ["OrtizLina2024", "lina.ortiz!!"])
def test_a_password_made_of_the_name_or_address_is_refused(client, db, password):
    response = client.submit("/accounts/signup", {**SIGN_UP, "password": password})
    assert response.status_code == 400
    assert "must not contain your name or email" in response.get_data(as_text=True)


def test_a_strong_password_is_accepted_at_sign_up(client, db):
    response = client.submit("/accounts/signup", {**SIGN_UP, "password": "lagos open data 2026"})
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert db.session.scalar(select(User.email)) == "lina.ortiz@lagos.gov.ng"


@pytest.mark.parametrize("password", GUESSABLE)
def test_changing_or_resetting_to_a_guessable_password_is_refused(client, db, make_user, login_as, outbox,
                                                                   password):
    user = make_user(email="careful@example.org")
    old_hash = user.password_hash
    login_as(user)
    changed = client.submit("/accounts/profile/password", {"pw-current_password": TEST_PASSWORD,
                                                          "pw-password": password, "pw-confirm": password},
                            page="/accounts/profile")
    assert changed.status_code == 400 and TOO_EASY in changed.get_data(as_text=True)
    client.submit("/accounts/reset", {"email": "careful@example.org"})
    link = reset_link(outbox, "careful@example.org")
    reset = client.submit(link, {"password": password, "confirm": password})
    assert reset.status_code == 400 and TOO_EASY in reset.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == old_hash


def test_a_reset_link_asked_for_before_a_password_change_dies_with_it(client, db, make_user, login_as, outbox):
    user = make_user(email="stolen-mailbox@example.org")
    client.submit("/accounts/reset", {"email": "stolen-mailbox@example.org"})
    link = reset_link(outbox, "stolen-mailbox@example.org")
    assert client.get(link).status_code == 200  # the link works until...
    login_as(user)
    changed = client.submit("/accounts/profile/password", {"pw-current_password": TEST_PASSWORD,
                                                          "pw-password": "fresh pass phrase",
                                                          "pw-confirm": "fresh pass phrase"}, page="/accounts/profile")
    assert changed.status_code == 302  # ...the owner changes the password
    client.submit("/accounts/logout", page="/accounts/profile")
    refused = client.get(link)
    assert refused.status_code == 400 and "not valid or was already used" in refused.get_data(as_text=True)
    posted = client.post(link, data={"password": "the intruder's pick 7", "confirm": "the intruder's pick 7"})
    assert posted.status_code == 400
    login = client.submit("/accounts/login", {"email": "stolen-mailbox@example.org", "password": "fresh pass phrase"})
    assert login.status_code == 302


def test_a_second_reset_kills_the_first_link(client, db, make_user, outbox):
    make_user(email="twice@example.org")
    client.submit("/accounts/reset", {"email": "twice@example.org"})
    first = reset_link(outbox, "twice@example.org")
    client.submit("/accounts/reset", {"email": "twice@example.org"})
    second = reset_link(outbox, "twice@example.org")
    assert first != second
    assert client.submit(second, {"password": "fresh pass phrase", "confirm": "fresh pass phrase"}).status_code == 302
    assert client.get(first).status_code == 400
