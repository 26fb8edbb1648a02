"""Admin decisions called directly: verifying and suspending employers, retrying dead outbox
messages, and the moderation queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from jobboard.core import audit
from jobboard.core.audit import AuditEntry
from jobboard.core.errors import Conflict, DomainError, NotFound
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.mail import queue_mail
from jobboard.moderation import queries, services
from jobboard.orgs.models import OrgStatus, Role
from tests.factories import AdminFactory, MembershipFactory, OrganizationFactory, StaffFactory


@pytest.fixture
def admin(db_session):
    return AdminFactory()


@pytest.fixture
def org(db_session):
    org = OrganizationFactory(name="Laniado Test", slug="laniado-test", status=OrgStatus.PENDING)
    MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(email="owner.one@example.org"))
    MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(email="owner.two@example.org"))
    MembershipFactory(org=org, role=Role.RECRUITER, user=StaffFactory(email="recruiter@example.org"))
    return org


def mails(db_session) -> list[dict]:
    return [m.payload for m in db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def entries(db_session) -> list[AuditEntry]:
    return list(db_session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


MOMENT = datetime(2031, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.mark.parametrize("start", [OrgStatus.PENDING, OrgStatus.SUSPENDED])
def test_verify_sets_status_audits_and_tells_the_owners(db_session, admin, org, start):
    org.status, org.status_reason = start, "old reason"
    with time_machine.travel(MOMENT, tick=False):
        services.verify_org(admin, org, "Checked the registry")
    assert (org.status, org.status_reason, org.status_changed_at) == (
        OrgStatus.VERIFIED,
        "Checked the registry",
        MOMENT,
    )
    [entry] = entries(db_session)
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id, entry.org_id, entry.reason) == (
        "org.verified",
        admin.id,
        "organization",
        org.id,
        org.id,
        "Checked the registry",
    )
    assert entry.details == {"old_status": start.value, "new_status": "verified"}
    sent = mails(db_session)
    assert sorted(m["to"] for m in sent) == ["owner.one@example.org", "owner.two@example.org"]
    assert all(m["subject"] == "Laniado Test is verified on the IMAP job board" for m in sent)
    assert all("http://jobboard.test/org/laniado-test/" in m["text"] for m in sent)


def test_verifying_a_verified_org_is_a_conflict(db_session, admin, org):
    org.status = OrgStatus.VERIFIED
    with pytest.raises(Conflict):
        services.verify_org(admin, org)
    assert entries(db_session) == [] and mails(db_session) == []


@pytest.mark.parametrize("start", [OrgStatus.PENDING, OrgStatus.VERIFIED])
def test_suspend_records_the_reason_and_tells_the_owners(db_session, admin, org, start):
    org.status = start
    services.suspend_org(admin, org, "The licence number does not match.")
    assert (org.status, org.status_reason) == (OrgStatus.SUSPENDED, "The licence number does not match.")
    assert org.status_changed_at is not None
    [entry] = entries(db_session)
    assert (entry.action, entry.actor_id, entry.reason) == (
        "org.suspended",
        admin.id,
        "The licence number does not match.",
    )
    assert entry.details == {"old_status": start.value, "new_status": "suspended"}
    sent = mails(db_session)
    assert sorted(m["to"] for m in sent) == ["owner.one@example.org", "owner.two@example.org"]
    assert all("Reason: The licence number does not match." in m["text"] for m in sent)


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_suspend_needs_a_reason(db_session, admin, org, reason):
    with pytest.raises(DomainError) as raised:
        services.suspend_org(admin, org, reason)
    assert raised.value.field == "reason"
    assert (org.status, org.status_changed_at) == (OrgStatus.PENDING, None)
    assert entries(db_session) == [] and mails(db_session) == []


def test_suspending_a_suspended_org_is_a_conflict(db_session, admin, org):
    org.status = OrgStatus.SUSPENDED
    with pytest.raises(Conflict):
        services.suspend_org(admin, org, "again")
    assert entries(db_session) == []


def dead_message(db_session, to: str = "bounce@example.org") -> OutboxMessage:
    message = queue_mail(
        to, "Hello", "orgs/new_org_for_admin", language=None, org=OrganizationFactory(), review_url="http://x"
    )
    message.status, message.attempts, message.last_error = OutboxStatus.DEAD, 10, "SMTPServerDisconnected: gone"
    db_session.flush()
    return message


def test_retry_puts_a_dead_message_back_and_audits(db_session, admin):
    message = dead_message(db_session)
    services.retry_outbox_message(admin, message.id)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    [entry] = entries(db_session)
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "outbox.retried",
        admin.id,
        "outbox",
        message.id,
    )


@pytest.mark.parametrize("status", [OutboxStatus.PENDING, OutboxStatus.DONE])
def test_retry_of_a_message_that_is_not_dead_is_refused(db_session, admin, status):
    message = dead_message(db_session)
    message.status = status
    db_session.flush()
    with pytest.raises(Conflict):
        services.retry_outbox_message(admin, message.id)
    assert message.status == status
    assert entries(db_session) == []


def test_retry_of_an_unknown_message_is_refused(db_session, admin):
    with pytest.raises(NotFound):
        services.retry_outbox_message(admin, 987654)
    assert entries(db_session) == []


# --- queries ---------------------------------------------------------------------------------


def test_org_counts_cover_every_status(db_session):
    assert queries.org_counts() == {OrgStatus.PENDING: 0, OrgStatus.VERIFIED: 0, OrgStatus.SUSPENDED: 0}
    OrganizationFactory(status=OrgStatus.PENDING)
    OrganizationFactory(status=OrgStatus.PENDING)
    OrganizationFactory(status=OrgStatus.SUSPENDED)
    assert queries.org_counts() == {OrgStatus.PENDING: 2, OrgStatus.VERIFIED: 0, OrgStatus.SUSPENDED: 1}


def test_audit_page_filters_and_pages_newest_first(db_session):
    for n in range(5):
        audit.record("a.one", actor_id=n, subject_type="x", subject_id=n, org_id=1)
    audit.record("a.two", actor_id=None, subject_type="x", subject_id=99, org_id=2)
    db_session.flush()
    page = queries.audit_page(1, per_page=4)
    assert (page.total, [e.subject_id for e in page.items]) == (6, [99, 4, 3, 2])
    assert [e.subject_id for e in queries.audit_page(2, per_page=4).items] == [1, 0]
    assert [e.subject_id for e in queries.audit_page(1, queries.AuditFilter(action="a.two")).items] == [99]
    assert queries.audit_page(1, queries.AuditFilter(org_id=1)).total == 5
    assert queries.audit_page(50, per_page=4).items == []
    assert queries.audit_actions() == ["a.one", "a.two"]


def test_undelivered_lists_pending_and_dead_but_not_done(db_session):
    dead = dead_message(db_session)
    done = dead_message(db_session)
    done.status = OutboxStatus.DONE
    pending = dead_message(db_session)
    pending.status = OutboxStatus.PENDING
    db_session.flush()
    assert [m.id for m in queries.undelivered()] == [dead.id, pending.id]
