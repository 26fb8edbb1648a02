"""The API's request and response bodies. The OpenAPI document is generated from these, so what
is documented is what is checked and what is sent.

Text is cleaned as the web forms clean it (``core.text``): NFC, no bidi overrides or zero-width
characters, no control characters (a line break only in long texts) and no lone surrogates,
which JSON can carry but no database stores. Ids are 32-bit, as in every route.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from jobboard.applications.models import LicenceStatus, Stage
from jobboard.core.text import CONTROL_MULTI_LINE, CONTROL_SINGLE_LINE, clean_text
from jobboard.i18n import DEFAULT, LANGUAGES
from jobboard.jobs.lifecycle import MAX_LISTING_DAYS
from jobboard.jobs.models import CloseReason, EmploymentType, LicenceRequirement, PostingStatus, Seniority
from jobboard.jobs.services import MAX_DESCRIPTION_CHARS, MAX_SALARY_ILS, MAX_TITLE_CHARS
from jobboard.licensing.models import DocumentState

MAX_ID = 2**31 - 1
SURROGATES = re.compile("[\ud800-\udfff]")
# Instants a client may send: far enough either way for any real use, near enough to convert
# between zones without overflowing.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


class Schema(ma.Schema):
    class Meta:
        ordered = True


class Text(fields.String):
    """A person's text, cleaned and refused with a message when it carries control characters."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pattern = CONTROL_MULTI_LINE if multiline else CONTROL_SINGLE_LINE

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if SURROGATES.search(text) or self.pattern.search(text):
            raise ma.ValidationError("Remove the control characters from this text.")
        return clean_text(text)


def identifier(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(1, MAX_ID), **kwargs)


def instant(value: datetime) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ma.ValidationError("Give a time between 1970 and 3000.")


def enum_of(kind: type[Any], **kwargs: Any) -> fields.Enum:
    return fields.Enum(kind, by_value=True, **kwargs)


# --- postings ------------------------------------------------------------------------------


class TranslationSchema(Schema):
    language = fields.String(required=True, validate=validate.OneOf(list(LANGUAGES)))
    title = Text(required=True, validate=validate.Length(1, MAX_TITLE_CHARS))
    description = Text(required=True, multiline=True, validate=validate.Length(1, MAX_DESCRIPTION_CHARS))


