"""Fixtures for exchange tests: reference data, organizers, approved experts, calendar parts of emails."""

from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from exchange.experts.models import AvailabilityWindow, City, ExpertProfile


@pytest.fixture
def reference(db):
    """Load the shipped focus areas, topics and cities."""
    from exchange.experts.reference import load_reference_data

    load_reference_data()
    db.session.commit()

    class Ref:
        @staticmethod
        def city(slug: str) -> City:
            return db.session.scalar(select(City).where(City.slug == slug))

    return Ref()


@pytest.fixture
def organizer(make_user):
    return make_user(role="organizer", name="Olivia Organizer", email="olivia@example.org", timezone="America/New_York")


@pytest.fixture
def make_expert(db, make_user):
    """Create an approved expert; `windows` [(weekday, start minute, end minute)] in their zone, or none."""

    def make(*, windows=None, timezone: str = "America/Chicago", **overrides):
        user = make_user(role="expert", timezone=timezone, **overrides)
        profile = ExpertProfile(user=user, status="approved", job_title="CIO", city_government="City", state="IL",
                                timezone=timezone)
        profile.availability = [AvailabilityWindow(weekday=d, start_minute=s, end_minute=e) for d, s, e in windows or []]
        db.session.add(profile)
        db.session.commit()
        return user

    return make


def calendar_of(message) -> Calendar | None:
    """Return the parsed text/calendar part of an email, or None."""
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_content())
    return None


def event_of(message):
    calendar = calendar_of(message)
    assert calendar is not None, "no calendar part"
    return next(iter(calendar.walk("VEVENT")))


def local(text: str) -> datetime:
    """Return a naive wall time from 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M")
