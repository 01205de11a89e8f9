"""Forms for surveys, self-descriptions, follow-ups and outcome notes (Flask-WTF: CSRF on every post)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..common.web import record_id
from .models import MEDIA_KINDS
from .services import GENDER_LABELS, IDENTITY_LABELS


class SurveyForm(FlaskForm):
    rating = RadioField(_l("How useful was this session for your work?"), coerce=int,
                        choices=[(n, str(n)) for n in range(1, 6)],  # the page names the ends: 1 not useful, 5 very
                        validators=[InputRequired(_l("Choose a rating from 1 to 5."))])
    will_apply = TextAreaField(_l("What will you apply in your own work?"), validators=[Optional(), Length(max=2000)])
    to_change = TextAreaField(_l("What should we change next time?"), validators=[Optional(), Length(max=2000)])
    anonymous = BooleanField(_l("Answer anonymously"), default=True,
                             description=_l("When ticked, your answers are stored without your name or account."))


class SelfDescriptionForm(FlaskForm):
    gender = RadioField(_l("Gender (optional)"), default="", validators=[Optional()],
                        choices=lambda: [("", _l("No answer")), *GENDER_LABELS.items()])
    group_identity = RadioField(
        _l("Do you belong to a group that is marginalised in your city? (optional)"), default="",
        validators=[Optional()], choices=lambda: [("", _l("No answer")), *IDENTITY_LABELS.items()],
        description=_l("For example by ethnicity, caste, religion, disability, migration or sexuality — as you see it."))


class AssignForm(FlaskForm):
    expert = SelectField(_l("Expert"), coerce=record_id, validators=[DataRequired(_l("Choose an expert."))])


class FollowUpAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your written answer"), validators=[DataRequired(_l("Write an answer.")),
                                                                   Length(max=10000)])


class NoteForm(FlaskForm):
    exchange_id = SelectField(_l("Exchange"), coerce=record_id, validators=[DataRequired(_l("Choose an exchange."))])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the note a title.")), Length(max=200)])
    challenge = TextAreaField(_l("The challenge"), description=_l("Markdown."), validators=[Optional()])
    practice = TextAreaField(_l("The practice shared"), description=_l("Markdown."), validators=[Optional()])
    lessons = TextAreaField(_l("Transferable lessons"), description=_l("Markdown."), validators=[Optional()])
    next_steps = TextAreaField(_l("Next steps"), description=_l("Markdown."), validators=[Optional()])
    focus_area_ids = SelectMultipleField(_l("Focus areas"), coerce=record_id, validators=[Optional()])
    topic_ids = SelectMultipleField(_l("Topics"), coerce=record_id, validators=[Optional()])
    city_ids = SelectMultipleField(_l("Cities"), coerce=record_id, validators=[Optional()])
    expert_ids = SelectMultipleField(_l("Experts"), coerce=record_id, validators=[Optional()])
    media_links = TextAreaField(
        _l("Media links"), validators=[Optional()],
        description=_l("One a line: the kind (%(kinds)s), the address (http or https), then an optional title.",
                       kinds=", ".join(MEDIA_KINDS)))
    status = SelectField(_l("Status"), choices=lambda: [("draft", _l("Draft (organizers only)")),
                                                        ("published", _l("Published in the library"))])

    def fill_choices(self, choices: dict[str, list[tuple[int, str]]]) -> NoteForm:
        for name, options in choices.items():
            getattr(self, name).choices = options
        return self
