"""Fixtures for the experts feature (reference data, experts and officials are shared: tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.experts.models import FocusArea


@pytest.fixture
def area_id(db, reference):
    def get(slug: str) -> int:
        return db.session.scalar(select(FocusArea.id).where(FocusArea.slug == slug))

    return get
