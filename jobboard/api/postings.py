"""Postings through the API: save by the employer's own reference, read, submit for review,
close and renew; each through the same services as the web pages, so the same rules apply."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from jobboard.api.idempotency import idempotent
from jobboard.api.models import Scope
from jobboard.api.operations import actor, blp, current_org, operation
from jobboard.api.schemas import (
    CloseSchema,
    PostingFilterSchema,
    PostingInputSchema,
    PostingListSchema,
    PostingSchema,
    SubmitSchema,
)
from jobboard.core.urls import external_url
from jobboard.jobs import lifecycle, queries, services
from jobboard.jobs.models import Posting, PostingText
from jobboard.orgs.models import Organization
from jobboard.vocab.models import HebrewLevel

TAGS = ["Postings"]


def posting_body(posting: Posting) -> dict[str, Any]:
    revision = queries.open_revision(posting) if posting.is_published else None
    return {
        "id": posting.id,
        "reference": posting.external_reference,
        "status": posting.status,
        "is_listed": posting.is_listed,
        "url": external_url("jobs.detail", posting_id=posting.id, slug=posting.slug) if posting.is_listed else None,
        "title": posting.title,
        "profession": posting.profession_slug,
        "specialty": posting.specialty_slug,
        "seniority": posting.seniority,
        "employment_type": posting.employment_type,
        "site_id": posting.site_id,
        "licence_requirement": posting.licence_requirement,
        "hebrew_level": posting.hebrew_level,
        "description": posting.description_md,
        "salary_min_ils": posting.salary_min_ils,
        "salary_max_ils": posting.salary_max_ils,
        "start_date": posting.start_date,
        "duration_days": posting.duration_days,
        "grant_ids": sorted(g.id for g in posting.grants),
        "languages": [language.code for language in posting.languages],
        "text_language": posting.text_language,
        "translations": [
            {"language": t.language, "title": t.title, "description": t.description_md} for t in posting.translations
        ],
        "closed_reason": posting.closed_reason.value if posting.closed_reason else None,
        "moderator_comment": posting.moderator_comment,
        "pending_revision": {"id": revision.id, "status": revision.status} if revision else None,
        "created_at": posting.created_at,
        "updated_at": posting.updated_at,
        "submitted_at": posting.submitted_at,
        "approved_at": posting.approved_at,
        "expires_at": posting.expires_at,
    }


def content_of(data: dict[str, Any]) -> services.PostingContent:
    return services.PostingContent(
        title=data["title"],
        profession_slug=data["profession"],
        specialty_slug=data["specialty"],
        seniority=data["seniority"],
        employment_type=data["employment_type"],
        site_id=data["site_id"],
        licence_requirement=data["licence_requirement"],
        hebrew_level=HebrewLevel(data["hebrew_level"]),
        description_md=data["description"],
        salary_min_ils=data["salary_min_ils"],
        salary_max_ils=data["salary_max_ils"],
        start_date=data["start_date"],
        duration_days=data["duration_days"],
        grant_ids=sorted(data["grant_ids"]),
        language_codes=sorted(data["languages"]),
        text_language=data["text_language"],
        translations=[PostingText(t["language"], t["title"], t["description"]) for t in data["translations"]],
    )


def _posting(org: Organization, posting_id: int) -> Posting | None:
    """The organisation's posting (never an edit under review, which is managed through it)."""
    posting = queries.org_posting(org, posting_id)
    return None if posting is None or posting.is_revision else posting


@blp.route("/postings", methods=["GET"])
@operation(Scope.POSTINGS_READ, subject="posting", errors=(422,))
@blp.arguments(PostingFilterSchema, location="query", as_kwargs=True, unknown=ma.RAISE)
@blp.response(200, PostingListSchema)
@blp.doc(tags=TAGS, summary="List your organisation's postings, newest change first")
def list_postings(reference: str | None = None, status: Any = None) -> dict[str, Any]:
    postings = queries.org_postings(current_org())
    if reference is not None:
        postings = [p for p in postings if p.external_reference == reference]
    if status is not None:
        postings = [p for p in postings if p.status == status]
    return {"items": [posting_body(p) for p in postings]}


@blp.route("/postings", methods=["POST"])
@operation(Scope.POSTINGS_WRITE, subject="posting", errors=(409, 422))
@idempotent
@blp.arguments(PostingInputSchema)
@blp.response(200, PostingSchema, description="An existing posting with this reference, changed.")
@blp.alt_response(201, schema=PostingSchema, success=True, description="A new draft with this reference.")
@blp.doc(
    tags=TAGS,
    summary="Create or change a posting by your reference",
    description=(
        "The first request with a reference creates a draft; a later one changes that posting as the "
        "edit form does: in place while it is not public, and for a published posting as an edit that "
        "goes to review (the published version stays up meanwhile, see `pending_revision`). The same "
        "rules apply as on the web form; a broken one answers 422 naming the field."
    ),
)
def save_posting(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]] | dict[str, Any]:
    posting, created = services.save_by_reference(current_org(), actor(), data["reference"], content_of(data))
    body = posting_body(posting)
    if created:
        return body, 201, {"Location": external_url("api_v1.get_posting", posting_id=posting.id)}
    return body


@blp.route("/postings/<int:posting_id>", methods=["GET"])
@operation(Scope.POSTINGS_READ, subject="posting", lookup=_posting)
@blp.response(200, PostingSchema)
@blp.doc(tags=TAGS, summary="Read a posting and its status")
def get_posting(posting: Posting) -> dict[str, Any]:
    return posting_body(posting)


@blp.route("/postings/<int:posting_id>/submit", methods=["POST"])
@operation(Scope.POSTINGS_WRITE, subject="posting", errors=(409, 422), lookup=_posting)
@blp.arguments(SubmitSchema, required=False)
@blp.response(200, PostingSchema)
@blp.doc(tags=TAGS, summary="Submit a posting for review")
def submit_posting(data: dict[str, Any], posting: Posting) -> dict[str, Any]:
    services.submit(posting, actor(), acknowledge_duplicate=data["acknowledge_duplicate"])
    return posting_body(posting)


@blp.route("/postings/<int:posting_id>/close", methods=["POST"])
@operation(Scope.POSTINGS_WRITE, subject="posting", errors=(409, 422), lookup=_posting)
@blp.arguments(CloseSchema)
@blp.response(200, PostingSchema)
@blp.doc(tags=TAGS, summary="Close a published posting: filled or withdrawn")
def close_posting(data: dict[str, Any], posting: Posting) -> dict[str, Any]:
    services.close_posting(posting, actor(), data["reason"])
    return posting_body(posting)


@blp.route("/postings/<int:posting_id>/renew", methods=["POST"])
@operation(Scope.POSTINGS_WRITE, subject="posting", errors=(409,), lookup=_posting)
@blp.response(200, PostingSchema)
@blp.doc(tags=TAGS, summary="Keep a published posting up for its duration again (at most 180 days after approval)")
def renew_posting(posting: Posting) -> dict[str, Any]:
    lifecycle.renew(posting, actor())
    return posting_body(posting)
