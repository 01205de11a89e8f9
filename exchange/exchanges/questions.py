"""An exchange's own registration questions: organizers add, edit, reorder and remove them; registrants' answers
are checked and kept with their registration; the registrations list and its CSV read them back.

A question is written in the exchange's languages (`label` {language: text}, each choice the same); a reader sees
the text in their language, else the first one filled in the exchange's order (`text_for`). An answer names a
choice by its place in the list, so once people have answered, a question keeps its kind and its choices can be
reworded or added to but not taken away; removing an answered question archives it (it leaves the form and the
program file, and its answers stay in the registrations list and CSV), removing one nobody answered deletes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from ..accounts.models import User
from ..common import permissions, text
from ..common.errors import Conflict, Invalid, NotFound
from ..common.time import utcnow
from ..extensions import db
from .models import (
    CHOICE_KINDS,
    Exchange,
    QuestionKind,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)

MAX_LABEL = 300
MAX_CHOICE = 200
MAX_CHOICES = 30
MAX_QUESTIONS = 30
MAX_ANSWER = {QuestionKind.SHORT_TEXT: 200, QuestionKind.LONG_TEXT: 4000}


@dataclass
class QuestionData:
    """A question as an organizer enters it: texts by language (only the exchange's languages are kept)."""

    kind: str
    label: dict[str, str]
    required: bool = False
    choices: list[dict[str, str]] = field(default_factory=list)


def languages_of(exchange: Exchange) -> list[str]:
    """Return the exchange's languages, in its order."""
    return [code for code in (exchange.languages or "en").split(",") if code] or ["en"]


def text_for(texts: dict | None, locale: str | None, languages: list[str]) -> str:
    """Return the text in the reader's language, else the first filled one in the exchange's order, else any."""
    texts = texts or {}
    for code in (str(locale or "")[:2], *languages, *texts):
        if texts.get(code):
            return texts[code]
    return ""


def questions_of(exchange: Exchange, *, archived: bool = False) -> list[RegistrationQuestion]:
    """Return the exchange's questions in their order: those on the form, or (`archived`) every one ever asked."""
    return [q for q in exchange.registration_questions if archived or q.archived_at is None]


def is_answered(question: RegistrationQuestion) -> bool:
    """Tell whether anybody has answered the question."""
    return bool(db.session.scalar(select(exists().where(RegistrationAnswer.question_id == question.id))))


# -- what an organizer enters -------------------------------------------------------------------------

def check_question(languages: list[str], data: QuestionData, *, current: RegistrationQuestion | None = None
                   ) -> tuple[QuestionKind, dict[str, str], list[dict[str, str]]]:
    """Return (kind, label, choices) ready to store for an exchange in `languages`, or raise Invalid naming every
    bad field at once (`Invalid.errors`: (field, message) pairs; fields are `kind`, `label_<language>`,
    `choices_<language>`). Program import checks a file's questions with it too."""
    errors: dict[str, Any] = {}
    try:
        kind = QuestionKind(data.kind)
    except ValueError:
        errors["kind"] = _l("Choose a kind of answer from the list.")
        kind = QuestionKind.SHORT_TEXT
    label: dict[str, str] = {}
    for code in languages:
        try:
            value = text.clean_text(data.label.get(code, ""), field=f"label_{code}", max_len=MAX_LABEL, one_line=True,
                                    too_long=_l("A question can be at most %(n)d characters.", n=MAX_LABEL))
        except Invalid as exc:
            errors[exc.field] = exc.message
            continue
        if value:
            label[code] = value
    if not label and f"label_{languages[0]}" not in errors:
        errors[f"label_{languages[0]}"] = _l("Write the question in at least one of the exchange's languages.")
    choices: list[dict[str, str]] = []
    if kind in CHOICE_KINDS:
        choices = _check_choices(data.choices, languages, errors)
    if current is not None and is_answered(current):
        if kind != current.kind:
            errors["kind"] = _l("People have answered this question already, so its kind cannot change.")
        elif kind in CHOICE_KINDS and len(choices) < len(current.choices):
            errors[f"choices_{languages[0]}"] = _l(
                "People have answered this question already: reword or add choices, but keep all %(n)d.",
                n=len(current.choices))
    if errors:
        raise Invalid.many(list(errors.items()))
    return kind, label, choices


def _check_choices(raw: list[dict[str, str]], languages: list[str], errors: dict) -> list[dict[str, str]]:
    choices = []
    for n, texts in enumerate(raw):
        choice = {}
        for code in languages:
            value = " ".join(str((texts or {}).get(code, "") or "").split())
            if len(value) > MAX_CHOICE:
                errors.setdefault(f"choices_{code}", _l("A choice can be at most %(n)d characters.", n=MAX_CHOICE))
            elif value:
                choice[code] = value
        if not choice:
            errors.setdefault(f"choices_{languages[0]}", _l("Choice %(n)d is empty in every language.", n=n + 1))
        choices.append(choice)
    if len(choices) < 2:
        errors.setdefault(f"choices_{languages[0]}", _l("Give at least two choices."))
    elif len(choices) > MAX_CHOICES:
        errors.setdefault(f"choices_{languages[0]}", _l("Give at most %(n)d choices.", n=MAX_CHOICES))
    return choices


def _ordered(exchange: Exchange) -> list[RegistrationQuestion]:
    return sorted(questions_of(exchange), key=lambda q: (q.position, q.id or 0))


def stage_order(exchange: Exchange, first: list[RegistrationQuestion]) -> None:
    """Put `first` at the top of the form in that order, the other questions after them as they were; positions
    change only when the order does (no commit; program import)."""
    current = _ordered(exchange)
    wanted = list(dict.fromkeys(first)) + [q for q in current if q not in first]
    if wanted != current:
        for position, question in enumerate(wanted):
            question.position = position


def stage_question(exchange: Exchange, data: QuestionData, *, question: RegistrationQuestion | None = None,
                   external_id: str | None = None) -> RegistrationQuestion:
    """Add a question at the end (or change `question`) after checking it (no commit; program import shares it)."""
    kind, label, choices = check_question(languages_of(exchange), data, current=question)
    if question is None:
        if len(questions_of(exchange)) >= MAX_QUESTIONS:
            raise Conflict(_l("An exchange can ask at most %(n)d questions.", n=MAX_QUESTIONS))
        question = RegistrationQuestion(exchange=exchange, external_id=external_id,
                                        position=max((q.position for q in exchange.registration_questions), default=-1) + 1)
        db.session.add(question)
    question.kind, question.required = kind, bool(data.required)
    if question.label != label:
        question.label = label
    if (question.choices or []) != choices:
        question.choices = choices
    return question


def add_question(exchange: Exchange, *, actor: User, data: QuestionData) -> RegistrationQuestion:
    """Add a question to the end of the exchange's registration form."""
    permissions.require(actor, "exchange.manage", exchange)
    question = stage_question(exchange, data)
    db.session.commit()
    return question


def update_question(question: RegistrationQuestion, *, actor: User, data: QuestionData) -> RegistrationQuestion:
    """Change a question; answers given before stay (see the module docstring for what an answered one keeps)."""
    permissions.require(actor, "exchange.manage", question.exchange)
    if question.archived_at is not None:
        raise Conflict(_l("This question was removed from the form."))
    stage_question(question.exchange, data, question=question)
    db.session.commit()
    return question


def remove_question(question: RegistrationQuestion, *, actor: User) -> bool:
    """Take a question off the form: archived when people answered it (answers kept), else deleted. Return
    whether it was archived."""
    permissions.require(actor, "exchange.manage", question.exchange)
    if question.archived_at is not None:
        raise Conflict(_l("This question was removed from the form."))
    archived = is_answered(question)
    if archived:
        question.archived_at = utcnow()
    else:
        question.exchange.registration_questions.remove(question)
    db.session.commit()
    return archived


def move_question(question: RegistrationQuestion, *, actor: User, up: bool) -> None:
    """Move a question one place up or down the form (nothing happens at either end)."""
    permissions.require(actor, "exchange.manage", question.exchange)
    ordered = _ordered(question.exchange)
    here = ordered.index(question)
    there = here - 1 if up else here + 1
    if 0 <= there < len(ordered):
        ordered[here], ordered[there] = ordered[there], ordered[here]
    for position, item in enumerate(ordered):
        item.position = position
    db.session.commit()


def find_question(exchange: Exchange, external_id: str) -> RegistrationQuestion | None:
    """Return the question a program file names (its external id, or `question-<id>` as the export writes one
    that has none), removed ones included."""
    for question in exchange.registration_questions:
        if question.external_id == external_id:
            return question
    if external_id.startswith("question-") and external_id[9:].isdigit():
        for question in exchange.registration_questions:
            if question.id == int(external_id[9:]) and question.external_id is None:
                return question
    return None


def get_question(exchange: Exchange, question_id: int) -> RegistrationQuestion:
    """Return one of the exchange's questions still on the form, or raise NotFound."""
    question = db.session.get(RegistrationQuestion, question_id)
    if question is None or question.exchange_id != exchange.id or question.archived_at is not None:
        raise NotFound(_l("There is no such question."))
    return question


# -- answers ------------------------------------------------------------------------------------------

def field_name(question: RegistrationQuestion) -> str:
    """The registration form's field for a question."""
    return f"question_{question.id}"


def check_answers(exchange: Exchange, given: dict[int, Any]) -> dict[int, Any]:
    """Return the answers to store ({question id: value}, unanswered optional questions left out), or raise
    Invalid naming every bad field at once (`Invalid.errors`)."""
    errors: dict[str, Any] = {}
    kept: dict[int, Any] = {}
    for question in questions_of(exchange):
        name, raw = field_name(question), given.get(question.id)
        try:
            value = _check_answer(question, raw, name)
        except Invalid as exc:
            errors[name] = exc.message
            continue
        if value not in (None, "", []):
            kept[question.id] = value
    if errors:
        raise Invalid.many(list(errors.items()))
    return kept


def _check_answer(question: RegistrationQuestion, raw: Any, name: str) -> Any:
    missing = _l("Answer this question.")
    if question.kind in MAX_ANSWER:
        limit = MAX_ANSWER[question.kind]
        return text.clean_text(raw if isinstance(raw, str) else "", field=name, max_len=limit, empty=missing,
                               required=question.required, one_line=question.kind == QuestionKind.SHORT_TEXT,
                               too_long=_l("Keep your answer to at most %(n)d characters.", n=limit))
    places = raw if isinstance(raw, list) else ([] if raw in (None, "") else [raw])
    try:
        places = sorted({int(p) for p in places})
    except (TypeError, ValueError):
        raise Invalid(_l("Choose from the list."), field=name) from None
    if any(not 0 <= p < len(question.choices) for p in places):
        raise Invalid(_l("Choose from the list."), field=name)
    if question.required and not places:
        raise Invalid(_l("Choose an answer.") if question.kind == QuestionKind.ONE_CHOICE
                      else _l("Choose at least one answer."), field=name)
    if question.kind == QuestionKind.ONE_CHOICE:
        if len(places) > 1:
            raise Invalid(_l("Choose one answer."), field=name)
        return places[0] if places else None
    return places


def stage_answers(registration: Registration, answers: dict[int, Any]) -> None:
    """Keep checked answers with the registration: answers to questions on the form are replaced, answers to
    archived questions stay (no commit)."""
    on_form = {q.id for q in questions_of(registration.exchange)}
    existing = {a.question_id: a for a in registration.answers}
    for question_id, answer in existing.items():
        if question_id in on_form and question_id not in answers:
            registration.answers.remove(answer)
    for question_id, value in answers.items():
        if question_id in existing:
            if existing[question_id].value != value:
                existing[question_id].value = value
        else:
            registration.answers.append(RegistrationAnswer(question_id=question_id, value=value))


def answers_of(registration: Registration | None) -> dict[int, Any]:
    """Return a registration's answers by question id (empty without one), to fill the form again."""
    return {a.question_id: a.value for a in registration.answers} if registration is not None else {}


def answer_text(question: RegistrationQuestion, value: Any, locale: str | None) -> str:
    """Return an answer as a reader sees it: the text, or the chosen choices in their language."""
    if value is None:
        return ""
    if question.kind not in CHOICE_KINDS:
        return str(value)
    languages = languages_of(question.exchange)
    places = value if isinstance(value, list) else [value]
    return "; ".join(text_for(question.choices[p], locale, languages) for p in places
                     if isinstance(p, int) and 0 <= p < len(question.choices))