class PostingInputSchema(Schema):
    reference = Text(
        required=True,
        validate=validate.Length(1, 100),
        metadata={"description": "Your own reference for the position: a second request with it updates the posting."},
    )
    title = Text(required=True, validate=validate.Length(1, MAX_TITLE_CHARS))
    profession = fields.String(
        required=True, validate=validate.Length(1, 80), metadata={"description": "A profession's slug."}
    )
    specialty = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 80),
        metadata={"description": "A specialty's slug; required for physicians."},
    )
    seniority = enum_of(Seniority, required=True)
    employment_type = enum_of(EmploymentType, required=True)
    site_id = identifier(required=True, metadata={"description": "One of your organisation's sites."})
    licence_requirement = enum_of(LicenceRequirement, required=True)
    hebrew_level = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(0, 6), metadata={"description": "0 none, 1 A1 … 6 C2."}
    )
    description = Text(
        required=True,
        multiline=True,
        validate=validate.Length(1, MAX_DESCRIPTION_CHARS),
        metadata={"description": "Markdown."},
    )
    salary_min_ils = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(0, MAX_SALARY_ILS)
    )
    salary_max_ils = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(0, MAX_SALARY_ILS)
    )
    start_date = fields.Date(load_default=None, allow_none=True)
    duration_days = fields.Integer(strict=True, load_default=60, validate=validate.Range(7, MAX_LISTING_DAYS))
    grant_ids = fields.List(identifier(), load_default=list, validate=validate.Length(max=50))
    languages = fields.List(
        fields.String(validate=validate.Length(1, 8)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": "Other working languages of the team (language codes)."},
    )
    text_language = fields.String(load_default=DEFAULT, validate=validate.OneOf(list(LANGUAGES)))
    translations = fields.List(
        fields.Nested(TranslationSchema), load_default=list, validate=validate.Length(max=len(LANGUAGES))
    )


class RevisionSchema(Schema):
    id = fields.Integer(required=True)
    status = enum_of(PostingStatus, required=True)


class PostingSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True, allow_none=True)
    status = enum_of(PostingStatus, required=True)
    is_listed = fields.Boolean(required=True, metadata={"description": "Public and open to applications."})
    url = fields.String(required=True, allow_none=True, metadata={"description": "The public page, once listed."})
    title = fields.String(required=True)
    profession = fields.String(required=True)
    specialty = fields.String(required=True, allow_none=True)
    seniority = enum_of(Seniority, required=True)
    employment_type = enum_of(EmploymentType, required=True)
    site_id = fields.Integer(required=True)
    licence_requirement = enum_of(LicenceRequirement, required=True)
    hebrew_level = fields.Integer(required=True)
    description = fields.String(required=True)
    salary_min_ils = fields.Integer(required=True, allow_none=True)
    salary_max_ils = fields.Integer(required=True, allow_none=True)
    start_date = fields.Date(required=True, allow_none=True)
    duration_days = fields.Integer(required=True)
    grant_ids = fields.List(fields.Integer(), required=True)
    languages = fields.List(fields.String(), required=True)
    text_language = fields.String(required=True)
    translations = fields.List(fields.Nested(TranslationSchema), required=True)
    closed_reason = fields.String(
        required=True, allow_none=True, metadata={"description": "filled or withdrawn, once closed."}
    )
    moderator_comment = fields.String(
        required=True, allow_none=True, metadata={"description": "Why changes were requested or it was rejected."}
    )
    pending_revision = fields.Nested(
        RevisionSchema,
        required=True,
        allow_none=True,
        metadata={"description": "An edit of the published posting under review, if any."},
    )
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    submitted_at = fields.AwareDateTime(required=True, allow_none=True)
    approved_at = fields.AwareDateTime(required=True, allow_none=True)
    expires_at = fields.AwareDateTime(required=True, allow_none=True)


class PostingListSchema(Schema):
    items = fields.List(fields.Nested(PostingSchema), required=True)


class PostingFilterSchema(Schema):
    reference = Text(
        validate=validate.Length(1, 100), metadata={"description": "Only the posting with this reference."}
    )
    status = enum_of(PostingStatus)


class SubmitSchema(Schema):
    acknowledge_duplicate = fields.Boolean(
        load_default=False,
        metadata={"description": "Submit even though it looks like another open posting of yours (409 otherwise)."},
    )


class CloseSchema(Schema):
    reason = enum_of(CloseReason, required=True)


# --- applications --------------------------------------------------------------------------


class DoctorSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    phone = fields.String(required=True, allow_none=True)
    profession = fields.String(required=True, allow_none=True)
    specialty = fields.String(required=True, allow_none=True)
    seniority = fields.String(required=True, allow_none=True)
    years_experience = fields.Integer(required=True, allow_none=True)
    training_country = fields.String(required=True, allow_none=True)
    residence_country = fields.String(required=True, allow_none=True)
    licence_status = fields.String(required=True, allow_none=True)
    hebrew_level = fields.Integer(required=True, allow_none=True)
    languages = fields.List(fields.String(), required=True)
    preferred_regions = fields.List(fields.String(), required=True)
    open_to_periphery = fields.Boolean(required=True, allow_none=True)
    move_month = fields.Date(required=True, allow_none=True)
    summary = fields.String(required=True, allow_none=True)


class CvSchema(Schema):
    file_name = fields.String(required=True)
    size_bytes = fields.Integer(required=True, allow_none=True)


class EventSchema(Schema):
    from_stage = fields.String(required=True, allow_none=True)
    to_stage = enum_of(Stage, required=True)
    occurred_on = fields.Date(required=True)
    created_at = fields.AwareDateTime(required=True)


