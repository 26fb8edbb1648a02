"""The grant-program catalogue, kept by administrators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.errors import DomainError
from jobboard.core.slugs import unique_slug
from jobboard.extensions import db
from jobboard.jobs.lifecycle import sync_search
from jobboard.jobs.models import GrantProgram, Posting, PostingStatus, posting_grants
from jobboard.vocab.models import Region


@dataclass
class GrantFields:
    """A grant program's record: the name and summary in English, and in any other of the
    board's languages (``names``, ``summaries``: language code → text; a language without one
    shows the English)."""

    name: str
    funder: str
    summary: str
    region_slugs: list[str]
    amount_note: str = ""
    amount_min_ils: int | None = None
    amount_max_ils: int | None = None
    commitment_years: int | None = None
    url: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    names: dict[str, str] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, grant: GrantProgram) -> GrantFields:
        return cls(
            name=grant.name,
            funder=grant.funder,
            summary=grant.summary,
            names=dict(grant.names),
            summaries=dict(grant.summaries),
            region_slugs=[r.slug for r in grant.regions],
            amount_note=grant.amount_note,
            amount_min_ils=grant.amount_min_ils,
            amount_max_ils=grant.amount_max_ils,
            commitment_years=grant.commitment_years,
            url=grant.url,
            valid_from=grant.valid_from,
            valid_to=grant.valid_to,
        )


def _validate(fields: GrantFields) -> list[Region]:
    if not fields.region_slugs:
        raise DomainError(_("Choose at least one region."), field="region_slugs")
    regions = list(db.session.scalars(select(Region).where(Region.slug.in_(fields.region_slugs))))
    if len(regions) != len(set(fields.region_slugs)):
        raise DomainError(_("Choose regions from the list."), field="region_slugs")
    low, high = fields.amount_min_ils, fields.amount_max_ils
    if (low is not None and low < 0) or (high is not None and high < 0):
        raise DomainError(_("Amounts cannot be negative."), field="amount_min_ils")
    if low is not None and high is not None and low > high:
        raise DomainError(_("The lowest amount cannot be above the highest."), field="amount_max_ils")
    if fields.valid_from and fields.valid_to and fields.valid_from > fields.valid_to:
        raise DomainError(_("A program cannot end before it starts."), field="valid_to")
    return regions


def save_grant(admin: User, fields: GrantFields, grant: GrantProgram | None = None) -> GrantProgram:
    regions = _validate(fields)
    created = grant is None
    if grant is None:
        grant = GrantProgram(slug=unique_slug(GrantProgram.slug, fields.name, fallback="grant", max_length=70))
    for name in (
        "name",
        "funder",
        "summary",
        "amount_note",
        "amount_min_ils",
        "amount_max_ils",
        "commitment_years",
        "url",
        "valid_from",
        "valid_to",
        "names",
        "summaries",
    ):
        setattr(grant, name, getattr(fields, name))
    grant.regions = regions
    db.session.add(grant)
    db.session.flush()
    audit.record(
        "grant.created" if created else "grant.updated",
        actor_id=admin.id,
        subject_type="grant_program",
        subject_id=grant.id,
    )
    for posting in grant_postings_listed(grant):
        sync_search(posting)
    return grant


def grant_postings_listed(grant: GrantProgram) -> list[Posting]:
    return list(
        db.session.scalars(
            select(Posting)
            .join(posting_grants)
            .where(posting_grants.c.grant_program_id == grant.id, Posting.status == PostingStatus.PUBLISHED)
        )
    )
