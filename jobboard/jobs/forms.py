from __future__ import annotations

from dataclasses import asdict
from typing import Any, TypeVar, cast

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, Form, FormField, SelectField, SelectMultipleField, widgets
from wtforms.validators import InputRequired, NumberRange, Optional

from jobboard.core.db import utcnow
from jobboard.core.forms import IntegerField, filled, text_field, textarea_field, url_field
from jobboard.i18n import DEFAULT, LANGUAGES, OTHER_LANGUAGES
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.grants import GrantFields
from jobboard.jobs.models import (
    CloseReason,
    EmploymentType,
    GrantCriterion,
    GrantProgram,
    LicenceLevel,
    LicenceRequirement,
    PostingText,
    ReportReason,
    Seniority,
)
from jobboard.jobs.queries import grants_offerable
from jobboard.jobs.services import MAX_DESCRIPTION_CHARS, MAX_SALARY_ILS, MAX_TITLE_CHARS, PostingContent
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Organization
from jobboard.vocab.models import HebrewLevel
from jobboard.vocab.queries import language_choices, profession_choices, region_choices, specialty_choices


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _optional_int(value: str | int | None) -> int | None:
    return int(value) if value is not None and value != "" else None


# Choices named by an enum's label are built when a form is made, in the reader's language.
def _seniorities() -> list[tuple[str, str]]:
    """With an empty first choice: a default would be kept by a recruiter who missed the field."""
    return [("", _("Choose…")), *((s.value, s.label) for s in Seniority)]


def _employment_types() -> list[tuple[str, str]]:
    return [(e.value, e.label) for e in EmploymentType]


def _licence_requirements() -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in LicenceRequirement]


def _hebrew_levels() -> list[tuple[int, str]]:
    return [(int(level), level.label) for level in HebrewLevel]


def _licence_levels() -> list[tuple[str, str]]:
    required = (level for level in LicenceLevel if level != LicenceLevel.NONE)
    return [("", _("No licence condition")), *((level.value, level.requirement) for level in required)]


def _grant_criteria() -> list[tuple[str, str]]:
    return [(c.value, c.label) for c in GrantCriterion]


def _report_reasons() -> list[tuple[str, str]]:
    return [(r.value, r.label) for r in ReportReason]


class TranslationForm(Form):
    """A version of the title and description in one other language: both, or neither."""

    title = text_field(_l("Title"), max_length=MAX_TITLE_CHARS, required=False)
    description_md = textarea_field(_l("Description"), max_length=MAX_DESCRIPTION_CHARS)

    @property
    def is_filled(self) -> bool:
        return bool(self.title.data or self.description_md.data)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in (self.title, self.description_md):
            if self.is_filled and not field.data and not field.errors:
                field.errors = [_("A version needs both a title and a description; leave both empty for none.")]
                valid = False
        return valid


# One optional version per language; the one in the text's own language is refused if filled.
TranslationsForm: type[Form] = type(
    "TranslationsForm", (Form,), {code: FormField(TranslationForm, label=name) for code, name in LANGUAGES.items()}
)


