from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import InputRequired, Optional

from jobboard.applications.forms import ApplyForm, month_start
from jobboard.core.forms import filled, text_field, textarea_field, url_field
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.forms import CheckboxesField
from jobboard.licensing import queries
from jobboard.licensing.catalogue import KindFields, TrackFields
from jobboard.licensing.milestones import MilestoneFields
from jobboard.licensing.models import DocumentKind, ExamResult, LicenceDocument, LicenceTrack


def _exam_results() -> list[tuple[str, str]]:
    return [("", "—"), *((r.value, r.label) for r in ExamResult)]


class TrackForm(FlaskForm):
    track_id = SelectField(_l("Your licence track"), coerce=int, validators=[InputRequired(_l("Choose a track."))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.track_id.choices = [(t.id, t.local_name) for t in queries.tracks()]


class DocumentForm(FlaskForm):
    file = FileField(_l("File (PDF, JPEG or PNG, at most 5 MB)"), validators=[FileRequired(_l("Choose a file."))])
    issued_on = DateField(_l("Issue date"), validators=[InputRequired(_l("Give the day the document was issued."))])
    expires_on = DateField(_l("Expiry date"), validators=[Optional()], description=_l("If the document has one."))


class MilestonesForm(FlaskForm):
    file_opened_on = DateField(_l("File opened at the Ministry of Health"), validators=[Optional()])
    exemption_granted_on = DateField(_l("Exam exemption granted"), validators=[Optional()])
    exam_on = DateField(_l("Exam date"), validators=[Optional()])
    exam_result = SelectField(_l("Exam result"), choices=_exam_results, validators=[Optional()])
    provisional_expected = DateField(
        _l("Provisional licence expected (month)"),
        format="%Y-%m",
        validators=[Optional()],
        render_kw={"type": "month"},
    )
    provisional_licence_on = DateField(_l("Provisional licence received"), validators=[Optional()])
    full_licence_on = DateField(_l("Full licence received"), validators=[Optional()])
    specialty_recognised_on = DateField(_l("Specialty recognised"), validators=[Optional()])

    @classmethod
    def of(cls, fields: MilestoneFields) -> MilestonesForm:
        return cls(data={**asdict(fields), "exam_result": fields.exam_result.value if fields.exam_result else ""})

    def to_fields(self) -> MilestoneFields:
        return MilestoneFields(
            file_opened_on=self.file_opened_on.data,
            exam_on=self.exam_on.data,
            exam_result=ExamResult(self.exam_result.data) if self.exam_result.data else None,
            exemption_granted_on=self.exemption_granted_on.data,
            provisional_expected=month_start(self.provisional_expected.data),
            provisional_licence_on=self.provisional_licence_on.data,
            full_licence_on=self.full_licence_on.data,
            specialty_recognised_on=self.specialty_recognised_on.data,
        )


class ApplyWithSharesForm(ApplyForm):
    """Applying, and the licence documents the employer may see (none ticked by default)."""

    licence_document_ids = CheckboxesField(
        _l("Licence documents the employer may see"),
        coerce=int,
        validators=[Optional()],
        description=_l("None by default: the employer receives your CV only. You can revoke a share later."),
    )

    def offer(self, documents: list[LicenceDocument]) -> None:
        self.licence_document_ids.choices = [(d.id, d.kind.local_name) for d in documents]


# --- the programme's staff -------------------------------------------------------------------


class NewCopyForm(FlaskForm):
    reason = textarea_field(_l("What is wrong with this copy"), max_length=2000, required=True)


class TrackEditForm(FlaskForm):
    name = text_field(_l("Name"), max_length=120)
    summary = textarea_field(_l("Summary"), max_length=2000)
    source_url = url_field(_l("Source link"))
    is_confirmed = BooleanField(_l("Checked against the source"))

    @classmethod
    def of(cls, track: LicenceTrack | None) -> TrackEditForm:
        if track is None:
            return cls(data={"is_confirmed": False})
        return cls(data={k: getattr(track, k) for k in ("name", "summary", "source_url", "is_confirmed")})

    def to_fields(self) -> TrackFields:
        return TrackFields(
            name=filled(self.name.data),
            summary=self.summary.data or "",
            source_url=self.source_url.data or "",
            is_confirmed=self.is_confirmed.data,
        )


class KindEditForm(FlaskForm):
    name = text_field(_l("Name"), max_length=120)
    description = textarea_field(_l("What it is"), max_length=2000)
    issuer = text_field(_l("Who issues it"), max_length=200, required=False)
    has_expiry = BooleanField(_l("Has an expiry date"))
    is_confirmed = BooleanField(_l("Checked against the source"))

    @classmethod
    def of(cls, kind: DocumentKind | None) -> KindEditForm:
        if kind is None:
            return cls(data={"is_confirmed": False})
        names = ("name", "description", "issuer", "has_expiry", "is_confirmed")
        return cls(data={k: getattr(kind, k) for k in names})

    def to_fields(self) -> KindFields:
        return KindFields(
            name=filled(self.name.data),
            description=self.description.data or "",
            issuer=self.issuer.data or "",
            has_expiry=self.has_expiry.data,
            is_confirmed=self.is_confirmed.data,
        )


class RequirementForm(FlaskForm):
    kind_id = SelectField(_l("Document"), coerce=int, validators=[InputRequired(_l("Choose a document."))])
    source_url = url_field(_l("Source of the requirement"))
    is_confirmed = BooleanField(_l("Checked against the source"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind_id.choices = [(k.id, k.name) for k in queries.kinds()]
