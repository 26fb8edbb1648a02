from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from jobboard.applications.models import PIPELINE, LicenceStatus, MailMode, Stage
from jobboard.applications.profiles import ProfileFields
from jobboard.core.forms import IntegerField, text_field, textarea_field
from jobboard.i18n import countries
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.forms import CheckboxesField
from jobboard.jobs.models import Seniority
from jobboard.vocab.models import HebrewLevel
from jobboard.vocab.queries import language_choices, profession_choices, region_choices, specialty_choices


def _blank(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


# Choices named by an enum's label are built when a form is made, in the reader's language.
def _seniorities() -> list[tuple[str, str]]:
    return _blank("—", [(s.value, s.label) for s in Seniority])


def _countries() -> list[tuple[str, str]]:
    return _blank("—", countries())


def _licence_statuses() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in LicenceStatus]


def _hebrew_levels() -> list[tuple[int, str]]:
    return [(int(level), level.label) for level in HebrewLevel]


def _pipeline_stages() -> list[tuple[str, str]]:
    return [(s.value, s.label) for s in PIPELINE]


def _any_stage() -> list[tuple[str, str]]:
    return _blank(_("Any stage"), [(s.value, s.label) for s in Stage])


def _any_licence_status() -> list[tuple[str, str]]:
    return _blank(_("Any licence status"), _licence_statuses())


def _any_hebrew_level() -> list[tuple[str, str]]:
    return [("", _("Any")), *((str(int(level)), level.label) for level in HebrewLevel)]


