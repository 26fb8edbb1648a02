"""Organisation rules: registering an employer, inviting and managing staff, sites.

An organisation always keeps at least one owner. Every change to who belongs and with which
role is in the audit log, and removing someone ends their sessions at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import AccountKind, User
from jobboard.accounts.services import check_password_policy, create_user, find_user_by_email, send_confirmation
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, InvalidToken, NotPermitted
from jobboard.core.slugs import unique_slug
from jobboard.core.tokens import Purpose, make_token, read_token
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail
from jobboard.orgs.models import Invitation, Membership, Organization, OrgKind, OrgStatus, Role, Site
from jobboard.vocab.models import City

INVITATION = Purpose("org-invitation", 14 * 24 * 3600)

# Israel's mainland lies within these bounds; a site outside them is a typing mistake.
LAT_RANGE = (29.4, 33.4)
LON_RANGE = (34.2, 35.9)


@dataclass(frozen=True)
class OrgFields:
    name: str
    kind: OrgKind
    website: str | None = None
    description: str = ""


@dataclass(frozen=True)
class SiteFields:
    name: str
    city_slug: str
    address: str | None = None
    # Both or neither; without them the site takes its city's position.
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def of(cls, site: Site) -> SiteFields:
        return cls(name=site.name, city_slug=site.city_slug, address=site.address, lat=site.lat, lon=site.lon)


def unique_org_slug(name: str) -> str:
    return unique_slug(Organization.slug, name, fallback="employer")


def register_org(owner: User, fields: OrgFields) -> Organization:
    if owner.is_doctor:
        raise NotPermitted(
            _("A doctor's account cannot register an employer. Sign up the employer with a work address.")
        )
    org = Organization(
        slug=unique_org_slug(fields.name),
        name=fields.name,
        kind=fields.kind,
        website=fields.website or None,
        description=fields.description,
    )
    db.session.add(org)
    db.session.flush()
    db.session.add(Membership(user_id=owner.id, org_id=org.id, role=Role.OWNER))
    audit.record("org.registered", actor_id=owner.id, subject_type="organization", subject_id=org.id, org_id=org.id)
    for admin in db.session.scalars(select(User).where(User.is_admin.is_(True), User.is_deactivated.is_(False))):
        queue_mail(
            admin.email,
            _l("A new employer is waiting for verification"),
            "orgs/new_org_for_admin",
            language=admin.language,
            org=org,
            review_url=external_url("moderation.org_detail", org_id=org.id),
        )
    return org


def register_org_with_account(*, email: str, full_name: str, password: str, fields: OrgFields) -> Organization | None:
    """Sign-up of an employer by someone without an account: a staff account (unconfirmed, with
    its confirmation mail) owning a pending organisation. For an address that already has an
    account nothing is created, and its owner is told how to register from their account, so
    the answer does not reveal which addresses have accounts."""
    check_password_policy(password, email=email, name=full_name)
    existing = find_user_by_email(email)
    if existing is not None:
        queue_mail(
            existing.email,
            _l("Registering an employer with your account"),
            "orgs/register_existing_account",
            language=existing.language,
            user=existing,
            login_url=external_url("accounts.login", next="/employers/register"),
        )
        return None
    owner = create_user(email=email, full_name=full_name, password=password, kind=AccountKind.STAFF)
    send_confirmation(owner)
    return register_org(owner, fields)


def update_profile(org: Organization, actor: User, *, website: str | None, description: str) -> None:
    org.website = website or None
    org.description = description
    audit.record(
        "org.profile_updated", actor_id=actor.id, subject_type="organization", subject_id=org.id, org_id=org.id
    )


# --- members -------------------------------------------------------------------------------


def _owner_count(org: Organization) -> int:
    """Owners of the organisation, with their rows locked (on PostgreSQL) until the transaction
    ends, so two owners demoting each other at once cannot leave the organisation without one."""
    owners = db.session.scalars(
        select(Membership.id).where(Membership.org_id == org.id, Membership.role == Role.OWNER).with_for_update()
    )
    return len(list(owners))


def _ensure_another_owner(org: Organization, membership: Membership) -> None:
    if membership.role == Role.OWNER and _owner_count(org) <= 1:
        raise Conflict(_("An organisation needs at least one owner. Make someone else an owner first."))


def change_role(org: Organization, actor: User, membership: Membership, role: Role) -> None:
    if membership.org_id != org.id:
        raise NotPermitted(_("That person is not a member of this organisation."))
    if role == membership.role:
        return
    if role != Role.OWNER:
        _ensure_another_owner(org, membership)
    previous = membership.role
    membership.role = role
    if not role.includes(previous):
        membership.user.end_sessions()
    audit.record(
        "member.role_changed",
        actor_id=actor.id,
        subject_type="user",
        subject_id=membership.user_id,
        org_id=org.id,
        old_role=previous.value,
        new_role=role.value,
    )


def remove_member(org: Organization, actor: User, membership: Membership) -> None:
    if membership.org_id != org.id:
        raise NotPermitted(_("That person is not a member of this organisation."))
    _ensure_another_owner(org, membership)
    membership.user.end_sessions()
    db.session.delete(membership)
    audit.record(
        "member.removed",
        actor_id=actor.id,
        subject_type="user",
        subject_id=membership.user_id,
        org_id=org.id,
        role=membership.role.value,
    )


def invitation_problem(org: Organization, actor: User) -> str | None:
    """Why the board will not send invitations for this organisation now, or None. An invitation
    is mail to any address the inviter types: only a confirmed member of a verified employer
    sends it."""
    if not actor.is_confirmed:
        return _("Confirm your e-mail address before inviting colleagues.")
    if not org.is_verified:
        return _("Invitations can be sent once an administrator has verified %(org)s.", org=org.name)
    return None


def invite(org: Organization, actor: User, *, email: str, role: Role) -> Invitation:
    problem = invitation_problem(org, actor)
    if problem:
        raise NotPermitted(problem)
    email = email.lower()
    existing_user = find_user_by_email(email)
    if existing_user is not None and db.session.scalar(
        select(Membership.id).where(Membership.org_id == org.id, Membership.user_id == existing_user.id)
    ):
        raise DomainError(_("This person is already a member."), field="email")
    # A new invitation replaces an open one, so an older link can't grant what its mail didn't say.
    for earlier in db.session.scalars(
        select(Invitation).where(
            Invitation.org_id == org.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        earlier.revoked_at = utcnow()
    invitation = Invitation(org_id=org.id, email=email, role=role, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    token = make_token(INVITATION, {"i": invitation.id, "e": email})
    queue_mail(
        email,
        _l("You are invited to join an employer's team on the IMAP Job Board"),
        "orgs/invitation",
        language=None,
        org=org,
        inviter=actor,
        role=role,
        accept_url=external_url("orgs.accept_invitation", token=token),
    )
    audit.record(
        "member.invited",
        actor_id=actor.id,
        subject_type="invitation",
        subject_id=invitation.id,
        org_id=org.id,
        role=role.value,
    )
    return invitation


def revoke_invitation(org: Organization, actor: User, invitation: Invitation) -> None:
    if invitation.org_id != org.id or not invitation.is_open:
        raise Conflict(_("This invitation is no longer open."))
    invitation.revoked_at = utcnow()
    audit.record(
        "member.invitation_revoked",
        actor_id=actor.id,
        subject_type="invitation",
        subject_id=invitation.id,
        org_id=org.id,
    )


def invitation_from_token(token: str) -> Invitation:
    payload = read_token(INVITATION, token)
    invitation = db.session.get(Invitation, payload.get("i"))
    if invitation is None or invitation.email != payload.get("e") or not invitation.is_open:
        raise InvalidToken(_("This invitation has been used, withdrawn or replaced. Ask for a new one."))
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    if not invitation.is_open:
        raise InvalidToken(_("This invitation has been used or withdrawn."))
    if invitation.org.status == OrgStatus.SUSPENDED:
        raise NotPermitted(_("%(org)s is suspended; the invitation cannot be accepted now.", org=invitation.org.name))
    if user.email != invitation.email:
        raise NotPermitted(
            _("This invitation was sent to another address. Sign in as %(email)s to accept it.", email=invitation.email)
        )
    if user.is_doctor:
        raise NotPermitted(_("This address belongs to a doctor's account. Ask to be invited with a work address."))
    membership = db.session.scalar(
        select(Membership).where(Membership.org_id == invitation.org_id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(org_id=invitation.org_id, user_id=user.id, role=invitation.role)
        db.session.add(membership)
    invitation.accepted_at = utcnow()
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()  # following the link proves the mailbox
    audit.record(
        "member.joined",
        actor_id=user.id,
        subject_type="invitation",
        subject_id=invitation.id,
        org_id=invitation.org_id,
        role=invitation.role.value,
    )
    db.session.flush()
    return membership


def accept_invitation_with_new_account(invitation: Invitation, *, full_name: str, password: str) -> User:
    if find_user_by_email(invitation.email) is not None:
        raise Conflict(_("An account with this address exists. Sign in to accept the invitation."))
    user = create_user(
        email=invitation.email, full_name=full_name, password=password, kind=AccountKind.STAFF, confirmed=True
    )
    accept_invitation(invitation, user)
    return user


# --- sites ---------------------------------------------------------------------------------


def _placed(city_slug: str, lat: float | None, lon: float | None) -> tuple[City, float, float]:
    city = db.session.get(City, city_slug)
    if city is None:
        raise DomainError(_("Choose a city from the list."), field="city")
    if (lat is None) != (lon is None):
        raise DomainError(
            _("Give both the latitude and the longitude, or neither."), field="lon" if lon is None else "lat"
        )
    if lat is None or lon is None:
        return city, city.lat, city.lon
    if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        raise DomainError(_("The latitude must be within Israel (29.4 to 33.4)."), field="lat")
    if not (LON_RANGE[0] <= lon <= LON_RANGE[1]):
        raise DomainError(_("The longitude must be within Israel (34.2 to 35.9)."), field="lon")
    return city, lat, lon


def _ensure_site_name_free(org: Organization, name: str, site_id: int | None = None) -> None:
    clash = db.session.scalar(
        select(Site.id).where(Site.org_id == org.id, Site.name == name, Site.id != (site_id or 0))
    )
    if clash:
        raise DomainError(_("Another site of this organisation has that name."), field="name")


def add_site(org: Organization, actor: User, fields: SiteFields) -> Site:
    _ensure_site_name_free(org, fields.name)
    city, lat, lon = _placed(fields.city_slug, fields.lat, fields.lon)
    site = Site(org_id=org.id, name=fields.name, city_slug=city.slug, address=fields.address or None, lat=lat, lon=lon)
    db.session.add(site)
    db.session.flush()
    audit.record("site.added", actor_id=actor.id, subject_type="site", subject_id=site.id, org_id=org.id)
    return site


def update_site(org: Organization, actor: User, site: Site, fields: SiteFields) -> None:
    _ensure_site_name_free(org, fields.name, site.id)
    lat, lon = fields.lat, fields.lon
    if fields.city_slug != site.city_slug and (lat, lon) == (site.lat, site.lon):
        lat = lon = None  # the form sent back the old city's position: take the new city's
    city, lat, lon = _placed(fields.city_slug, lat, lon)
    site.name, site.city_slug, site.address = fields.name, city.slug, fields.address or None
    site.lat, site.lon = lat, lon
    audit.record("site.updated", actor_id=actor.id, subject_type="site", subject_id=site.id, org_id=org.id)


def delete_site(org: Organization, actor: User, site: Site) -> None:
    db.session.delete(site)
    audit.record("site.deleted", actor_id=actor.id, subject_type="site", subject_id=site.id, org_id=org.id)
