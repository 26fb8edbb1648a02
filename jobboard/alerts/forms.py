from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired, Length

from jobboard.alerts.models import Frequency
from jobboard.core.forms import email_field, text_field

FREQUENCY_CHOICES = [(f.value, f.label) for f in Frequency]


class AlertForm(FlaskForm):
    name = text_field("Name of the alert", max_length=120)
    frequency = SelectField("How often", choices=FREQUENCY_CHOICES, default=Frequency.DAILY.value,
                            validators=[InputRequired()])
    query = HiddenField(validators=[Length(max=4000)])


class VisitorAlertForm(AlertForm):
    email = email_field("Your e-mail")


class AlertSettingsForm(FlaskForm):
    name = text_field("Name", max_length=120)
    frequency = SelectField("How often", choices=FREQUENCY_CHOICES, validators=[InputRequired()])
