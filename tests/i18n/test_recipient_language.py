"""Emails, invites and reminders speak the recipient's language and zone, whoever caused them to be sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import get_locale, gettext
from i18n_text import english_in, visible_parts
from icalendar import Calendar

from exchange.calendar.services import send_due_reminders
from exchange.exchanges.registrations import RegistrationAnswers, cancel_registration, register
from tests.conftest import body_text

START = datetime(2027, 3, 16, 13, 0, tzinfo=UTC)  # 09:00 in New York, 10:00 in São Paulo, 14:00 in Kinshasa


def ics_method(message) -> str:
    return next(p for p in message.walk() if p.get_content_type() == "text/calendar").get_param("method")


def _ics(message):
    part = next(p for p in message.walk() if p.get_filename() == "invite.ics")
    return Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]


def test_an_invite_sent_from_an_english_request_is_in_the_recipients_portuguese(app, db, make_user, make_exchange,
                                                                                outbox):
    ana = make_user(name="Ana", email="ana@example.org", language="pt", timezone="America/Sao_Paulo")
    exchange = make_exchange(title="Orçamento aberto", starts_at=START, session_zone="America/New_York",
                             timezone="America/New_York")
    exchange.sessions[0].title = exchange.title
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en-US"}):  # an English browser sends the request
        assert str(get_locale()) == "en"
        register(exchange, actor=ana, answers=RegistrationAnswers())
        assert str(get_locale()) == "en" and gettext("Log out") == "Log out"  # the sender's page stays English
    message = outbox.last(to="ana@example.org")
    assert message["Subject"].startswith("Inscrição confirmada: Orçamento aberto")
    text = body_text(message)
    assert "Olá, Ana," in text
    assert "Seu horário: ter., 16 de mar. de 2027 10:00–11:00 (São Paulo, UTC−3)" in text
    assert "Horário do intercâmbio: ter., 16 de mar. de 2027 09:00–10:00 (Nova York, UTC−4)" in text
    assert "Os horários deste e-mail estão no fuso São Paulo (America/Sao_Paulo)." in text
    assert english_in(text, "pt") == []
    html = message.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="pt">' in html and english_in(visible_parts(html, "pt"), "pt") == []
    # The calendar file's words are ours too: in Portuguese; its times keep the session's zone.
    event = _ics(message)
    assert str(event["LOCATION"]).startswith("On-line: http://localhost/")
    assert "Participar: http://localhost/" in str(event["DESCRIPTION"])
    assert "As respostas enviadas por programas de agenda não são lidas." in str(event["DESCRIPTION"])
    assert str(event["DTSTART"].params["TZID"]) == "America/New_York"
    assert english_in(str(event["DESCRIPTION"]), "pt") == []


def test_a_cancellation_is_in_the_recipients_french_and_zone(db, make_user, make_exchange, outbox):
    marie = make_user(name="Marie", email="marie@example.org", language="fr", timezone="Africa/Kinshasa")
    exchange = make_exchange(title="Budget participatif", starts_at=START)
    exchange.sessions[0].title = exchange.title
    db.session.commit()
    register(exchange, actor=marie, answers=RegistrationAnswers())
    outbox.deliver()  # her invite went out; the cancellation takes it back
    cancel_registration(exchange, actor=marie)
    message = outbox.last(to="marie@example.org")
    assert message["Subject"].startswith("Inscription annulée\u00a0: Budget participatif")
    text = body_text(message)
    assert "Bonjour Marie," in text and "mar. 16 mars 2027, 14:00–15:00 (Kinshasa, UTC+1)" in text
    assert ics_method(message) == "CANCEL"
    assert english_in(text, "fr") == []


def test_reminders_go_out_in_each_recipients_language(db, make_user, make_exchange, register, add_speaker, outbox):
    exchange = make_exchange(title="Datos abiertos", starts_at=START)
    people = {
        "pt": make_user(name="João", email="joao@example.org", language="pt", timezone="America/Sao_Paulo"),
        "es": make_user(name="Lucía", email="lucia@example.org", language="es", timezone="America/Mexico_City"),
        "fr": make_user(name="Awa", email="awa@example.org", language="fr", timezone="Africa/Kinshasa"),
    }
    for person in people.values():
        register(person, exchange)
    host = make_user(name="Host", email="host@example.org", language="es", timezone="America/Chicago")
    add_speaker(host, exchange.sessions[0], role="host")
    assert send_due_reminders(now=START - timedelta(minutes=30)) == 4
    expected = {
        "joao@example.org": ("Lembrete: Datos abiertos", "começa em 30 minutos", "10:00–11:00 (São Paulo, UTC−3)"),
        "lucia@example.org": ("Recordatorio: Datos abiertos", "empieza dentro de 30 minutos",
                              "7:00–8:00 (Ciudad de México, UTC−6)"),
        "awa@example.org": ("Rappel\u00a0: Datos abiertos", "commence dans 30 minutes", "14:00–15:00 (Kinshasa, UTC+1)"),
        "host@example.org": ("Recordatorio: Datos abiertos", "Participa como anfitrión.", "8:00–9:00 (Chicago, UTC−5)"),
    }
    for address, (subject, starts, when) in expected.items():
        message = outbox.last(to=address)
        text = body_text(message)
        assert message["Subject"].startswith(subject)
        assert starts in text and when in text, text
        lang = {"joao": "pt", "lucia": "es", "awa": "fr", "host": "es"}[address.split("@")[0]]
        assert english_in(text, lang) == [], address


def test_a_reset_link_asked_from_an_english_browser_reaches_a_spanish_speaker_in_spanish(client, make_user, outbox):
    make_user(email="lucia@example.org", language="es", timezone="America/Bogota")
    client.submit("/accounts/reset", {"email": "lucia@example.org"}, headers={"Accept-Language": "en"})
    message = outbox.last(to="lucia@example.org")
    assert message["Subject"] == "Restablezca su contraseña de Peer Exchange"
    assert "Alguien pidió restablecer la contraseña" in body_text(message)
    assert english_in(body_text(message), "es") == []
