"""An exchange's own registration questions (issue 19 §3): organizers write them in the exchange's languages, add,
edit, reorder and remove them; registrants answer them on the exchange page (required ones enforced, every error
at once); the answers stay with the registration, in the registrations list, its CSV, and the program file carries
the questions. Everything through the pages people use."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import func, select

from exchange.exchanges.models import Registration, RegistrationAnswer, RegistrationQuestion
from exchange.exchanges.program import dumps, export_program, import_program


@pytest.fixture
def people_for_program(make_user):
    return make_user(role="organizer")


def _add(client, exchange, **fields):
    """Add a question through the organizer's page; return the response."""
    data = {"kind": "short_text", "label_en": "", "label_es": "", "choices_en": "", "choices_es": ""}
    data.update(fields)
    return client.submit(f"/exchanges/{exchange.id}/questions/new", data)


def _questions(db, exchange) -> list[RegistrationQuestion]:
    db.session.expire_all()
    return list(db.session.scalars(select(RegistrationQuestion).where(RegistrationQuestion.exchange_id == exchange.id)
                                   .order_by(RegistrationQuestion.position)))


def _setup(db, client, login_as, make_exchange, organizer):
    """An exchange in English and Spanish with three questions: a required choice, several choices, a text."""
    exchange = make_exchange(languages="en,es", created_by=organizer)
    login_as(organizer)
    assert _add(client, exchange, kind="one_choice", required="y", label_en="Your role", label_es="Su función",
                choices_en="Mayor\nCIO\nStaff", choices_es="Alcalde\nDirector de TI\nPersonal").status_code == 302
    assert _add(client, exchange, kind="several_choices", label_en="Topics you follow",
                choices_en="Open data\nBudgets").status_code == 302
    assert _add(client, exchange, kind="long_text", required="y", label_en="What do you hope to learn?",
                label_es="¿Qué espera aprender?").status_code == 302
    role, topics, hope = _questions(db, exchange)
    return exchange, role, topics, hope


def test_organizers_add_questions_in_the_exchanges_languages_and_readers_see_their_own(
        db, client, login_as, make_exchange, make_user, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    assert (role.kind, role.required, role.label, role.choices[1]) == (
        "one_choice", True, {"en": "Your role", "es": "Su función"}, {"en": "CIO", "es": "Director de TI"})
    manage = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Registration questions" in manage and "Your role" in manage and "Topics you follow" in manage

    login_as(make_user(language="es"))
    page = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert "Su función" in page and "Alcalde" in page and "Director de TI" in page
    assert "Topics you follow" in page  # written in English only: the first filled language
    assert 'type="radio" value="0"' in page and 'type="checkbox"' in page
    assert f'<textarea aria-describedby="question_{hope.id}-help"' in page and "¿Qué espera aprender?" in page

    login_as(make_user(language="fr"))
    assert "Your role" in client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)


def test_a_question_needs_text_and_choices_and_every_error_shows_at_once(db, client, login_as, make_exchange,
                                                                         organizer):
    exchange = make_exchange(languages="en,es", created_by=organizer)
    login_as(organizer)
    response = _add(client, exchange, kind="one_choice", choices_en="Only one")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write the question in at least one of the exchange&#39;s languages." in html
    assert "Give at least two choices." in html
    assert _questions(db, exchange) == []
    assert client.get(f"/exchanges/{exchange.id}/questions/new").status_code == 200


