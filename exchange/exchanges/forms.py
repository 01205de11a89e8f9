"""Exchange forms (Flask-WTF: every posted form carries csrf_token; the assistant is a GET form)."""

from __future__ import annotations

from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.forms import ZoneAndLanguageMixin, ZoneField
from ..common.errors import Invalid
from ..common.i18n import current_locale
from ..common.web import Required, record_id
from ..experts.models import STAKEHOLDER_GROUPS
from . import questions, services
from .models import QuestionKind, SpeakerRole
from .registrations import RegistrationAnswers

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

KIND_LABELS = {"webinar": _l("Webinar"), "peer_exchange": _l("Peer exchange"), "conference": _l("Conference")}
VISIBILITY_LABELS = {"public": _l("Public: anyone can find it and register"),
                     "invite_only": _l("Invite-only: people register through an emailed invitation")}


def language_name(code: str) -> str:
    """Return a language's name in the reader's language."""
    try:
        return Locale.parse(str(get_locale() or "en")).languages.get(code, code)
    except (ValueError, TypeError):
        return code


def language_choices():
    return [(code, language_name(code)) for code in services.LANGUAGES]


def stakeholder_choices():
    return [("", _l("— Prefer not to say —"))] + [(g, services.STAKEHOLDER_LABELS[g]) for g in STAKEHOLDER_GROUPS]


def _fold_choices():
    return [("0", _l("The first one (before the clocks go back)")), ("1", _l("The second one (after the clocks go back)"))]


def optional_fold(value):
    return int(value) if value in ("0", "1", 0, 1) else None


class ExchangeForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=lambda: list(KIND_LABELS.items()))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20_000)],
                                description=_l("Markdown: **bold**, *italics*, lists and links. Raw HTML is removed."))
    focus_areas = SelectMultipleField(_l("Focus areas"), coerce=record_id, validate_choice=False)
    topics = SelectMultipleField(_l("Topics"), coerce=record_id, validate_choice=False)
    cities = SelectMultipleField(_l("Cities involved"), coerce=record_id, validate_choice=False,
                                 description=_l("Their local times are shown beside every session."))
    languages = SelectMultipleField(_l("Languages"), choices=language_choices, validate_choice=False, default=["en"],
                                    validators=[Required()])
    interpretation_notes = TextAreaField(_l("Interpretation notes"), validators=[Length(max=2000)])
    visibility = SelectField(_l("Who can see it"), choices=lambda: list(VISIBILITY_LABELS.items()))
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=1, max=100_000)],
                            description=_l("Seats; leave empty for no limit. Past the limit people join a waitlist."))
    registration_deadline = DateTimeLocalField(_l("Registration deadline"), format=LOCAL_FORMAT,
                                               validators=[Optional()],
                                               description=_l("In the exchange's time zone; leave empty to allow registering until it ends."))
    requires_approval = BooleanField(_l("Organizers approve each registration"))
    video_url = StringField(_l("Video link"), validators=[Optional(), Length(max=500)],
                            description=_l("Zoom, Jitsi, YouTube, BigBlueButton … shown only to registered people on the join page."))
    timezone = ZoneField(_l("Time zone of the exchange"), default="UTC")
    submit = SubmitField(_l("Save"))

    def fill_choices(self) -> None:
        self.focus_areas.choices = [(a.id, a.name) for a in services.focus_areas()]
        self.topics.choices = [(t.id, t.name) for t in services.topics()]
        self.cities.choices = [(c.id, c.name) for c in services.cities()]

    def to_data(self) -> services.ExchangeData:
        return services.ExchangeData(
            kind=self.kind.data, title=self.title.data or "", description=self.description.data or "",
            visibility=self.visibility.data, capacity=self.capacity.data,
            registration_deadline=self.registration_deadline.data, requires_approval=bool(self.requires_approval.data),
            video_url=self.video_url.data or "", timezone=self.timezone.data, languages=list(self.languages.data or []),
            interpretation_notes=self.interpretation_notes.data or "", focus_area_ids=list(self.focus_areas.data or []),
            topic_ids=list(self.topics.data or []), city_ids=list(self.cities.data or []))


