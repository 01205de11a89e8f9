"""Forms for expert applications, review, the directory, officials, cities and peer requests."""

from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import NumberRange, Optional

from ..accounts.forms import ZoneField
from ..common.i18n import sort_key
from ..common.web import Required, record_id
from .data import US_STATES
from .services import Challenge, ExpertApplication
from .vocab import LEVEL_LABELS, STAKEHOLDER_LABELS, WEEKDAY_LABELS, language_choices

LANGUAGE_ROWS = 4
WINDOW_ROWS = 5


def _blank_language_choices() -> list[tuple[str, str]]:
    return [("", _l("— none —")), *language_choices()]


def _any_language() -> list[tuple[str, str]]:
    return [("", _l("— any —")), *language_choices()]


def _weekday_choices() -> list[tuple[str, str]]:
    return [("", _l("— none —")), ("weekdays", _l("Monday to Friday")),
            *((str(i), label) for i, label in enumerate(WEEKDAY_LABELS))]


def _sorted_states() -> list[tuple[str, str]]:
    return sorted(US_STATES, key=lambda state: sort_key(state[1]))  # by the name the reader reads


def _states() -> list[tuple[str, str]]:
    return [("", _l("— choose —")), *_sorted_states()]


def _any_state() -> list[tuple[str, str]]:
    return [("", _l("— any —")), *_sorted_states()]


def _levels() -> list[tuple[str, str]]:
    return list(LEVEL_LABELS.items())


def _stakeholder_groups() -> list[tuple[str, str]]:
    return [("", _l("— choose —")), *STAKEHOLDER_LABELS.items()]


def _sorts() -> list[tuple[str, str]]:
    return [("name", _l("Name")), ("newest", _l("Newest")), ("state", _l("State"))]


def _minutes(value: time | None, *, end: bool = False) -> int | None:
    if value is None:
        return None
    minutes = value.hour * 60 + value.minute
    return 1440 if end and minutes == 0 else minutes  # an end of 00:00 means midnight at the end of the day


