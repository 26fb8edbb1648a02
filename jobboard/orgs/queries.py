"""Reading tenant data. Every query for an organisation's rows filters by its id."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import joinedload, selectinload

from jobboard.accounts.models import User
from jobboard.extensions import db
from jobboard.orgs.models import Invitation, Membership, Organization, OrgStatus, Site
from jobboard.vocab.models import City


def acting_staff() -> ColumnElement[bool]:
    """In a query of memberships joined to their users: the people who act for the organisation
    and hear of its postings, applicants and fairs: recruiters and owners whose account is active."""
    return and_(Membership.can_act, User.is_deactivated.is_(False))


def staff(org_id: int) -> list[User]:
    return list(db.session.scalars(select(User).join(Membership).where(Membership.org_id == org_id, acting_staff())))


def acts_for(user: User, org_id: int) -> bool:
    return (
        db.session.scalar(
            select(Membership.id)
            .join(User)
            .where(Membership.org_id == org_id, Membership.user_id == user.id, acting_staff())
        )
        is not None
    )


def membership_in(user_id: int, org_slug: str) -> Membership | None:
    return db.session.scalar(
        select(Membership)
        .join(Organization)
        .options(joinedload(Membership.org))
        .where(Organization.slug == org_slug, Membership.user_id == user_id)
    )


def memberships_of(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .options(joinedload(Membership.org))
            .where(Membership.user_id == user.id)
            .order_by(Membership.created_at)
        )
    )


def members(org: Organization) -> list[Membership]:
    """Owners first, then recruiters, then viewers; by name within each role."""
    rows = db.session.scalars(select(Membership).join(User).where(Membership.org_id == org.id))
    return sorted(rows, key=lambda m: (-m.role.rank, m.user.full_name.casefold()))


def member(org: Organization, membership_id: int) -> Membership | None:
    return db.session.scalar(select(Membership).where(Membership.org_id == org.id, Membership.id == membership_id))


def open_invitations(org: Organization) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.org_id == org.id, Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
            .order_by(Invitation.created_at.desc())
        )
    )


def invitation(org: Organization, invitation_id: int) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.org_id == org.id, Invitation.id == invitation_id))


def sites(org: Organization) -> list[Site]:
    return list(db.session.scalars(select(Site).where(Site.org_id == org.id).order_by(Site.name)))


def site(org: Organization, site_id: int) -> Site | None:
    return db.session.scalar(select(Site).where(Site.org_id == org.id, Site.id == site_id))


def all_sites() -> list[Site]:
    """Every organisation's sites, by employer then name (the grant catalogue names sites)."""
    return list(
        db.session.scalars(
            select(Site)
            .join(Site.org)
            .options(joinedload(Site.org), joinedload(Site.city).joinedload(City.region))
            .order_by(Organization.name, Site.name)
        )
    )


def organizations(status: OrgStatus | None = None) -> list[Organization]:
    query = select(Organization).order_by(Organization.created_at.desc())
    if status is not None:
        query = query.where(Organization.status == status)
    return list(db.session.scalars(query))


def verified_org(slug: str) -> Organization | None:
    """An employer the public may see: verified."""
    return db.session.scalar(
        select(Organization)
        .options(selectinload(Organization.sites).joinedload(Site.city).joinedload(City.region))
        .where(Organization.slug == slug, Organization.status == OrgStatus.VERIFIED)
    )
