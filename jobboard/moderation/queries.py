from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from jobboard.core.audit import AuditEntry
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.orgs.models import Organization, OrgStatus


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
