"""The directory (words, filters, sorting, pages, "available during my working hours") and query counts."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from exchange.experts.models import PeerRequest, Topic
from exchange.experts.services import DirectoryQuery, search_experts


def names(page) -> list[str]:
    return [p.user.name for p in page.experts]


@pytest.fixture
def three(make_expert):
    return [
        make_expert(name="Ada Open", topics=("open-data",), languages=[("en", "native")], state="IL",
                    bio="Opened the city's data portal."),
        make_expert(name="Ben Budget", topics=("participatory-budgeting",), languages=[("en", "native"), ("es", "fluent")],
                    state="MA", job_title="Director of Civic Engagement", bio="Ran youth budgeting."),
        make_expert(name="Cy Night", topics=("procurement",), languages=[("pt", "working")], state="CA",
                    timezone="America/Los_Angeles", windows=[(d, 17 * 60, 21 * 60) for d in range(5)],
                    bio="Reformed purchasing."),
    ]


@pytest.mark.parametrize(("query", "expected"), [
    (DirectoryQuery(), ["Ada Open", "Ben Budget", "Cy Night"]),
    (DirectoryQuery(words="budget"), ["Ben Budget"]),  # name and bio
    (DirectoryQuery(words="civic engagement"), ["Ben Budget"]),  # every word must match somewhere
    (DirectoryQuery(words="procurement"), ["Cy Night"]),  # a topic's name
    (DirectoryQuery(words="PORTAL"), ["Ada Open"]),  # any case
    (DirectoryQuery(words="100%"), []),  # LIKE wildcards are literal
    (DirectoryQuery(focus_area="citizen-engagement"), ["Ben Budget"]),
    (DirectoryQuery(topic="open-data"), ["Ada Open"]),
    (DirectoryQuery(language="es"), ["Ben Budget"]),
    (DirectoryQuery(state="ca"), ["Cy Night"]),
    (DirectoryQuery(sort="state"), ["Cy Night", "Ada Open", "Ben Budget"]),
])
def test_words_filters_and_sorting(db, three, query, expected):
    assert names(search_experts(query, viewer_zone="UTC")) == expected


def test_available_during_my_working_hours_uses_the_viewers_zone(db, three):
    # From Jakarta, only the expert whose Los Angeles evenings are Jakarta mornings is available.
    jakarta = search_experts(DirectoryQuery(available=True), viewer_zone="Asia/Jakarta")
    assert names(jakarta) == ["Cy Night"]
    # From Chicago, the two New York experts are; Los Angeles 17:00-21:00 is Chicago's evening.
    chicago = search_experts(DirectoryQuery(available=True), viewer_zone="America/Chicago")
    assert names(chicago) == ["Ada Open", "Ben Budget"]


def test_only_approved_experts_are_listed(db, make_expert, make_user):
    make_expert(name="Approved Al")
    for status in ("pending", "changes_requested", "rejected", "withdrawn"):
        make_expert(name=f"Hidden {status}", status=status)
    make_expert(user=make_user(name="Disabled Dee", role="expert", disabled=True))
    assert names(search_experts(DirectoryQuery(), viewer_zone="UTC")) == ["Approved Al"]


def test_pagination(db, make_expert):
    for i in range(5):
        make_expert(name=f"Expert {i}")
    page = search_experts(DirectoryQuery(page=2), viewer_zone="UTC", per_page=2)
    assert (names(page), page.total, page.pages) == (["Expert 2", "Expert 3"], 5, 3)
    assert search_experts(DirectoryQuery(page=99), viewer_zone="UTC", per_page=2).page == 3


def test_directory_page_filters_and_never_shows_emails(client, three):
    html = client.get("/experts/?q=&language=es&sort=name").get_data(as_text=True)
    assert "Ben Budget" in html and "Ada Open" not in html
    assert "1 expert found." in html
    assert "@example.org" not in client.get("/experts/").get_data(as_text=True)
    assert "@example.org" not in client.get(f"/experts/{three[0].id}").get_data(as_text=True)


@pytest.mark.parametrize(("args", "message"), [
    ("topic=telepathy", "Unknown topic “telepathy”"),
    ("language=xx", "Unknown language “xx”"),
    ("focus_area=magic", "Unknown focus area “magic”"),
    ("state=ZZ", "Unknown U.S. state “ZZ”"),
    ("sort=salary", "Unknown sort order."),
])
def test_unknown_filters_are_refused_with_a_message(client, three, args, message):
    response = client.get(f"/experts/?{args}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_paging_links_keep_the_filters(client, make_expert):
    for i in range(21):
        make_expert(name=f"Expert {i:02d}", topics=("open-data",))
    html = client.get("/experts/?topic=open-data").get_data(as_text=True)
    assert "21 experts found." in html
    assert "/experts/?topic=open-data&amp;page=2" in html


@contextmanager
def count_queries(engine):
    statements: list[str] = []
    me = threading.get_ident()  # the server's background tasks (presence, revocation watcher) query too

    def listener(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == me:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def test_directory_queries_do_not_grow_with_the_number_of_experts(app, db, make_expert, make_user, login_as):
    viewer = login_as(make_user(timezone="Asia/Jakarta"), app.test_client())
    url = "/experts/?q=data&available=y"

    def count() -> int:
        with count_queries(db.engine) as statements:
            response = viewer.get(url)
        assert response.status_code == 200
        return len(statements)

    def add(n: int) -> None:
        for _ in range(n):
            make_expert(bio="open data", timezone="America/Los_Angeles", languages=[("en", "native"), ("es", "fluent")],
                        topics=("open-data", "data-analytics"), windows=[(d, 17 * 60, 21 * 60) for d in range(5)])

    add(3)
    with_three = count()
    assert "3 experts found." in viewer.get(url).get_data(as_text=True)
    add(27)
    assert count() == with_three
    assert "30 experts found." in viewer.get(url).get_data(as_text=True)
    assert with_three <= 10


def test_suggestions_queries_do_not_grow_with_the_number_of_experts(app, db, make_expert, make_official, login_as,
                                                                   make_exchange, add_speaker):
    official = make_official(city="jakarta")
    topic = db.session.scalar(db.select(Topic).where(Topic.slug == "open-data"))
    req = PeerRequest(official=official, requester=official, title="Open data", description="How?", languages="en",
                      timezone="Asia/Jakarta", topics=[topic])
    db.session.add(req)
    db.session.commit()
    client = login_as(official, app.test_client())
    exchange = make_exchange()

    def add(n: int) -> None:
        for _ in range(n):
            expert = make_expert(languages=[("en", "native"), ("id", "basic")])
            add_speaker(expert.user, exchange.sessions[0])

    def count() -> int:
        with count_queries(db.engine) as statements:
            assert client.get(f"/requests/{req.id}").status_code == 200
        return len(statements)

    add(3)
    with_three = count()
    add(27)
    assert count() == with_three
