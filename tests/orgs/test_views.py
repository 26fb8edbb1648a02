"""The employer pages through HTTP: registration, every /org/<slug>/ URL of the package used by an
owner (who else may open which, ``tests/security/test_authorization.py`` proves), members and
roles, invitations, sites and the profile."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from sqlalchemy import func, select

from jobboard.accounts.models import AccountKind, User
from jobboard.core.audit import AuditEntry
from jobboard.orgs.models import Invitation, Membership, Organization, OrgKind, OrgStatus, Role, Site
from jobboard.vocab.models import City
from tests.factories import (
    PASSWORD,
    AdminFactory,
    DoctorFactory,
    MembershipFactory,
    OrganizationFactory,
    SiteFactory,
    StaffFactory,
)
from tests.orgs.test_logos import png_bytes
from tests.signing_in import sign_in, sign_in_with_password

# --- helpers -------------------------------------------------------------------------------


def count(db_session, model, *where) -> int:
    return db_session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows(db_session, action: str) -> list[AuditEntry]:
    return list(db_session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def snapshot(db_session) -> tuple:
    """Everything an /org/ action could change, read fresh from the database."""
    db_session.expire_all()
    return (
        sorted((m.id, m.org_id, m.user_id, m.role.value) for m in db_session.scalars(select(Membership))),
        sorted((s.id, s.org_id, s.name, s.city_slug, s.lat, s.lon) for s in db_session.scalars(select(Site))),
        sorted(
            (i.id, i.org_id, i.email, i.role.value, i.accepted_at is None, i.revoked_at is None)
            for i in db_session.scalars(select(Invitation))
        ),
        sorted((o.id, o.website, o.description, o.status.value) for o in db_session.scalars(select(Organization))),
        sorted((u.id, u.session_version) for u in db_session.scalars(select(User))),
        count(db_session, AuditEntry),
        count(db_session, Invitation),
    )


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/account/login")


# --- an organisation with its members --------------------------------------------------------


@pytest.fixture
def world(db_session):
    org = OrganizationFactory(name="Home Medical Center", slug="home-medical-center")
    w = SimpleNamespace(
        org=org,
        owner=MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(full_name="Olga Owner")).user,
        viewer=MembershipFactory(org=org, role=Role.VIEWER, user=StaffFactory(full_name="Vera Viewer")).user,
        target=MembershipFactory(org=org, role=Role.RECRUITER, user=StaffFactory(full_name="Tom Target")),
        site=SiteFactory(org=org, name="Main Campus"),
        invitation=Invitation(org_id=org.id, email="invited@example.org", role=Role.VIEWER),
    )
    db_session.add(w.invitation)
    db_session.commit()
    return w


# Every /org/<slug>/ route: (method, rule, form data that would succeed for an owner).
ORG_ROUTES = [
    ("GET", "/org/<org_slug>/", None),
    ("GET", "/org/<org_slug>/members", None),
    ("GET", "/org/<org_slug>/sites", None),
    ("GET", "/org/<org_slug>/profile", None),
    ("POST", "/org/<org_slug>/profile", {"website": "https://changed.example.org", "description": "Changed"}),
    ("POST", "/org/<org_slug>/members/invite", {"email": "someone.new@example.org", "role": "owner"}),
    ("POST", "/org/<org_slug>/members/<int:membership_id>/role", {"role": "owner"}),
    ("POST", "/org/<org_slug>/members/<int:membership_id>/remove", {}),
    ("POST", "/org/<org_slug>/invitations/<int:invitation_id>/revoke", {}),
    ("GET", "/org/<org_slug>/sites/new", None),
    ("POST", "/org/<org_slug>/sites/new", {"name": "Intruder Campus", "city": "sderot"}),
    ("GET", "/org/<org_slug>/sites/<int:site_id>/edit", None),
    ("POST", "/org/<org_slug>/sites/<int:site_id>/edit", {"name": "Renamed Campus", "city": "sderot"}),
    ("POST", "/org/<org_slug>/sites/<int:site_id>/delete", {}),
    ("POST", "/org/<org_slug>/logo", lambda: {"logo": (io.BytesIO(png_bytes()), "logo.png")}),
    ("POST", "/org/<org_slug>/logo/delete", {}),
]
ROUTE_IDS = [f"{method} {rule}" for method, rule, _data in ORG_ROUTES]


def home_url(w, rule: str) -> str:
    return (
        rule.replace("<org_slug>", w.org.slug)
        .replace("<int:membership_id>", str(w.target.id))
        .replace("<int:site_id>", str(w.site.id))
        .replace("<int:invitation_id>", str(w.invitation.id))
    )


def send(client, method: str, url: str, data):
    if method == "GET":
        return client.get(url)
    return client.post(url, data=(data() if callable(data) else data) or {})


def test_route_list_covers_every_org_url(app):
    """The owner's walk below takes ORG_ROUTES; a new /org/ route of the orgs blueprint must be
    added there (other packages' tenant routes are tested with their package)."""
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/org/<org_slug>") and rule.endpoint.startswith("orgs.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == {(method, rule) for method, rule, _data in ORG_ROUTES}


# --- an owner's pages ------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "rule", "data"), ORG_ROUTES, ids=ROUTE_IDS)
def test_owner_can_use_every_org_url(client, login, world, method, rule, data):
    """Every request succeeds for an owner (who is refused where, the route matrix proves)."""
    login(world.owner)
    response = send(client, method, home_url(world, rule), data)
    assert response.status_code in (200, 302), page_text(response)


def test_viewer_does_not_see_owner_controls(client, login, world):
    login(world.viewer)
    members = page_text(client.get(f"/org/{world.org.slug}/members"))
    assert "Tom Target" in members and "invited@example.org" in members
    assert "Invite a colleague" not in members and "/remove" not in members
    sites = page_text(client.get(f"/org/{world.org.slug}/sites"))
    assert "Main Campus" in sites and "Add a site" not in sites


# --- registering an employer -----------------------------------------------------------------

ORG_FIELDS = {
    "name": "Galilee Medical Center",
    "kind": "hospital",
    "website": "https://www.gmc.example.org",
    "description": "The hospital of the western Galilee.",
}
ACCOUNT_FIELDS = {"full_name": "Gila Founder", "email": "Gila.Founder@Example.org", "password": PASSWORD}


def test_visitor_registers_employer_and_becomes_owner(client, db_session, mailbox):
    admin = AdminFactory(email="admin@example.org")
    AdminFactory(email="retired.admin@example.org", is_deactivated=True)
    db_session.commit()

    response = client.post("/employers/register", data={**ORG_FIELDS, **ACCOUNT_FIELDS})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/check-email?reason=employer"
    org = db_session.scalar(select(Organization).where(Organization.name == "Galilee Medical Center"))
    assert org.slug == "galilee-medical-center"
    assert (org.status, org.kind, org.website) == (OrgStatus.PENDING, OrgKind.HOSPITAL, "https://www.gmc.example.org")
    user = db_session.scalar(select(User).where(User.email == "gila.founder@example.org"))
    assert user.kind == AccountKind.STAFF and not user.is_confirmed
    membership = db_session.scalar(select(Membership).where(Membership.org_id == org.id))
    assert (membership.user_id, membership.role) == (user.id, Role.OWNER)
    [entry] = audit_rows(db_session, "org.registered")
    assert (entry.actor_id, entry.subject_id, entry.org_id) == (user.id, org.id, org.id)

    confirmation = mailbox.last_to("gila.founder@example.org")
    assert confirmation["Subject"] == "Confirm your e-mail address"
    assert mailbox.link(confirmation, "/account/confirm/")
    for_admin = mailbox.last_to(admin.email)
    assert for_admin["Subject"] == "A new employer is waiting for verification"
    assert mailbox.link(for_admin, f"/admin/orgs/{org.id}") == f"/admin/orgs/{org.id}"
    assert mailbox.to("retired.admin@example.org") == []

    # The new owner signs in (not automatically: the answer must not differ for a known address)
    # and sees the pending notice.
    sign_in_with_password(client, user.email)
    dashboard = client.get(f"/org/{org.slug}/")
    assert dashboard.status_code == 200
    assert "waiting for an administrator to verify it" in page_text(dashboard)


def test_registering_with_a_known_address_answers_the_same_and_creates_nothing(client, db_session, mailbox):
    existing = StaffFactory(email="gila.founder@example.org")
    db_session.commit()

    response = client.post("/employers/register", data={**ORG_FIELDS, **ACCOUNT_FIELDS})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/check-email?reason=employer"
    assert count(db_session, Organization) == 0
    notice = mailbox.last_to(existing.email)
    assert notice["Subject"] == "Registering an employer with your account"


def test_signed_in_staff_registers_with_organisation_fields_only(client, login, db_session, mailbox):
    staff = StaffFactory()
    db_session.commit()
    login(staff)
    form = client.get("/employers/register")
    assert form.status_code == 200 and 'name="password"' not in page_text(form)

    response = client.post("/employers/register", data={**ORG_FIELDS, "kind": "health_fund", "website": ""})

    assert response.status_code == 302
    org = db_session.scalar(select(Organization).where(Organization.name == "Galilee Medical Center"))
    assert (org.kind, org.website, org.status) == (OrgKind.HEALTH_FUND, None, OrgStatus.PENDING)
    assert (
        db_session.scalar(select(Membership.role).where(Membership.org_id == org.id, Membership.user_id == staff.id))
        == Role.OWNER
    )
    assert count(db_session, User) == 1
    assert mailbox.to(staff.email) == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_doctor_cannot_register_an_employer(client, login, db_session, method):
    doctor = DoctorFactory()
    db_session.commit()
    login(doctor)
    response = send(client, method, "/employers/register", ORG_FIELDS)
    assert response.status_code == 403
    assert "doctor's account cannot register an employer" in page_text(response)
    assert count(db_session, Organization) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"website": "not a web address"}, "Enter a full address starting with https://"),
        ({"website": "javascript://example.org/%0Aalert(1)"}, "Enter a full address starting with https://"),
        ({"website": "ftp://files.example.org/"}, "Enter a full address starting with https://"),
        ({"kind": "university"}, "Not a valid choice"),
        ({"kind": ""}, "This field is required."),
        ({"description": "x" * 2001}, "2000"),
        ({"name": "Evil\x00Hospital"}, "Remove the control characters"),
        ({"description": "line\x00break"}, "Remove the control characters"),
        ({"name": "x" * 161}, "160"),
        ({"email": "not-an-address"}, "Enter a valid e-mail address."),
        ({"password": "short"}, "Use at least 12 characters."),
        ({"password": "galileegalilee"}, "too weak"),
        ({"full_name": ""}, "This field is required."),
    ],
    ids=lambda v: repr(v)[:40] if isinstance(v, dict) else None,
)
def test_bad_registration_is_refused_and_nothing_stored(client, db_session, mailbox, change, message):
    AdminFactory()
    db_session.commit()
    response = client.post("/employers/register", data={**ORG_FIELDS, **ACCOUNT_FIELDS, **change})
    assert response.status_code == 422
    assert message in page_text(response)
    assert count(db_session, Organization) == 0
    assert count(db_session, User) == 1  # only the admin
    assert count(db_session, AuditEntry) == 0
    assert mailbox.messages() == []


