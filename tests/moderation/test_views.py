"""The admin pages through HTTP: all under /admin/ (who may open them,
``tests/security/test_authorization.py`` proves), the employer list, verification and suspension,
the audit log and the outbox."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jobboard.core import audit
from jobboard.core.audit import AuditEntry
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.jobs.models import PostingStatus
from jobboard.mail import queue_mail
from jobboard.orgs.models import Organization, OrgStatus, Role
from tests.factories import AdminFactory, MembershipFactory, OrganizationFactory, PostingFactory, StaffFactory
from tests.fairs.conftest import make_fair


def page_text(response) -> str:
    """The page's HTML unescaped, without the ``<bdi>`` isolating user-written values."""
    return html.unescape(re.sub(r"</?bdi>", "", response.get_data(as_text=True)))


def entries(db_session, action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db_session.scalars(query))


@pytest.fixture
def admin(db_session):
    admin = AdminFactory(full_name="Ada Admin")
    db_session.commit()
    return admin


@pytest.fixture
def pending_org(db_session):
    org = OrganizationFactory(name="Pending Hospital", slug="pending-hospital", status=OrgStatus.PENDING)
    MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(email="owner@pending.example.org"))
    MembershipFactory(org=org, role=Role.RECRUITER, user=StaffFactory(email="recruiter@pending.example.org"))
    db_session.commit()
    return org


def org_state(db_session, org: Organization) -> tuple:
    db_session.expire_all()
    return (org.status, org.status_reason, org.status_changed_at, len(entries(db_session)))


# --- the addresses ---------------------------------------------------------------------------


