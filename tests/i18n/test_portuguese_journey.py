"""A newcomer whose browser speaks Brazilian Portuguese: sign up, log in, look around, get the invite and the
reminder, and meet no English sentence of ours on the way (pages, emails, the calendar file)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from i18n_text import english_in, page_lang, visible_parts, visible_text
from icalendar import Calendar
from sqlalchemy import select

from exchange.accounts.models import User
from exchange.calendar.services import send_due_reminders
from exchange.exchanges import registrations
from exchange.experts.models import FocusArea
from tests.conftest import TEST_PASSWORD, body_text

BROWSER = "pt-BR,pt;q=0.9,en;q=0.5"


@pytest.fixture
def pt_browser(app):
    """A test client whose every request says Accept-Language: pt-BR, as a browser set to Portuguese does."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = BROWSER
    return client


def read(response, status: int = 200) -> str:
    """Return the page's HTML after checking what any Portuguese page must satisfy."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    html = response.get_data(as_text=True)
    assert page_lang(html) == "pt"
    assert english_in(visible_parts(html), "pt") == [], f"English on {response.request.path}: {visible_text(html)[:300]}"
    assert 'id="lang-switch"' in html  # the switcher is on every page
    return html


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def selected(html: str, name: str) -> str:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S).group(0)
    option = next(o for o in re.findall(r"<option[^>]*>", select_html) if re.search(r"\bselected\b", o))
    return re.search(r'value="([^"]*)"', option).group(1)


def test_the_detector_finds_our_english_when_it_is_there(client):
    """The check below would fail on an English page: it recognises our sentences and stray English words."""
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    found = english_in(visible_parts(html), "pt")
    assert "Peer exchanges between the world's megacities" in found and "Log in" in found
    assert "Experts" in found and "word: the" in found  # a one-word label, and a stray English word
    assert "Your email address %(email)s is confirmed." in english_in("Your email address a@b.org is confirmed.", "pt")
    assert english_in("Índia — Kolkata\nEstados Unidos — Tell City, Indiana", "pt") == []  # names, not our words


def test_a_portuguese_speaker_never_meets_an_english_sentence(app, db, pt_browser, outbox, make_expert, make_exchange,
                                                              make_user):
    expert = make_expert(name="Marcus Reed", topics=("open-data", "data-analytics"), bio="Portal de dados de Chicago.",
                         job_title="CIO", city_government="Chicago", department="DoIT",
                         languages=(("en", "native"), ("pt", "working")))

    # Home page and the sign-up form, preset to Portuguese by the browser's language.
    assert "Intercâmbios entre pares" in read(pt_browser.get("/"))
    html = read(pt_browser.get("/accounts/signup"))
    assert selected(html, "language") == "pt"
    form = {"csrf_token": csrf(html), "name": "Ana Souza", "email": "ana@prefeitura.sp.gov.br",
            "timezone": "America/Sao_Paulo", "language": selected(html, "language")}

    # Mistakes are explained in Portuguese, by our services and by the form library alike.
    html = read(pt_browser.post("/accounts/signup", data={**form, "password": "curta"}), 400)
    assert "Use pelo menos 10 caracteres na sua senha." in html
    html = read(pt_browser.post("/accounts/signup", data={**form, "name": "", "password": TEST_PASSWORD}), 400)
    assert "Campo obrigatório." in html

    html = read(pt_browser.post("/accounts/signup", data={**form, "password": TEST_PASSWORD}, follow_redirects=True))
    assert "Verifique seu e-mail" in html
    ana = db.session.scalar(select(User).where(User.email == "ana@prefeitura.sp.gov.br"))
    assert (ana.language, ana.timezone) == ("pt", "America/Sao_Paulo")
    welcome = outbox.last(to=ana.email)
    assert welcome["Subject"] == "Boas-vindas ao Peer Exchange: confirme seu e-mail"
    assert english_in(body_text(welcome), "pt") == []
    assert english_in(visible_parts(welcome.get_body(preferencelist=("html",)).get_content()), "pt") == []

    # Logged in before confirming: the banner says what to do, in Portuguese; then the emailed link confirms.
    html = read(pt_browser.get("/accounts/login"))
    html = read(pt_browser.post("/accounts/login", data={"csrf_token": csrf(html), "email": ana.email,
                                                      "password": TEST_PASSWORD}, follow_redirects=True))
    assert "Confirme seu e-mail: abra o link que enviamos" in html and "Enviar o link de novo" in html
    link = re.search(r"http://localhost(/accounts/verify/\S+)", body_text(welcome)).group(1)
    html = read(pt_browser.get(link))
    html = read(pt_browser.post(link, data={"csrf_token": csrf(html)}, follow_redirects=True))
    assert f"Seu e-mail {ana.email} está confirmado." in html and "Confirme seu e-mail:" not in html

    # Out and back in.
    html = read(pt_browser.get("/"))
    html = read(pt_browser.post("/accounts/logout", data={"csrf_token": csrf(html)}, follow_redirects=True))
    assert "Você saiu da sua conta." in html
    html = read(pt_browser.get("/accounts/login"))
    html = read(pt_browser.post("/accounts/login", data={"csrf_token": csrf(html), "email": ana.email,
                                                      "password": TEST_PASSWORD}, follow_redirects=True))
    assert "Você entrou na sua conta." in html and "Que bom ter você de volta, Ana Souza." in html

    # The profile, the expert directory (searched in Portuguese), an expert, the cities.
    html = read(pt_browser.get("/accounts/profile"))
    assert "Gestor municipal ou ator local" in html and "São Paulo, UTC−3" in html
    html = read(pt_browser.get("/experts/?q=dados+abertos"))
    assert "1 especialista encontrado." in html and "Dados abertos" in html
    html = read(pt_browser.get(f"/experts/{expert.id}"))
    assert "Gestão da informação" in html and "português (intermediário)" in html
    read(pt_browser.get("/cities/"))
    assert "Cidade do México" in read(pt_browser.get("/cities/mexico-city"))
    read(pt_browser.get("/officials/profile"))
    read(pt_browser.get("/requests/new"))
    read(pt_browser.get("/requests/"))
    assert "Página não encontrada" in read(pt_browser.get("/nowhere"), 404)

    # An exchange she registers for (the exchanges feature calls the calendar hook): the invite, then the reminder.
    area = db.session.scalar(select(FocusArea).where(FocusArea.slug == "managing-information"))
    exchange = make_exchange(title="Dados abertos na prática", timezone="America/New_York",
                             session_zone="America/New_York")
    exchange.focus_areas = [area]
    session = exchange.sessions[0]
    session.title = exchange.title
    host = make_user(name="Marcus Reed", email="host@example.org", timezone="America/Chicago")
    from exchange.exchanges.models import SessionSpeaker

    db.session.add(SessionSpeaker(session=session, user=host, role="host", status="accepted"))
    registrations.register(exchange, actor=ana, answers=registrations.RegistrationAnswers())
    invite = outbox.last(to=ana.email)
    assert invite["Subject"] == "Inscrição confirmada: Dados abertos na prática"
    text = body_text(invite)
    assert "Olá, Ana Souza," in text
    assert english_in(text, "pt") == []
    assert english_in(visible_parts(invite.get_body(preferencelist=("html",)).get_content()), "pt") == []
    ics = next(p for p in invite.walk() if p.get_filename() == "invite.ics").get_payload(decode=True)
    event = Calendar.from_ical(ics).walk("VEVENT")[0]
    description, location = str(event["DESCRIPTION"]), str(event["LOCATION"])
    assert "Participar: http" in description and "não são lidas" in description and location.startswith("On-line: ")
    assert "Palestrantes:\n- Marcus Reed (anfitrião)" in description
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Gestão da informação"]
    assert english_in(description + " " + location, "pt") == []

    assert send_due_reminders(now=session.starts_at - timedelta(minutes=30)) >= 1
    reminder = outbox.last(to=ana.email)
    text = body_text(reminder)
    assert reminder["Subject"] == "Lembrete: Dados abertos na prática" and "começa em 30 minutos" in text
    assert "Palestrantes: Marcus Reed (anfitrião)" in text
    assert english_in(text, "pt") == []
    assert english_in(visible_parts(reminder.get_body(preferencelist=("html",)).get_content()), "pt") == []
