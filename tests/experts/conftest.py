"""Fixtures for the experts feature: reference data, approved experts, officials, images."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from exchange.experts.models import (
    AvailabilityWindow,
    City,
    ExpertLanguage,
    ExpertProfile,
    FocusArea,
    OfficialProfile,
    Topic,
)
from exchange.experts.reference import load_reference_data

WEEKDAYS_9_TO_5 = [(d, 9 * 60, 17 * 60) for d in range(5)]


@pytest.fixture
def reference(db):
    """Load the shipped focus areas, topics and cities."""
    load_reference_data()
    db.session.commit()


@pytest.fixture
def make_expert(db, make_user, reference):
    """Create an expert profile (approved unless told); keyword overrides set profile columns."""

    def make(*, user=None, status: str = "approved", topics=("open-data",), languages=(("en", "native"),),
             timezone: str = "America/New_York", windows=WEEKDAYS_9_TO_5, name: str | None = None,
             **fields) -> ExpertProfile:
        if user is None:
            extra = {"name": name} if name else {}
            user = make_user(role="expert" if status == "approved" else "official", timezone=timezone, **extra)
        topic_rows = list(db.session.scalars(select(Topic).where(Topic.slug.in_(topics))))
        values = {"job_title": "Chief Data Officer", "city_government": "City of Somewhere", "state": "NY",
                  "department": "Innovation", "bio": "Ran the open data program.", "timezone": timezone}
        values.update(fields)
        profile = ExpertProfile(user=user, status=status, topics=topic_rows,
                                focus_areas=list({t.focus_area for t in topic_rows}), **values)
        profile.languages = [ExpertLanguage(code=c, level=lvl) for c, lvl in languages]
        profile.availability = [AvailabilityWindow(weekday=d, start_minute=s, end_minute=e) for d, s, e in windows]
        db.session.add(profile)
        db.session.commit()
        return profile

    return make


@pytest.fixture
def make_official(db, make_user, reference):
    """Create an official with a profile in a city (by slug)."""

    def make(*, city: str = "lagos", languages: str = "en", **user_fields):
        city_row = db.session.scalar(select(City).where(City.slug == city))
        user_fields.setdefault("timezone", city_row.timezone)
        user = make_user(role="official", **user_fields)
        db.session.add(OfficialProfile(user=user, city=city_row, organization="City Hall", role_title="Director",
                                       stakeholder_group="innovation_staff", languages=languages))
        db.session.commit()
        return user

    return make


@pytest.fixture
def area_id(db, reference):
    def get(slug: str) -> int:
        return db.session.scalar(select(FocusArea.id).where(FocusArea.slug == slug))

    return get


def image_bytes(fmt: str = "PNG", size=(800, 600), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None).save(out, format=fmt)
    return out.getvalue()
