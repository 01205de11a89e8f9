"""The organizers' dashboard: attendance by group with small groups suppressed in HTML, CSV and SVG."""

from __future__ import annotations

import csv
import io

import pytest

from exchange.reports.models import SelfDescription


def rows(text: str) -> dict[str, list[str]]:
    return {r[0]: r[1:] for r in csv.reader(io.StringIO(text))}


def test_attendance_by_city_suppresses_small_groups_everywhere(closed, client, login_as):
    login_as(closed.organizer)
    url = f"/reports/exchanges/{closed.exchange.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Lagos" in page and "Jakarta" in page and "fewer than 5" in page
    for person in closed.jakarta + closed.lagos:
        assert person.name not in page and person.email not in page  # nobody is named
    by_city = rows(client.get(f"{url}/city.csv").get_data(as_text=True))
    # Lagos 6 registered, all joined; Jakarta 2 and 1: small, and Lagos is hidden with them (total 8 / 7).
    assert by_city["Jakarta"] == ["fewer than 5", "fewer than 5"]
    assert by_city["Lagos"] == ["fewer than 5", "fewer than 5"]
    assert by_city["Total"] == ["8", "7"]
    groups = rows(client.get(f"{url}/stakeholder-group.csv").get_data(as_text=True))
    assert groups["Civil society"] == ["fewer than 5", "fewer than 5"]
    svg = client.get(f"{url}/city.svg")
    assert svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert "<title" in body and "<desc" in body and "fewer than 5" in body
    assert ">2<" not in body and ">1<" not in body and "Jakarta: Registered 2" not in body


def test_large_groups_are_counted(closed, client, login_as, make_official, register, db):
    for i in range(5):
        register(make_official(city="jakarta", group="civil_society", name=f"More {i}"), closed.exchange)
    login_as(closed.organizer)
    by_city = rows(client.get(f"/reports/exchanges/{closed.exchange.id}/city.csv").get_data(as_text=True))
    assert by_city["Jakarta"] == ["7", "fewer than 5"]
    assert by_city["Lagos"] == ["6", "fewer than 5"]  # 6 joined, shown only if not the complement of Jakarta's 1
    assert by_city["Total"] == ["13", "7"]


def test_self_described_gender_is_counted_with_prefer_not_to_say(closed, client, login_as, db):
    for person in closed.lagos[:5]:
        db.session.add(SelfDescription(user_id=person.id, gender="woman", group_identity="prefer_not_to_say"))
    db.session.add(SelfDescription(user_id=closed.lagos[5].id, gender="non_binary", group_identity="yes"))
    db.session.commit()
    login_as(closed.organizer)
    gender = rows(client.get(f"/reports/exchanges/{closed.exchange.id}/gender.csv").get_data(as_text=True))
    assert gender["Woman"][0] == "5"
    assert gender["Non-binary"] == ["fewer than 5", "fewer than 5"]
    assert gender["Not given"][0] == "fewer than 5"
    identity = rows(client.get(f"/reports/exchanges/{closed.exchange.id}/group-identity.csv").get_data(as_text=True))
    assert identity["Prefer not to say"][0] == "5" and identity["Yes"][0] == "fewer than 5"


def test_questions_and_polls_are_reported(closed, client, login_as):
    login_as(closed.organizer)
    questions = rows(client.get(f"/reports/exchanges/{closed.exchange.id}/questions.csv").get_data(as_text=True))
    assert questions[closed.session.title] == ["3", "1", "2", "0"]  # asked, answered live, follow-ups, in writing
    program = rows(client.get("/reports/program/questions.csv").get_data(as_text=True))
    assert program["Open budgets"] == ["3", "1", "2", "0"]


def test_poll_results_suppress_small_groups(ended, client, login_as):
    from exchange.live import services as live

    poll = live.open_poll(ended.session.id, actor=ended.organizer, prompt="Publish first?", options=["Budget", "Contracts"],
                          client_id="p1")["poll"]
    for person in ended.lagos:
        live.vote_poll(ended.session.id, actor=person, poll_id=poll["id"], choices=[poll["options"][0]["id"]])
    live.vote_poll(ended.session.id, actor=ended.jakarta[0], poll_id=poll["id"], choices=[poll["options"][1]["id"]])
    login_as(ended.organizer)
    result = rows(client.get(f"/reports/exchanges/{ended.exchange.id}/poll-{poll['id']}.csv").get_data(as_text=True))
    assert result == {"Group": ["People who chose it"], "Budget": ["fewer than 5"], "Contracts": ["fewer than 5"],
                      "Total": ["7"]}


@pytest.mark.parametrize("path", ["/reports/", "/reports/exchanges/{id}", "/reports/exchanges/{id}/city.csv",
                                  "/reports/program/city.svg", "/reports/follow-ups"])
def test_reports_are_for_organizers_only(closed, client, login_as, path):
    login_as(closed.lagos[0])
    response = client.get(path.format(id=closed.exchange.id))
    assert response.status_code in (403, 404)
    assert "Lagos Person" not in response.get_data(as_text=True)


def test_anonymous_askers_are_not_named_in_reports(closed, client, login_as):
    login_as(closed.organizer)
    for path in ("/reports/", f"/reports/exchanges/{closed.exchange.id}", "/reports/follow-ups"):
        page = client.get(path).get_data(as_text=True)
        assert closed.jakarta[1].name not in page


def test_about_you_is_optional_and_saved(client, login_as, make_user, db):
    user = make_user()
    login_as(user)
    page = client.get("/about-you").get_data(as_text=True)
    assert "Prefer not to say" in page and "only counted" in page
    assert client.submit("/about-you", {"gender": "", "group_identity": ""}).status_code == 302
    client.submit("/about-you", {"gender": "woman", "group_identity": "prefer_not_to_say"})
    row = db.session.get(SelfDescription, user.id)
    assert (row.gender, row.group_identity) == ("woman", "prefer_not_to_say")
    assert client.submit("/about-you", {"gender": "robot"}).status_code == 200
    db.session.refresh(row)
    assert row.gender == "woman"
