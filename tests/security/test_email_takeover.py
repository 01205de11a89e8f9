"""Issue 17's takeover: an official claims an invited address (email change or sign-up) to get into an invite-only,
approval-required exchange. A claimed address grants nothing until its owner proves it through an emailed link."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import User
from exchange.common import permissions
from exchange.common.errors import DomainError
from exchange.exchanges import registrations
from exchange.exchanges.models import Registration
from exchange.live import services as live
from tests.conftest import TEST_PASSWORD

INVITED = "mayor.office@lagos.example"


def _closed_exchange(make_exchange, organizer):
    exchange = make_exchange(visibility="invite_only", requires_approval=True, created_by=organizer,
                             title="Candid budget talk", video_url="https://video.example/secret-room")
    registrations.invite(exchange, actor=organizer, email=INVITED)
    return exchange


def _gets_nothing(db, client, exchange, official) -> None:
    page = client.get(f"/exchanges/{exchange.id}")
    assert page.status_code == 404 and "secret-room" not in page.get_data(as_text=True)
    client.submit(f"/exchanges/{exchange.id}/register", {"city_id": "0"}, page="/")
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0
    assert not permissions.can(official, "exchange.join", exchange)
    with pytest.raises(DomainError):
        live.get_seat(exchange.sessions[0].id, actor=official)


def test_changing_ones_email_to_the_invited_address_gets_nothing(db, client, make_user, login_as, make_exchange,
                                                                 organizer, outbox):
    exchange = _closed_exchange(make_exchange, organizer)
    official = make_user(email="official@lagos.example")
    login_as(official)
    client.submit("/accounts/profile/email", {"em-email": INVITED, "em-password": TEST_PASSWORD},
                  page="/accounts/profile")
    db.session.refresh(official)
    assert official.email == "official@lagos.example"  # the link went to the mayor's office, not to them
    _gets_nothing(db, client, exchange, official)


def test_signing_up_with_the_invited_address_gets_nothing(db, client, make_exchange, organizer, outbox):
    exchange = _closed_exchange(make_exchange, organizer)
    client.submit("/accounts/signup", {"name": "Pretender", "email": INVITED, "password": "pretending is easy 9",
                                       "timezone": "UTC", "language": "en"})
    client.submit("/accounts/login", {"email": INVITED, "password": "pretending is easy 9"})
    assert client.get("/accounts/profile").status_code == 200
    pretender = db.session.scalar(select(User).where(User.email == INVITED))
    _gets_nothing(db, client, exchange, pretender)