def _time(minutes: int) -> time:
    return time(0) if minutes >= 1440 else time(minutes // 60, minutes % 60)


class LanguageRow(Form):
    code = SelectField(_l("Language"), choices=_blank_language_choices, validate_choice=False)
    level = SelectField(_l("Level"), choices=_levels, default="fluent", validate_choice=False)


class WindowRow(Form):
    weekday = SelectField(_l("Day"), choices=_weekday_choices, validate_choice=False)
    start = TimeField(_l("From"), validators=[Optional()])
    end = TimeField(_l("Until"), validators=[Optional()])


class ExpertApplicationForm(FlaskForm):
    job_title = StringField(_l("Job title"), validators=[Required()], description=_l("For example: Chief Innovation Officer."))
    city_government = StringField(_l("City government"), validators=[Required()], description=_l("For example: City of Boston."))
    state = SelectField(_l("U.S. state or territory"), choices=_states, validate_choice=False, validators=[Required()])
    department = StringField(_l("Department"), validators=[Required()])
    focus_areas = SelectMultipleField(_l("Focus areas"), validate_choice=False)
    topics = SelectMultipleField(_l("Topics"), validate_choice=False, validators=[Required()])
    languages = FieldList(FormField(LanguageRow), min_entries=LANGUAGE_ROWS, max_entries=12)
    timezone = ZoneField(_l("Your time zone"), validators=[Required()],
                           description=_l("Your availability below is in this zone."))
    availability = FieldList(FormField(WindowRow), min_entries=WINDOW_ROWS, max_entries=30)
    bio = TextAreaField(_l("Short bio"), validators=[Required()], description=_l("What you have led and what you can advise on (at most 2000 characters)."))
    links = TextAreaField(_l("Links (optional)"), description=_l("One web address a line, at most five."))
    photo = FileField(_l("Photo (optional)"), description=_l("A JPEG, PNG, GIF or WebP image of at most 3 MB."),
                      render_kw={"accept": "image/jpeg,image/png,image/gif,image/webp"})
    remove_photo = BooleanField(_l("Remove the current photo"))
    submit = SubmitField(_l("Submit application"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Number the repeated rows' labels, so that each control's name is unique when read aloud.
        for n, row in enumerate(self.languages.entries, start=1):
            row.form.code.label.text = _l("Language %(n)d", n=n)
            row.form.level.label.text = _l("Level of language %(n)d", n=n)
        for n, row in enumerate(self.availability.entries, start=1):
            row.form.weekday.label.text = _l("Day %(n)d", n=n)
            row.form.start.label.text = _l("From (window %(n)d)", n=n)
            row.form.end.label.text = _l("Until (window %(n)d)", n=n)

    def to_application(self) -> ExpertApplication:
        """Return the form's contents in the shape the services take (empty rows dropped)."""
        windows: list[tuple[int, int, int]] = []
        for row in self.availability.entries:
            day, start, end = row.form.weekday.data, _minutes(row.form.start.data), _minutes(row.form.end.data, end=True)
            if not day and start is None and end is None:
                continue
            days = range(5) if day == "weekdays" else [int(day)] if day.isdigit() else [-1]
            windows += [(d, -1 if start is None else start, -1 if end is None else end) for d in days]
        upload = self.photo.data
        return ExpertApplication(
            job_title=self.job_title.data, city_government=self.city_government.data, state=self.state.data,
            department=self.department.data, focus_areas=self.focus_areas.data or [], topics=self.topics.data or [],
            languages=[(r.form.code.data, r.form.level.data) for r in self.languages.entries if r.form.code.data],
            timezone=self.timezone.data, availability=windows, bio=self.bio.data, links=self.links.data,
            photo=upload.read() if upload and getattr(upload, "filename", "") else None,
            remove_photo=bool(self.remove_photo.data),
        )


def application_form_data(profile) -> dict:
    """Return an existing profile as form data (five identical weekday windows collapse into one row)."""
    by_hours: dict[tuple[int, int], set[int]] = {}
    for w in profile.availability:
        by_hours.setdefault((w.start_minute, w.end_minute), set()).add(w.weekday)
    rows = []
    for (start, end), days in sorted(by_hours.items(), key=lambda item: (min(item[1]), item[0])):
        if set(range(5)) <= days:
            rows.append({"weekday": "weekdays", "start": _time(start), "end": _time(end)})
            days = days - set(range(5))
        rows += [{"weekday": str(d), "start": _time(start), "end": _time(end)} for d in sorted(days)]
    return {
        "job_title": profile.job_title, "city_government": profile.city_government, "state": profile.state,
        "department": profile.department, "focus_areas": [a.slug for a in profile.focus_areas],
        "topics": [t.slug for t in profile.topics], "timezone": profile.timezone, "bio": profile.bio,
        "links": profile.links, "languages": [{"code": lang.code, "level": lang.level} for lang in profile.languages],
        "availability": rows + [{}] * 2,
    }


class DecisionForm(FlaskForm):
    """One reason box and three buttons named `decision` (approve, ask for changes, reject)."""

    decision = HiddenField()
    reason = TextAreaField(_l("Reason"), description=_l("Required to reject or to ask for changes; the applicant reads it."))


class DirectoryForm(Form):
    """The directory's search form (GET, so no CSRF token)."""

    q = SearchField(_l("Search"), description=_l("Words in the name, title, bio or topics."))
    focus_area = SelectField(_l("Focus area"), validate_choice=False)
    topic = SelectField(_l("Topic"), validate_choice=False)
    language = SelectField(_l("Language"), choices=_any_language, validate_choice=False)
    state = SelectField(_l("State"), choices=_any_state, validate_choice=False)
    available = BooleanField(_l("Available during my working hours"),
                             description=_l("Weekdays 08:00–18:00 in your time zone."))
    sort = SelectField(_l("Sort by"), choices=_sorts, validate_choice=False)
    page = IntegerField(default=1, validators=[Optional()])


class OfficialProfileForm(FlaskForm):
    city = SelectField(_l("City"), coerce=record_id, validate_choice=False, validators=[Required()])
    organization = StringField(_l("Organization"), validators=[Required()])
    role_title = StringField(_l("Your role"), validators=[Required()])
    stakeholder_group = SelectField(_l("Stakeholder group"), choices=_stakeholder_groups, validate_choice=False,
                                    validators=[Required()])
    languages = SelectMultipleField(_l("Languages you work in"), choices=language_choices, validate_choice=False,
                                    validators=[Required()],
                                    description=_l("Hold Ctrl (or Cmd) to choose more than one."), render_kw={"size": 8})
    submit = SubmitField(_l("Save official profile"))


class CityForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Required()])
    country = StringField(_l("Country"), validators=[Required()])
    region = StringField(_l("Region"), validators=[Required()])
    population = IntegerField(_l("Population (metro area, people)"), validators=[Optional(), NumberRange(min=0), NumberRange(max=100_000_000)])
    timezone = ZoneField(_l("Time zone"))
    submit = SubmitField(_l("Save city"))


class ChallengeForm(FlaskForm):
    official = SelectField(_l("For the official"), coerce=record_id, validate_choice=False, validators=[Required()])
    title = StringField(_l("Your challenge in one line"), validators=[Required()])
    description = TextAreaField(_l("Describe the challenge"), validators=[Required()],
                                description=_l("What you are trying to do, what you tried, and what you would like to learn."))
    focus_area = SelectField(_l("Focus area"), validate_choice=False, validators=[Required()])
    topics = SelectMultipleField(_l("Topics"), validate_choice=False)
    languages = SelectMultipleField(_l("Languages you can work in"), choices=language_choices, validate_choice=False,
                                    validators=[Required()],
                                    description=_l("Hold Ctrl (or Cmd) to choose more than one."), render_kw={"size": 8})
    timezone = ZoneField(_l("Your time zone"), validators=[Required()])
    hours_start = TimeField(_l("Your working day starts"), default=time(8))
    hours_end = TimeField(_l("Your working day ends"), default=time(18))
    preferred_times = TextAreaField(_l("Preferred times (optional)"),
                                    description=_l("For example: Tuesday or Thursday mornings; not during Ramadan."))
    expert = HiddenField()
    submit = SubmitField(_l("Find peer experts"))

    def to_challenge(self) -> Challenge:
        """Return the form's contents in the shape the services take."""
        return Challenge(
            title=self.title.data, description=self.description.data, focus_area=self.focus_area.data or "",
            topics=self.topics.data or [], languages=self.languages.data or [], timezone=self.timezone.data,
            hours_start=_minutes(self.hours_start.data) or 0, hours_end=_minutes(self.hours_end.data, end=True) or 0,
            preferred_times=self.preferred_times.data)


class SendForm(FlaskForm):
    expert = HiddenField()


class RespondForm(FlaskForm):
    note = TextAreaField(_l("A note to the official (optional)"))