class PostingForm(FlaskForm):
    text_language = SelectField(
        _l("Language of this text"),
        choices=list(LANGUAGES.items()),
        default=DEFAULT,
        validators=[InputRequired()],
        description=_l("The language the title and description are written in."),
    )
    title = text_field(
        _l("Title"),
        max_length=MAX_TITLE_CHARS,
        render_kw={"placeholder": _l("e.g. Senior physician, internal medicine")},
    )
    profession_slug = SelectField(_l("Profession"), validators=[InputRequired()])
    specialty_slug = SelectField(
        _l("Specialty"), validators=[Optional()], coerce=str, description=_l("Required for physicians.")
    )
    seniority = SelectField(_l("Seniority"), choices=_seniorities, validators=[InputRequired()])
    employment_type = SelectField(_l("Employment"), choices=_employment_types, validators=[InputRequired()])
    site_id = SelectField(
        _l("Site"),
        coerce=_optional_int,
        validators=[InputRequired()],
        description=_l("The site fixes the city and the region, and which grant programs apply."),
    )
    grant_ids = CheckboxesField(_l("Grant programs"), coerce=int, validators=[Optional()])
    licence_requirement = SelectField(_l("Licence"), choices=_licence_requirements, validators=[InputRequired()])
    hebrew_level = SelectField(_l("Hebrew needed"), coerce=int, choices=_hebrew_levels, default=int(HebrewLevel.NONE))
    language_codes = CheckboxesField(_l("Other working languages of the team"), validators=[Optional()])
    salary_min_ils = IntegerField(
        _l("Monthly salary from (ILS)"), validators=[Optional(), NumberRange(0, MAX_SALARY_ILS)]
    )
    salary_max_ils = IntegerField(
        _l("Monthly salary up to (ILS)"), validators=[Optional(), NumberRange(0, MAX_SALARY_ILS)]
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    duration_days = IntegerField(
        _l("Days listed after approval"),
        default=60,
        validators=[InputRequired(), NumberRange(7, 180)],
        description=_l("At most 180. Recruiters get a renewal link a week before it ends."),
    )
    description_md = textarea_field(
        _l("Description"),
        max_length=MAX_DESCRIPTION_CHARS,
        required=True,
        description=_l("Markdown: **bold**, *italic*, lists, links."),
    )
    translations: FormField[Form] = FormField(TranslationsForm)

    @classmethod
    def for_org(
        cls, org: Organization, *, site_id: int | None = None, kept: tuple[GrantProgram, ...] = (), **kwargs: Any
    ) -> PostingForm:
        """The form with the organisation's sites, and the grant programs the chosen site's region
        may be tagged with (``kept``: those the posting has, offered even if they have ended); for
        a new posting, those of the region are ticked, for the recruiter to untick what does not apply."""
        form = cls(**kwargs)
        sites = org_queries.sites(org)
        form.profession_slug.choices = profession_choices()
        form.specialty_slug.choices = [("", "—"), *specialty_choices()]
        form.site_id.choices = [(site.id, f"{site.name} ({site.city.local_name})") for site in sites]
        form.language_codes.choices = [c for c in language_choices() if c[0] != "he"]
        chosen = next((s for s in sites if s.id == (form.site_id.data or site_id)), sites[0] if sites else None)
        offerable = grants_offerable(chosen.city.region_slug if chosen else None, utcnow().date())
        form.grant_ids.choices = [(g.id, g.local_name) for g in [*offerable, *(g for g in kept if g not in offerable)]]
        if form.grant_ids.data is None and not form.is_submitted():  # a new posting, or its site changed
            form.grant_ids.data = [g.id for g in offerable]
        for code, version in form.versions():  # each field named apart, for those who hear the labels
            version.title.label.text = _("Title (%(language)s)", language=LANGUAGES[code])
            version.description_md.label.text = _("Description (%(language)s)", language=LANGUAGES[code])
        return form

    @classmethod
    def of(cls, content: PostingContent, org: Organization, *, kept: tuple[GrantProgram, ...] = ()) -> PostingForm:
        data = {
            **asdict(content),
            "seniority": content.seniority.value,
            "employment_type": content.employment_type.value,
            "licence_requirement": content.licence_requirement.value,
            "hebrew_level": int(content.hebrew_level),
            "specialty_slug": content.specialty_slug or "",
            "translations": {
                text.language: {"title": text.title, "description_md": text.description_md}
                for text in content.translations
            },
        }
        return cls.for_org(org, kept=kept, data=data)

    def to_fields(self) -> PostingContent:
        return PostingContent(
            title=filled(self.title.data),
            profession_slug=self.profession_slug.data,
            specialty_slug=self.specialty_slug.data or None,
            seniority=Seniority(self.seniority.data),
            employment_type=EmploymentType(self.employment_type.data),
            site_id=self.site_id.data,
            licence_requirement=LicenceRequirement(self.licence_requirement.data),
            hebrew_level=HebrewLevel(self.hebrew_level.data),
            description_md=filled(self.description_md.data),
            salary_min_ils=self.salary_min_ils.data,
            salary_max_ils=self.salary_max_ils.data,
            start_date=self.start_date.data,
            duration_days=filled(self.duration_days.data),
            grant_ids=sorted(self.grant_ids.data or []),
            language_codes=sorted(self.language_codes.data or []),
            text_language=self.text_language.data,
            translations=[
                PostingText(code, version.title.data or "", version.description_md.data or "")
                for code, version in self.versions()
                if version.is_filled
            ],
        )

    def versions(self) -> list[tuple[str, TranslationForm]]:
        """Each language's version form, in the board's order of languages."""
        return [(code, cast("FormField[TranslationForm]", self.translations[code]).form) for code in LANGUAGES]


class SubmitForm(FlaskForm):
    acknowledge_duplicate = BooleanField(_l("This is a different position from the similar one"))


class CloseForm(FlaskForm):
    reason = SelectField(
        _l("Why"),
        choices=[
            (CloseReason.FILLED.value, _l("The position is filled")),
            (CloseReason.WITHDRAWN.value, _l("We withdraw it")),
        ],
        validators=[InputRequired()],
    )


class ReportForm(FlaskForm):
    reason = SelectField(_l("What is wrong"), choices=_report_reasons, validators=[InputRequired()])
    note = textarea_field(_l("Details (optional)"), max_length=2000)


class DecisionForm(FlaskForm):
    reason = textarea_field(_l("Comment for the employer"), max_length=4000)


class GrantTextsForm(Form):
    """A grant program's name and summary in one language; either may stay empty."""

    name = text_field(_l("Program name"), max_length=200, required=False)
    summary = textarea_field(_l("Summary"), max_length=4000)


FormClass = TypeVar("FormClass", bound=type[FlaskForm])


def _with_texts_in_other_languages(form: FormClass) -> FormClass:
    """The form with a ``GrantTextsForm`` per language besides English, named by its code (its
    inputs "he-name", "he-summary") and labelled with the language's own name."""
    for code in OTHER_LANGUAGES:
        setattr(form, code, FormField(GrantTextsForm, label=LANGUAGES[code]))
    return form


@_with_texts_in_other_languages
class GrantForm(FlaskForm):
    """The grant catalogue's record (``GrantFields``): in English, and the name and summary in
    the board's other languages."""

    name = text_field(_l("Program name"), max_length=200)
    funder = text_field(_l("Funder"), max_length=300)
    region_slugs = CheckboxesField(_l("Regions"), validators=[InputRequired(_l("Choose at least one region."))])
    summary = textarea_field(_l("Summary (who is eligible, conditions)"), max_length=4000, required=True)
    amount_note = textarea_field(_l("What it offers"), max_length=2000)
    amount_min_ils = IntegerField(_l("Amount from (ILS)"), validators=[Optional(), NumberRange(0, 10_000_000)])
    amount_max_ils = IntegerField(_l("Amount up to (ILS)"), validators=[Optional(), NumberRange(0, 10_000_000)])
    commitment_years = IntegerField(_l("Years of commitment"), validators=[Optional(), NumberRange(0, 20)])
    url = url_field(_l("Source link"))
    valid_from = DateField(_l("Valid from"), validators=[Optional()])
    valid_to = DateField(_l("Valid to"), validators=[Optional()])
    # Who may get it: what the posting page's verdicts and the search filter check.
    site_ids = SelectMultipleField(
        _l("Only at these sites"),
        coerce=int,
        validators=[Optional()],
        description=_l("Leave empty for every site in the regions."),
    )
    profession_slugs = CheckboxesField(_l("Professions"), validators=[Optional()])
    specialty_slugs = SelectMultipleField(
        _l("Specialties"), validators=[Optional()], description=_l("Leave empty for every specialty.")
    )
    licence_level = SelectField(_l("Licence needed"), choices=_licence_levels, validators=[Optional()])
    aliyah_within_months = IntegerField(
        _l("Within how many months of aliyah"),
        validators=[Optional(), NumberRange(1, 600)],
        description=_l("Leave empty if the time since aliyah does not matter."),
    )
    first_employment_in_area = BooleanField(_l("Only for a first position as a doctor in the area"))
    verified_on = DateField(_l("Last verified on"), validators=[Optional()])
    verified_source = text_field(_l("Verified against (link or note)"), max_length=500, required=False)
    verified_criteria = CheckboxesField(
        _l("Parts verified against the source"),
        choices=_grant_criteria,
        validators=[Optional()],
        description=_l("Doctors see the other parts marked as unverified."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.region_slugs.choices = region_choices()
        self.site_ids.choices = [
            (s.id, f"{s.org.name} · {s.name} ({s.city.local_name})") for s in org_queries.all_sites()
        ]
        self.profession_slugs.choices = profession_choices()
        self.specialty_slugs.choices = specialty_choices()

    @classmethod
    def of(cls, fields: GrantFields) -> GrantForm:
        texts = {
            code: {"name": fields.names.get(code, ""), "summary": fields.summaries.get(code, "")}
            for code in OTHER_LANGUAGES
        }
        return cls(data={**asdict(fields), "licence_level": fields.licence_level or "", **texts})

    def texts_in_other_languages(self) -> list[tuple[str, GrantTextsForm]]:
        """(language code, the name and summary in it), in the board's order of languages."""
        return [(code, self[code].form) for code in OTHER_LANGUAGES]

    def to_fields(self) -> GrantFields:
        texts = self.texts_in_other_languages()
        return GrantFields(
            names={code: form.name.data for code, form in texts if form.name.data},
            summaries={code: form.summary.data for code, form in texts if form.summary.data},
            name=filled(self.name.data),
            funder=filled(self.funder.data),
            summary=filled(self.summary.data),
            region_slugs=filled(self.region_slugs.data),
            amount_note=self.amount_note.data or "",
            amount_min_ils=self.amount_min_ils.data,
            amount_max_ils=self.amount_max_ils.data,
            commitment_years=self.commitment_years.data,
            url=self.url.data or None,
            valid_from=self.valid_from.data,
            valid_to=self.valid_to.data,
            site_ids=list(self.site_ids.data or []),
            profession_slugs=list(self.profession_slugs.data or []),
            specialty_slugs=list(self.specialty_slugs.data or []),
            licence_level=LicenceLevel(self.licence_level.data) if self.licence_level.data else None,
            aliyah_within_months=self.aliyah_within_months.data,
            first_employment_in_area=bool(self.first_employment_in_area.data),
            verified_on=self.verified_on.data,
            verified_source=self.verified_source.data or None,
            verified_criteria=list(self.verified_criteria.data or []),
        )
