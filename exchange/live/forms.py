"""Live-room forms that work without JavaScript (the room itself needs it)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from .services import ANSWER_MAX


class AnswerForm(FlaskForm):
    """Attach or change the written answer to a question, during or after the session."""

    answer = TextAreaField(_l("Written answer"), validators=[Length(max=ANSWER_MAX)],
                           description=_l("Shown with the question on the summary and in the transcript."))
    submit = SubmitField(_l("Save answer"))