class SessionTimesMixin:
    starts_local = DateTimeLocalField(_l("Starts"), format=LOCAL_FORMAT, validators=[InputRequired()])
    ends_local = DateTimeLocalField(_l("Ends"), format=LOCAL_FORMAT, validators=[InputRequired()])
    start_fold = RadioField(_l("Which start do you mean?"), choices=_fold_choices, validators=[Optional()],
                            validate_choice=False)
    end_fold = RadioField(_l("Which end do you mean?"), choices=_fold_choices, validators=[Optional()],
                          validate_choice=False)


class NewExchangeForm(SessionTimesMixin, ExchangeForm):
    """An exchange with its first session; the query string can prefill it (peer requests, the assistant)."""

    speaker_id = HiddenField()
    invitee_id = HiddenField()
    publish = BooleanField(_l("Publish now (otherwise it stays a draft only organizers see)"))
    submit = SubmitField(_l("Create exchange"))

    def session_data(self) -> services.SessionData:
        return services.SessionData(title=self.title.data or "", starts_local=self.starts_local.data,
                                    ends_local=self.ends_local.data, timezone=self.timezone.data,
                                    start_fold=optional_fold(self.start_fold.data),
                                    end_fold=optional_fold(self.end_fold.data))


class SessionForm(SessionTimesMixin, FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    timezone = ZoneField(_l("Time zone the times are in"))
    track_id = SelectField(_l("Track"), coerce=record_id, validate_choice=False, choices=lambda: [(0, _l("— No track —"))])
    premoderate_questions = BooleanField(_l("Moderators approve questions before everyone sees them"))
    video_url = StringField(_l("Video link of this session"), validators=[Optional(), Length(max=500)],
                            description=_l("Optional, https:// only: when this session meets in its own video room "
                                           "(a conference's track), registered people get this link instead of the "
                                           "exchange's."))
    submit = SubmitField(_l("Save session"))

    def fill_choices(self, exchange) -> None:
        self.track_id.choices = [(0, _l("— No track —"))] + [(t.id, t.name) for t in exchange.tracks]

    def to_data(self) -> services.SessionData:
        return services.SessionData(title=self.title.data or "", description=self.description.data or "",
                                    starts_local=self.starts_local.data, ends_local=self.ends_local.data,
                                    timezone=self.timezone.data, start_fold=optional_fold(self.start_fold.data),
                                    end_fold=optional_fold(self.end_fold.data), track_id=self.track_id.data or None,
                                    premoderate_questions=bool(self.premoderate_questions.data),
                                    video_url=self.video_url.data or "")


class SpeakerForm(FlaskForm):
    user_id = SelectField(_l("Speaker"), coerce=record_id, validate_choice=False)
    role = SelectField(_l("Role"), choices=SpeakerRole.choices, default=SpeakerRole.PANELIST.value)
    submit = SubmitField(_l("Invite speaker"))

    def fill_choices(self) -> None:
        self.user_id.choices = [(u.id, f"{u.name} ({u.timezone})") for u in services.speaker_choices()]


class TeamMemberForm(FlaskForm):
    user_id = SelectField(_l("Organizer"), coerce=record_id, validate_choice=False)
    submit = SubmitField(_l("Add to the team"))

    def fill_choices(self, exchange) -> None:
        self.user_id.choices = [(u.id, f"{u.name} <{u.email}>") for u in services.team_candidates(exchange)]


class TrackForm(FlaskForm):
    name = StringField(_l("Track name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Add track"))


class RegistrationForm(FlaskForm):
    """The fixed questions; `registration_form(exchange)` adds the exchange's own questions (`own_questions`)."""

    city_id = SelectField(_l("Your city"), coerce=record_id, validate_choice=False)
    stakeholder_group = SelectField(_l("Stakeholder group"), choices=stakeholder_choices, validate_choice=False)
    needs = TextAreaField(_l("Interpretation or accessibility needs"), validators=[Length(max=2000)],
                          description=_l("Only organizers see this."))
    submit = SubmitField(_l("Register"))
    exchange = None
    own_questions: list = []

    def fill_choices(self) -> None:
        self.city_id.choices = [(0, _l("— Choose your city —"))] + [(c.id, c.name) for c in services.cities()]

    def question_fields(self) -> list:
        """The fields of the exchange's own questions, in the form's order."""
        return [self[questions.field_name(q)] for q in self.own_questions]

    def fill_answers(self, answers: dict) -> None:
        """Show earlier answers ({question id: value}) in the exchange's own questions."""
        for question in self.own_questions:
            value = answers.get(question.id)
            if value is not None:
                self[questions.field_name(question)].data = (
                    [str(v) for v in value] if isinstance(value, list) else str(value))

    def validate(self, extra_validators=None) -> bool:
        """Check the fixed fields and the exchange's own questions together: every error at once, by its field."""
        valid = super().validate(extra_validators)
        if self.exchange is not None:
            try:
                questions.check_answers(self.exchange, self._own_answers())
            except Invalid as exc:
                for name, message in exc.errors:
                    self[name].errors = [*self[name].errors, str(message)]
                valid = False
        return valid

    def _own_answers(self) -> dict:
        return {q.id: self[questions.field_name(q)].data for q in self.own_questions}

    def answers(self) -> RegistrationAnswers:
        return RegistrationAnswers(city_id=self.city_id.data or None, stakeholder_group=self.stakeholder_group.data or "",
                                   needs=self.needs.data or "", questions=self._own_answers())


def _question_field(question, locale: str, languages: list[str]):
    """The form field for one of an exchange's questions (checked by `questions.check_answers`, not here)."""
    label = questions.text_for(question.label, locale, languages)
    extra = {"description": _l("Required.")} if question.required else {}
    if question.kind == QuestionKind.SHORT_TEXT:
        return StringField(label, render_kw={"maxlength": questions.MAX_ANSWER[question.kind]}, **extra)
    if question.kind == QuestionKind.LONG_TEXT:
        return TextAreaField(label, **extra)
    choices = [(str(n), questions.text_for(texts, locale, languages)) for n, texts in enumerate(question.choices)]
    if question.kind == QuestionKind.ONE_CHOICE:
        return RadioField(label, choices=choices, validate_choice=False, validators=[Optional()], **extra)
    return SelectMultipleField(label, choices=choices, validate_choice=False, option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False), **extra)


