"""Account forms (Flask-WTF: every form carries csrf_token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from ..common.time import ZONE_REGIONS, current_locale, is_zone, zone_name
from ..common.time import zone_choices as localized_zone_choices
from ..config import SUPPORTED_LANGUAGES


def zone_choices() -> dict[str | None, list[tuple[str, str]]]:
    """Return the canonical zones as "Country — City" in the reader's language, grouped by region (the region's
    name in the reader's language; UTC first, in no group); the value stays the IANA name."""
    return {str(ZONE_REGIONS[region]) if region else None: list(zones)
            for region, zones in localized_zone_choices(current_locale())}


class ZoneField(SelectField):
    """The zone picker: canonical zones grouped by region (`<optgroup>`), with a search box the page's script shows
    (`_macros.html: field`). A stored zone the picker does not offer (an old alias such as `US/Eastern`) is added
    at the top, selected, so that saving the form keeps it."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("choices", zone_choices)
        kwargs.setdefault("validate_choice", False)
        super().__init__(label, validators, **kwargs)

    def __call__(self, **kwargs):
        offered = {value for zones in self.choices.values() for value, _label in zones}
        if self.data and self.data not in offered and is_zone(self.data):
            self.choices = {**self.choices, None: [*self.choices.get(None, []), (self.data, zone_name(self.data))]}
        return super().__call__(**kwargs)


def language_choices() -> list[tuple[str, str]]:
    return list(SUPPORTED_LANGUAGES.items())


class ZoneAndLanguageMixin:
    timezone = ZoneField(_l("Time zone"), default="UTC",
                           description=_l("Times are shown to you in this zone."))
    language = SelectField(_l("Language"), choices=language_choices, validate_choice=False)


class SignUpForm(ZoneAndLanguageMixin, FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)], render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             description=_l("At least 10 characters; a short sentence works well."),
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired()], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me on this device"))
    submit = SubmitField(_l("Log in"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(check_deliverability=False)],
                       render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Email me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Set new password"))


class ProfileForm(ZoneAndLanguageMixin, FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Save profile"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired()], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Change password"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(_l("New email"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Change email"))


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Delete my account"))


class ConfirmEmailForm(FlaskForm):
    submit = SubmitField(_l("Confirm my email address"))


class LogoutEverywhereForm(FlaskForm):
    submit = SubmitField(_l("Log out everywhere"))
