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
from tests.applications.conftest import text_of
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
    detail = text_of(client.get(f"/admin/orgs/{pending_org.id}"))
    assert "Employer verified Ada Admin Employer Pending Hospital Registry checked" in detail


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
def logged(db_session, admin):
    """Three entries of the organisation "Logged Test Clinic": a colleague invited by its owner,
    the organisation suspended by the administrator (yesterday), a site added by the board."""
    org = OrganizationFactory(name="Logged Test Clinic")
    owner = MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(full_name="Olga Owner")).user
    yesterday = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    audit.record(
        "member.invited", actor_id=owner.id, subject_type="invitation", subject_id=11, org_id=org.id, role="viewer"
    )
    suspended = audit.record(
        "org.suspended",
        actor_id=admin.id,
        subject_type="organization",
        subject_id=org.id,
        org_id=org.id,
        reason="Fraud",
    )
    suspended.created_at = yesterday
    audit.record("site.added", actor_id=None, subject_type="site", subject_id=12, org_id=org.id)
    db_session.commit()
    return org


def test_audit_log_names_people_and_says_what_happened(client, login, admin, logged):
    login(admin)
    response = client.get("/admin/audit")
    assert response.status_code == 200
    text = text_of(response)
    for expected in (
        "Colleague invited",
        "Employer suspended",
        "Site added",
        "Olga Owner",
        admin.full_name,
        "the board itself",
        "Fraud",
        "role: viewer",
        "Invitation no longer exists",
        "Employer Logged Test Clinic",
    ):
        assert expected in text, expected
    assert "3 entries" in text and "#" not in text.split("Reason and details")[1]
    # Newest first.
    shown = text.split("Reason and details")[1]
    assert shown.index("Site added") < shown.index("Employer suspended") < shown.index("Colleague invited")


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("action=org.suspended", {"Employer suspended"}),
        ("action=site.added", {"Site added"}),
        ("action=no.such.action", set()),
        ("actor=olga", {"Colleague invited"}),
        ("actor=nobody", set()),
        ("subject_type=organization", {"Employer suspended"}),
        ("subject_type=organization&subject=logged", {"Employer suspended"}),
        ("subject=zzz", set()),
        ("since=2026-03-01&until=2026-03-01", {"Employer suspended"}),
        ("until=2026-02-28", set()),
    ],
)
def test_audit_log_filters(client, login, admin, logged, query, shown):
    login(admin)
    response = client.get(f"/admin/audit?{query}")
    text = text_of(response)
    if query == "action=no.such.action":
        assert response.status_code == 422 and "What happened: Not a valid choice" in text
        return
    assert response.status_code == 200
    entries_text = text.split("Reason and details")[1]
    for words in ("Colleague invited", "Employer suspended", "Site added"):
        assert (words in entries_text) == (words in shown), words
    if not shown:
        assert "Nothing recorded." in text


def test_audit_log_refuses_a_backwards_range_and_a_bad_date_with_a_message(client, login, admin, logged):
    login(admin)
    backwards = client.get("/admin/audit?since=2026-03-02&until=2026-03-01")
    assert backwards.status_code == 422 and "The last day comes before the first." in text_of(backwards)
    assert client.get("/admin/audit?since=yesterday").status_code == 422


def test_audit_log_pages_keep_the_filters(client, login, admin, logged, db_session):
    for n in range(60):
        audit.record("site.updated", actor_id=admin.id, subject_type="site", subject_id=n, org_id=logged.id)
    db_session.commit()
    login(admin)
    first = client.get("/admin/audit?actor=Ada&subject_type=site")
    body = first.get_data(as_text=True)
    assert "Page 1 of 2 · 60 entries" in text_of(first)
    assert 'href="/admin/audit?page=2&amp;actor=Ada&amp;subject_type=site"' in body
    second = client.get("/admin/audit?page=2&actor=Ada&subject_type=site")
    assert "Page 2 of 2 · 60 entries" in text_of(second)


def test_audit_log_htmx_gets_only_the_entries(client, login, admin, logged):
    login(admin)
    response = client.get("/admin/audit?action=site.added", headers={"HX-Request": "true"})
    text = text_of(response)
    assert response.status_code == 200 and "<html" not in text
    assert "Site added" in text and "Employer suspended" not in text


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


def test_every_recorded_action_and_subject_has_words():
    """Each action and kind of subject the board records (read from its source) is in words."""
    from pathlib import Path

    from jobboard.moderation.events import EVENTS, SUBJECT_KINDS

    source = "\n".join(p.read_text() for p in Path("jobboard").rglob("*.py"))
    actions = set(re.findall(r'"([a-z_]+\.[a-z_]+)"', " ".join(re.findall(r"audit\.record\(\s*([^)]*)", source))))
    subjects = set(re.findall(r'subject_type="([a-z_]+)"', source))
    assert {"posting.approved", "grant.created", "fair.slots_generated", "site.added"} <= actions
    assert actions - set(EVENTS) == set()
    assert subjects - set(SUBJECT_KINDS) == set() and "posting" in subjects


def test_every_write_through_the_api_has_words(app):
    """The API records each write as ``api.<operation>`` (``api.operations``): each is in words."""
    from jobboard.moderation.events import EVENTS

    writes = {
        f"api.{rule.endpoint.rsplit('.', 1)[-1]}"
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert "api.save_posting" in writes
    assert writes - set(EVENTS) == set()