def test_organisations_with_the_same_name_get_different_slugs(client, login, db_session):
    first, second = StaffFactory(), StaffFactory()
    db_session.commit()
    for staff in (first, second, first):
        login(staff)
        assert client.post("/employers/register", data=ORG_FIELDS).status_code == 302
    slugs = list(db_session.scalars(select(Organization.slug).order_by(Organization.id)))
    assert slugs == ["galilee-medical-center", "galilee-medical-center-2", "galilee-medical-center-3"]
    login(second)
    assert client.get("/org/galilee-medical-center-2/").status_code == 200
    assert client.get("/org/galilee-medical-center/").status_code == 404


# --- profile ---------------------------------------------------------------------------------


def test_owner_edits_the_profile(client, login, world, db_session):
    login(world.owner)
    response = client.post(
        f"/org/{world.org.slug}/profile", data={"website": "https://home.example.org", "description": "New text"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert (world.org.website, world.org.description) == ("https://home.example.org", "New text")
    [entry] = audit_rows(db_session, "org.profile_updated")
    assert (entry.actor_id, entry.org_id) == (world.owner.id, world.org.id)


@pytest.mark.parametrize(
    "website", ["home.example", "javascript://x.example.org/%0Aalert(1)", "https://exa\x00mple.org"]
)
def test_profile_refuses_a_bad_website(client, login, world, db_session, website):
    login(world.owner)
    before = snapshot(db_session)
    response = client.post(f"/org/{world.org.slug}/profile", data={"website": website, "description": "x"})
    assert response.status_code == 422
    assert snapshot(db_session) == before


# --- invitations -----------------------------------------------------------------------------


@pytest.fixture
def team(db_session):
    org = OrganizationFactory(name="Ziv Medical Center", slug="ziv")
    owner = MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(full_name="Orna Owner")).user
    db_session.commit()
    return SimpleNamespace(org=org, owner=owner)


def invite(client, team, email: str, role: str = "recruiter"):
    return client.post(f"/org/{team.org.slug}/members/invite", data={"email": email, "role": role})


def invitation_link(client, login, team, mailbox, email: str, role: str = "recruiter") -> str:
    login(team.owner)
    assert invite(client, team, email, role).status_code == 302
    with client.session_transaction() as session:
        session.clear()  # the owner leaves; the invited person uses the same browser
    return mailbox.link(mailbox.last_to(email), "/invitations/")


def test_a_pending_employer_offers_no_invitation_form_and_sends_none(client, login, team, db_session, mailbox):
    team.org.status = OrgStatus.PENDING
    db_session.commit()
    login(team.owner)
    page = page_text(client.get(f"/org/{team.org.slug}/members"))
    assert "Invitations can be sent once an administrator has verified Ziv Medical Center." in page
    assert "Send the invitation" not in page

    response = invite(client, team, "anyone@example.org")

    assert response.status_code == 422 and "Invitations can be sent once" in page_text(response)
    assert mailbox.to("anyone@example.org") == []


def test_owner_invites_by_email(client, login, team, db_session, mailbox):
    login(team.owner)
    response = invite(client, team, "New.Colleague@Example.org", "viewer")
    assert response.status_code == 302
    invitation = db_session.scalar(select(Invitation))
    assert (invitation.org_id, invitation.email, invitation.role) == (
        team.org.id,
        "new.colleague@example.org",
        Role.VIEWER,
    )
    assert invitation.invited_by_id == team.owner.id and invitation.is_open
    [entry] = audit_rows(db_session, "member.invited")
    assert (entry.actor_id, entry.subject_id, entry.details["role"]) == (team.owner.id, invitation.id, "viewer")
    mail = mailbox.last_to("new.colleague@example.org")
    assert "Orna Owner invites you to join Ziv Medical Center" in mailbox.text(mail)
    assert "as viewer" in mailbox.text(mail)
    assert mailbox.link(mail, "/invitations/")
    assert "new.colleague@example.org" in page_text(client.get(f"/org/{team.org.slug}/members"))


def test_new_person_accepts_by_creating_an_account(client, login, team, db_session, mailbox):
    link = invitation_link(client, login, team, mailbox, "nurit@example.org", "viewer")
    page = client.get(link)
    assert page.status_code == 200
    assert "Create your account to accept." in page_text(page) and "nurit@example.org" in page_text(page)

    response = client.post(link, data={"full_name": "Nurit New", "password": PASSWORD})

    assert response.status_code == 302 and response.headers["Location"] == "/org/ziv/"
    user = db_session.scalar(select(User).where(User.email == "nurit@example.org"))
    assert user.kind == AccountKind.STAFF and user.is_confirmed and user.full_name == "Nurit New"
    assert (
        db_session.scalar(
            select(Membership.role).where(Membership.user_id == user.id, Membership.org_id == team.org.id)
        )
        == Role.VIEWER
    )
    assert db_session.scalar(select(Invitation.accepted_at)) is not None
    [joined] = audit_rows(db_session, "member.joined")
    assert (joined.actor_id, joined.org_id) == (user.id, team.org.id)
    dashboard = client.get("/org/ziv/")  # signed in as the new member
    assert dashboard.status_code == 200 and "viewer" in page_text(dashboard)


def test_new_account_with_a_weak_password_is_refused(client, login, team, db_session, mailbox):
    link = invitation_link(client, login, team, mailbox, "nurit@example.org")
    response = client.post(link, data={"full_name": "Nurit New", "password": "password1234"})
    assert response.status_code == 422
    assert count(db_session, User, User.email == "nurit@example.org") == 0
    assert db_session.scalar(select(Invitation)).is_open


def test_existing_account_signed_out_is_asked_to_sign_in(client, login, team, db_session, mailbox):
    existing = StaffFactory(email="known@example.org")
    db_session.commit()
    link = invitation_link(client, login, team, mailbox, "known@example.org")

    page = client.get(link)
    assert page.status_code == 200
    assert "Sign in to accept" in page_text(page) and 'name="password"' not in page_text(page)
    assert "/account/login?next=" in page_text(page)

    refused = client.post(link, data={"full_name": "Somebody", "password": PASSWORD})
    assert refused.status_code == 409
    assert "Sign in to accept the invitation" in page_text(refused)
    assert count(db_session, Membership, Membership.user_id == existing.id) == 0

    sign_in(client, existing)
    accepted = client.post(link)
    assert accepted.status_code == 302
    assert db_session.scalar(select(Membership.role).where(Membership.user_id == existing.id)) == Role.RECRUITER


def test_signed_in_as_another_address_is_refused(client, login, team, db_session, mailbox):
    somebody = StaffFactory(email="somebody.else@example.org")
    db_session.commit()
    link = invitation_link(client, login, team, mailbox, "intended@example.org")
    sign_in(client, somebody)

    page = client.get(link)
    assert "You are signed in as somebody.else@example.org" in page_text(page)
    assert "sign in as intended@example.org" in page_text(page)
    response = client.post(link)

    assert response.status_code == 422
    assert "intended@example.org" in page_text(response)
    assert count(db_session, Membership, Membership.user_id == somebody.id) == 0
    assert db_session.scalar(select(Invitation)).is_open
    assert audit_rows(db_session, "member.joined") == []


def test_doctor_account_cannot_accept(client, login, team, db_session, mailbox):
    doctor = DoctorFactory(email="dr.who@example.org")
    db_session.commit()
    link = invitation_link(client, login, team, mailbox, "dr.who@example.org")
    sign_in(client, doctor)
    response = client.post(link)
    assert response.status_code == 422
    assert "belongs to a doctor's account" in page_text(response)
    assert count(db_session, Membership, Membership.user_id == doctor.id) == 0
    assert db_session.scalar(select(Invitation)).is_open


def test_link_works_once(client, login, team, db_session, mailbox):
    link = invitation_link(client, login, team, mailbox, "once@example.org")
    assert client.post(link, data={"full_name": "Ora Once", "password": PASSWORD}).status_code == 302
    with client.session_transaction() as session:
        session.clear()
    for response in (client.get(link), client.post(link, data={"full_name": "Ora Twice", "password": PASSWORD})):
        assert response.status_code == 400
        assert "has been used, withdrawn or replaced" in page_text(response)
    assert count(db_session, User, User.email == "once@example.org") == 1


def test_revoked_invitation_is_refused(client, login, team, db_session, mailbox):
    link = invitation_link(client, login, team, mailbox, "revoked@example.org")
    invitation = db_session.scalar(select(Invitation))
    login(team.owner)
    assert client.post(f"/org/ziv/invitations/{invitation.id}/revoke").status_code == 302
    db_session.expire_all()
    assert invitation.revoked_at is not None
    [entry] = audit_rows(db_session, "member.invitation_revoked")
    assert (entry.actor_id, entry.subject_id) == (team.owner.id, invitation.id)
    # Revoking twice is a conflict, not a second audit row.
    assert client.post(f"/org/ziv/invitations/{invitation.id}/revoke").status_code == 409
    assert len(audit_rows(db_session, "member.invitation_revoked")) == 1

    with client.session_transaction() as session:
        session.clear()
    assert client.get(link).status_code == 400
    assert client.post(link, data={"full_name": "Rev Oked", "password": PASSWORD}).status_code == 400
    assert count(db_session, User, User.email == "revoked@example.org") == 0


def test_reinviting_replaces_the_open_invitation(client, login, team, db_session, mailbox):
    login(team.owner)
    assert invite(client, team, "twice@example.org", "viewer").status_code == 302
    first_link = mailbox.link(mailbox.last_to("twice@example.org"), "/invitations/")
    assert invite(client, team, "TWICE@example.org", "owner").status_code == 302
    [invitation] = db_session.scalars(select(Invitation).where(Invitation.revoked_at.is_(None))).all()
    assert invitation.role == Role.OWNER
    assert client.get(first_link).status_code == 400  # the viewer link no longer works
    assert len(mailbox.to("twice@example.org")) == 2
    assert len(audit_rows(db_session, "member.invited")) == 2


def test_inviting_an_existing_member_is_refused(client, login, team, db_session, mailbox):
    member = MembershipFactory(org=team.org, role=Role.VIEWER).user
    db_session.commit()
    login(team.owner)
    response = invite(client, team, member.email.upper())
    assert response.status_code == 422
    assert "This person is already a member." in page_text(response)
    assert count(db_session, Invitation) == 0
    assert mailbox.to(member.email) == []


@pytest.mark.parametrize(
    ("email", "role", "message"),
    [
        ("ok@example.org", "admin", "Not a valid choice"),
        ("ok@example.org", "", "This field is required."),
        ("not-an-address", "viewer", "Enter a valid e-mail address."),
        ("", "viewer", "This field is required."),
        ("ok@example.org\r\nBcc: victim@example.org", "viewer", "Remove the control characters"),
    ],
)
def test_invalid_invitation_is_refused(client, login, team, db_session, mailbox, email, role, message):
    login(team.owner)
    response = invite(client, team, email, role)
    assert response.status_code == 422
    assert message in page_text(response)
    assert count(db_session, Invitation) == 0
    assert mailbox.messages() == []


def test_expired_invitation_is_refused(client, login, team, db_session, mailbox):
    link = invitation_link(client, login, team, mailbox, "late@example.org")
    with time_machine.travel(datetime.now(UTC) + timedelta(days=14, hours=1)):
        page = client.get(link)
        assert page.status_code == 400 and "This link has expired." in page_text(page)
        post = client.post(link, data={"full_name": "Lea Late", "password": PASSWORD})
        assert post.status_code == 400
    assert count(db_session, User, User.email == "late@example.org") == 0
    # Still valid the day before.
    with time_machine.travel(datetime.now(UTC) + timedelta(days=13)):
        assert client.get(link).status_code == 200


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + "abc", lambda t: "garbage", lambda t: t + "x"])
def test_tampered_invitation_link_is_refused(client, login, team, mailbox, mangle):
    link = invitation_link(client, login, team, mailbox, "tamper@example.org")
    token = link.removeprefix("/invitations/")
    assert client.get(f"/invitations/{mangle(token)}").status_code == 400


