"""The append-only audit log: who did what to which object, when and why.

Rows hold ids, never e-mail addresses or names, so erasing an account leaves the log intact and
free of personal data. The ORM refuses to change or delete a row, and database triggers
(created by the migration) refuse it for anyone else.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from jobboard.core.db import utcnow
from jobboard.extensions import Model, db


class AuditEntry(Model):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_subject", "subject_type", "subject_id"),
        Index("ix_audit_log_org_id", "org_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None]
    org_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Details added to every row recorded while it is set: how the change came (an API key's id and name).
_CONTEXT: ContextVar[dict[str, Any]] = ContextVar("audit_context", default={})  # noqa: B039 - never mutated


@contextmanager
def context(**details: Any) -> Iterator[None]:
    token = _CONTEXT.set({**_CONTEXT.get(), **details})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def record(
    action: str,
    *,
    actor_id: int | None,
    subject_type: str,
    subject_id: int | None,
    org_id: int | None = None,
    reason: str | None = None,
    **details: Any,
) -> AuditEntry:
    entry = AuditEntry(
        action=action,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        org_id=org_id,
        reason=reason,
        details={**_CONTEXT.get(), **details},
    )
    db.session.add(entry)
    return entry


class AuditLogIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("the audit log is append-only")
