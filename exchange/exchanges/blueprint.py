"""The exchanges blueprint `bp`, the app-wide template helpers it adds, and the helpers its view modules share.

The routes are in the `views_*` modules, by audience; `views.py` gathers them (docs/architecture.md, "Feature
packages"). Every route keeps the endpoint name `exchanges.<function>` that templates and tests use.
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

from ..common import timefmt
from ..common.i18n import current_locale, translated
from ..common.templating import viewer_zone
from . import questions
from .forms import SpeakerForm, language_name
from .markdown import render_markdown
from .timeinfo import city_times

bp = Blueprint("exchanges", __name__)


# -- template helpers (app-wide) ---------------------------------------------------------------------



@bp.app_template_filter("markdown")
def markdown_filter(source: str | None):
    return render_markdown(source)


@bp.app_template_global()
def time_span(starts_at, ends_at, zone: str | None = None) -> str:
    """Format a session's span for a zone (the reader's by default)."""
    return timefmt.span(starts_at, ends_at, zone or viewer_zone(), current_locale())


@bp.app_template_global()
def session_city_times(session) -> list[str]:
    """Return the session's local times in the cities involved."""
    return city_times(session.starts_at, session.ends_at, [(translated(c.name), c.timezone) for c in session.exchange.cities],
                      current_locale())


@bp.app_template_global()
def language_label(code: str) -> str:
    return language_name(code)


@bp.app_template_global()
def question_text(question) -> str:
    """An exchange's registration question in the reader's language (else the first one written)."""
    return questions.text_for(question.label, current_locale(), questions.languages_of(question.exchange))


@bp.app_template_global()
def answer_text(question, value) -> str:
    """An answer to a registration question as the reader sees it (choices in the reader's language)."""
    return questions.answer_text(question, value, current_locale())


# -- shared by the view modules ---------------------------------------------------------------------

def registered_message(status: str) -> str:
    """Return what a person reads after registering, by their registration's status."""
    return {"registered": _("You are registered. A confirmation with a calendar invite is on its way."),
            "waitlisted": _("The exchange is full, so you are on the waitlist. We will email you if a seat opens."),
            "pending": _("Your registration waits for an organizer's approval. We will email you.")}.get(status, "")


def speaker_form() -> SpeakerForm:
    """Return the add-a-speaker form with its choices."""
    form = SpeakerForm()
    form.fill_choices()
    return form
