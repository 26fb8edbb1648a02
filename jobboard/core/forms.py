"""Form building blocks every feature uses, so each text input is cleaned the same way.

- Text is NFC-normalised and stripped of bidi overrides and zero-width characters (they can
  disguise names in a right-to-left interface).
- NUL and other control characters are refused with a message (PostgreSQL cannot store NUL,
  and nothing a person types contains one); line breaks and tabs stay in multi-line fields.
- E-mail addresses are validated and normalised to lower case, the form the database stores.
"""

from __future__ import annotations

import math
import re
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from markupsafe import Markup
from wtforms import Field, FormField, StringField, TextAreaField
from wtforms import IntegerField as _IntegerField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from jobboard.core.text import CONTROL_MULTI_LINE, CONTROL_SINGLE_LINE, clean_text
from jobboard.i18n import lazy_gettext as _l

T = TypeVar("T")


def filled(data: T | None) -> T:
    """A required field's data, read once its form has validated (which refuses the form
    without it)."""
    if data is None:
        raise ValueError("a required field has no data")
    return data


class NoControlCharacters:
    def __init__(self, multiline: bool = False):
        self.pattern = CONTROL_MULTI_LINE if multiline else CONTROL_SINGLE_LINE

    def __call__(self, _form: Any, field: Any) -> None:
        if isinstance(field.data, str) and self.pattern.search(field.data):
            raise ValidationError(_("Remove the control characters from this text."))


class Finite:
    """Refuses NaN and infinities, which a float field otherwise accepts and every range
    check lets through."""

    def __call__(self, _form: Any, field: Any) -> None:
        if isinstance(field.data, float) and not math.isfinite(field.data):
            raise StopValidation(_("Enter an ordinary number."))


class IntegerField(_IntegerField):
    """WTForms' IntegerField, refusing numbers beyond 64 bits: NumberRange calls ``math.isnan``
    on the value, which raises OverflowError (a 500) for an int above ~1e308."""

    LIMIT = 2**63 - 1

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > self.LIMIT:
            self.data = None
            raise ValueError(_("Enter a smaller number."))


class Email:
    """Checks the syntax (no DNS look-up) and stores the normalised, lower-case address."""

    def __call__(self, _form: Any, field: Any) -> None:
        if not field.data:
            return
        try:
            result = validate_email(field.data, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError(_("Enter a valid e-mail address.")) from None
        field.data = result.normalized.lower()


def text_field(
    label: str, *, max_length: int, required: bool = True, validators: tuple[Any, ...] = (), **kwargs: Any
) -> StringField:
    """A single-line text; ``validators`` come after the standard ones."""
    standard = [DataRequired() if required else Optional(), Length(max=max_length), NoControlCharacters()]
    return StringField(label, validators=[*standard, *validators], filters=[clean_text], **kwargs)


class WebAddress:
    """A full http(s) address with a host name: no other scheme (javascript:, data:, ftp:)."""

    message = _l("Enter a full address starting with https://")

    def __call__(self, _form: Any, field: Any) -> None:
        if not field.data:
            return
        parts = urlsplit(field.data)
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or "." not in host or not re.fullmatch(r"[a-z0-9.\-]+", host):
            raise ValidationError(str(self.message))


def url_field(label: str, *, max_length: int = 500) -> StringField:
    """An optional web address; when given it must be a full http(s) URL."""
    return StringField(
        label,
        validators=[Optional(), Length(max=max_length), NoControlCharacters(), WebAddress()],
        filters=[clean_text],
    )


def textarea_field(label: str, *, max_length: int, required: bool = False, **kwargs: Any) -> TextAreaField:
    validators = [
        DataRequired() if required else Optional(),
        Length(max=max_length),
        NoControlCharacters(multiline=True),
    ]
    return TextAreaField(label, validators=validators, filters=[clean_text], **kwargs)


def email_field(label: str = _l("E-mail"), **kwargs: Any) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(), Length(max=254), NoControlCharacters(), Email()],
        filters=[clean_text],
        render_kw={"autocomplete": "email", "inputmode": "email"},
        **kwargs,
    )


class _ZoneInput(TextInput):
    """A text input tied to the zones' suggestions (``<datalist id="<field id>-zones">``, which the
    forms macro writes after it from ``i18n.time_zone_suggestions``)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs.setdefault("list", f"{field.id}-zones")
        kwargs.setdefault("dir", "ltr")
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


class TimeZoneField(StringField):
    """An IANA time zone ("Europe/London"), typed with suggestions named by city and country in
    the reader's language. Any zone Python knows is accepted (an older fair's legacy name too);
    without a value the field is empty, never a zone picked for the user."""

    widget = _ZoneInput()

    def pre_validate(self, form: Any) -> None:
        if self.data and self.data not in available_timezones():
            raise StopValidation(_("Choose a time zone from the list (e.g. Europe/London)."))


def invalid_fields(form: Any) -> list[Field]:
    """The fields showing an error, in the form's order, sub-forms' fields included."""
    found: list[Field] = []
    for field in form:
        if isinstance(field, FormField):
            found += invalid_fields(field.form)
        elif field.errors and field.type != "CSRFTokenField":
            found.append(field)
    return found


def _named_field(form: Any, name: str) -> Field | None:
    """The field a service names: ``title``, or one inside a sub-form, ``translations.he.title``."""
    found = form
    for part in name.split("."):
        found = getattr(found, part, None)
    return found if isinstance(found, Field) and not isinstance(found, FormField) else None


def add_form_error(form: Any, error: Any) -> None:
    """Show a service's DomainError next to the field it names, or above the form."""
    field = _named_field(form, error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
