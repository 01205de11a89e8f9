"""The shared core models behave as the features rely on: UTC round trips and calendar identity."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from exchange.calendar.invites import invite_part
from exchange.exchanges.models import ExchangeSession


def test_times_come_back_aware_and_in_utc(db, make_exchange):
    lagos = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Africa/Lagos"))
    exchange = make_exchange(starts_at=lagos)
    db.session.expire_all()
    session = db.session.scalar(select(ExchangeSession).where(ExchangeSession.exchange_id == exchange.id))
    assert session.starts_at.tzinfo is not None
    assert session.starts_at.utcoffset() == timedelta(0)
    assert session.starts_at == lagos  # the same instant
    assert session.starts_at.hour == 8


def test_naive_datetimes_are_refused(db, make_exchange):
    exchange = make_exchange()
    exchange.sessions[0].starts_at = datetime(2027, 1, 1, 9, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_each_session_gets_its_own_stable_calendar_uid(app, db, make_exchange, make_user):
    exchange = make_exchange(sessions=2)
    uids = {s.ical_uid for s in exchange.sessions}
    assert len(uids) == 2
    with app.test_request_context():  # the invite links to the exchange page, built like in a request
        part = invite_part(exchange.sessions[0], make_user(), method="REQUEST")
    assert part.method == "REQUEST"
    text = part.ics.decode()
    assert "METHOD:REQUEST" in text and f"UID:{exchange.sessions[0].ical_uid}" in text
