"""Invite-only exchanges: emailed links for people with and without accounts, and their misuse."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import User
from exchange.common.time import utcnow
from exchange.exchanges import registrations, services
from exchange.exchanges.models import Invitation, Registration
from tests.conftest import body_text

LINK = re.compile(r"http://localhost(/exchanges/invitations/[\w-]+)")


def _invite(exchange, organizer, outbox, email="amaka@lagos.example", **extra) -> str:
    registrations.invite(exchange, actor=organizer, email=email, **extra)
    return LINK.search(body_text(outbox.last(to=email.lower()))).group(1)


@pytest.fixture
def private(make_exchange, organizer):
    return make_exchange(visibility="invite_only", capacity=5, created_by=organizer, title="Closed-door budget talk")


def test_a_person_without_an_account_signs_up_through_the_link_and_lands_registered(db, client, private, organizer,
                                                                                    reference, outbox):
    link = _invite(private, organizer, outbox, name="Amaka Eze", city_id=reference.city("lagos").id,
                   stakeholder_group="administrators")
    page = client.get(link).get_data(as_text=True)
    assert "Create your account and register" in page and "amaka@lagos.example" in page
    assert 'value="Amaka Eze"' in page
    response = client.submit(link, {"name": "Amaka Eze", "password": "a long pass phrase", "timezone": "Africa/Lagos",
                                    "language": "en", "city_id": str(reference.city("lagos").id),
                                    "stakeholder_group": "administrators", "needs": ""}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "You are registered" in html and "Closed-door budget talk" in html
    user = db.session.scalar(select(User).where(User.email == "amaka@lagos.example"))
    registration = db.session.scalar(select(Registration).where(Registration.user_id == user.id))
    assert (registration.status, registration.stakeholder_group) == ("registered", "administrators")
    assert "(Lagos, UTC+1)" in body_text(outbox.last(to=user.email))
    assert db.session.scalar(select(Invitation.used_at)) is not None
    # Signed in now, the same link just leads back to the exchange.
    again = client.get(link)
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/exchanges/{private.id}")


def test_an_existing_account_logs_in_then_accepts(db, client, login_as, make_user, private, organizer, outbox):
    person = make_user(email="budi@jakarta.example", timezone="Asia/Jakarta")
    link = _invite(private, organizer, outbox, email="BUDI@jakarta.example")
    anonymous = client.get(link).get_data(as_text=True)
    assert "Log in to accept" in anonymous
    login_as(person)
    page = client.get(f"/exchanges/{private.id}").get_data(as_text=True)  # invited: the page's form works too
    assert 'value="Register"' in page and "by invitation only" not in page
    response = client.submit(link, {"city_id": "0", "stakeholder_group": "tech_leaders"})
    assert response.status_code == 302
    assert registrations.registration_of(private, person).status == "registered"
    assert client.get(f"/exchanges/{private.id}").status_code == 200


def test_the_wrong_person_cannot_use_a_link(db, client, login_as, make_user, private, organizer, outbox):
    link = _invite(private, organizer, outbox)
    intruder = make_user(email="someone.else@example.org")
    login_as(intruder)
    page = client.get(link)
    assert page.status_code == 403
    assert "sent to another email address" in page.get_data(as_text=True)
    post = client.submit(link, {"city_id": "0"}, page="/accounts/profile")
    assert post.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert client.get(f"/exchanges/{private.id}").status_code == 404  # the exchange stays hidden from them


def test_an_expired_link_is_refused(db, client, private, organizer, outbox):
    link = _invite(private, organizer, outbox)
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 400 and "This invitation has expired" in page.get_data(as_text=True)
    post = client.submit(link, {"name": "Late", "password": "a long pass phrase", "timezone": "UTC",
                                "language": "en", "city_id": "0"}, page="/accounts/login")
    assert post.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "amaka@lagos.example")) == 0


def test_a_used_link_cannot_be_used_again(db, app, client, private, organizer, outbox):
    link = _invite(private, organizer, outbox)
    signup = {"name": "Amaka", "password": "a long pass phrase", "timezone": "UTC", "language": "en", "city_id": "0"}
    assert client.submit(link, signup).status_code == 302
    other = app.test_client()  # someone who got hold of the same link, not signed in
    page = other.get(link)
    assert page.status_code == 409 and "already been used" in page.get_data(as_text=True)
    assert other.submit(link, signup, page="/accounts/login").status_code == 409
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "official")) == 1
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_a_made_up_or_replaced_link_is_not_found(db, client, private, organizer, outbox):
    old = _invite(private, organizer, outbox)
    new = _invite(private, organizer, outbox)  # inviting again sends a fresh link; the old one dies
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get("/exchanges/invitations/not-a-real-token").status_code == 404
    assert client.get(new).status_code == 200


def test_invitations_to_a_draft_wait_for_publication(db, make_exchange, organizer, outbox, make_user):
    draft = make_exchange(visibility="invite_only", status="draft", created_by=organizer)
    invitee = make_user()
    registrations.invite(draft, actor=organizer, email=invitee.email)
    assert outbox.messages(to=invitee.email) == []
    services.publish_exchange(draft, actor=organizer)
    assert "You are invited" in body_text(outbox.last(to=invitee.email))


def test_invitees_csv_all_or_nothing_with_every_bad_line(db, client, login_as, private, organizer, reference, outbox):
    login_as(organizer)
    url = f"/exchanges/{private.id}/invitations"
    bad = ("name,email,city,stakeholder_group\n"
           "Amaka Eze,amaka@lagos.example,lagos,administrators\n"
           "No Email,not-an-email,jakarta,tech_leaders\n"
           "Ana,ana@cdmx.example,Atlantis,administrators\n"
           "Raj,raj@mumbai.example,mumbai,astronauts\n"
           "Amaka Again,AMAKA@lagos.example,,\n")
    from io import BytesIO

    response = client.submit(url, {"csv-file": (BytesIO(bad.encode()), "people.csv"), "csv-submit": "1"},
                             content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in html
    for line, reason in [(3, "not a valid email address"), (4, "unknown city “Atlantis”"),
                         (5, "unknown stakeholder group “astronauts”"), (6, "already on line 2")]:
        assert re.search(rf"Line {line}:\s*[^<]*{re.escape(reason)}", html), (line, reason)
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert outbox.messages() == []

    good = ("name,email,city,stakeholder_group\nAmaka Eze,amaka@lagos.example,Lagos,administrators\n"
            "Budi,budi@jakarta.example,jakarta,Tech leaders\n")
    response = client.submit(url, {"csv-file": (BytesIO(good.encode()), "people.csv"), "csv-submit": "1"},
                             content_type="multipart/form-data", follow_redirects=True)
    assert "2 invited, 0 updated" in response.get_data(as_text=True)
    rows = db.session.scalars(select(Invitation).order_by(Invitation.email)).all()
    assert [(r.email, r.city.slug, r.stakeholder_group) for r in rows] == [
        ("amaka@lagos.example", "lagos", "administrators"), ("budi@jakarta.example", "jakarta", "tech_leaders")]
    assert len(outbox.messages()) == 2


def test_invitation_pages_are_for_organizers_only(db, client, login_as, make_user, private):
    login_as(make_user())
    assert client.get(f"/exchanges/{private.id}/invitations").status_code == 404


def test_an_invited_person_skips_approval(db, client, login_as, make_user, make_exchange, organizer, outbox):
    exchange = make_exchange(visibility="invite_only", requires_approval=True, created_by=organizer)
    person = make_user(email="vip@example.org")
    link = _invite(exchange, organizer, outbox, email=person.email)
    login_as(person)
    client.submit(link, {"city_id": "0"})
    assert registrations.registration_of(exchange, person).status == "registered"


def test_password_is_checked_when_signing_up_through_a_link(db, client, private, organizer, outbox):
    link = _invite(private, organizer, outbox)
    response = client.submit(link, {"name": "Amaka", "password": "short", "timezone": "UTC", "language": "en",
                                    "city_id": "0"})
    assert response.status_code == 400 and "at least 10 characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


# -- the address must be proven: squatters get nothing and cannot lock the invitee out -----------------------------


def _sign_up_as_squatter(client, email: str) -> None:
    """Someone who does not own `email` signs up with it and logs in (their account stays unverified)."""
    client.submit("/accounts/signup", {"name": "Squatter", "email": email, "password": "squatting is fun 42",
                                       "timezone": "UTC", "language": "en"})
    client.submit("/accounts/login", {"email": email, "password": "squatting is fun 42"})
    assert client.get("/accounts/profile").status_code == 200  # logged in, unverified


def test_an_unverified_account_with_the_invited_address_gets_nothing(app, db, client, make_exchange, organizer,
                                                                     outbox):
    exchange = make_exchange(visibility="invite_only", requires_approval=True, created_by=organizer)
    _sign_up_as_squatter(client, "vip@example.org")
    registrations.invite(exchange, actor=organizer, email="vip@example.org")
    squatter = db.session.scalar(select(User).where(User.email == "vip@example.org"))
    assert squatter.email_verified_at is None
    assert db.session.scalar(select(Invitation.user_id)) is None  # not bound to an account that proved nothing
    assert client.get(f"/exchanges/{exchange.id}").status_code == 404
    refused = client.submit(f"/exchanges/{exchange.id}/register", {"city_id": "0"}, page="/")
    assert refused.status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert not registrations.is_invited(exchange, squatter)


def test_the_invitee_signs_up_through_the_link_although_a_squatter_took_the_address(app, db, client, make_exchange,
                                                                                  organizer, outbox):
    exchange = make_exchange(visibility="invite_only", requires_approval=True, created_by=organizer)
    squatter_client = app.test_client()
    _sign_up_as_squatter(squatter_client, "vip@example.org")
    link = _invite(exchange, organizer, outbox, email="vip@example.org")
    page = client.get(link).get_data(as_text=True)
    assert "Create your account and register" in page  # an unverified account does not hold the address
    response = client.submit(link, {"name": "Real Invitee", "password": "a long pass phrase", "timezone": "UTC",
                                    "language": "en", "city_id": "0", "stakeholder_group": "", "needs": ""})
    assert response.status_code == 302
    invitee = db.session.scalar(select(User).where(User.email == "vip@example.org"))
    assert invitee.name == "Real Invitee" and invitee.email_verified_at is not None
    assert registrations.registration_of(exchange, invitee).status == "registered"
    # The squatter's account gave the address up: logged out, disabled, and it cannot log in with it any more.
    squatter = db.session.scalar(select(User).where(User.name == "Squatter"))
    assert squatter.disabled and squatter.email != "vip@example.org"
    assert squatter_client.get("/accounts/profile").status_code == 302
    again = squatter_client.submit("/accounts/login", {"email": "vip@example.org", "password": "squatting is fun 42"})
    assert again.status_code == 400


def test_opening_the_invitation_proves_the_address_of_the_same_account(db, client, login_as, make_user,
                                                                       make_exchange, organizer, outbox):
    exchange = make_exchange(visibility="invite_only", requires_approval=True, created_by=organizer)
    person = make_user(email="new.hire@example.org", email_verified_at=None)
    link = _invite(exchange, organizer, outbox, email=person.email)
    login_as(person)
    client.submit(link, {"city_id": "0"})
    db.session.refresh(person)
    assert person.email_verified_at is not None
    assert registrations.registration_of(exchange, person).status == "registered"


def test_a_proven_account_still_keeps_its_address_against_the_link(db, client, make_user, private, organizer, outbox):
    make_user(email="amaka@lagos.example")
    link = _invite(private, organizer, outbox)
    assert "Log in to accept" in client.get(link).get_data(as_text=True)
    response = client.submit(link, {"name": "Someone", "password": "a long pass phrase", "timezone": "UTC",
                                    "language": "en", "city_id": "0"})
    assert response.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
