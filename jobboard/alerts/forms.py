from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired, Length

from jobboard.alerts.models import Frequency
from jobboard.core.forms import email_field, text_field
from jobboard.i18n import lazy_gettext as _l


def frequency_choices() -> list[tuple[str, str]]:
    """In the reader's language: each form built asks again."""
    return [(frequency.value, frequency.label) for frequency in Frequency]


class AlertForm(FlaskForm):
    name = text_field(_l("Name of the alert"), max_length=120)
    frequency = SelectField(
        _l("How often"), choices=frequency_choices, default=Frequency.DAILY.value, validators=[InputRequired()]
    )
    query = HiddenField(validators=[Length(max=4000)])


class VisitorAlertForm(AlertForm):
    email = email_field(_l("Your e-mail"))


class AlertSettingsForm(FlaskForm):
    name = text_field(_l("Name"), max_length=120)
    frequency = SelectField(_l("How often"), choices=frequency_choices, validators=[InputRequired()])
