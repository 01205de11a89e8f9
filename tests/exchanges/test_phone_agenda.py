"""The agenda and the exchange page on a phone (issue 19 §5): each agenda cell named by its column (the stylesheet
shows the rows as a list at 480 px and below; tests/browser/test_visitor_zone_and_phone.py looks at it), and the
Register button reachable at the top of the exchange page."""

from __future__ import annotations

from pathlib import Path


def test_the_agenda_names_each_cell_for_the_phone_layout(client, make_exchange):
    conference = make_exchange(kind="conference", sessions=3, title="Megacity data summit")
    html = client.get(f"/exchanges/{conference.id}/agenda").get_data(as_text=True)
    assert 'class="table agenda-table"' in html
    for label in ("Time", "Track", "Session"):
        assert f'data-label="{label}"' in html
    css = (Path(__file__).parents[2] / "static" / "css" / "app.css").read_text()
    assert "@media (max-width: 30rem)" in css and ".agenda-table tr { display: flex" in css


def test_the_register_button_is_at_the_top_of_the_exchange_page(client, login_as, make_user, make_exchange, register):
    conference = make_exchange(kind="conference", sessions=6, title="Megacity data summit")
    login_as(make_user())
    html = client.get(f"/exchanges/{conference.id}").get_data(as_text=True)
    jump = html.index('<a class="button" href="#register">Register</a>')
    assert jump < html.index('id="sessions-h"') and 'id="register"' in html
    person = make_user()
    register(person, conference)
    login_as(person)
    assert 'href="#register"' not in client.get(f"/exchanges/{conference.id}").get_data(as_text=True)  # registered


def test_no_register_jump_when_registration_is_closed(client, make_exchange):
    draft = make_exchange(status="draft")
    cancelled = make_exchange(status="cancelled")
    for exchange in (draft, cancelled):
        assert 'href="#register"' not in client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
