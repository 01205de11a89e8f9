"""The demo publishes one outcome note in the library, once."""

from __future__ import annotations

from sqlalchemy import func, select

from exchange.demo import load_demo
from exchange.reports.models import OutcomeNote


def test_demo_note_is_in_the_library_and_loading_again_adds_none(db, client):
    load_demo()
    load_demo()
    assert db.session.scalar(select(func.count()).select_from(OutcomeNote)) == 1
    assert "what travels" in client.get("/library/").get_data(as_text=True)
