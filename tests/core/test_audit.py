"""The audit log is append-only: for the ORM and, through triggers, for raw SQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from jobboard.core import audit
from jobboard.core.audit import AuditEntry, AuditLogIsAppendOnly
from jobboard.extensions import db


@pytest.fixture
def entry(db_session) -> AuditEntry:
    created = audit.record("test.action", actor_id=1, subject_type="test", subject_id=7, reason="because", key="value")
    db.session.commit()
    return created


def test_record_appends_an_entry(entry):
    db.session.expire_all()
    stored = db.session.get(AuditEntry, entry.id)
    assert (stored.action, stored.actor_id, stored.subject_type, stored.subject_id) == ("test.action", 1, "test", 7)
    assert stored.details == {"key": "value"}
    assert stored.created_at.tzinfo is not None


def test_orm_refuses_to_modify_an_entry(entry):
    entry.reason = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).reason == "because"


def test_orm_refuses_to_delete_an_entry(entry):
    db.session.delete(entry)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry.id) is not None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'rewritten' WHERE id = :id",
        "UPDATE audit_log SET actor_id = NULL",
        "DELETE FROM audit_log WHERE id = :id",
        "DELETE FROM audit_log",
    ],
)
def test_database_refuses_raw_update_and_delete(entry, statement):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": entry.id})
    db.session.rollback()
    row = db.session.execute(sa.text("SELECT reason, actor_id FROM audit_log WHERE id = :id"), {"id": entry.id}).one()
    assert tuple(row) == ("because", 1)


def test_database_still_accepts_inserts(entry):
    db.session.execute(
        sa.text(
            "INSERT INTO audit_log (created_at, action, subject_type, details) "
            "VALUES (CURRENT_TIMESTAMP, 'raw.insert', 'test', '{}')"
        )
    )
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= 2
