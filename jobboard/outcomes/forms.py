from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from jobboard.i18n import lazy_gettext as _l
from jobboard.outcomes.queries import choices
from jobboard.outcomes.scope import BREAKDOWNS, Dimension, Filters


def _breakdowns() -> list[tuple[str, str]]:
    return [(d.value, d.label) for d in BREAKDOWNS]


class PeriodForm(FlaskForm):
    """A dashboard's period (a GET form; no CSRF needed for reading). Empty, it runs from
    ``first_day`` to today."""

    class Meta:
        csrf = False

    since = DateField(_l("First day"), validators=[Optional()])
    until = DateField(_l("Last day"), validators=[Optional()])

    def period(self, first_day: date, today: date) -> tuple[date, date]:
        since, until = self.since.data or first_day, self.until.data or today
        return (until, since) if since > until else (since, until)

    def notices(self) -> list[str]:
        """What could not be read, in words; the rest of the form applies."""
        return [
            _("%(field)s: %(error)s", field=self[name].label.text, error=errors[0])
            for name, errors in self.errors.items()
        ]


class ProgrammeForm(PeriodForm):
    """The period, a value for any dimension, and the dimension to break the figures down by. The
    dimensions' fields are named and filled when the form is made, in the reader's language."""

    country = SelectField(validators=[Optional()])
    profession = SelectField(validators=[Optional()])
    specialty = SelectField(validators=[Optional()])
    region = SelectField(validators=[Optional()])
    periphery = SelectField(validators=[Optional()])
    grant = SelectField(validators=[Optional()])
    employer = SelectField(validators=[Optional()])
    fair = SelectField(validators=[Optional()])
    by = SelectField(_l("Break down by"), choices=_breakdowns, default=Dimension.COUNTRY.value)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for dimension in Dimension:
            field = self[dimension.value]
            field.label.text = dimension.label
            field.choices = [("", _("Any")), *((_value(v), name) for v, name in choices(dimension))]

    def filters(self, first_day: date, today: date) -> Filters:
        since, until = self.period(first_day, today)
        given: dict[str, Any] = {
            d.value: _value_of(d, self[d.value].data)
            for d in Dimension
            if self[d.value].data and not self[d.value].errors
        }
        return Filters(since=since, until=until, **given)

    @property
    def breakdown(self) -> Dimension:
        return Dimension(self.by.data) if self.by.data and not self.by.errors else Dimension.COUNTRY


def _value(value: object) -> str:
    """A dimension's value as the URL carries it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _value_of(dimension: Dimension, text: str) -> object:
    if dimension == Dimension.PERIPHERY:
        return text == "yes"
    if dimension in (Dimension.GRANT, Dimension.EMPLOYER, Dimension.FAIR):
        return int(text)
    return text
