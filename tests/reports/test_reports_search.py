"""Word search in the knowledge library (`/library/?q=`): published notes and public answers, ranked, with
escaped, highlighted snippets; nothing private, nobody's name, and no query can break it (SQLite and PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from exchange.live import services as live
from exchange.reports import followups
from exchange.reports.models import FollowUp, OutcomeNote
from exchange.reports.search import fts5_query, search_library


def write_note(client, exchange, **fields) -> OutcomeNote:
    data = {"exchange_id": str(exchange.id), "title": "A note", "challenge": "", "practice": "", "lessons": "",
            "next_steps": "", "media_links": "", "status": "published"}
    data.update(fields)
    response = client.submit("/library/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.application.extensions["sqlalchemy"].session.scalar(
        select(OutcomeNote).order_by(OutcomeNote.id.desc()))


def results(client, query: str, **filters) -> list[str]:
    """The titles of the result cards, in order, as shown (marks removed)."""
    response = client.get("/library/", query_string={"q": query, **filters})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    cards = re.findall(r'<article class="card library-hit">\s*<h3 class="h3"><a [^>]*>(.*?)</a>', page, re.S)
    return [re.sub(r"</?mark>", "", c) for c in cards]


def visitor(client):
    return client.application.test_client()


@pytest.fixture
def organizer(closed, client, login_as):
    login_as(closed.organizer)
    return closed.organizer


def test_a_word_in_the_title_ranks_above_the_same_word_once_in_a_body(closed, organizer, client):
    write_note(client, closed.exchange, title="What we learned",
               lessons="Long notes about many things, among them participatory budgeting, staff and data portals.")
    write_note(client, closed.exchange, title="Participatory budgeting in Lagos", practice="Neighbourhood meetings.")
    write_note(client, closed.exchange, title="Unrelated", practice="Street lights.")
    assert results(visitor(client), "budgeting") == ["Participatory budgeting in Lagos", "What we learned"]


def test_snippets_are_escaped_and_only_the_matched_words_are_marked(closed, organizer, client):
    write_note(client, closed.exchange, title="Budgets",
               practice="Open the ledger <script>alert(1)</script> & <b>bold</b> so residents trust it.")
    page = visitor(client).get("/library/?q=ledger").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&amp;" in page
    assert "<mark>ledger</mark>" in page


def test_drafts_and_answers_of_private_exchanges_are_not_found_by_visitors(closed, organizer, client, db,
                                                                           make_exchange, make_user):
    write_note(client, closed.exchange, title="Zeppelin draft", status="draft")
    hidden = make_exchange(title="Closed circle", visibility="invite_only", created_by=closed.organizer)
    session = hidden.sessions[0]
    session.room_status = "open"
    db.session.commit()
    asked = live.ask_question(session.id, actor=closed.organizer, body="Zeppelin question?", anonymous=False,
                              client_id="zq")["question"]
    live.moderate_question(session.id, actor=closed.organizer, question_id=asked["id"], action="answer",
                           answer="A zeppelin answer in a private exchange.")
    draft_exchange = make_exchange(title="Not yet", status="draft")
    write_note(client, draft_exchange, title="Zeppelin of a draft exchange, published note")
    for reader in (visitor(client), client):  # the rule is the same for everybody
        assert results(reader, "zeppelin") == ["Zeppelin of a draft exchange, published note"]
    # Publishing is what puts a note in: the draft note appears once published.
    note = db.session.scalar(select(OutcomeNote).where(OutcomeNote.title == "Zeppelin draft"))
    client.submit(f"/library/{note.id}/edit", {"exchange_id": str(closed.exchange.id), "title": "Zeppelin draft",
                                               "status": "published", "media_links": ""})
    assert "Zeppelin draft" in results(visitor(client), "zeppelin")
    # An exchange made private takes its answers out at once.
    hidden.visibility = "public"
    db.session.commit()
    assert "Zeppelin question?" in results(visitor(client), "zeppelin")
    hidden.visibility = "invite_only"
    db.session.commit()
    assert "Zeppelin question?" not in results(visitor(client), "zeppelin")


def test_answers_from_the_room_and_in_writing_are_found_without_the_askers_names(closed, client, db, make_expert):
    follow_up = db.session.scalar(select(FollowUp).where(FollowUp.question_id == closed.anonymous_id))
    expert = make_expert(name="Written Answerer")
    followups.assign_follow_up(follow_up, actor=closed.organizer, expert_id=expert.user.id)
    followups.answer_follow_up(follow_up, actor=expert.user, answer="Invite the council to the data walk first.")
    reader = visitor(client)
    assert results(reader, "expensive") == ["Was it expensive?"]
    assert results(reader, "council data walk") == ["Candidly: how do you handle a hostile council?"]
    page = reader.get("/library/?q=council").get_data(as_text=True)
    assert "Answered in writing after the session" in page and "<mark>council</mark>" in page
    for person in (*closed.jakarta, *closed.lagos):
        assert person.name not in page
    expensive = reader.get("/library/?q=expensive").get_data(as_text=True)
    assert "Answered in the live room" in expensive and closed.lagos[1].name not in expensive


def test_editing_a_note_changes_what_finds_it(closed, organizer, client):
    note = write_note(client, closed.exchange, title="Budgets", practice="We used a kiosk.")
    assert results(visitor(client), "kiosk") == ["Budgets"]
    client.submit(f"/library/{note.id}/edit", {"exchange_id": str(closed.exchange.id), "title": "Budgets",
                                               "practice": "We used a tablet.", "status": "published",
                                               "media_links": ""})
    assert results(visitor(client), "kiosk") == []
    assert results(visitor(client), "tablet") == ["Budgets"]
    client.submit(f"/library/{note.id}/edit", {"exchange_id": str(closed.exchange.id), "title": "Budgets",
                                               "practice": "We used a tablet.", "status": "draft", "media_links": ""})
    assert results(visitor(client), "tablet") == []


def test_the_words_filter_together_with_the_library_filters(closed, organizer, client, db, reference):
    from exchange.experts.models import City

    lagos = db.session.scalar(select(City).where(City.slug == "lagos"))
    write_note(client, closed.exchange, title="Kiosks in Lagos", city_ids=[str(lagos.id)])
    write_note(client, closed.exchange, title="Kiosks elsewhere")
    assert sorted(results(visitor(client), "kiosks")) == ["Kiosks elsewhere", "Kiosks in Lagos"]
    assert results(visitor(client), "kiosks", city="lagos") == ["Kiosks in Lagos"]
    assert results(visitor(client), "kiosks", city="jakarta") == []


def test_a_phrase_and_an_excluded_word(closed, organizer, client):
    write_note(client, closed.exchange, title="Open budget portal", practice="A portal for budgets.")
    write_note(client, closed.exchange, title="Budget open days", practice="Doors open to the portal team.")
    assert results(visitor(client), '"open budget"') == ["Open budget portal"]
    assert results(visitor(client), "portal -days") == ["Open budget portal"]


@pytest.mark.parametrize("query", ['"', 'budget"', '"budget', "-", "-budget", "*", "budget*", "NEAR(budget portal)",
                                   "budget AND", "OR", "NOT budget", "a:b", "^budget", "(budget", "budget)", "'",
                                   "title:budget", "{budget}", "\\", "%_", "\x00budget", "é" * 300, "budget -",
                                   "<script>"])
def test_no_query_breaks_the_search(closed, organizer, client, query):
    write_note(client, closed.exchange, title="Open budget portal", practice="A portal for budgets.")
    response = visitor(client).get("/library/", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[-1].replace(
        '<script src=', '')


def test_fts5_queries_are_rebuilt_from_words():
    assert fts5_query('budget NEAR(x) "open data" -draft *') == '"budget" AND "NEAR x" AND "open data" NOT "draft"'
    assert fts5_query('-only "" * -') == ""


def test_accents_are_folded_on_sqlite_and_compared_as_written_on_postgresql(closed, organizer, client, db):
    write_note(client, closed.exchange, title="Participação cidadã", practice="Orçamento participativo.")
    assert results(visitor(client), "participação") == ["Participação cidadã"]
    # What the README says: SQLite's FTS5 folds accents; PostgreSQL compares them as written (no `unaccent`).
    folded = ["Participação cidadã"] if db.engine.dialect.name == "sqlite" else []
    assert results(visitor(client), "participacao") == folded
    assert results(visitor(client), "orcamento") == folded


def test_the_language_of_the_exchange_stems_on_postgresql_and_sqlite_matches_words_as_written(closed, organizer,
                                                                                            client, db):
    closed.exchange.languages = "en"
    db.session.commit()
    write_note(client, closed.exchange, title="Budgets", practice="Residents were meeting every week.")
    assert results(visitor(client), "meeting") == ["Budgets"]
    # What the README says: PostgreSQL stems by the exchange's language ("meetings" finds "meeting"); FTS5 does not.
    stemmed = ["Budgets"] if db.engine.dialect.name == "postgresql" else []
    assert results(visitor(client), "meetings") == stemmed


def test_the_service_returns_nothing_for_no_words(closed):
    assert search_library("  -- ** ", {}, viewer=None) == []