# --- roles and removal -----------------------------------------------------------------------


def role_of(db_session, membership_id: int) -> Role | None:
    db_session.expire_all()
    return db_session.scalar(select(Membership.role).where(Membership.id == membership_id))


@pytest.mark.parametrize(
    ("start", "new"), [(Role.RECRUITER, Role.VIEWER), (Role.VIEWER, Role.OWNER), (Role.RECRUITER, Role.OWNER)]
)
def test_owner_changes_a_role(client, login, team, db_session, start, new):
    member = MembershipFactory(org=team.org, role=start)
    db_session.commit()
    login(team.owner)
    response = client.post(f"/org/ziv/members/{member.id}/role", data={"role": new.value})
    assert response.status_code == 302
    assert role_of(db_session, member.id) == new
    [entry] = audit_rows(db_session, "member.role_changed")
    assert (entry.actor_id, entry.subject_id, entry.org_id) == (team.owner.id, member.user_id, team.org.id)
    assert entry.details == {"old_role": start.value, "new_role": new.value}


@pytest.mark.parametrize(
    ("action", "data"),
    [("role", {"role": "recruiter"}), ("role", {"role": "viewer"}), ("remove", {})],
)
def test_last_owner_can_be_neither_demoted_nor_removed(client, login, team, db_session, action, data):
    MembershipFactory(org=team.org, role=Role.RECRUITER)
    db_session.commit()
    own = db_session.scalar(select(Membership).where(Membership.user_id == team.owner.id))
    login(team.owner)
    before = snapshot(db_session)
    response = client.post(f"/org/ziv/members/{own.id}/{action}", data=data)
    assert response.status_code == 409
    assert "An organisation needs at least one owner." in page_text(response)
    assert snapshot(db_session) == before
    assert client.get("/org/ziv/members").status_code == 200  # still signed in, still owner


