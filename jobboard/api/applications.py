"""Applications through the API: the changes since a time, page by page; one application with
its history and the doctor's licence file in brief; moving it along the pipeline
(``applications.pipeline.move``, with the same mail to the doctor as from the board); its CV and
the licence documents the doctor shares with it, each download in the audit log.

What an application shares is read by ``licensing.queries``, as the applicant's page reads it:
an unshared or revoked document, or one through another tenant's application, is a 404 here too."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime
from typing import IO, Any

import marshmallow as ma
from flask import abort
from flask.wrappers import Response

from jobboard.api.models import Scope
from jobboard.api.operations import actor, blp, current_org, operation
from jobboard.api.problems import problem
from jobboard.api.schemas import (
    ApplicationDetailSchema,
    ApplicationFilterSchema,
    ApplicationPageSchema,
    MoveSchema,
)
from jobboard.applications import pipeline, queries
from jobboard.applications.cv_files import open_file
from jobboard.applications.models import Application, DoctorProfile
from jobboard.core.db import utcnow
from jobboard.core.urls import external_url
from jobboard.core.web import private_download
from jobboard.licensing import queries as licensing
from jobboard.licensing import sharing
from jobboard.licensing.files import TYPES as DOCUMENT_TYPES
from jobboard.licensing.models import LicenceDocument

TAGS = ["Applications"]
BINARY = {"type": "string", "format": "binary"}


def doctor_body(application: Application, profile: DoctorProfile | None) -> dict[str, Any] | None:
    doctor = application.doctor
    if doctor is None:
        return None
    return {
        "name": doctor.full_name,
        "email": doctor.email,
        "phone": profile.phone if profile else None,
        "profession": profile.profession_slug if profile else None,
        "specialty": profile.specialty_slug if profile else None,
        "seniority": profile.seniority.value if profile and profile.seniority else None,
        "years_experience": profile.years_experience if profile else None,
        "training_country": profile.training_country if profile else None,
        "residence_country": profile.residence_country if profile else None,
        "licence_status": profile.licence_status.value if profile else None,
        "hebrew_level": profile.hebrew_level if profile else None,
        "languages": [language.code for language in profile.languages] if profile else [],
        "preferred_regions": [region.slug for region in profile.preferred_regions] if profile else [],
        "open_to_periphery": profile.open_to_periphery if profile else None,
        "move_month": profile.move_month if profile else None,
        "summary": profile.summary if profile else None,
    }


def application_body(application: Application, profile: DoctorProfile | None) -> dict[str, Any]:
    return {
        "id": application.id,
        "posting_id": application.posting_id,
        "posting_reference": application.posting.external_reference,
        "stage": application.stage,
        "cover_note": application.cover_note,
        "rating": application.rating,
        "doctor": doctor_body(application, profile),
        "cv": {"file_name": application.cv_original_name or "cv.pdf", "size_bytes": application.cv_size_bytes}
        if application.cv_stored_name
        else None,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }


def readiness_body(readiness: licensing.Readiness | None) -> dict[str, Any] | None:
    if readiness is None:
        return None
    track = readiness.track
    return {
        "track": {"slug": track.slug, "name": track.name} if track else None,
        "documents_present": readiness.documents_present,
        "documents_required": readiness.documents_required,
        "status": readiness.status,
        "provisional_licence_expected": readiness.provisional_expected,
    }


def document_body(application: Application, document: LicenceDocument, today: date) -> dict[str, Any]:
    return {
        "id": document.id,
        "kind": document.kind.slug,
        "kind_name": document.kind.name,
        "issued_on": document.issued_on,
        "expires_on": document.expires_on,
        "state": document.state(today),
        "file_name": document.original_name,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "url": external_url(
            "api_v1.application_licence_document", application_id=application.id, document_id=document.id
        ),
    }


def licence_body(application: Application) -> dict[str, Any]:
    today = utcnow().date()
    doctor_ids = [application.doctor_id] if application.doctor_id is not None else []
    readiness = licensing.readiness(doctor_ids, today)
    shared = licensing.shares_by_application([application.id])[application.id]
    return {
        "licence": readiness_body(readiness.get(application.doctor_id) if application.doctor_id else None),
        "licence_documents": [document_body(application, document, today) for document in shared],
    }


def _detail(application: Application) -> dict[str, Any]:
    history = [
        {
            "from_stage": event.from_stage.value if event.from_stage else None,
            "to_stage": event.to_stage,
            "occurred_on": event.occurred_on,
            "created_at": event.created_at,
        }
        for event in queries.events_by_application([application.id])[application.id]
    ]
    profile = queries.profile_for(application)
    return application_body(application, profile) | licence_body(application) | {"history": history}


def encode_cursor(application: Application) -> str:
    raw = json.dumps([application.updated_at.isoformat(), application.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        moment, last_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        found = datetime.fromisoformat(moment)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None
    if found.tzinfo is None or not isinstance(last_id, int) or not 0 < last_id < 2**31:
        return None
    return found, last_id


@blp.route("/applications", methods=["GET"])
@operation(Scope.APPLICATIONS_READ, subject="application", errors=(422,))
@blp.arguments(ApplicationFilterSchema, location="query", as_kwargs=True, unknown=ma.RAISE)
@blp.response(200, ApplicationPageSchema)
@blp.doc(
    tags=TAGS,
    summary="List applications in the order they changed",
    description=(
        "Poll with `updated_since` (the time of your last poll), then follow `next_cursor` until it is "
        "empty. The order is by the time of the last change, so a change while you page moves the "
        "application to a later page: none is skipped."
    ),
)
def list_applications(
    limit: int,
    updated_since: datetime | None = None,
    posting_id: int | None = None,
    cursor: str | None = None,
) -> Any:
    after = None
    if cursor is not None:
        after = decode_cursor(cursor)
        if after is None:
            return problem(
                422,
                "The cursor is not one this API gave.",
                errors={"cursor": ["Not a valid cursor."]},
                kind="invalid-input",
            )
    rows = queries.changed_applications(
        current_org(), since=updated_since, after=after, posting_id=posting_id, limit=limit + 1
    )
    page = rows[:limit]
    return {
        "items": [application_body(application, profile) for application, profile in page],
        "next_cursor": encode_cursor(page[-1][0]) if len(rows) > limit else None,
    }


@blp.route("/applications/<int:application_id>", methods=["GET"])
@operation(Scope.APPLICATIONS_READ, subject="application", lookup=queries.org_application)
@blp.response(200, ApplicationDetailSchema)
@blp.doc(
    tags=TAGS,
    summary="Read an application with its history and the doctor's licence file in brief",
    description="`licence_documents` lists only the documents the doctor shares with you through this application.",
)
def get_application(application: Application) -> dict[str, Any]:
    return _detail(application)


@blp.route("/applications/<int:application_id>/stage", methods=["POST"])
@operation(Scope.APPLICATIONS_WRITE, subject="application", errors=(409, 422), lookup=queries.org_application)
@blp.arguments(MoveSchema)
@blp.response(200, ApplicationDetailSchema)
@blp.doc(
    tags=TAGS,
    summary="Move an application to a stage",
    description=(
        "As a move on the pipeline board: the doctor is told by e-mail (a rejection only with "
        "`send_rejection`); a withdrawn application, or one whose doctor deleted their account, moves no more."
    ),
)
def move_application(data: dict[str, Any], application: Application) -> dict[str, Any]:
    pipeline.move(
        application,
        actor(),
        data["stage"],
        note=data["note"],
        send_rejection=data["send_rejection"],
        occurred_on=data["occurred_on"],
    )
    return _detail(application)


@blp.route("/applications/<int:application_id>/cv", methods=["GET"])
@operation(Scope.APPLICATIONS_READ, subject="application", lookup=queries.org_application)
@blp.alt_response(
    200,
    success=True,
    content_type="application/pdf",
    schema={"type": "string", "format": "binary"},
    description="The CV as the doctor sent it with the application.",
)
@blp.doc(tags=TAGS, summary="Download the application's CV (recorded in the audit log)")
def application_cv(application: Application) -> Response:
    if not application.cv_stored_name:
        abort(404, "This application has no CV.")
    stream = _stored(application.cv_stored_name)
    pipeline.record_cv_download(application, actor())
    return private_download(stream, "application/pdf", application.cv_original_name or "cv.pdf")


@blp.route("/applications/<int:application_id>/licence-documents/<int:document_id>", methods=["GET"])
@operation(Scope.APPLICATIONS_READ, subject="application", lookup=queries.org_application)
@blp.doc(
    tags=TAGS,
    summary="Download a licence document the doctor shares with this application (recorded in the audit log)",
    responses={
        "200": {
            "description": "The document as the doctor uploaded it (cleaned): a PDF, JPEG or PNG file.",
            "content": {kind: {"schema": BINARY} for kind in sorted(set(DOCUMENT_TYPES.values()))},
        }
    },
)
def application_licence_document(application: Application, document_id: int) -> Response:
    document = licensing.org_shared_document(current_org(), application.id, document_id)
    if document is None:
        abort(404, "This application shares no such document.")
    stream = _stored(document.stored_name)
    sharing.record_download(document, actor(), application)
    return private_download(stream, document.content_type, document.original_name)


def _stored(name: str) -> IO[bytes]:
    try:
        return open_file(name)
    except FileNotFoundError:
        abort(404, "This file is no longer available.")
