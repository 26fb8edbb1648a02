"""The organisation rules, called directly: registration, slugs, roles, invitations, sites."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from jobboard.accounts.models import AccountKind, User
from jobboard.accounts.services import WeakPassword
from jobboard.core.audit import AuditEntry
from jobboard.core.errors import Conflict, DomainError, InvalidToken, NotPermitted
from jobboard.core.outbox import OutboxMessage
from jobboard.core.tokens import make_token
from jobboard.orgs import queries, services
from jobboard.orgs.models import Invitation, Membership, Organization, OrgKind, OrgStatus, Role, Site
from tests.factories import (
    PASSWORD,
    AdminFactory,
    DoctorFactory,
    MembershipFactory,
    OrganizationFactory,
    SiteFactory,
    StaffFactory,
)


def audit_actions(db_session) -> list[str]:
    return list(db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def queued_mail(db_session) -> list[dict]:
    return [m.payload for m in db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


@pytest.fixture
def org(db_session):
    return OrganizationFactory(name="Barzilai Medical Center", slug="barzilai")


@pytest.fixture
def owner(org):
    return MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(full_name="Ofer Owner")).user


def membership_of(db_session, user: User) -> Membership:
    return db_session.scalar(select(Membership).where(Membership.user_id == user.id))


# --- slugs and registration ------------------------------------------------------------------


def test_slugs_are_unique_and_readable(db_session):
    assert services.unique_org_slug("Soroka University Medical Center") == "soroka-university-medical-center"
    OrganizationFactory(slug="soroka")
    OrganizationFactory(slug="soroka-2")
    OrganizationFactory(slug="soroka-university")  # shares the prefix, does not block "soroka-3"
    assert services.unique_org_slug("Soroka") == "soroka-3"
    assert services.unique_org_slug("  !!! ") == "employer"
    hebrew = services.unique_org_slug("בית חולים סורוקה")
    assert hebrew and hebrew.isascii()


def test_register_org_makes_the_user_owner_and_tells_active_admins(db_session, app):
    staff = StaffFactory()
    admin = AdminFactory(email="admin.one@example.org")
    AdminFactory(email="gone.admin@example.org", is_deactivated=True)

    org = services.register_org(
        staff, services.OrgFields(name="Emek Medical Center", kind=OrgKind.HOSPITAL, website="", description="Afula")
    )

    assert (org.slug, org.status, org.website, org.description) == (
        "emek-medical-center",
        OrgStatus.PENDING,
        None,
        "Afula",
    )
    assert membership_of(db_session, staff).role == Role.OWNER
    entry = db_session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.subject_type, entry.subject_id) == (
        "org.registered",
        staff.id,
        "organization",
        org.id,
    )
    [mail] = queued_mail(db_session)
    assert mail["to"] == admin.email
    assert mail["subject"] == "A new employer is waiting for verification"  # the name is a stranger's text
    assert "Emek Medical Center" in mail["text"]
    assert f"http://jobboard.test/admin/orgs/{org.id}" in mail["text"]


def test_doctor_cannot_register_an_org(db_session):
    with pytest.raises(NotPermitted):
        services.register_org(DoctorFactory(), services.OrgFields(name="X Clinic", kind=OrgKind.CLINIC))
    assert db_session.scalar(select(func.count()).select_from(Organization)) == 0


def test_update_profile_is_audited(db_session, org, owner):
    services.update_profile(org, owner, website="", description="New")
    assert (org.website, org.description) == (None, "New")
    assert audit_actions(db_session) == ["org.profile_updated"]


# --- roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("new_role", [Role.RECRUITER, Role.VIEWER])
def test_last_owner_cannot_be_demoted(db_session, org, owner, new_role):
    own = membership_of(db_session, owner)
    with pytest.raises(Conflict, match="at least one owner"):
        services.change_role(org, owner, own, new_role)
    assert own.role == Role.OWNER
    assert audit_actions(db_session) == []


def test_last_owner_cannot_be_removed(db_session, org, owner):
    with pytest.raises(Conflict):
        services.remove_member(org, owner, membership_of(db_session, owner))
    assert membership_of(db_session, owner) is not None


def test_one_of_two_owners_can_step_down(db_session, org, owner):
    MembershipFactory(org=org, role=Role.OWNER)
    own = membership_of(db_session, owner)
    services.change_role(org, owner, own, Role.RECRUITER)
    assert own.role == Role.RECRUITER


def test_owners_of_other_orgs_do_not_count(db_session, org, owner):
    MembershipFactory(role=Role.OWNER)  # owner of another organisation
    with pytest.raises(Conflict):
        services.change_role(org, owner, membership_of(db_session, owner), Role.VIEWER)


@pytest.mark.parametrize(
    ("old", "new", "signed_out"),
    [
        (Role.RECRUITER, Role.VIEWER, True),
        (Role.OWNER, Role.RECRUITER, True),
        (Role.VIEWER, Role.RECRUITER, False),
        (Role.RECRUITER, Role.OWNER, False),
    ],
)
def test_change_role_audits_and_ends_sessions_on_demotion(db_session, org, owner, old, new, signed_out):
    member = MembershipFactory(org=org, role=old)
    version = member.user.session_version
    services.change_role(org, owner, member, new)
    assert member.role == new
    assert member.user.session_version == version + (1 if signed_out else 0)
    entry = db_session.scalar(select(AuditEntry))
    assert (entry.action, entry.actor_id, entry.subject_id, entry.org_id) == (
        "member.role_changed",
        owner.id,
        member.user_id,
        org.id,
    )
    assert entry.details == {"old_role": old.value, "new_role": new.value}


def test_same_role_is_not_a_change(db_session, org, owner):
    member = MembershipFactory(org=org, role=Role.VIEWER)
    services.change_role(org, owner, member, Role.VIEWER)
    assert audit_actions(db_session) == []


@pytest.mark.parametrize("action", ["change_role", "remove_member"])
def test_membership_of_another_org_is_refused(db_session, org, owner, action):
    stranger = MembershipFactory(role=Role.VIEWER)
    with pytest.raises(NotPermitted):
        if action == "change_role":
            services.change_role(org, owner, stranger, Role.RECRUITER)
        else:
            services.remove_member(org, owner, stranger)
    assert stranger.role == Role.VIEWER and stranger in db_session


def test_remove_member_deletes_audits_and_ends_sessions(db_session, org, owner):
    member = MembershipFactory(org=org, role=Role.VIEWER)
    user, version = member.user, member.user.session_version
    services.remove_member(org, owner, member)
    db_session.flush()
    assert queries.membership_in(user.id, org.slug) is None
    assert user.session_version == version + 1
    entry = db_session.scalar(select(AuditEntry))
    assert (entry.action, entry.subject_id, entry.details) == ("member.removed", user.id, {"role": "viewer"})


def test_members_are_sorted_by_role_then_name(db_session, org, owner):
    MembershipFactory(org=org, role=Role.VIEWER, user=StaffFactory(full_name="anna"))
    MembershipFactory(org=org, role=Role.VIEWER, user=StaffFactory(full_name="Zeev"))
    MembershipFactory(org=org, role=Role.RECRUITER, user=StaffFactory(full_name="Yossi"))
    MembershipFactory(role=Role.OWNER)  # another organisation
    assert [m.user.full_name for m in queries.members(org)] == ["Ofer Owner", "Yossi", "anna", "Zeev"]


# --- invitations -----------------------------------------------------------------------------


def test_invite_normalises_the_address_and_mails_a_link(db_session, org, owner):
    invitation = services.invite(org, owner, email="Dana@Example.ORG", role=Role.RECRUITER)
    assert (invitation.email, invitation.role, invitation.invited_by_id) == (
        "dana@example.org",
        Role.RECRUITER,
        owner.id,
    )
    [mail] = queued_mail(db_session)
    assert mail["to"] == "dana@example.org"
    assert mail["subject"] == "You are invited to join an employer's team on the IMAP Job Board"
    assert "http://jobboard.test/invitations/" in mail["text"]
    assert audit_actions(db_session) == ["member.invited"]


def test_only_a_confirmed_member_of_a_verified_employer_invites(db_session, org, owner):
    """An invitation is mail to any address typed in: an unconfirmed account or a pending or
    suspended employer (anyone can make both) sends none."""
    owner.email_confirmed_at = None
    with pytest.raises(NotPermitted, match="Confirm your e-mail address before inviting colleagues."):
        services.invite(org, owner, email="victim@example.org", role=Role.VIEWER)
    owner.email_confirmed_at = org.created_at
    for status in (OrgStatus.PENDING, OrgStatus.SUSPENDED):
        org.status = status
        with pytest.raises(NotPermitted, match="Invitations can be sent once an administrator has verified"):
            services.invite(org, owner, email="victim@example.org", role=Role.VIEWER)
    assert queued_mail(db_session) == []


def test_reinviting_replaces_the_open_invitation(db_session, org, owner):
    first = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    second = services.invite(org, owner, email="DANA@example.org", role=Role.OWNER)
    assert second.id != first.id and second.role == Role.OWNER
    assert first.revoked_at is not None and second.is_open
    assert db_session.scalar(select(func.count()).select_from(Invitation).where(Invitation.revoked_at.is_(None))) == 1


def test_same_address_can_be_invited_by_two_orgs(db_session, org, owner):
    other = MembershipFactory(role=Role.OWNER)
    a = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    b = services.invite(other.org, other.user, email="dana@example.org", role=Role.VIEWER)
    assert a.id != b.id


def test_inviting_a_member_is_refused(db_session, org, owner):
    member = MembershipFactory(org=org, role=Role.VIEWER).user
    with pytest.raises(DomainError, match="already a member") as raised:
        services.invite(org, owner, email=member.email.upper(), role=Role.OWNER)
    assert raised.value.field == "email"
    assert queued_mail(db_session) == []


def test_member_of_another_org_can_be_invited(db_session, org, owner):
    elsewhere = MembershipFactory(role=Role.OWNER).user
    assert services.invite(org, owner, email=elsewhere.email, role=Role.VIEWER).is_open


def token_for(invitation: Invitation, email: str | None = None) -> str:
    return make_token(services.INVITATION, {"i": invitation.id, "e": email or invitation.email})


def test_invitation_from_token(db_session, org, owner):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    assert services.invitation_from_token(token_for(invitation)) is invitation
    with pytest.raises(InvalidToken):
        services.invitation_from_token(token_for(invitation, "mallory@example.org"))
    with pytest.raises(InvalidToken):
        services.invitation_from_token(
            make_token(services.INVITATION, {"i": invitation.id + 1000, "e": "dana@example.org"})
        )
    with pytest.raises(InvalidToken):
        services.invitation_from_token("not-a-token")
    token = token_for(invitation)
    with time_machine.travel(datetime.now(UTC) + timedelta(days=13, hours=23)):
        assert services.invitation_from_token(token) is invitation
    with (
        time_machine.travel(datetime.now(UTC) + timedelta(days=14, minutes=1)),
        pytest.raises(InvalidToken, match="expired"),
    ):
        services.invitation_from_token(token)


def test_token_of_another_purpose_is_refused(db_session, org, owner):
    from jobboard.accounts.services import CONFIRM_EMAIL

    invitation = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    with pytest.raises(InvalidToken):
        services.invitation_from_token(make_token(CONFIRM_EMAIL, {"i": invitation.id, "e": invitation.email}))


@pytest.mark.parametrize("close", ["accept", "revoke"])
def test_closed_invitation_token_is_refused(db_session, org, owner, close):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    if close == "accept":
        services.accept_invitation(invitation, StaffFactory(email="dana@example.org"))
    else:
        services.revoke_invitation(org, owner, invitation)
    with pytest.raises(InvalidToken):
        services.invitation_from_token(token_for(invitation))
    with pytest.raises((InvalidToken, Conflict)):
        services.accept_invitation(invitation, StaffFactory())
    with pytest.raises(Conflict):
        services.revoke_invitation(org, owner, invitation)


def test_accept_creates_the_membership_and_confirms_the_address(db_session, org, owner):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.RECRUITER)
    dana = StaffFactory(email="dana@example.org", email_confirmed_at=None)
    membership = services.accept_invitation(invitation, dana)
    assert (membership.org_id, membership.user_id, membership.role) == (org.id, dana.id, Role.RECRUITER)
    assert dana.is_confirmed and invitation.accepted_at is not None
    assert audit_actions(db_session)[-1] == "member.joined"


@pytest.mark.parametrize(
    ("make_user", "message"),
    [
        (lambda: StaffFactory(email="someone.else@example.org"), "sent to another address"),
        (lambda: DoctorFactory(email="dana@example.org"), "doctor's account"),
    ],
)
def test_accept_is_refused_for_the_wrong_account(db_session, org, owner, make_user, message):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.RECRUITER)
    user = make_user()
    with pytest.raises(NotPermitted, match=message):
        services.accept_invitation(invitation, user)
    assert invitation.is_open
    assert membership_of(db_session, user) is None


def test_an_invitation_to_a_suspended_employer_cannot_be_accepted(db_session, org, owner):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.RECRUITER)
    org.status = OrgStatus.SUSPENDED
    with pytest.raises(NotPermitted, match="is suspended"):
        services.accept_invitation(invitation, StaffFactory(email="dana@example.org"))
    assert invitation.is_open


def test_accept_with_new_account(db_session, org, owner):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    user = services.accept_invitation_with_new_account(invitation, full_name="Dana Levi", password=PASSWORD)
    assert (user.email, user.kind, user.is_confirmed) == ("dana@example.org", AccountKind.STAFF, True)
    assert membership_of(db_session, user).role == Role.VIEWER


def test_accept_with_new_account_refuses_an_existing_address(db_session, org, owner):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    StaffFactory(email="dana@example.org")
    with pytest.raises(Conflict):
        services.accept_invitation_with_new_account(invitation, full_name="Dana Levi", password=PASSWORD)
    assert invitation.is_open


def test_accept_with_new_account_applies_the_password_policy(db_session, org, owner):
    invitation = services.invite(org, owner, email="dana@example.org", role=Role.VIEWER)
    with pytest.raises(WeakPassword):
        services.accept_invitation_with_new_account(invitation, full_name="Dana Levi", password="dana12345678")
    assert invitation.is_open


def test_open_invitations_are_scoped_to_the_org(db_session, org, owner):
    mine = services.invite(org, owner, email="a@example.org", role=Role.VIEWER)
    revoked = services.invite(org, owner, email="b@example.org", role=Role.VIEWER)
    services.revoke_invitation(org, owner, revoked)
    other = MembershipFactory(role=Role.OWNER)
    theirs = services.invite(other.org, other.user, email="c@example.org", role=Role.VIEWER)
    assert queries.open_invitations(org) == [mine]
    assert queries.invitation(org, theirs.id) is None


# --- sites -----------------------------------------------------------------------------------


def test_add_site_takes_the_city_coordinates(db_session, org, owner):
    site = services.add_site(org, owner, services.SiteFields(name="Ashkelon Campus", city_slug="sderot", address=""))
    assert (site.city_slug, site.address) == ("sderot", None)
    assert (site.lat, site.lon) == (site.city.lat, site.city.lon)
    assert site.city.region.slug == "south-gaza-envelope"
    entry = db_session.scalar(select(AuditEntry))
    assert (entry.action, entry.subject_type, entry.subject_id) == ("site.added", "site", site.id)


@pytest.mark.parametrize(("lat", "lon"), [(29.4, 34.2), (33.4, 35.9), (31.0, 35.0)])
def test_coordinates_inside_israel_are_kept(db_session, org, owner, lat, lon):
    site = services.add_site(
        org, owner, services.SiteFields(name="Edge", city_slug="beersheba", address=None, lat=lat, lon=lon)
    )
    assert (site.lat, site.lon) == (lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (29.39, 34.8, "lat"),
        (33.41, 34.8, "lat"),
        (31.0, 34.19, "lon"),
        (31.0, 35.91, "lon"),
        (-31.0, -34.8, "lat"),
        (math.nan, 34.8, "lat"),
        (31.0, math.inf, "lon"),
    ],
)
def test_coordinates_outside_israel_are_refused(db_session, org, owner, lat, lon, field):
    with pytest.raises(DomainError, match="within Israel") as raised:
        services.add_site(
            org, owner, services.SiteFields(name="Far", city_slug="beersheba", address=None, lat=lat, lon=lon)
        )
    assert raised.value.field == field
    assert queries.sites(org) == []


def test_unknown_city_is_refused(db_session, org, owner):
    with pytest.raises(DomainError) as raised:
        services.add_site(org, owner, services.SiteFields(name="Nowhere", city_slug="atlantis", address=None))
    assert raised.value.field == "city"


def test_site_names_are_unique_within_an_org(db_session, org, owner):
    first = services.add_site(org, owner, services.SiteFields(name="North Wing", city_slug="beersheba", address=None))
    second = services.add_site(org, owner, services.SiteFields(name="South Wing", city_slug="beersheba", address=None))
    with pytest.raises(DomainError) as raised:
        services.add_site(org, owner, services.SiteFields(name="North Wing", city_slug="sderot", address=None))
    assert raised.value.field == "name"
    with pytest.raises(DomainError):
        services.update_site(
            org, owner, second, services.SiteFields(name="North Wing", city_slug="beersheba", address=None)
        )
    services.update_site(
        org, owner, first, services.SiteFields(name="North Wing", city_slug="tel-aviv", address="Rehov 1")
    )
    assert (first.city_slug, first.address, first.lat) == ("tel-aviv", "Rehov 1", first.city.lat)
    other = MembershipFactory(role=Role.OWNER)
    assert services.add_site(other.org, other.user, services.SiteFields(name="North Wing", city_slug="beersheba")).id


def test_delete_site_is_audited(db_session, org, owner):
    site = SiteFactory(org=org)
    site_id = site.id
    services.delete_site(org, owner, site)
    db_session.flush()
    assert db_session.get(Site, site_id) is None
    entry = db_session.scalar(select(AuditEntry))
    assert (entry.action, entry.subject_id, entry.org_id) == ("site.deleted", site_id, org.id)


def test_site_query_is_scoped_to_the_org(db_session, org):
    mine = SiteFactory(org=org, name="B")
    SiteFactory(org=org, name="A")
    theirs = SiteFactory()
    assert [s.name for s in queries.sites(org)] == ["A", "B"]
    assert queries.site(org, mine.id) is mine
    assert queries.site(org, theirs.id) is None