def test_one_of_two_owners_can_be_demoted(client, login, team, db_session):
    second = MembershipFactory(org=team.org, role=Role.OWNER)
    db_session.commit()
    login(team.owner)
    assert client.post(f"/org/ziv/members/{second.id}/role", data={"role": "viewer"}).status_code == 302
    assert role_of(db_session, second.id) == Role.VIEWER
    # Now the first owner is the last one.
    own = db_session.scalar(select(Membership).where(Membership.user_id == team.owner.id))
    assert client.post(f"/org/ziv/members/{own.id}/role", data={"role": "viewer"}).status_code == 409


def test_removed_member_loses_access_at_once(app, client, login, team, db_session):
    member = MembershipFactory(org=team.org, role=Role.RECRUITER)
    db_session.commit()
    user = member.user
    their_browser = app.test_client()
    sign_in(their_browser, user)
    assert their_browser.get("/org/ziv/").status_code == 200

    login(team.owner)
    response = client.post(f"/org/ziv/members/{member.id}/remove")

    assert response.status_code == 302
    assert count(db_session, Membership, Membership.user_id == user.id) == 0
    [entry] = audit_rows(db_session, "member.removed")
    assert (entry.actor_id, entry.subject_id, entry.org_id, entry.details) == (
        team.owner.id,
        user.id,
        team.org.id,
        {"role": "recruiter"},
    )
    assert is_login_redirect(their_browser.get("/org/ziv/"))
    sign_in(their_browser, user)  # even after signing in again
    assert their_browser.get("/org/ziv/").status_code == 404


