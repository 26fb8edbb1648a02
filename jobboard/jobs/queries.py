"""Reading postings: the organisation's own (always filtered by its id), the public ones, and
the moderation queue. Lists of an organisation's postings leave revisions out
(``~Posting.is_revision``); ``open_revision`` is the one way to an edit under way."""

from __future__ import annotations

from datetime import date, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.jobs.models import (
    GrantProgram,
    Posting,
    PostingReport,
    PostingStatus,
    PostingTransition,
    PostingViewCount,
)
from jobboard.orgs.models import Organization, OrgStatus, Site
from jobboard.vocab.models import City


def _with_details(query: Select[tuple[Posting]]) -> Select[tuple[Posting]]:
    return query.options(
        joinedload(Posting.org),
        joinedload(Posting.site).joinedload(Site.city).joinedload(City.region),
        joinedload(Posting.profession),
        joinedload(Posting.specialty),
        selectinload(Posting.grants).options(
            selectinload(GrantProgram.regions),
            selectinload(GrantProgram.sites),
            selectinload(GrantProgram.professions),
            selectinload(GrantProgram.specialties),
        ),
        selectinload(Posting.languages),
        selectinload(Posting.translations),
    )


def listed_condition() -> ColumnElement[bool]:
    """The SQL twin of ``Posting.is_listed`` plus the employer's standing: what the public sees."""
    return (
        (Posting.status == PostingStatus.PUBLISHED)
        & (Posting.expires_at > utcnow())
        & Posting.org.has(Organization.status == OrgStatus.VERIFIED)
    )


def org_postings(org: Organization) -> list[Posting]:
    """The organisation's postings (edits under review are shown with the posting they change)."""
    return list(
        db.session.scalars(
            _with_details(select(Posting))
            .where(Posting.org_id == org.id, ~Posting.is_revision)
            .order_by(Posting.updated_at.desc())
        ).unique()
    )


def listed_postings_of(org: Organization) -> list[Posting]:
    """What the public sees of the organisation's postings: the listed ones, newest first."""
    return list(
        db.session.scalars(
            _with_details(select(Posting))
            .where(Posting.org_id == org.id, listed_condition())
            .order_by(Posting.first_published_at.desc())
        ).unique()
    )


def listed_postings() -> list[Posting]:
    """Every posting the public sees, newest first (the aggregators' feed)."""
    return list(
        db.session.scalars(
            _with_details(select(Posting)).where(listed_condition()).order_by(Posting.first_published_at.desc())
        ).unique()
    )


def expiring_postings(org: Organization, within: timedelta) -> list[Posting]:
    """The organisation's published postings that come off the board within ``within``, the
    soonest first."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Posting)
            .where(
                Posting.org_id == org.id,
                Posting.status == PostingStatus.PUBLISHED,
                Posting.expires_at > now,
                Posting.expires_at <= now + within,
            )
            .order_by(Posting.expires_at, Posting.id)
        )
    )


def _open_revisions() -> Select[tuple[Posting]]:
    """Edits still under way: neither merged nor rejected."""
    return select(Posting).where(
        Posting.is_revision,
        Posting.status.in_([PostingStatus.DRAFT, PostingStatus.PENDING_REVIEW, PostingStatus.CHANGES_REQUESTED]),
    )


def open_revision(posting: Posting) -> Posting | None:
    """The pending edit of a published posting, if there is one."""
    return db.session.scalar(_open_revisions().where(Posting.revisions_of(posting)))


def open_revisions_by_posting(org: Organization) -> dict[int, Posting]:
    """The organisation's pending edits, by the posting each one edits."""
    return {row.live_id: row for row in db.session.scalars(_open_revisions().where(Posting.org_id == org.id))}


def view_totals(org: Organization) -> dict[int, int]:
    """Views of each of the organisation's postings, all days together (one query for the list)."""
    rows = db.session.execute(
        select(PostingViewCount.posting_id, func.sum(PostingViewCount.views))
        .join(Posting, Posting.id == PostingViewCount.posting_id)
        .where(Posting.org_id == org.id)
        .group_by(PostingViewCount.posting_id)
    ).all()
    return {posting_id: int(total) for posting_id, total in rows}


def org_posting(org: Organization, posting_id: int) -> Posting | None:
    return db.session.scalar(_with_details(select(Posting)).where(Posting.org_id == org.id, Posting.id == posting_id))


def posting_by_reference(org: Organization, reference: str) -> Posting | None:
    """The organisation's posting with the employer's own reference (never one of its edits)."""
    return db.session.scalar(
        _with_details(select(Posting)).where(
            Posting.org_id == org.id, Posting.external_reference == reference, ~Posting.is_revision
        )
    )


def posting_with_details(posting_id: int) -> Posting | None:
    return db.session.scalar(_with_details(select(Posting)).where(Posting.id == posting_id))


def postings_with_details(ids: list[int]) -> list[Posting]:
    """The postings with these ids, in the order given, with all a page or document needs."""
    found = {p.id: p for p in db.session.scalars(_with_details(select(Posting)).where(Posting.id.in_(ids))).unique()}
    return [found[i] for i in ids if i in found]


def fallback_search(text: str, page: int, per_page: int = 20) -> Pagination:
    """A plain title match in the database, newest first: what the search page shows while the
    search engine is unavailable."""
    query = _with_details(select(Posting)).where(listed_condition())
    for word in text.split()[:5]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Posting.title.ilike(f"%{escaped}%", escape="\\"))
    return db.paginate(query.order_by(Posting.first_published_at.desc()), page=page, per_page=per_page, error_out=False)


def transitions(posting: Posting) -> list[PostingTransition]:
    ids = [posting.id, *db.session.scalars(select(Posting.id).where(Posting.revisions_of(posting)))]
    return list(
        db.session.scalars(
            select(PostingTransition).where(PostingTransition.posting_id.in_(ids)).order_by(PostingTransition.id)
        )
    )


def moderation_queue() -> list[Posting]:
    """Pending postings, the longest waiting first."""
    return list(
        db.session.scalars(
            _with_details(select(Posting))
            .where(Posting.status == PostingStatus.PENDING_REVIEW)
            .order_by(Posting.submitted_at, Posting.id)
        ).unique()
    )


def open_report_counts() -> list[tuple[Posting, int]]:
    rows = (
        db.session.execute(
            select(PostingReport.posting_id, func.count())
            .where(PostingReport.resolved_at.is_(None))
            .group_by(PostingReport.posting_id)
        )
        .tuples()
        .all()
    )
    counts = dict(rows)
    postings = db.session.scalars(_with_details(select(Posting)).where(Posting.id.in_(counts))).unique()
    return sorted(((p, counts[p.id]) for p in postings), key=lambda pair: -pair[1])


def open_reports(posting: Posting) -> list[PostingReport]:
    return list(
        db.session.scalars(
            select(PostingReport)
            .where(PostingReport.posting_id == posting.id, PostingReport.resolved_at.is_(None))
            .order_by(PostingReport.created_at)
        )
    )


def grant_programs() -> list[GrantProgram]:
    return list(
        db.session.scalars(select(GrantProgram).options(selectinload(GrantProgram.regions)).order_by(GrantProgram.name))
    )


def grants_offerable(region_slug: str | None, today: date) -> list[GrantProgram]:
    """Programs a new posting in this region may be tagged with: covering it, and not ended."""
    return [
        grant
        for grant in grant_programs()
        if (grant.valid_to is None or grant.valid_to >= today) and (region_slug is None or grant.covers(region_slug))
    ]
