"""Cities (shipped list, organizers add and edit, city pages) and officials' profiles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exchange.experts.data import CITIES
from exchange.experts.models import City, OfficialProfile

NEW_CITY = {"name": "Kigali", "country": "Rwanda", "region": "Sub-Saharan Africa", "population": "1300000",
            "timezone": "Africa/Kigali"}


def test_the_shipped_cities_are_listed_with_their_zones(client, reference):
    html = client.get("/cities/").get_data(as_text=True)
    assert len(CITIES) >= 30
    assert "Jakarta" in html and "Lagos" in html and "São Paulo" in html


def test_organizers_add_and_edit_cities(db, organizer_client, reference):
    response = organizer_client.submit("/cities/new", NEW_CITY)
    assert response.status_code == 302 and response.headers["Location"].endswith("/cities/kigali")
    city = db.session.scalar(select(City).where(City.slug == "kigali"))
    assert (city.timezone, city.population) == ("Africa/Kigali", 1_300_000)
    response = organizer_client.submit("/cities/kigali/edit", {**NEW_CITY, "name": "Kigali City", "timezone": "Africa/Maputo"})
    assert response.status_code == 302
    db.session.expire_all()
    assert (city.name, city.timezone, city.slug) == ("Kigali City", "Africa/Maputo", "kigali")
    duplicate = organizer_client.submit("/cities/new", {**NEW_CITY, "name": "kigali city"})
    assert duplicate.status_code == 409 and "already on the list" in duplicate.get_data(as_text=True)


@pytest.mark.parametrize(("change", "message"), [
    ({"timezone": "Africa/Wakanda"}, "Unknown time zone “Africa/Wakanda”"),
    ({"timezone": ""}, "Unknown time zone"),
    ({"name": ""}, "Enter the city&#39;s name."),
    ({"country": ""}, "Enter the country."),
    ({"population": "-5"}, "Number must be at least 0."),
    ({"population": str(2**66)}, "Number must be at most 100000000."),  # no INTEGER column holds it (issue 17)
])
def test_bad_cities_are_refused(db, organizer_client, reference, change, message):
    before = db.session.scalar(select(db.func.count()).select_from(City))
    response = organizer_client.submit("/cities/new", {**NEW_CITY, **change})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(City)) == before


def test_only_organizers_manage_cities(app, db, make_user, login_as, reference):
    client = login_as(make_user(role="official"), app.test_client())
    assert client.get("/cities/new").status_code == 403
    assert client.get("/cities/lagos/edit").status_code == 403
    token = client.csrf_token("/cities/")
    assert client.post("/cities/new", data={**NEW_CITY, "csrf_token": token}).status_code == 403
    assert db.session.scalar(select(City).where(City.slug == "kigali")) is None


def test_city_page_shows_public_exchanges_to_all_and_officials_to_organizers(app, db, make_exchange, make_official,
                                                                             organizer, organizer_client, login_as,
                                                                             make_user):
    official = make_official(city="lagos", name="Lola Lagos", email="lola@lagos.example")
    lagos = db.session.scalar(select(City).where(City.slug == "lagos"))
    make_exchange(title="Public webinar for Lagos", cities=[lagos])
    make_exchange(title="Draft plan for Lagos", status="draft", cities=[lagos], created_by=organizer)
    make_exchange(title="Private peer exchange", visibility="invite_only", cities=[lagos], created_by=organizer)
    make_exchange(title="Another team's draft", status="draft", cities=[lagos])
    make_exchange(title="Jakarta only", cities=[db.session.scalar(select(City).where(City.slug == "jakarta"))])
    for viewer in (app.test_client(), login_as(official, app.test_client())):
        html = viewer.get("/cities/lagos").get_data(as_text=True)
        assert "Public webinar for Lagos" in html
        assert "Draft plan" not in html and "Private peer exchange" not in html and "Jakarta only" not in html
        assert "Lola Lagos" not in html and "lola@lagos.example" not in html
    html = organizer_client.get("/cities/lagos").get_data(as_text=True)
    assert "Draft plan for Lagos" in html and "Private peer exchange" in html  # her team's
    assert "Another team&#39;s draft" not in html and "Another team's draft" not in html
    assert "Lola Lagos" in html and "lola@lagos.example" in html
    admin = login_as(make_user(role="admin"), app.test_client())
    assert "Another team" in admin.get("/cities/lagos").get_data(as_text=True)


def test_unknown_city_is_not_found(client, reference):
    assert client.get("/cities/atlantis").status_code == 404


def test_official_profile_from_the_account_page(app, db, make_user, login_as, reference):
    user = make_user()
    client = login_as(user, app.test_client())
    assert "/officials/profile" in client.get("/accounts/profile").get_data(as_text=True)
    mumbai = db.session.scalar(select(City).where(City.slug == "mumbai"))
    response = client.submit("/officials/profile", {
        "city": str(mumbai.id), "organization": "Mumbai Citizens' Forum", "role_title": "Organizer",
        "stakeholder_group": "civil_society", "languages": ["en", "hi", "mr"]})
    assert response.status_code == 302
    profile = db.session.scalar(select(OfficialProfile).where(OfficialProfile.user_id == user.id))
    assert (profile.city.slug, profile.stakeholder_group, profile.languages) == ("mumbai", "civil_society", "en,hi,mr")
    html = client.get("/officials/profile").get_data(as_text=True)
    assert "Mumbai Citizens&#39; Forum" in html and '<option selected value="hi">' in html


@pytest.mark.parametrize(("change", "message"), [
    ({"city": "0"}, "Choose your city from the list."),
    ({"city": "99999"}, "Choose your city from the list."),
    ({"stakeholder_group": "lobbyists"}, "Choose one of the five stakeholder groups."),
    ({"languages": ["en", "zz"]}, "Unknown language “zz”"),
    ({"languages": []}, "Choose at least one language."),
    ({"organization": ""}, "Enter your organization."),
])
def test_bad_official_profiles_are_refused(app, db, make_user, login_as, reference, change, message):
    client = login_as(make_user(), app.test_client())
    lagos = db.session.scalar(select(City).where(City.slug == "lagos"))
    data = {"city": str(lagos.id), "organization": "Lagos State", "role_title": "Director",
            "stakeholder_group": "administrators", "languages": ["en"], **change}
    response = client.submit("/officials/profile", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(OfficialProfile)) is None


def test_cities_are_in_the_menu_and_city_names_link_to_their_page(db, client, make_exchange, reference):
    lagos, jakarta = reference.city("lagos"), reference.city("jakarta")
    exchange = make_exchange(title="Two-city webinar", cities=[lagos, jakarta])
    home = client.get("/").get_data(as_text=True)
    assert '<a href="/cities/">Cities</a>' in home
    for page in (f"/exchanges/{exchange.id}", "/exchanges/"):
        html = client.get(page).get_data(as_text=True)
        assert '<a href="/cities/lagos">Lagos</a>' in html and '<a href="/cities/jakarta">Jakarta</a>' in html


def test_a_city_page_lists_its_officials_by_stakeholder_group_and_its_library_notes(
        app, db, client, make_exchange, make_official, organizer, organizer_client, reference):
    from exchange.reports.models import OutcomeNote

    lagos = reference.city("lagos")
    make_official(city="lagos", group="civil_society", name="Ada Civic", email="ada@lagos.example")
    make_official(city="lagos", group="civil_society", name="Bola Civic", email="bola@lagos.example")
    make_official(city="lagos", group="tech_leaders", name="Chidi Tech", email="chidi@lagos.example")
    make_official(city="jakarta", group="tech_leaders", name="Dewi Jakarta")
    exchange = make_exchange(title="Public webinar for Lagos", cities=[lagos])
    db.session.add_all([
        OutcomeNote(exchange=exchange, title="What Lagos learned about open budgets", status="published",
                    cities=[lagos], published_at=exchange.created_at),
        OutcomeNote(exchange=exchange, title="A draft about Lagos", status="draft", cities=[lagos]),
        OutcomeNote(exchange=exchange, title="Jakarta's note", status="published", cities=[reference.city("jakarta")],
                    published_at=exchange.created_at),
    ])
    db.session.commit()
    visitor = client.get("/cities/lagos").get_data(as_text=True)
    assert "Civil society" in visitor and "Civil society: 2" in visitor.replace("</span>", "")
    assert "Ada Civic" not in visitor and "ada@lagos.example" not in visitor  # counts only, never names
    assert "What Lagos learned about open budgets" in visitor
    assert "A draft about Lagos" not in visitor and "Jakarta&#39;s note" not in visitor and "Jakarta's note" not in visitor
    organizers = organizer_client.get("/cities/lagos").get_data(as_text=True)
    civil = organizers.index("<caption>Civil society")
    tech = organizers.index("<caption>Technology")
    # Groups in the vocabulary's order (technology leaders before civil society), people by name in each.
    assert tech < organizers.index("Chidi Tech") < civil < organizers.index("Ada Civic") < organizers.index("Bola Civic")
    assert "Dewi Jakarta" not in organizers