class ApplicationSchema(Schema):
    id = fields.Integer(required=True)
    posting_id = fields.Integer(required=True)
    posting_reference = fields.String(required=True, allow_none=True)
    stage = enum_of(Stage, required=True)
    cover_note = fields.String(required=True)
    rating = fields.Integer(required=True, allow_none=True)
    doctor = fields.Nested(
        DoctorSchema,
        required=True,
        allow_none=True,
        metadata={"description": "Empty once the doctor deleted their account."},
    )
    cv = fields.Nested(CvSchema, required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class LicenceTrackSchema(Schema):
    """The route to the licence the doctor follows."""

    slug = fields.String(required=True)
    name = fields.String(required=True)


class LicenceReadinessSchema(Schema):
    """The summary the applicant's page shows, as data."""

    track = fields.Nested(LicenceTrackSchema, required=True, allow_none=True, metadata={"description": "Or none yet."})
    documents_present = fields.Integer(
        required=True, metadata={"description": "Documents of the track's checklist uploaded and not expired."}
    )
    documents_required = fields.Integer(required=True, metadata={"description": "Documents the track asks for."})
    status = enum_of(LicenceStatus, required=True)
    provisional_licence_expected = fields.Date(
        required=True,
        allow_none=True,
        metadata={
            "description": "The first day of the month the doctor expects the provisional licence; "
            "empty when unknown or once licensed."
        },
    )


class LicenceDocumentSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "The kind of document (a slug)."})
    kind_name = fields.String(required=True)
    issued_on = fields.Date(required=True)
    expires_on = fields.Date(required=True, allow_none=True)
    state = enum_of(
        DocumentState,
        required=True,
        metadata={"description": "As the programme's review and the expiry date leave it today."},
    )
    file_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "Where to download it (recorded in the audit log)."})


class ApplicationDetailSchema(ApplicationSchema):
    history = fields.List(fields.Nested(EventSchema), required=True)
    licence = fields.Nested(
        LicenceReadinessSchema,
        required=True,
        allow_none=True,
        metadata={"description": "The doctor's licence file in brief; empty once the doctor deleted their account."},
    )
    licence_documents = fields.List(
        fields.Nested(LicenceDocumentSchema),
        required=True,
        metadata={"description": "The licence documents the doctor shares with you through this application."},
    )


class ApplicationPageSchema(Schema):
    items = fields.List(fields.Nested(ApplicationSchema), required=True)
    next_cursor = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Pass it as `cursor` for the next page; empty on the last page."},
    )


class ApplicationFilterSchema(Schema):
    updated_since = fields.AwareDateTime(
        default_timezone=UTC,
        validate=instant,
        metadata={"description": "Only applications changed at or after this time (ISO 8601; UTC without a zone)."},
    )
    posting_id = identifier()
    cursor = fields.String(validate=validate.Length(1, 200))
    limit = fields.Integer(strict=False, load_default=50, validate=validate.Range(1, 200))


class MoveSchema(Schema):
    stage = enum_of(
        Stage,
        required=True,
        metadata={"description": "Any stage but withdrawn, which only the doctor chooses."},
    )
    note = Text(multiline=True, load_default=None, allow_none=True, validate=validate.Length(max=1000))
    send_rejection = fields.Boolean(
        load_default=False, metadata={"description": "With stage rejected: mail the organisation's rejection text."}
    )
    occurred_on = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={"description": "For offer, hired and started: the day it happened (today when empty)."},
    )


# --- fairs ---------------------------------------------------------------------------------


class BookingSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    application_id = fields.Integer(required=True, allow_none=True)
    doctor_name = fields.String(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    attendance = fields.String(required=True, allow_none=True)


class SlotSchema(Schema):
    id = fields.Integer(required=True)
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    status = fields.String(required=True)
    posting_id = fields.Integer(required=True, allow_none=True)
    booking = fields.Nested(BookingSchema, required=True, allow_none=True)


class TableSchema(Schema):
    id = fields.Integer(required=True)
    label = fields.String(required=True)
    interviewers = fields.String(required=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True)


class FairSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    name = fields.String(required=True)
    status = fields.String(required=True)
    city = fields.String(required=True)
    country = fields.String(required=True)
    venue = fields.String(required=True)
    time_zone = fields.String(required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    booking_mode = fields.String(required=True)
    tables = fields.List(fields.Nested(TableSchema), required=True)


class FairListSchema(Schema):
    items = fields.List(fields.Nested(FairSchema), required=True)


# --- errors --------------------------------------------------------------------------------


class ProblemSchema(Schema):
    """RFC 9457."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages by field (dotted for nested fields), for 422."},
    )
