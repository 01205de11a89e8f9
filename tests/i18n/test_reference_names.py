"""Reference data is stored in English and shown in the reader's language: focus areas, topics, cities, states."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from icalendar import Calendar
from sqlalchemy import select

from exchange.calendar.services import invite_part
from exchange.common.i18n import translated
from exchange.experts import matching
from exchange.experts.models import City, FocusArea, Topic
from exchange.mail.services import Recipient


def test_names_are_stored_in_english(db, reference):
    assert db.session.scalar(select(Topic.name).where(Topic.slug == "open-data")) == "Open data"
    assert db.session.scalar(select(City.country).where(City.slug == "cairo")) == "Egypt"


@pytest.mark.parametrize(("accept", "area", "topic"), [
    ("pt-BR", "Gestão da informação", "Dados abertos"),
    ("es", "Gestión de la información", "Datos abiertos"),
    ("fr", "Gestion de l’information", "Données ouvertes"),
    ("en", "Managing Information", "Open data"),
])
def test_the_directory_shows_focus_areas_and_topics_in_the_readers_language(client, make_expert, accept, area, topic):
    make_expert(topics=("open-data",))
    html = client.get("/experts/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f">{area}</option>" in html and f">{topic}</option>" in html  # the filters
    assert f'<span class="pill">{topic}</span>' in html  # the expert's card


def test_topics_are_listed_in_the_readers_alphabetical_order(client, reference):
    html = client.get("/experts/", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    group = html[html.index('<optgroup label="Gestão da informação">'):]
    group = group[:group.index("</optgroup>")]
    names = ["Análise de dados", "Central de atendimento ao cidadão (311) e monitoramento dos serviços",
             "Cibersegurança e privacidade", "Dados abertos", "Inclusão digital", "Participação pelo celular"]
    assert [group.index(n) for n in names] == sorted(group.index(n) for n in names)


def test_a_name_an_organizer_typed_shows_as_typed(client, db, make_expert):
    area = db.session.scalar(select(FocusArea).where(FocusArea.slug == "managing-information"))
    db.session.add(Topic(slug="smart-lighting", name="Iluminação inteligente", focus_area=area))
    db.session.commit()
    html = client.get("/experts/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert ">Iluminação inteligente</option>" in html
    assert translated("Iluminação inteligente") == "Iluminação inteligente"
    assert translated("") == "" and translated(None) == ""


@pytest.mark.parametrize(("accept", "words", "found"), [
    ("pt-BR", "dados abertos", True),      # the topic's Portuguese name
    ("es", "datos", True),
    ("fr", "données", True),
    ("en", "open data", True),
    ("en", "dados", False),                # English readers search the English names
    ("pt-BR", "cibersegurança", False),    # a topic the expert does not have
])
def test_searching_topics_works_in_the_readers_language(client, make_expert, accept, words, found):
    make_expert(topics=("open-data",), bio="Portal.", job_title="CIO", department="TI", city_government="Boston")
    html = client.get(f"/experts/?q={words}", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert ('class="expert-card"' in html) is found


def test_cities_countries_and_regions_are_translated(client, reference):
    html = client.get("/cities/cairo", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "<h1>Le Caire</h1>" in html and "<dd>Égypte</dd>" in html and "<dd>Moyen-Orient et Afrique du Nord</dd>" in html
    html = client.get("/cities/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert html.index("Bombay") < html.index("Ciudad de México") < html.index("El Cairo")  # sorted as read


def test_us_states_are_translated_and_sorted_in_the_choices(client, make_user, login_as):
    login_as(make_user(language="es"))
    html = client.get("/experts/apply").get_data(as_text=True)
    assert '<option value="NY">Nueva York</option>' in html
    assert html.index(">Carolina del Norte<") < html.index(">Nueva York<") < html.index(">Virginia Occidental<")


def test_matching_reasons_name_topics_and_focus_areas_in_the_readers_language(app):
    reasons = [matching.Reason("topics", 2, {"count": 2, "names": ["Open data", "Data analytics"]}),
               matching.Reason("focus_area", 1, {"name": "Managing Information"}),
               matching.Reason("hours", 1.5, {"minutes": 90})]
    with app.test_request_context(), force_locale("pt"):
        assert [r.text for r in reasons] == ["2 temas em comum: Dados abertos, Análise de dados",
                                             "Atua no eixo temático Gestão da informação",
                                             "1,5 horas semanais de horário de trabalho em comum"]
    with app.test_request_context(), force_locale("fr"):
        assert reasons[0].text == "2 thèmes en commun\u00a0: Données ouvertes, Analyse de données"


@pytest.mark.parametrize(("lang", "category"), [("pt", "Gestão da informação"), ("es", "Gestión de la información"),
                                                 ("en", "Managing Information")])
def test_the_calendar_file_names_the_focus_areas_in_the_recipients_language(db, reference, make_exchange, lang,
                                                                             category):
    exchange = make_exchange(starts_at=datetime(2027, 3, 16, 13, 0, tzinfo=UTC))
    exchange.focus_areas = list(db.session.scalars(select(FocusArea).where(FocusArea.slug == "managing-information")))
    db.session.commit()
    part = invite_part(exchange.sessions[0], Recipient(email="r@example.org", name="R", language=lang))
    event = Calendar.from_ical(part.ics).walk("VEVENT")[0]
    assert [str(c) for c in event["CATEGORIES"].cats] == [category]