def test_required_questions_are_enforced_with_every_error_next_to_its_field(db, client, login_as, make_exchange,
                                                                            make_user, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    login_as(make_user())
    url = f"/exchanges/{exchange.id}"
    response = client.submit(f"{url}/register", {"needs": "x" * 2001}, page=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p class="error" id="question_{role.id}-error">Choose an answer.</p>' in html
    assert f'<p class="error" id="question_{hope.id}-error">Answer this question.</p>' in html
    assert 'id="needs-error"' in html  # the fixed fields' errors at the same time
    assert f'id="question_{topics.id}-error"' not in html  # optional
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0

    response = client.submit(f"{url}/register", {f"question_{role.id}": "7", f"question_{hope.id}": "Data"},
                             page=url)
    assert response.status_code == 400 and "Choose from the list." in response.get_data(as_text=True)


def test_answers_are_kept_with_the_registration_and_shown_again_when_registering_again(
        db, client, login_as, make_exchange, make_user, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    person = make_user()
    login_as(person)
    url = f"/exchanges/{exchange.id}"
    response = client.submit(f"{url}/register", {f"question_{role.id}": "1", f"question_{topics.id}": ["0", "1"],
                                                 f"question_{hope.id}": "How others publish budgets"}, page=url)
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert {a.question_id: a.value for a in registration.answers} == {
        role.id: 1, topics.id: [0, 1], hope.id: "How others publish budgets"}

    assert client.submit(f"{url}/unregister", {"confirm": "1"}, page=url).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert f'<input checked id="question_{role.id}-1" name="question_{role.id}" type="radio" value="1">' in page
    assert "How others publish budgets</textarea>" in page  # the earlier answers are shown again
    response = client.submit(f"{url}/register", {f"question_{role.id}": "0", f"question_{hope.id}": "Budgets"},
                             page=url)
    assert response.status_code == 302
    db.session.expire_all()
    registration = db.session.scalar(select(Registration))
    assert registration.status == "registered"
    assert {a.question_id: a.value for a in registration.answers} == {role.id: 0, hope.id: "Budgets"}


def _register(client, login_as, person, exchange, answers):
    login_as(person)
    url = f"/exchanges/{exchange.id}"
    assert client.submit(f"{url}/register", answers, page=url).status_code == 302


def test_the_registrations_list_and_csv_have_a_column_per_question_guarded_against_formulas(
        db, client, login_as, make_exchange, make_user, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    ana = make_user(name="Ana Souza", language="es")
    _register(client, login_as, ana, exchange, {f"question_{role.id}": "1", f"question_{topics.id}": ["1"],
                                                 f"question_{hope.id}": "=HYPERLINK(\"http://evil\")"})
    login_as(organizer)
    page = client.get(f"/exchanges/{exchange.id}/registrations").get_data(as_text=True)
    assert "<th scope=\"col\">Your role</th>" in page and "<th scope=\"col\">Topics you follow</th>" in page
    assert "<td>CIO</td>" in page and "<td>Budgets</td>" in page

    response = client.get(f"/exchanges/{exchange.id}/registrations.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][-3:] == ["Your role", "Topics you follow", "What do you hope to learn?"]
    assert rows[1][0] == "Ana Souza" and rows[1][-3:] == ["CIO", "Budgets", "'=HYPERLINK(\"http://evil\")"]
    login_as(ana)
    assert client.get(f"/exchanges/{exchange.id}/registrations.csv").status_code in (403, 404)


def test_removing_asks_first_deletes_an_unanswered_question_and_archives_an_answered_one(
        db, client, login_as, make_exchange, make_user, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    _register(client, login_as, make_user(name="Budi"), exchange,
              {f"question_{role.id}": "2", f"question_{hope.id}": "Anything"})
    login_as(organizer)
    confirm = client.get(f"/exchanges/{exchange.id}/questions/{role.id}/remove")
    assert confirm.status_code == 200 and "Remove “Your role”?" in confirm.get_data(as_text=True)
    assert "their answers stay" in confirm.get_data(as_text=True)
    assert _questions(db, exchange)[0].archived_at is None  # asking changed nothing

    remove = f"/exchanges/{exchange.id}/questions/{role.id}/remove"
    assert client.submit(remove, {"confirm": "1"}, page=remove).status_code == 302
    remove = f"/exchanges/{exchange.id}/questions/{topics.id}/remove"
    assert "it is deleted" in client.get(remove).get_data(as_text=True)
    assert client.submit(remove, {"confirm": "1"}, page=remove).status_code == 302

    kept = _questions(db, exchange)
    assert [(q.id, q.archived_at is not None) for q in kept] == [(role.id, True), (hope.id, False)]
    assert db.session.scalar(select(func.count()).select_from(RegistrationAnswer)) == 2
    form = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert f'name="question_{role.id}"' not in form and f'name="question_{hope.id}"' in form
    listing = client.get(f"/exchanges/{exchange.id}/registrations").get_data(as_text=True)
    assert "Your role" in listing and "removed from the form" in listing and "<td>Staff</td>" in listing
    assert client.get(f"/exchanges/{exchange.id}/questions/{role.id}/edit").status_code == 404


def test_questions_move_up_and_down_the_form(db, client, login_as, make_exchange, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    up = f"/exchanges/{exchange.id}/questions/{hope.id}/up"
    assert client.submit(up, page=f"/exchanges/{exchange.id}").status_code == 302
    assert [q.id for q in _questions(db, exchange)] == [role.id, hope.id, topics.id]
    down = f"/exchanges/{exchange.id}/questions/{role.id}/down"
    assert client.submit(down, page=f"/exchanges/{exchange.id}").status_code == 302
    assert [q.id for q in _questions(db, exchange)] == [hope.id, role.id, topics.id]
    page = client.get(f"/exchanges/{exchange.id}").get_data(as_text=True)
    assert page.index(f'name="question_{hope.id}"') < page.index(f'name="question_{role.id}"') < \
        page.index(f'name="question_{topics.id}"')


def test_an_answered_question_keeps_its_kind_and_its_choices(db, client, login_as, make_exchange, make_user,
                                                             organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    _register(client, login_as, make_user(), exchange, {f"question_{role.id}": "2", f"question_{hope.id}": "x"})
    login_as(organizer)
    edit = f"/exchanges/{exchange.id}/questions/{role.id}/edit"
    form = client.get(edit).get_data(as_text=True)
    assert "Mayor\nCIO\nStaff</textarea>" in form and "answered this question already" in form
    response = client.submit(edit, {"kind": "short_text", "label_en": "Your role", "choices_en": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "its kind cannot change" in html
    response = client.submit(edit, {"kind": "one_choice", "label_en": "Your role", "choices_en": "Mayor\nCIO"})
    assert response.status_code == 400 and "keep all 3" in response.get_data(as_text=True)
    response = client.submit(edit, {"kind": "one_choice", "label_en": "Your job", "label_es": "Su puesto",
                                    "choices_en": "Mayor\nCIO\nOther staff\nAdviser"})
    assert response.status_code == 302
    question = _questions(db, exchange)[0]
    assert question.label == {"en": "Your job", "es": "Su puesto"} and len(question.choices) == 4
    assert question.choices[2] == {"en": "Other staff"}
    listing = client.get(f"/exchanges/{exchange.id}/registrations").get_data(as_text=True)
    assert "<td>Other staff</td>" in listing  # the answer still names the third choice


def test_the_invitation_link_asks_the_questions_too(db, client, login_as, make_exchange, make_user, organizer,
                                                   outbox):
    from exchange.exchanges import registrations

    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    person = make_user(email="guest@example.org")
    registrations.invite(exchange, actor=organizer, email="guest@example.org")
    token = outbox.last(to="guest@example.org").get_body(("plain",)).get_content().split("/exchanges/invitations/")[1]
    url = f"/exchanges/invitations/{token.split()[0]}"
    login_as(person)
    page = client.get(url).get_data(as_text=True)
    assert "Your role" in page
    response = client.submit(url, {})
    assert response.status_code == 400 and "Choose an answer." in response.get_data(as_text=True)
    assert client.submit(url, {f"question_{role.id}": "0", f"question_{hope.id}": "x"}).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RegistrationAnswer)) == 2


def test_the_program_file_carries_the_questions_and_an_export_imported_again_changes_nothing(
        db, client, login_as, make_exchange, make_user, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    document = export_program(actor=organizer)
    asked = document["exchanges"][0]["registration_questions"]
    assert [q["external_id"] for q in asked] == [f"question-{role.id}", f"question-{topics.id}",
                                                 f"question-{hope.id}"]
    assert asked[0] == {"external_id": f"question-{role.id}", "kind": "one_choice", "required": True,
                        "label": {"en": "Your role", "es": "Su función"},
                        "choices": [{"en": "Mayor", "es": "Alcalde"}, {"en": "CIO", "es": "Director de TI"},
                                    {"en": "Staff", "es": "Personal"}]}
    before = dumps(document)
    assert "answers" not in before
    report = import_program(before, actor=organizer)
    assert report.ok, report.errors
    db.session.expire_all()
    assert dumps(export_program(actor=organizer)) == before
    assert len(_questions(db, exchange)) == 3

    # A file can add a question and reword one; the file's order is the form's.
    changed = json.loads(before)
    questions = changed["exchanges"][0]["registration_questions"]
    questions[2]["label"]["es"] = "¿Qué quiere aprender?"
    questions.insert(0, {"external_id": "city-size", "kind": "short_text", "label": {"en": "Population"}})
    report = import_program(json.dumps(changed, ensure_ascii=False, indent=2), actor=organizer)
    assert report.ok, report.errors
    after = _questions(db, exchange)
    assert [q.external_id for q in after] == ["city-size", f"question-{role.id}", f"question-{topics.id}",
                                              f"question-{hope.id}"]
    assert after[3].label == {"en": "What do you hope to learn?", "es": "¿Qué quiere aprender?"}


def test_bad_questions_in_a_program_file_are_reported_with_their_line(db, people_for_program):
    text = """{
  "format": "peer-exchange-program", "version": 1,
  "exchanges": [
    {"external_id": "q", "title": "Questions", "languages": ["en", "es"],
     "registration_questions": [
       {"external_id": "a", "kind": "essay", "label": {"en": "Why?"}},
       {"external_id": "a", "kind": "one_choice", "label": {"de": "Warum?"}, "choices": [{"en": "Yes"}]},
       {"external_id": "c", "kind": "short_text", "label": "Why?"}
     ]}
  ]
}
"""
    report = import_program(text, actor=people_for_program)
    problems = [(p.line, p.where, p.reason) for p in report.errors]
    where = "exchanges[0].registration_questions"
    for item in [
        (6, f"{where}[0]", "“kind” must be one of short_text, long_text, one_choice, several_choices, not “essay”"),
        (7, f"{where}[1]", "external_id “a” appears twice"),
        (7, f"{where}[1]", "“label” is written in de, which is not among the exchange's “languages”"),
        (7, f"{where}[1]", "Give at least two choices."),
        (8, f"{where}[2]", "“label” must map language codes to text, like {\"en\": \"…\"}"),
    ]:
        assert item in problems, (item, problems)
    assert db.session.scalar(select(func.count()).select_from(RegistrationQuestion)) == 0


def test_a_person_downloads_their_answers_and_deleting_the_account_deletes_what_they_typed(
        db, client, login_as, make_exchange, make_user, organizer):
    exchange, role, topics, hope = _setup(db, client, login_as, make_exchange, organizer)
    person = make_user()
    _register(client, login_as, person, exchange, {f"question_{role.id}": "1",
                                                    f"question_{hope.id}": "Budgets of my town, Ouidah"})
    data = client.get("/accounts/profile/data.json").get_json()
    assert [(a["question"]["en"], a["answer"]) for a in data["registration_answers"]] == [
        ("Your role", 1), ("What do you hope to learn?", "Budgets of my town, Ouidah")]

    assert client.submit("/accounts/profile/delete", {"del-password": "correct horse battery"},
                         page="/accounts/profile").status_code == 302
    db.session.expire_all()
    assert [(a.question_id, a.value) for a in db.session.scalars(select(RegistrationAnswer))] == [(role.id, 1)]
    login_as(organizer)
    assert "Ouidah" not in client.get(f"/exchanges/{exchange.id}/registrations.csv").get_data(as_text=True)