class ProfileForm(FlaskForm):
    profession_slug = SelectField(_l("Profession"), validators=[Optional()])
    specialty_slug = SelectField(_l("Specialty"), validators=[Optional()], description=_l("For physicians."))
    seniority = SelectField(_l("Seniority"), choices=_seniorities, validators=[Optional()])
    years_experience = IntegerField(_l("Years of experience"), validators=[Optional(), NumberRange(0, 70)])
    training_country = SelectField(_l("Country of medical training"), choices=_countries, validators=[Optional()])
    residence_country = SelectField(_l("Country of residence"), choices=_countries, validators=[Optional()])
    hebrew_level = SelectField(_l("Hebrew"), coerce=int, choices=_hebrew_levels)
    language_codes = CheckboxesField(_l("Other languages you work in"), validators=[Optional()])
    move_month = DateField(
        _l("Planned move (month)"), format="%Y-%m", validators=[Optional()], render_kw={"type": "month"}
    )
    arrived_on = DateField(
        _l("Day of your aliyah (arrival in Israel)"),
        validators=[Optional()],
        description=_l("Once you have arrived. It helps the program count the doctors it brought."),
    )
    region_slugs = CheckboxesField(_l("Regions you would like to work in"), validators=[Optional()])
    open_to_periphery = BooleanField(_l("Open to positions in the periphery"))
    summary = textarea_field(_l("Short summary"), max_length=2000)
    phone = text_field(
        _l("Phone (optional)"),
        max_length=40,
        required=False,
        validators=(Regexp(r"^\+?[0-9 ()\-]{6,40}$", message=_l("Digits, spaces and + only.")),),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profession_slug.choices = _blank("—", profession_choices())
        self.specialty_slug.choices = _blank("—", specialty_choices())
        self.language_codes.choices = language_choices()
        self.region_slugs.choices = region_choices()

    @classmethod
    def of(cls, fields: ProfileFields | None) -> ProfileForm:
        """A new profile starts open to the periphery."""
        if fields is None:
            return cls(data={"open_to_periphery": True})
        data = {
            **asdict(fields),
            "profession_slug": fields.profession_slug or "",
            "specialty_slug": fields.specialty_slug or "",
            "seniority": fields.seniority.value if fields.seniority else "",
            "training_country": fields.training_country or "",
            "residence_country": fields.residence_country or "",
            "hebrew_level": int(fields.hebrew_level),
        }
        return cls(data=data)

    def to_fields(self) -> ProfileFields:
        return ProfileFields(
            profession_slug=self.profession_slug.data or None,
            specialty_slug=self.specialty_slug.data or None,
            seniority=Seniority(self.seniority.data) if self.seniority.data else None,
            years_experience=self.years_experience.data,
            training_country=self.training_country.data or None,
            residence_country=self.residence_country.data or None,
            hebrew_level=HebrewLevel(self.hebrew_level.data),
            move_month=month_start(self.move_month.data),
            arrived_on=self.arrived_on.data,
            open_to_periphery=self.open_to_periphery.data,
            summary=self.summary.data or "",
            phone=self.phone.data or None,
            language_codes=self.language_codes.data or [],
            region_slugs=self.region_slugs.data or [],
        )


class CvUploadForm(FlaskForm):
    file = FileField(_l("CV (PDF, at most 5 MB)"), validators=[FileRequired(_l("Choose a PDF file."))])


class ApplyForm(FlaskForm):
    cv_id = SelectField(_l("CV"), coerce=int, validators=[InputRequired(_l("Choose the CV to send."))])
    cover_note = textarea_field(
        _l("Cover note"), max_length=5000, description=_l("Why this position? When could you start?")
    )


class WithdrawForm(FlaskForm):
    reason = textarea_field(_l("Reason (optional; the employer sees it)"), max_length=1000)


class MoveForm(FlaskForm):
    stage = SelectField(_l("Move to"), choices=_pipeline_stages, validators=[InputRequired()])
    note = textarea_field(_l("Note (optional)"), max_length=1000)
    occurred_on = DateField(
        _l("Day it happened"),
        validators=[Optional()],
        description=_l("For an offer, a hire or a start of work: the day it happened (today if left empty)."),
    )
    send_rejection = BooleanField(_l("Send the rejection e-mail"))


class NoteForm(FlaskForm):
    body = textarea_field(_l("Private note"), max_length=5000, required=True)


class RatingForm(FlaskForm):
    rating = SelectField(
        _l("Rating"),
        coerce=lambda v: int(v) if v else None,
        choices=[("", "—"), *((str(n), "★" * n) for n in range(1, 6))],
        validators=[Optional()],
    )


class RejectionTemplateForm(FlaskForm):
    subject = text_field(_l("Subject"), max_length=200)
    body = textarea_field(
        _l("Text"),
        max_length=8000,
        required=True,
        description=_l(
            "{name}, {title} and {employer} are replaced by the doctor's name, "
            "the posting's title and your organisation's name."
        ),
    )


class MailModeForm(FlaskForm):
    mode = SelectField(
        _l("New applications"),
        choices=[
            (MailMode.IMMEDIATE.value, _l("An e-mail for each new application")),
            (MailMode.DAILY.value, _l("One summary a day")),
            (MailMode.OFF.value, _l("No e-mail")),
        ],
        validators=[InputRequired()],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[InputRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that this cannot be undone"), validators=[DataRequired(_l("Tick the box to confirm."))]
    )


class ApplicantFilterForm(FlaskForm):
    """The applicants list's filters (a GET form; no CSRF needed for reading)."""

    class Meta:
        csrf = False

    posting = SelectField(_l("Posting"), coerce=lambda v: int(v) if v else None, validators=[Optional()])
    stage = SelectField(_l("Stage"), choices=_any_stage, validators=[Optional()])
    specialty = SelectField(_l("Specialty"), validators=[Optional()])
    licence = SelectField(_l("Licence"), choices=_any_licence_status, validators=[Optional()])
    hebrew = SelectField(
        _l("Hebrew at least"),
        coerce=lambda v: int(v) if v not in (None, "") else None,
        choices=_any_hebrew_level,
        validators=[Optional()],
    )
    move_before = DateField(_l("Moving by"), format="%Y-%m", validators=[Optional()], render_kw={"type": "month"})
    sort = SelectField(
        _l("Sort"),
        choices=[
            ("newest", _l("Newest first")),
            ("oldest", _l("Oldest first")),
            ("rating", _l("Best rated")),
            ("move", _l("Moving soonest")),
            ("name", _l("Name")),
        ],
        default="newest",
        validators=[Optional()],
    )


def month_start(value: date | None) -> date | None:
    return value.replace(day=1) if value else None
