"""An exchange's stored first start and last end follow its sessions (the listings sort and filter on them)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from exchange.common.time import utcnow
from exchange.exchanges.models import Exchange, ExchangeSession


def _bounds(db, exchange_id: int):
    db.session.expire_all()
    return db.session.execute(select(Exchange.first_start, Exchange.last_end)
                              .where(Exchange.id == exchange_id)).one()


def test_bounds_follow_sessions_added_moved_and_removed(db, make_exchange):
    start = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    exchange = make_exchange(sessions=2, starts_at=start)
    first, second = exchange.sessions
    assert _bounds(db, exchange.id) == (start, second.ends_at)
    updated = exchange.updated_at

    later = start + timedelta(days=10)
    exchange.sessions.append(ExchangeSession(title="Closing", starts_at=later, ends_at=later + timedelta(hours=2),
                                             timezone="UTC"))
    db.session.commit()
    assert _bounds(db, exchange.id) == (start, later + timedelta(hours=2))

    earlier = start - timedelta(days=1)
    moved = db.session.get(ExchangeSession, first.id)
    moved.starts_at, moved.ends_at = earlier, earlier + timedelta(hours=1)
    db.session.commit()
    assert _bounds(db, exchange.id)[0] == earlier

    exchange = db.session.get(Exchange, exchange.id)
    for session in list(exchange.sessions):
        db.session.delete(session)
    db.session.commit()
    assert _bounds(db, exchange.id) == (None, None)
    assert db.session.get(Exchange, exchange.id).updated_at == updated  # derived columns are not an edit


def test_the_listing_tells_upcoming_from_past_by_the_stored_bounds(client, make_exchange):
    make_exchange(title="Tomorrow's webinar")
    ongoing = make_exchange(title="A conference under way", sessions=3, starts_at=utcnow() - timedelta(hours=2),
                            duration=timedelta(hours=1))
    assert ongoing.sessions[-1].ends_at > utcnow()  # its last session is still ahead
    make_exchange(title="Last month's meeting", starts_at=utcnow() - timedelta(days=30))
    upcoming = client.get("/exchanges/").get_data(as_text=True)
    past = client.get("/exchanges/?when=past").get_data(as_text=True)
    assert "A conference under way" in upcoming and "Tomorrow&#39;s webinar" in upcoming
    assert upcoming.index("A conference under way") < upcoming.index("Tomorrow&#39;s webinar")  # soonest first
    assert "Last month&#39;s meeting" not in upcoming and "Last month&#39;s meeting" in past


def test_a_session_moved_to_another_exchange_updates_both(db, make_exchange):
    start = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    one = make_exchange(title="One", sessions=2, starts_at=start)
    other = make_exchange(title="Other", starts_at=start + timedelta(days=20))
    last = one.sessions[-1]
    last.exchange = other
    db.session.commit()
    assert _bounds(db, one.id) == (start, start + timedelta(hours=1))
    assert _bounds(db, other.id)[0] == last.starts_at