def test_demoted_member_cannot_use_the_old_role(app, client, login, team, db_session):
    member = MembershipFactory(org=team.org, role=Role.OWNER)
    db_session.commit()
    login(team.owner)
    assert client.post(f"/org/ziv/members/{member.id}/role", data={"role": "viewer"}).status_code == 302
    db_session.expire_all()
    their_browser = app.test_client()
    sign_in(their_browser, member.user)
    assert their_browser.get("/org/ziv/members").status_code == 200
    assert their_browser.get("/org/ziv/sites/new").status_code == 403


@pytest.mark.parametrize("role", ["admin", "", "OWNER"])
def test_invalid_role_is_refused(client, login, team, db_session, role):
    member = MembershipFactory(org=team.org, role=Role.RECRUITER)
    db_session.commit()
    login(team.owner)
    response = client.post(f"/org/ziv/members/{member.id}/role", data={"role": role})
    assert response.status_code == 422
    assert "Choose one of the listed roles." in page_text(response)
    assert role_of(db_session, member.id) == Role.RECRUITER
    assert audit_rows(db_session, "member.role_changed") == []


def test_members_page_lists_owners_first(client, login, team, db_session):
    MembershipFactory(org=team.org, role=Role.VIEWER, user=StaffFactory(full_name="Aaron Viewer"))
    MembershipFactory(org=team.org, role=Role.RECRUITER, user=StaffFactory(full_name="Bella Recruiter"))
    db_session.commit()
    login(team.owner)
    text = page_text(client.get("/org/ziv/members"))
    assert text.index("Orna Owner") < text.index("Bella Recruiter") < text.index("Aaron Viewer")


