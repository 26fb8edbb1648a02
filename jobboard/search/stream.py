"""The listed postings read for a reindex as plain rows, streamed, not as ORM objects: the
vocabularies, employers, sites and grant programs are read once, each posting's columns in
batches, and its grants, languages and translations once per batch. ``posting_document`` makes
the same document of a ``StreamedPosting`` as of a ``Posting`` (a test holds them equal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select

from jobboard.extensions import db
from jobboard.jobs.models import (
    EmploymentType,
    GrantProgram,
    LicenceRequirement,
    Posting,
    PostingTranslation,
    Seniority,
    posting_grants,
    posting_languages,
    posting_slug,
)
from jobboard.jobs.queries import listed_condition
from jobboard.orgs.models import Organization, Site
from jobboard.vocab.models import Language, Profession, Specialty

COLUMNS = (
    Posting.id,
    Posting.org_id,
    Posting.site_id,
    Posting.title,
    Posting.description_md,
    Posting.profession_slug,
    Posting.specialty_slug,
    Posting.hebrew_level,
    Posting.licence_requirement,
    Posting.salary_min_ils,
    Posting.salary_max_ils,
    Posting.employment_type,
    Posting.seniority,
    Posting.first_published_at,
    Posting.expires_at,
)


@dataclass(slots=True)
class StreamedPosting:
    """What ``posting_document`` reads of a posting, under the names a ``Posting`` gives it."""

    id: int
    title: str
    description_md: str
    profession_slug: str
    specialty_slug: str | None
    hebrew_level: int
    licence_requirement: LicenceRequirement
    salary_min_ils: int | None
    salary_max_ils: int | None
    employment_type: EmploymentType
    seniority: Seniority
    first_published_at: datetime | None
    expires_at: datetime | None
    org: Organization
    site: Site
    profession: Profession
    specialty: Specialty | None
    grants: list[GrantProgram] = field(default_factory=list)
    languages: list[Language] = field(default_factory=list)
    translations: list[PostingTranslation] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return posting_slug(self.title, self.site.city.name)


class _Vocabulary:
    """Everything a posting refers to, read once (a few hundred rows): by key."""

    def __init__(self) -> None:
        self.orgs = {o.id: o for o in db.session.scalars(select(Organization))}
        self.sites = {s.id: s for s in db.session.scalars(select(Site))}  # with city and region (joined)
        self.professions = {p.slug: p for p in db.session.scalars(select(Profession))}
        self.specialties = {s.slug: s for s in db.session.scalars(select(Specialty))}
        self.grants = {g.id: g for g in db.session.scalars(select(GrantProgram))}
        self.languages = {lang.code: lang for lang in db.session.scalars(select(Language))}


def listed_postings(batch_size: int) -> Iterator[list[StreamedPosting]]:
    """The listed postings in id order, ``batch_size`` at a time."""
    vocabulary = _Vocabulary()
    rows = db.session.execute(
        select(*COLUMNS).where(listed_condition()).order_by(Posting.id).execution_options(yield_per=batch_size)
    )
    for batch in rows.partitions():
        yield _postings(batch, vocabulary)


def _postings(batch: Sequence[Row[Any]], vocabulary: _Vocabulary) -> list[StreamedPosting]:
    postings = {
        row.id: StreamedPosting(
            id=row.id,
            title=row.title,
            description_md=row.description_md,
            profession_slug=row.profession_slug,
            specialty_slug=row.specialty_slug,
            hebrew_level=row.hebrew_level,
            licence_requirement=row.licence_requirement,
            salary_min_ils=row.salary_min_ils,
            salary_max_ils=row.salary_max_ils,
            employment_type=row.employment_type,
            seniority=row.seniority,
            first_published_at=row.first_published_at,
            expires_at=row.expires_at,
            org=vocabulary.orgs[row.org_id],
            site=vocabulary.sites[row.site_id],
            profession=vocabulary.professions[row.profession_slug],
            specialty=vocabulary.specialties[row.specialty_slug] if row.specialty_slug else None,
        )
        for row in batch
    }
    ids = list(postings)
    grants: dict[int, list[GrantProgram]] = defaultdict(list)
    for posting_id, grant_id in db.session.execute(
        select(posting_grants.c.posting_id, posting_grants.c.grant_program_id).where(
            posting_grants.c.posting_id.in_(ids)
        )
    ):
        grants[posting_id].append(vocabulary.grants[grant_id])
    for posting_id, code in db.session.execute(
        select(posting_languages.c.posting_id, posting_languages.c.language_code).where(
            posting_languages.c.posting_id.in_(ids)
        )
    ):
        postings[posting_id].languages.append(vocabulary.languages[code])
    for translation in db.session.scalars(
        select(PostingTranslation).where(PostingTranslation.posting_id.in_(ids)).order_by(PostingTranslation.language)
    ):
        postings[translation.posting_id].translations.append(translation)
    for posting_id, held in grants.items():
        postings[posting_id].grants = sorted(held, key=lambda grant: grant.name)  # as ``Posting.grants``
    for posting in postings.values():
        posting.languages.sort(key=lambda language: language.position)  # as ``Posting.languages``
    return list(postings.values())
