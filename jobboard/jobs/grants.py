"""The grant-program catalogue, kept by administrators."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.errors import DomainError
from jobboard.core.slugs import unique_slug
from jobboard.extensions import db
from jobboard.jobs.lifecycle import sync_search
from jobboard.jobs.models import GrantCriterion, GrantProgram, LicenceLevel, Posting, PostingStatus, posting_grants
from jobboard.orgs.models import Site
from jobboard.vocab.models import Profession, Region, Specialty

M = TypeVar("M")


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
    # The criteria ``grants.eligibility`` checks (empty or None: no condition).
    site_ids: list[int] = field(default_factory=list)
    profession_slugs: list[str] = field(default_factory=list)
    specialty_slugs: list[str] = field(default_factory=list)
    licence_level: LicenceLevel | None = None
    aliyah_within_months: int | None = None
    first_employment_in_area: bool = False
    verified_on: date | None = None
    verified_source: str | None = None
    verified_criteria: list[str] = field(default_factory=list)

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
            site_ids=[s.id for s in grant.sites],
            profession_slugs=[p.slug for p in grant.professions],
            specialty_slugs=[s.slug for s in grant.specialties],
            licence_level=grant.licence_level,
            aliyah_within_months=grant.aliyah_within_months,
            first_employment_in_area=grant.first_employment_in_area,
            verified_on=grant.verified_on,
            verified_source=grant.verified_source,
            verified_criteria=list(grant.verified_criteria),
        )


@dataclass
class _Linked:
    """The vocabulary rows and sites a record names."""

    regions: list[Region]
    sites: list[Site]
    professions: list[Profession]
    specialties: list[Specialty]


def _rows(model: type[M], key: InstrumentedAttribute[Any], wanted: list[Any], message: str, field_name: str) -> list[M]:
    rows = list(db.session.scalars(select(model).where(key.in_(wanted)))) if wanted else []
    if len(rows) != len(set(wanted)):
        raise DomainError(message, field=field_name)
    return rows


def _linked(fields: GrantFields) -> _Linked:
    if not fields.region_slugs:
        raise DomainError(_("Choose at least one region."), field="region_slugs")
    linked = _Linked(
        regions=_rows(Region, Region.slug, fields.region_slugs, _("Choose regions from the list."), "region_slugs"),
        sites=_rows(Site, Site.id, fields.site_ids, _("Choose sites from the list."), "site_ids"),
        professions=_rows(
            Profession,
            Profession.slug,
            fields.profession_slugs,
            _("Choose professions from the list."),
            "profession_slugs",
        ),
        specialties=_rows(
            Specialty, Specialty.slug, fields.specialty_slugs, _("Choose specialties from the list."), "specialty_slugs"
        ),
    )
    outside = [s.name for s in linked.sites if s.city.region_slug not in fields.region_slugs]
    if outside:
        raise DomainError(
            _("These sites are outside the program's regions: %(sites)s.", sites=", ".join(outside)), field="site_ids"
        )
    return linked


def _validate(fields: GrantFields) -> _Linked:
    linked = _linked(fields)
    unknown = set(fields.verified_criteria) - {c.value for c in GrantCriterion}
    if unknown:
        raise DomainError(_("Choose verified parts from the list."), field="verified_criteria")
    if fields.aliyah_within_months is not None and not 1 <= fields.aliyah_within_months <= 600:
        raise DomainError(_("Give the months since aliyah between 1 and 600."), field="aliyah_within_months")
    low, high = fields.amount_min_ils, fields.amount_max_ils
    if (low is not None and low < 0) or (high is not None and high < 0):
        raise DomainError(_("Amounts cannot be negative."), field="amount_min_ils")
    if low is not None and high is not None and low > high:
        raise DomainError(_("The lowest amount cannot be above the highest."), field="amount_max_ils")
    if fields.valid_from and fields.valid_to and fields.valid_from > fields.valid_to:
        raise DomainError(_("A program cannot end before it starts."), field="valid_to")
    return linked


def save_grant(admin: User, fields: GrantFields, grant: GrantProgram | None = None) -> GrantProgram:
    linked = _validate(fields)
    created = grant is None
    before = {} if grant is None else asdict(GrantFields.of(grant))
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
        "licence_level",
        "aliyah_within_months",
        "first_employment_in_area",
        "verified_on",
        "verified_source",
    ):
        setattr(grant, name, getattr(fields, name))
    grant.verified_criteria = sorted(set(fields.verified_criteria))
    grant.regions, grant.sites = linked.regions, linked.sites
    grant.professions, grant.specialties = linked.professions, linked.specialties
    db.session.add(grant)
    db.session.flush()
    after = asdict(GrantFields.of(grant))
    audit.record(
        "grant.created" if created else "grant.updated",
        actor_id=admin.id,
        subject_type="grant_program",
        subject_id=grant.id,
        changed=sorted(name for name in after if before.get(name) != after[name]),
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
