"""The knowledge library: organizers write outcome notes; published ones are public, filterable and safe."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.experts.models import City, FocusArea, Topic
from exchange.reports.models import OutcomeNote


def note_form(exchange, **overrides) -> dict:
    data = {"exchange_id": str(exchange.id), "title": "Publishing budgets in Lagos", "challenge": "Trust was **low**.",
            "practice": "Open the budget <script>alert(1)</script>", "lessons": "Start small.", "next_steps": "",
            "media_links": "recording https://video.example/rec Recording of the session\ndata https://data.example/viz",
            "status": "published"}
    data.update(overrides)
    return data


def test_a_published_note_appears_in_the_library_with_filters(closed, client, login_as, db, reference):
    lagos = db.session.scalar(select(City).where(City.slug == "lagos"))
    area = db.session.scalar(select(FocusArea).order_by(FocusArea.position))
    topic = db.session.scalar(select(Topic).where(Topic.focus_area_id == area.id))
    login_as(closed.organizer)
    form = note_form(closed.exchange, city_ids=[str(lagos.id)], focus_area_ids=[str(area.id)],
                     topic_ids=[str(topic.id)], expert_ids=[str(closed.expert.id)])
    response = client.submit("/library/new", form)
    assert response.status_code == 302
    note = db.session.scalar(select(OutcomeNote))
    client.get("/accounts/logout")
    anonymous = client.application.test_client()
    page = anonymous.get(f"/library/{note.id}").get_data(as_text=True)
    assert "<strong>low</strong>" in page and "<script>alert" not in page and "https://video.example/rec" in page
    assert closed.expert.user.name in page
    for query, found in ((f"?city={lagos.slug}", True), ("?city=jakarta", False), (f"?focus_area={area.slug}", True),
                         (f"?topic={topic.slug}", True), ("", True)):
        listing = anonymous.get(f"/library/{query}").get_data(as_text=True)
        assert ("Publishing budgets in Lagos" in listing) is found, query


def test_drafts_are_for_organizers_only(closed, client, login_as, db):
    login_as(closed.organizer)
    client.submit("/library/new", note_form(closed.exchange, status="draft"))
    note = db.session.scalar(select(OutcomeNote))
    assert client.get(f"/library/{note.id}").status_code == 200
    login_as(closed.lagos[0])
    assert client.get(f"/library/{note.id}").status_code == 404
    assert "Publishing budgets" not in client.get("/library/").get_data(as_text=True)
    assert client.get("/library/new").status_code == 404
    assert client.get(f"/library/{note.id}/edit").status_code == 404


@pytest.mark.parametrize("media", [
    "recording javascript:alert(1)", "photos ftp://files.example/a.jpg", "video https://ok.example/",
    "recording", "data //no-scheme.example/x",
])
def test_bad_media_links_are_refused_and_nothing_is_saved(closed, client, login_as, db, media):
    login_as(closed.organizer)
    response = client.submit("/library/new", note_form(closed.exchange, media_links=media))
    assert response.status_code == 400 and "Line 1" in response.get_data(as_text=True)
    assert db.session.scalar(select(OutcomeNote)) is None
