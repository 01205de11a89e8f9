"""Proving an email address: the one-time link of a sign-up and of an email change, resending it, the banner of
an unverified account, and sign-up telling a stranger nothing about which addresses have accounts."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from exchange.accounts.models import EmailVerificationToken, User
from exchange.common.time import utcnow
from exchange.common.tokens import hash_token
from tests.accounts.helpers import verification_link
from tests.conftest import TEST_PASSWORD, body_text

NEW = {"name": "Chidi Obi", "email": "chidi@lagos.example", "password": "rivers and bridges 42",
       "timezone": "Africa/Lagos", "language": "en"}
BANNER = "Confirm your email address: open the link we sent to"


def _user(db, email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_the_link_verifies_once_and_is_kept_only_as_a_hash(client, db, outbox):
    client.submit("/accounts/signup", NEW)
    link = verification_link(outbox, "chidi@lagos.example")
    token = link.rsplit("/", 1)[1]
    row = db.session.scalar(select(EmailVerificationToken))
    assert row.token_hash == hash_token(token) and token not in row.token_hash
    assert "Confirm my email address" in client.get(link).get_data(as_text=True)  # a GET uses nothing up
    assert _user(db, "chidi@lagos.example").email_verified_at is None
    done = client.submit(link, follow_redirects=True)
    assert "Your email address chidi@lagos.example is confirmed." in done.get_data(as_text=True)
    db.session.expire_all()
    assert _user(db, "chidi@lagos.example").email_verified_at is not None
    again = client.get(link)
    assert again.status_code == 400 and "not valid or was already used" in again.get_data(as_text=True)


def test_the_link_expires(client, db, outbox):
    client.submit("/accounts/signup", NEW)
    link = verification_link(outbox, "chidi@lagos.example")
    with time_machine.travel(utcnow() + timedelta(hours=49), tick=False):
        expired = client.get(link)
        assert expired.status_code == 400 and "has expired" in expired.get_data(as_text=True)
    db.session.expire_all()
    assert _user(db, "chidi@lagos.example").email_verified_at is None


def test_an_unverified_account_logs_in_and_sees_the_banner_with_a_rate_limited_resend(client, db, outbox):
    client.submit("/accounts/signup", NEW)
    client.submit("/accounts/login", {"email": NEW["email"], "password": NEW["password"]})
    home = client.get("/").get_data(as_text=True)
    assert BANNER in home and "Send the link again" in home
    assert 'action="/accounts/verify"' in home
    codes = [client.submit("/accounts/verify", page="/").status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert len(outbox.messages(to="chidi@lagos.example")) == 4  # the sign-up's and three more
    # Without the CSRF token the resend is refused.
    assert client.post("/accounts/verify").status_code == 400
    client.submit(verification_link(outbox, "chidi@lagos.example"))
    assert BANNER not in client.get("/").get_data(as_text=True)


def test_a_verified_account_sees_no_banner(client, make_user, login_as):
    login_as(make_user())
    assert BANNER not in client.get("/").get_data(as_text=True)


def test_sign_up_answers_the_same_for_a_taken_address_and_tells_its_owner(client, db, make_user, outbox):
    make_user(email="taken@lagos.example", name="Owner")
    fresh = client.submit("/accounts/signup", NEW)
    taken = client.submit("/accounts/signup", {**NEW, "email": "Taken@Lagos.example"})
    assert (fresh.status_code, taken.status_code) == (200, 200)
    fresh_html = fresh.get_data(as_text=True).replace("chidi@lagos.example", "ADDRESS")
    taken_html = taken.get_data(as_text=True).replace("taken@lagos.example", "ADDRESS")
    strip = lambda html: html.split('<main', 1)[1].split("</main>", 1)[0]  # noqa: E731 - the answer itself
    assert strip(fresh_html) == strip(taken_html)
    assert client.get("/accounts/profile").status_code == 302  # neither answer logged anyone in
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    warning = outbox.last(to="taken@lagos.example")
    assert warning["Subject"] == "Someone tried to use your email address on Peer Exchange"
    text = body_text(warning)
    assert "http://localhost/accounts/login" in text and "http://localhost/accounts/reset" in text
    assert "/accounts/verify/" not in text  # the stranger gets no way in through the owner's mail


def test_an_email_change_keeps_the_old_address_until_the_new_one_is_proven(client, db, make_user, login_as, outbox):
    user = make_user(email="old@lagos.example")
    login_as(user)
    client.submit("/accounts/profile/email", {"em-email": "new@lagos.example", "em-password": TEST_PASSWORD},
                  page="/accounts/profile")
    db.session.refresh(user)
    assert (user.email, user.email_verified_at is not None) == ("old@lagos.example", True)
    assert "Peer Exchange account" in body_text(outbox.last(to="new@lagos.example"))
    # Until then the old address still logs in; the new one does not.
    other = client.application.test_client()
    assert other.submit("/accounts/login", {"email": "new@lagos.example", "password": TEST_PASSWORD}).status_code == 400
    client.submit(verification_link(outbox, "new@lagos.example"))
    db.session.refresh(user)
    assert user.email == "new@lagos.example"
    assert outbox.last(to="old@lagos.example")["Subject"] == "Your Peer Exchange email address was changed"


def test_a_password_reset_link_also_proves_the_address(client, db, make_user, outbox):
    user = make_user(email="forgot@lagos.example", email_verified_at=None)
    client.submit("/accounts/reset", {"email": "forgot@lagos.example"})
    link = body_text(outbox.last(to="forgot@lagos.example")).split("http://localhost", 1)[1].split()[0]
    client.submit(link, {"password": "a brand new passphrase", "confirm": "a brand new passphrase"})
    db.session.refresh(user)
    assert user.email_verified_at is not None


def test_deleting_an_account_forgets_its_pending_address(client, db, make_user, login_as, outbox):
    user = make_user(email="leaving@lagos.example")
    login_as(user)
    client.submit("/accounts/profile/email", {"em-email": "pending@lagos.example", "em-password": TEST_PASSWORD},
                  page="/accounts/profile")
    link = verification_link(outbox, "pending@lagos.example")
    client.submit("/accounts/profile/delete", {"del-password": TEST_PASSWORD}, page="/accounts/profile")
    assert db.session.scalar(select(func.count()).select_from(EmailVerificationToken)) == 0
    assert client.get(link).status_code == 400
