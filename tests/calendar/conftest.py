"""Calendar fixtures: ical.js, a calendar-store simulator, zoned sessions (smtp_server: tests/conftest.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from ical_tools import CalendarStore, IcalJs


@pytest.fixture(scope="session")
def icaljs() -> IcalJs:
    """Mozilla's ical.js from npm (installed from the committed package-lock.json when missing)."""
    return IcalJs()


@pytest.fixture
def store() -> CalendarStore:
    return CalendarStore()


@pytest.fixture
def zoned_exchange(db, make_exchange):
    """Create an exchange whose sessions start at the given local wall-clock times in `zone`."""
    from exchange.common.time import local_to_utc
    from exchange.exchanges.models import ExchangeSession

    def make(zone: str, locals_: list[datetime], duration: timedelta = timedelta(hours=1), **overrides):
        exchange = make_exchange(sessions=0, timezone=zone, **overrides)
        for index, local in enumerate(locals_):
            start = local_to_utc(local, zone)
            exchange.sessions.append(ExchangeSession(title=f"Week {index + 1}", starts_at=start,
                                                     ends_at=start + duration, timezone=zone))
        db.session.commit()
        return exchange

    return make
