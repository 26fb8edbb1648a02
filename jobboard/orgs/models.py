"""Tenants: employers (hospitals, health funds, clinics), their staff and their sites."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jobboard.accounts.models import User
from jobboard.core.db import TimestampMixin, enum_type
from jobboard.extensions import Model
from jobboard.vocab.models import City


class OrgKind(enum.StrEnum):
    HOSPITAL = "hospital"
    HEALTH_FUND = "health_fund"
    CLINIC = "clinic"

    @property
    def label(self) -> str:
        return {"hospital": _("Hospital"), "health_fund": _("Health fund"), "clinic": _("Clinic")}[self.value]


class OrgStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"

    @property
    def label(self) -> str:
        return {"pending": _("pending"), "verified": _("verified"), "suspended": _("suspended")}[self.value]


class Role(enum.StrEnum):
    """Ordered from least to most rights: a check for 'recruiter' admits owners too."""

    VIEWER = "viewer"
    RECRUITER = "recruiter"
    OWNER = "owner"

    @property
    def label(self) -> str:
        return {"viewer": _("viewer"), "recruiter": _("recruiter"), "owner": _("owner")}[self.value]

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


class Organization(TimestampMixin, Model):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[OrgKind] = mapped_column(enum_type(OrgKind, "org_kind"))
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OrgStatus] = mapped_column(enum_type(OrgStatus, "org_status"), default=OrgStatus.PENDING)
    status_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None]
    # The uploaded logo (``orgs.logos``): its name in the file store and its media type.
    logo_name: Mapped[str | None] = mapped_column(String(64))
    logo_mimetype: Mapped[str | None] = mapped_column(String(32))

    sites: Mapped[list[Site]] = relationship(back_populates="org", order_by="Site.name")

    @property
    def is_verified(self) -> bool:
        return self.status == OrgStatus.VERIFIED

    @property
    def is_pending(self) -> bool:
        return self.status == OrgStatus.PENDING

    @property
    def is_suspended(self) -> bool:
        return self.status == OrgStatus.SUSPENDED


class Membership(TimestampMixin, Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "member_role"))

    user: Mapped[User] = relationship(lazy="joined")
    org: Mapped[Organization] = relationship()

    @hybrid_property
    def can_act(self) -> bool:
        """Acts for the organisation (postings, applicants, slots): its recruiters and owners."""
        return self.role.includes(Role.RECRUITER)

    @can_act.inplace.expression
    @classmethod
    def _can_act_expression(cls) -> ColumnElement[bool]:
        return cls.role.in_([role for role in Role if role.includes(Role.RECRUITER)])

    @property
    def is_owner(self) -> bool:
        """Manages its members, sites and profile."""
        return self.role == Role.OWNER


class Invitation(TimestampMixin, Model):
    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_org_email", "org_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_type(Role, "invitation_role"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    org: Mapped[Organization] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class Site(TimestampMixin, Model):
    """A facility of the organisation (a hospital campus, a clinic). Its city fixes the region;
    the coordinates start at the city's and may be set to the exact campus."""

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    city_slug: Mapped[str] = mapped_column(ForeignKey("cities.slug"))
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float]
    lon: Mapped[float]

    org: Mapped[Organization] = relationship(back_populates="sites")
    city: Mapped[City] = relationship(lazy="joined")
