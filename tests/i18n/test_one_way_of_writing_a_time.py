"""Every time a reader meets — on the main pages and in each kind of email — is written one way, in their
language: never with seconds, never as a numeric day/month ("12/3/26" reads as 12 March in Lagos), never
with an English weekday or month name outside English (exchange/common/timefmt.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from i18n_text import visible_parts
from sqlalchemy import select

from exchange.accounts.models import User
from exchange.calendar.services import send_due_reminders
from exchange.common.time import utcnow
from exchange.demo import load_demo
from exchange.exchanges import registrations, sessions, speakers
from exchange.exchanges.models import Exchange
from exchange.exchanges.registrations import RegistrationAnswers
from exchange.experts.models import City
from tests.conftest import body_text

LANGUAGES = ["en", "es", "pt", "fr"]
ZONE = {"en": "America/Chicago", "es": "America/Mexico_City", "pt": "America/Sao_Paulo", "fr": "Africa/Kinshasa"}

SECONDS = re.compile(r"\b\d{1,2}:\d{2}:\d{2}\b")
NUMERIC_DAY = re.compile(r"\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b")
ENGLISH_NAMES = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|January|February|"
    r"March|April|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|"
    r"Nov|Dec|AM|PM)\b")
# Where a time or a date is written: around an hour ("10:00") or a year ("2027"). Names that people typed (titles,
# descriptions in English) elsewhere in a page are theirs, not ours to translate.
WRITTEN_TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b20\d{2}\b")
URL = re.compile(r"\S+://\S+|\S+@\S+")


def time_problems(parts: list[str], lang: str) -> list[str]:
    """Return each written time (with some words around it) that has seconds, a numeric day/month, or an English
    name in a language other than English."""
    problems = []
    for part in parts:
        text = URL.sub(" ", part)
        for match in WRITTEN_TIME.finditer(text):
            around = text[max(0, match.start() - 40):match.end() + 40]
            english = lang != "en" and ENGLISH_NAMES.search(around)
            if SECONDS.search(around) or NUMERIC_DAY.search(around) or english:
                problems.append(around)
    return sorted(set(problems))


def test_the_check_catches_each_wrong_way_of_writing_a_time():
    assert time_problems(["Dec 3, 2026, 6:03:34 PM"], "en")
    assert time_problems(["Sent 12/3/26, 9:04 PM"], "en")
    assert time_problems(["Expires 2027-01-03"], "en")
    assert time_problems(["vie 4 dic 2026, Fri 01:45"], "es")
    assert time_problems(["3 dic 2026, 19:58 – Dec 4"], "es")
    assert not time_problems(["vie, 4 dic 2026, 1:45–3:15 (Lagos, UTC+1)"], "es")
    assert not time_problems(["Fri, Dec 4, 2026, 1:45\u202fAM (Lagos, UTC+1)"], "en")


def _speak(lang: str) -> None:
    """Everyone reads in `lang`, in a zone of that language's world."""
    for user in User.query.all():
        user.language, user.timezone = lang, ZONE[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_main_pages_write_every_time_one_way_in_the_readers_language(app, db, client, login_as, lang):
    load_demo()
    _speak(lang)
    db.session.commit()
    organizer = db.session.scalar(select(User).where(User.email == "organizer@demo.peer-exchange.org"))
    official = db.session.scalar(select(User).where(User.email == "saopaulo@demo.peer-exchange.org"))
    exchanges = list(db.session.scalars(select(Exchange)))
    pages = ["/", "/exchanges/", "/agenda", "/library/", "/outbox/", "/experts/review", "/requests/",
             "/accounts/profile"]
    cities = "&".join(f"cities={c.id}" for c in db.session.scalars(select(City)))
    assistant = (f"/exchanges/assistant?{cities}&duration=60&date_from=2030-01-09&date_to=2030-01-10"
                 "&zone=America/New_York&occurrences=1")
    assert login_as(organizer).get(assistant).status_code == 200
    pages.append(assistant)
    for exchange in exchanges:
        pages += [f"/exchanges/{exchange.id}", f"/exchanges/{exchange.id}/invitations",
                  f"/exchanges/{exchange.id}/registrations"]
        if exchange.kind == "conference":
            pages.append(f"/exchanges/{exchange.id}/agenda")
        pages += [f"/sessions/{s.id}/room" for s in exchange.sessions] + [f"/sessions/{s.id}/summary"
                                                                          for s in exchange.sessions]
    seen = 0
    for reader in (organizer, official):
        login_as(reader)
        for path in pages:
            response = client.get(path)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            seen += 1
            html = response.get_data(as_text=True)
            assert f'<html lang="{lang}"' in html, path
            assert time_problems(visible_parts(html, lang), lang) == [], (reader.email, path)
    assert seen > 20  # the walk read real pages, not a list of redirects


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_kind_of_email_writes_its_times_one_way(app, db, client, make_user, make_exchange, organizer, outbox,
                                                      lang):
    start = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    exchange = make_exchange(sessions=2, starts_at=start, created_by=organizer)
    reader = make_user(name="Reader", email="reader@example.org", language=lang, timezone=ZONE[lang])
    speaker = make_user(name="Speaker", email="speaker@example.org", language=lang, timezone=ZONE[lang],
                        role="organizer")
    registrations.register(exchange, actor=reader, answers=RegistrationAnswers())             # confirmation + invite
    speakers.add_speaker(exchange.sessions[0], actor=organizer, user_id=speaker.id, role="panelist")  # asked to speak
    registrations.invite(exchange, actor=organizer, email="guest@example.org", name="Guest")  # invitation, expiry
    assert send_due_reminders(now=start - timedelta(minutes=30)) >= 1                         # reminder
    sessions.cancel_session(exchange.sessions[1], actor=organizer)                             # a session cancelled
    registrations.cancel_registration(exchange, actor=reader)                                  # registration cancelled
    client.submit("/accounts/reset", {"email": reader.email})                                  # password reset
    messages = outbox.messages(to=reader.email) + outbox.messages(to=speaker.email)
    messages += outbox.messages(to="guest@example.org")
    assert len(messages) >= 6
    for message in messages:
        text = body_text(message)
        html = message.get_body(preferencelist=("html",)).get_content()
        parts = [text, *visible_parts(html, lang)]
        assert time_problems(parts, "en" if "guest@" in message["To"] else lang) == [], message["Subject"]


def test_city_names_weekdays_and_focus_areas_follow_the_readers_language(db, client, make_user, make_exchange,
                                                                          login_as, reference, organizer):
    from exchange.experts.models import FocusArea

    exchange = make_exchange(title="Datos abiertos", created_by=organizer)
    exchange.cities = [reference.city("mexico-city"), reference.city("jakarta")]
    exchange.focus_areas = [db.session.scalar(select(FocusArea).where(FocusArea.slug == "managing-information"))]
    lucia = make_user(name="Lucía", language="es", timezone="America/New_York")
    db.session.commit()
    page = login_as(lucia).get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Ciudad de México" in page and "Yakarta" in page and "(Nueva York, UTC" in page
    assert "Gestión de la información" in page and "Managing Information" not in page
    assert time_problems(visible_parts(page, "es"), "es") == []