# --- sites -----------------------------------------------------------------------------------


def site_named(db_session, name: str) -> Site | None:
    db_session.expire_all()
    return db_session.scalar(select(Site).where(Site.name == name))


def test_owner_adds_a_site_in_a_city(client, login, team, db_session):
    login(team.owner)
    response = client.post(
        "/org/ziv/sites/new",
        data={"name": "Sderot Clinic", "city": "sderot", "address": "1 Main St", "lat": "", "lon": ""},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/org/ziv/sites"
    site = site_named(db_session, "Sderot Clinic")
    city = db_session.get(City, "sderot")
    assert (site.org_id, site.city_slug, site.address) == (team.org.id, "sderot", "1 Main St")
    assert (site.lat, site.lon) == (city.lat, city.lon)
    assert site.city.region_slug == "south-gaza-envelope"
    [entry] = audit_rows(db_session, "site.added")
    assert (entry.actor_id, entry.subject_id, entry.org_id) == (team.owner.id, site.id, team.org.id)
    listing = page_text(client.get("/org/ziv/sites"))
    assert "Sderot Clinic" in listing and "South and Gaza envelope" in listing


def test_owner_sets_exact_coordinates(client, login, team, db_session):
    login(team.owner)
    data = {"name": "Tower", "city": "tel-aviv", "lat": "32.0809", "lon": "34.7806"}
    assert client.post("/org/ziv/sites/new", data=data).status_code == 302
    site = site_named(db_session, "Tower")
    assert (site.lat, site.lon) == pytest.approx((32.0809, 34.7806))
    assert site.city.region_slug == "center"


def test_owner_edits_and_deletes_a_site(client, login, team, db_session):
    site = SiteFactory(org=team.org, name="Old Wing", city_slug="beersheba", lat=31.25, lon=34.79)
    db_session.commit()
    login(team.owner)
    form = client.get(f"/org/ziv/sites/{site.id}/edit")
    assert form.status_code == 200 and 'value="Old Wing"' in page_text(form)

    response = client.post(
        f"/org/ziv/sites/{site.id}/edit", data={"name": "New Wing", "city": "tel-aviv", "lat": "", "lon": ""}
    )
    assert response.status_code == 302
    edited = site_named(db_session, "New Wing")
    tel_aviv = db_session.get(City, "tel-aviv")
    assert (edited.id, edited.city_slug, edited.lat, edited.lon) == (site.id, "tel-aviv", tel_aviv.lat, tel_aviv.lon)
    assert edited.city.region_slug == "center"
    assert [e.subject_id for e in audit_rows(db_session, "site.updated")] == [site.id]

    assert client.post(f"/org/ziv/sites/{site.id}/delete").status_code == 302
    assert count(db_session, Site) == 0
    assert [e.subject_id for e in audit_rows(db_session, "site.deleted")] == [site.id]
    assert "No sites yet" in page_text(client.get("/org/ziv/sites"))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"city": "atlantis"}, "Not a valid choice"),
        ({"city": ""}, "This field is required."),
        ({"lat": "40.7", "lon": "34.8"}, "The latitude must be within Israel"),
        ({"lat": "31.5", "lon": "-74.0"}, "The longitude must be within Israel"),
        ({"lat": "29.3", "lon": "34.9"}, "The latitude must be within Israel"),
        ({"lat": "95", "lon": "34.8"}, "between -90"),
        ({"lat": "nan", "lon": "34.8"}, "Enter an ordinary number."),
        ({"lat": "31.5", "lon": "NaN"}, "Enter an ordinary number."),
        ({"lat": "inf", "lon": "34.8"}, "Enter an ordinary number."),
        ({"lat": "31.5", "lon": "-inf"}, "Enter an ordinary number."),
        ({"lat": "1e400", "lon": "34.8"}, "Enter an ordinary number."),
        ({"lat": "north", "lon": "34.8"}, "Not a valid float value."),
        ({"name": ""}, "This field is required."),
        ({"name": "Bad\x00Name"}, "Remove the control characters"),
        ({"name": "Existing Campus"}, "Another site of this organisation has that name."),
    ],
    ids=lambda v: repr(v)[:40] if isinstance(v, dict) else None,
)
def test_bad_site_is_refused(client, login, team, db_session, change, message):
    existing = SiteFactory(org=team.org, name="Existing Campus")
    db_session.commit()
    login(team.owner)
    before = snapshot(db_session)
    data = {"name": "Brand New Campus", "city": "beersheba", "lat": "", "lon": "", **change}

    created = client.post("/org/ziv/sites/new", data=data)
    assert created.status_code == 422
    assert message in page_text(created)
    assert snapshot(db_session) == before

    if change.get("name") != "Existing Campus":
        edited = client.post(f"/org/ziv/sites/{existing.id}/edit", data=data)
        assert edited.status_code == 422
        assert message in page_text(edited)
        assert snapshot(db_session) == before


def test_same_site_name_is_fine_in_another_org(client, login, team, db_session):
    SiteFactory(name="Main Campus")  # of some other organisation
    db_session.commit()
    login(team.owner)
    assert client.post("/org/ziv/sites/new", data={"name": "Main Campus", "city": "beersheba"}).status_code == 302
    assert count(db_session, Site, Site.org_id == team.org.id) == 1


def test_site_keeps_its_name_on_edit(client, login, team, db_session):
    site = SiteFactory(org=team.org, name="Keep")
    db_session.commit()
    login(team.owner)
    assert client.post(f"/org/ziv/sites/{site.id}/edit", data={"name": "Keep", "city": "sderot"}).status_code == 302
    assert site_named(db_session, "Keep").city_slug == "sderot"


def test_pages_use_the_slug_of_the_current_org(client, login, team, db_session):
    """Links inside an org's pages point at that org (the slug comes from the URL defaults)."""
    login(team.owner)
    text = page_text(client.get("/org/ziv/"))
    for path in ("/org/ziv/sites", "/org/ziv/members", "/org/ziv/profile"):
        assert f'href="{path}"' in text
    assert not re.search(r'href="/org/(?!ziv/)', text)