def admin_urls(app) -> list[tuple[str, str]]:
    """Every (method, path) of the admin blueprint, URL parameters filled in with 1."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("moderation."):
            continue
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        urls.extend((method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return urls


def test_admin_urls_are_all_under_admin(app):
    urls = admin_urls(app)
    assert ("POST", "/admin/orgs/1/verify") in urls and ("GET", "/admin/outbox") in urls
    assert all(path.startswith("/admin/") for _method, path in urls)


def test_admin_sees_the_overview(client, login, admin, pending_org):
    login(admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "1</div><div>pending employers" in page_text(response).replace("\n", "")


def test_the_overview_shows_the_queue_the_next_fairs_and_the_outbox(client, login, admin, db_session, time_machine):
    now = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    for days in (3, 1):
        PostingFactory(status=PostingStatus.PENDING_REVIEW, submitted_at=now - timedelta(days=days))
    fair = make_fair(
        admin, publish=False, starts_on=now.date() + timedelta(days=20), ends_on=now.date() + timedelta(days=21)
    )
    waiting = queue_mail("doctor@example.org", "Hello", "accounts/email_taken", language=None)
    waiting.created_at = now - timedelta(hours=2)
    queue_mail("other@example.org", "Hello", "accounts/email_taken", language=None).status = OutboxStatus.DEAD
    db_session.commit()

    login(admin)
    text = page_text(client.get("/admin/"))
    assert "2 postings wait for review." in text
    assert "The oldest since 7 March 2027, 09:00." in text
    assert fair.name in text and "draft" in text
    assert "1 message waits to be sent." in text and "The oldest since 10 March 2027, 07:00." in text
    assert "1 message could not be delivered." in text


# --- employer list ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", {"Pending Hospital", "Verified Clinic", "Suspended Fund"}),
        ("?status=pending", {"Pending Hospital"}),
        ("?status=verified", {"Verified Clinic"}),
        ("?status=suspended", {"Suspended Fund"}),
        ("?status=bogus", {"Pending Hospital", "Verified Clinic", "Suspended Fund"}),
    ],
)
def test_employer_list_filters_by_status(client, login, admin, db_session, pending_org, query, shown):
    OrganizationFactory(name="Verified Clinic", status=OrgStatus.VERIFIED)
    OrganizationFactory(name="Suspended Fund", status=OrgStatus.SUSPENDED)
    db_session.commit()
    login(admin)
    response = client.get(f"/admin/orgs{query}")
    assert response.status_code == 200
    text = page_text(response)
    for name in ("Pending Hospital", "Verified Clinic", "Suspended Fund"):
        assert (name in text) == (name in shown), name
    assert "pending (1)" in text and "verified (1)" in text and "suspended (1)" in text
    active = re.findall(r'class="nav-link active" href="([^"]+)"', text)
    valid = query and query != "?status=bogus"
    assert active == [f"/admin/orgs{query}" if valid else "/admin/orgs"]


def test_org_detail_shows_members_and_history(client, login, admin, db_session, pending_org):
    login(admin)
    response = client.get(f"/admin/orgs/{pending_org.id}")
    assert response.status_code == 200
    text = page_text(response)
    assert "owner@pending.example.org · owner" in text and "recruiter@pending.example.org · recruiter" in text
    assert "Verify Pending Hospital" in text and "Suspend Pending Hospital" in text
    assert client.get("/admin/orgs/987654").status_code == 404


# --- verify and suspend ----------------------------------------------------------------------


def test_admin_verifies_a_pending_org(client, login, admin, db_session, pending_org, mailbox):
    login(admin)
    response = client.post(f"/admin/orgs/{pending_org.id}/verify", data={"reason": "Registry checked"})
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/orgs/{pending_org.id}"
    db_session.expire_all()
    assert (pending_org.status, pending_org.status_reason) == (OrgStatus.VERIFIED, "Registry checked")
    assert pending_org.status_changed_at is not None
    [entry] = entries(db_session, "org.verified")
    assert (entry.actor_id, entry.subject_id, entry.org_id, entry.reason) == (
        admin.id,
        pending_org.id,
        pending_org.id,
        "Registry checked",
    )
    mail = mailbox.last_to("owner@pending.example.org")
    assert mail["Subject"] == "Pending Hospital is verified on the IMAP job board"
    assert mailbox.link(mail, "/org/") == "/org/pending-hospital/"
    assert mailbox.to("recruiter@pending.example.org") == []
    detail = page_text(client.get(f"/admin/orgs/{pending_org.id}"))
    assert "org.verified" in detail and f"#{admin.id}" in detail


def test_verify_without_a_note(client, login, admin, db_session, pending_org):
    login(admin)
    assert client.post(f"/admin/orgs/{pending_org.id}/verify", data={}).status_code == 302
    db_session.expire_all()
    assert (pending_org.status, pending_org.status_reason) == (OrgStatus.VERIFIED, None)


@pytest.mark.parametrize(
    ("action", "status", "reason"),
    [
        ("verify", OrgStatus.VERIFIED, None),
        ("suspend", OrgStatus.SUSPENDED, "first"),
    ],
)
def test_verifying_a_verified_or_suspending_a_suspended_org_is_409(
    client, login, admin, db_session, mailbox, action, status, reason
):
    org = OrganizationFactory(status=status, status_reason=reason)
    db_session.commit()
    login(admin)
    before = org_state(db_session, org)
    response = client.post(f"/admin/orgs/{org.id}/{action}", data={"reason": "again"})
    assert response.status_code == 409
    assert f"already {status.value}" in page_text(response)
    assert org_state(db_session, org) == before
    assert mailbox.messages() == []


@pytest.mark.parametrize("reason", ["", "   ", "x" * 2001, "bad\x00reason"])
def test_suspend_needs_a_valid_reason(client, login, admin, db_session, pending_org, mailbox, reason):
    login(admin)
    before = org_state(db_session, pending_org)
    response = client.post(f"/admin/orgs/{pending_org.id}/suspend", data={"reason": reason})
    assert response.status_code == 422
    assert org_state(db_session, pending_org) == before
    assert mailbox.messages() == []


def test_admin_suspends_with_a_reason(client, login, admin, db_session, pending_org, mailbox):
    login(admin)
    response = client.post(f"/admin/orgs/{pending_org.id}/suspend", data={"reason": "No licence on file."})
    assert response.status_code == 302
    db_session.expire_all()
    assert (pending_org.status, pending_org.status_reason) == (OrgStatus.SUSPENDED, "No licence on file.")
    assert pending_org.status_changed_at is not None
    [entry] = entries(db_session, "org.suspended")
    assert (entry.actor_id, entry.reason, entry.details["new_status"]) == (admin.id, "No licence on file.", "suspended")
    mail = mailbox.last_to("owner@pending.example.org")
    assert mail["Subject"] == "Pending Hospital is suspended on the IMAP job board"
    assert "Reason: No licence on file." in mailbox.text(mail)
    assert mailbox.to("recruiter@pending.example.org") == []


def test_suspended_owner_sees_the_reason(client, login, admin, db_session, pending_org):
    owner = pending_org_owner(db_session, pending_org)
    login(admin)
    client.post(f"/admin/orgs/{pending_org.id}/suspend", data={"reason": "No licence on file."})
    login(owner)
    page = client.get("/org/pending-hospital/")
    assert page.status_code == 403
    assert "The reason given:" in page_text(page) and "No licence on file." in page_text(page)
    assert "jobs@imap.example.org" in page_text(page)


def pending_org_owner(db_session, org):
    from jobboard.orgs.models import Membership

    return db_session.scalar(select(Membership).where(Membership.org_id == org.id, Membership.role == Role.OWNER)).user


# --- audit log -------------------------------------------------------------------------------


@pytest.fixture
def logged(db_session):
    audit.record("member.invited", actor_id=7, subject_type="invitation", subject_id=11, org_id=3, role="viewer")
    audit.record("org.suspended", actor_id=8, subject_type="organization", subject_id=3, org_id=3, reason="Fraud")
    audit.record("site.added", actor_id=None, subject_type="site", subject_id=12, org_id=3)
    db_session.commit()


def test_audit_log_lists_entries(client, login, admin, logged):
    login(admin)
    response = client.get("/admin/audit")
    assert response.status_code == 200
    text = page_text(response)
    for expected in (
        "member.invited",
        "org.suspended",
        "site.added",
        "Fraud",
        "role: viewer",
        "invitation #11",
        "#8",
        "system",
    ):
        assert expected in text, expected
    assert "3 entries" in text
    # Newest first.
    assert text.index("<code>site.added") < text.index("<code>org.suspended") < text.index("<code>member.invited")


@pytest.mark.parametrize(
    ("action", "shown"),
    [("org.suspended", {"org.suspended"}), ("site.added", {"site.added"}), ("no.such.action", set())],
)
def test_audit_log_filters_by_action(client, login, admin, logged, action, shown):
    login(admin)
    text = page_text(client.get(f"/admin/audit?action={action}"))
    for name in ("member.invited", "org.suspended", "site.added"):
        assert (f"<code>{name}</code>" in text) == (name in shown), name
    if not shown:
        assert "Nothing recorded." in text


def test_audit_log_htmx_gets_only_the_entries(client, login, admin, logged):
    login(admin)
    response = client.get("/admin/audit?action=site.added", headers={"HX-Request": "true"})
    text = page_text(response)
    assert response.status_code == 200 and "<html" not in text
    assert "<code>site.added</code>" in text and "<code>org.suspended</code>" not in text


@pytest.mark.parametrize("page", ["abc", "-5", "0", "99999999999"])
def test_audit_log_survives_odd_page_numbers(client, login, admin, logged, page):
    login(admin)
    assert client.get(f"/admin/audit?page={page}").status_code == 200


# --- outbox ----------------------------------------------------------------------------------


@pytest.fixture
def dead(db_session):
    message = queue_mail(
        "bounced@example.org",
        "Lost message",
        "orgs/new_org_for_admin",
        language=None,
        org=OrganizationFactory(),
        review_url="http://x",
    )
    message.status, message.attempts = OutboxStatus.DEAD, 10
    message.last_error = "SMTPRecipientsRefused: mailbox full"
    db_session.commit()
    return message


def test_outbox_page_lists_dead_messages(client, login, admin, dead):
    login(admin)
    text = page_text(client.get("/admin/outbox"))
    assert "SMTPRecipientsRefused: mailbox full" in text and "dead" in text
    assert f"/admin/outbox/{dead.id}/retry" in text


def test_outbox_page_when_all_is_delivered(client, login, admin):
    login(admin)
    assert "Everything has been delivered." in page_text(client.get("/admin/outbox"))


def test_retry_puts_the_message_back_to_pending(app, client, login, admin, db_session, dead, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_EAGER", False)  # as in production: a worker delivers later
    login(admin)
    response = client.post(f"/admin/outbox/{dead.id}/retry")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/outbox"
    db_session.expire_all()
    assert (dead.status, dead.attempts) == (OutboxStatus.PENDING, 0)
    [entry] = entries(db_session, "outbox.retried")
    assert (entry.actor_id, entry.subject_type, entry.subject_id) == (admin.id, "outbox", dead.id)
    assert f"/admin/outbox/{dead.id}/retry" not in page_text(client.get("/admin/outbox"))


def test_retried_message_is_delivered(client, login, admin, db_session, dead, mailbox):
    login(admin)
    assert client.post(f"/admin/outbox/{dead.id}/retry").status_code == 302
    db_session.expire_all()
    assert dead.status == OutboxStatus.DONE
    assert mailbox.last_to("bounced@example.org")["Subject"] == "Lost message"


@pytest.mark.parametrize("state", ["pending", "done", "unknown"])
def test_retry_of_a_message_that_is_not_dead_is_refused(
    app, client, login, admin, db_session, dead, monkeypatch, state
):
    monkeypatch.setitem(app.config, "OUTBOX_EAGER", False)
    message_id = 987654 if state == "unknown" else dead.id
    if state != "unknown":
        dead.status = OutboxStatus(state)
        db_session.commit()
    login(admin)
    response = client.post(f"/admin/outbox/{message_id}/retry")
    assert response.status_code == (404 if state == "unknown" else 409)
    assert entries(db_session, "outbox.retried") == []
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.attempts == 0)) == 0
