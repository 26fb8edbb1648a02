from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from jobboard.core.audit import AuditEntry
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.fairs.models import Fair, FairStatus
from jobboard.jobs.models import Posting, PostingStatus
from jobboard.orgs.models import Organization, OrgStatus


@dataclass(frozen=True)
class Waiting:
    """How many wait, and since when the longest-waiting one has."""

    count: int
    oldest_since: datetime | None


def review_queue() -> Waiting:
    """Postings (and edits of published ones) waiting for a moderator."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(Posting.submitted_at)).where(Posting.status == PostingStatus.PENDING_REVIEW)
    ).one()
    return Waiting(count, oldest)


def outbox_backlog() -> tuple[Waiting, int]:
    """Messages not yet delivered (and since when the oldest waits), and the dead ones."""
    rows = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status != OutboxStatus.DONE)
            .group_by(OutboxMessage.status)
        )
        .tuples()
        .all()
    )
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    return Waiting(rows.get(OutboxStatus.PENDING, 0), oldest), rows.get(OutboxStatus.DEAD, 0)


def next_fairs(today: date, limit: int = 3) -> list[Fair]:
    """The fairs not over yet, drafts included (an administrator prepares them), soonest first."""
    return list(
        db.session.scalars(
            select(Fair)
            .where(Fair.ends_on >= today, Fair.status != FairStatus.CANCELLED)
            .order_by(Fair.starts_on)
            .limit(limit)
        )
    )


def org_counts() -> dict[OrgStatus, int]:
    rows = db.session.execute(select(Organization.status, func.count()).group_by(Organization.status))
    counts = {status: 0 for status in OrgStatus}
    counts.update(dict(rows.tuples().all()))
    return counts


def audit_page(page: int, *, action: str | None = None, org_id: int | None = None, per_page: int = 50) -> Pagination:
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if org_id is not None:
        query = query.where(AuditEntry.org_id == org_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def undelivered(limit: int = 200) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status != OutboxStatus.DONE)
            .order_by(OutboxMessage.status, OutboxMessage.id)
            .limit(limit)
        )
    )
