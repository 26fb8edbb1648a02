from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, false, func, or_, select

from jobboard.accounts.models import User
from jobboard.applications.models import Application
from jobboard.core.audit import AuditEntry
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.fairs.models import Fair, FairStatus, InterviewTable
from jobboard.jobs.models import GrantProgram, Posting, PostingStatus
from jobboard.orgs.models import Invitation, Organization, OrgStatus, Site


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


@dataclass(frozen=True)
class AuditFilter:
    """What the audit log is narrowed to: the action, who acted (a part of their name or
    address), the kind of subject and a part of its name, the days (UTC, both included), and
    the employer concerned."""

    action: str | None = None
    actor: str | None = None
    subject_type: str | None = None
    subject: str | None = None
    since: date | None = None
    until: date | None = None
    org_id: int | None = None


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# The name of each kind of subject, where a subject is looked up by name.
_SUBJECT_NAMES: dict[str, tuple[Any, Any]] = {
    "posting": (Posting.id, Posting.title),
    "organization": (Organization.id, Organization.name),
    "user": (User.id, User.full_name),
    "site": (Site.id, Site.name),
    "fair": (Fair.id, Fair.name),
    "grant_program": (GrantProgram.id, GrantProgram.name),
    "invitation": (Invitation.id, Invitation.email),
}


def _subject_named(text: str, subject_type: str | None) -> ColumnElement[bool]:
    pattern = _like(text)
    kinds = [subject_type] if subject_type in _SUBJECT_NAMES else list(_SUBJECT_NAMES)
    return or_(
        false(),
        *(
            (AuditEntry.subject_type == kind)
            & AuditEntry.subject_id.in_(
                select(_SUBJECT_NAMES[kind][0]).where(_SUBJECT_NAMES[kind][1].ilike(pattern, escape="\\"))
            )
            for kind in kinds
        ),
    )


def audit_page(page: int, chosen: AuditFilter = AuditFilter(), *, per_page: int = 50) -> Pagination:
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if chosen.action:
        query = query.where(AuditEntry.action == chosen.action)
    if chosen.org_id is not None:
        query = query.where(AuditEntry.org_id == chosen.org_id)
    if chosen.actor:
        pattern = _like(chosen.actor)
        query = query.where(
            AuditEntry.actor_id.in_(
                select(User.id).where(
                    User.full_name.ilike(pattern, escape="\\") | User.email.ilike(pattern, escape="\\")
                )
            )
        )
    if chosen.subject_type:
        query = query.where(AuditEntry.subject_type == chosen.subject_type)
    if chosen.subject:
        query = query.where(_subject_named(chosen.subject, chosen.subject_type))
    if chosen.since is not None:
        query = query.where(AuditEntry.created_at >= datetime.combine(chosen.since, time.min, UTC))
    if chosen.until is not None:
        query = query.where(AuditEntry.created_at < datetime.combine(chosen.until + timedelta(days=1), time.min, UTC))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


@dataclass(frozen=True)
class AuditNames:
    """The names of the people and things a page of the log speaks of, by id (one query per kind);
    what no longer exists is missing."""

    people: dict[int, str]
    subjects: dict[tuple[str, int], str]
    orgs: dict[int, str]

    def subject(self, entry: AuditEntry) -> str | None:
        if entry.subject_id is None:
            return None
        return self.subjects.get((entry.subject_type, entry.subject_id))


def _names(column_id: Any, column_name: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(column_id, column_name).where(column_id.in_(ids))).tuples().all())


def audit_names(entries: list[AuditEntry]) -> AuditNames:
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.subject_id is not None:
            wanted[entry.subject_type].add(entry.subject_id)
    people = _names(User.id, User.full_name, {e.actor_id for e in entries if e.actor_id is not None} | wanted["user"])
    subjects: dict[tuple[str, int], str] = {
        ("user", user_id): name for user_id, name in people.items() if user_id in wanted["user"]
    }
    for kind, (column_id, column_name) in _SUBJECT_NAMES.items():
        if kind != "user":
            subjects.update({(kind, i): name for i, name in _names(column_id, column_name, wanted[kind]).items()})
    if wanted["interview_table"]:
        tables = db.session.execute(
            select(InterviewTable.id, InterviewTable.label, Fair.name)
            .join(Fair, Fair.id == InterviewTable.fair_id)
            .where(InterviewTable.id.in_(wanted["interview_table"]))
        ).tuples()
        subjects.update({("interview_table", i): f"{label} · {fair}" for i, label, fair in tables})
    if wanted["application"]:
        applications = db.session.execute(
            select(Application.id, User.full_name, Posting.title)
            .join(Posting, Posting.id == Application.posting_id)
            .outerjoin(User, User.id == Application.doctor_id)
            .where(Application.id.in_(wanted["application"]))
        ).tuples()
        subjects.update(
            {("application", i): f"{doctor} · {title}" if doctor else title for i, doctor, title in applications}
        )
    orgs = _names(Organization.id, Organization.name, {e.org_id for e in entries if e.org_id is not None})
    return AuditNames(people, subjects, orgs)


def undelivered(limit: int = 200) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status != OutboxStatus.DONE)
            .order_by(OutboxMessage.status, OutboxMessage.id)
            .limit(limit)
        )
    )