def registration_form(exchange, form_class=None, **kwargs):
    """Return the registration form of `exchange` (or `form_class`, the invitation sign-up form) with the
    exchange's own questions after the fixed ones, its choices filled."""
    base = form_class or RegistrationForm
    own = questions.questions_of(exchange)
    locale, languages = current_locale(), questions.languages_of(exchange)
    fields = {questions.field_name(q): _question_field(q, locale, languages) for q in own}
    form = type(base.__name__, (base,), fields)(**kwargs)
    form.exchange, form.own_questions = exchange, own
    form.fill_choices()
    return form


class QuestionForm(FlaskForm):
    """An exchange's own registration question; `question_form(exchange)` adds its text in each of the exchange's
    languages (`label_<code>`, and `choices_<code>`: one choice a line, the same line in every language)."""

    kind = SelectField(_l("Kind of answer"), choices=QuestionKind.choices, default=QuestionKind.SHORT_TEXT.value)
    required = BooleanField(_l("People must answer it"))
    submit = SubmitField(_l("Save the question"))
    languages: list[str] = []

    def label_fields(self) -> list:
        return [self[f"label_{code}"] for code in self.languages]

    def choice_fields(self) -> list:
        return [self[f"choices_{code}"] for code in self.languages]

    def fill(self, question) -> None:
        self.kind.data, self.required.data = str(question.kind), question.required
        for code in self.languages:
            self[f"label_{code}"].data = question.label.get(code, "")
            self[f"choices_{code}"].data = "\n".join(c.get(code, "") for c in question.choices or [])

    def to_data(self) -> questions.QuestionData:
        lines = {code: (self[f"choices_{code}"].data or "").replace("\r\n", "\n").strip("\n").split("\n")
                 for code in self.languages}
        count = max((len(v) for v in lines.values() if any(x.strip() for x in v)), default=0)
        choices = [{code: (lines[code][n] if n < len(lines[code]) else "") for code in self.languages}
                   for n in range(count)]
        return questions.QuestionData(kind=self.kind.data, required=bool(self.required.data), choices=choices,
                                      label={code: self[f"label_{code}"].data or "" for code in self.languages})


def question_form(exchange, **kwargs) -> QuestionForm:
    """Return the question form with a question and a choices field for each of the exchange's languages."""
    languages = questions.languages_of(exchange)
    fields = {}
    for code in languages:
        name = language_name(code)
        fields[f"label_{code}"] = StringField(_l("Question (%(language)s)", language=name),
                                              render_kw={"maxlength": questions.MAX_LABEL})
        fields[f"choices_{code}"] = TextAreaField(
            _l("Choices (%(language)s)", language=name),
            description=_l("For one or several choices: one choice a line, in the same order in every language."))
    form = type("QuestionForm", (QuestionForm,), fields)(**kwargs)
    form.languages = languages
    return form


class InvitationSignUpForm(ZoneAndLanguageMixin, RegistrationForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Choose a password"), validators=[DataRequired()],
                             description=_l("At least 10 characters; a short sentence works well."),
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create my account and register"))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=120)])
    city_id = SelectField(_l("City"), coerce=record_id, validate_choice=False)
    stakeholder_group = SelectField(_l("Stakeholder group"), choices=stakeholder_choices, validate_choice=False)
    submit = SubmitField(_l("Invite"))

    def fill_choices(self) -> None:
        self.city_id.choices = [(0, _l("— No city —"))] + [(c.id, c.name) for c in services.cities()]


class InviteesUploadForm(FlaskForm):
    file = FileField(_l("CSV of invitees"), validators=[FileRequired(), FileAllowed(["csv", "txt"], _l("Upload a .csv file."))],
                     description=_l("Columns: name, email, city, stakeholder_group (first line names them)."))
    submit = SubmitField(_l("Invite everyone in the file"))


class ProgramUploadForm(FlaskForm):
    file = FileField(_l("Program file (JSON)"), validators=[FileRequired(), FileAllowed(["json"], _l("Upload a .json file."))],
                     description=_l("The format is described in docs/program-format.md; “Export” gives an example."))
    submit = SubmitField(_l("Import the program"))


class AssistantForm(FlaskForm):
    """Read-only, so a GET form without CSRF: the answer can be bookmarked and shared."""

    class Meta:
        csrf = False

    people = SelectMultipleField(_l("People"), coerce=record_id, validate_choice=False,
                                 description=_l("Experts use their stated availability; others 08:00–18:00, Monday to Friday, in their zone."))
    cities = SelectMultipleField(_l("Cities"), coerce=record_id, validate_choice=False,
                                 description=_l("Each city counts as one participant working 08:00–18:00, Monday to Friday."))
    duration = IntegerField(_l("Duration (minutes)"), default=60, validators=[InputRequired(), NumberRange(min=15, max=480)])
    date_from = DateField(_l("First day"), validators=[InputRequired()])
    date_to = DateField(_l("Last day"), validators=[InputRequired()])
    zone = ZoneField(_l("Show times in"))
    occurrences = IntegerField(_l("Weekly sessions in the series"), default=1,
                               validators=[Optional(), NumberRange(min=1, max=12)],
                               description=_l("More than 1 plans one session a week and rotates the inconvenient hour across cities."))
    exchange_id = HiddenField()
    submit = SubmitField(_l("Find times"))

    def fill_choices(self, people) -> None:
        self.people.choices = [(u.id, f"{u.name} ({u.timezone})") for u in people]
        self.cities.choices = [(c.id, f"{c.name} ({c.timezone})") for c in services.cities()]

