"""Admin decisions about employers. Each is audited and its owners are told by e-mail."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, NotFound
from jobboard.core.outbox import OutboxMessage, OutboxStatus, retry_dead
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.fairs.interviews import cancel_for_suspension
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.services import sync_org_postings
from jobboard.mail import queue_mail
from jobboard.orgs.models import Membership, Organization, OrgStatus, Role


def _tell_owners(org: Organization, subject: LazyString, template: str) -> None:
    owners = db.session.scalars(
        select(User).join(Membership).where(Membership.org_id == org.id, Membership.role == Role.OWNER)
    )
    for owner in owners:
        queue_mail(
            owner.email,
            subject,
            template,
            language=owner.language,
            org=org,
            org_url=external_url("orgs.dashboard", org_slug=org.slug),
        )


def _set_status(admin: User, org: Organization, status: OrgStatus, reason: str | None, action: str) -> None:
    previous = org.status
    org.status = status
    org.status_reason = reason
    org.status_changed_at = utcnow()
    audit.record(
        action,
        actor_id=admin.id,
        subject_type="organization",
        subject_id=org.id,
        org_id=org.id,
        reason=reason,
        old_status=previous.value,
        new_status=status.value,
    )
    sync_org_postings(org)  # a suspension hides the employer's postings; verification shows them


def verify_org(admin: User, org: Organization, reason: str | None = None) -> None:
    if org.status == OrgStatus.VERIFIED:
        raise Conflict(_("This organisation is already verified."))
    _set_status(admin, org, OrgStatus.VERIFIED, reason, "org.verified")
    _tell_owners(
        org, _l("%(employer)s is verified on the IMAP job board", employer=org.name), "moderation/org_verified"
    )


def suspend_org(admin: User, org: Organization, reason: str) -> None:
    if not reason.strip():
        raise DomainError(_("Give the reason for the suspension; the owners will read it."), field="reason")
    if org.status == OrgStatus.SUSPENDED:
        raise Conflict(_("This organisation is already suspended."))
    _set_status(admin, org, OrgStatus.SUSPENDED, reason, "org.suspended")
    cancelled = cancel_for_suspension(admin, org)
    if cancelled:
        audit.record(
            "fair.bookings_cancelled",
            actor_id=admin.id,
            subject_type="organization",
            subject_id=org.id,
            org_id=org.id,
            count=cancelled,
        )
    _tell_owners(
        org, _l("%(employer)s is suspended on the IMAP job board", employer=org.name), "moderation/org_suspended"
    )


def retry_outbox_message(admin: User, message_id: int) -> None:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(_("There is no such message."))
    if message.status != OutboxStatus.DEAD:
        raise Conflict(_("Only a message given up after repeated failures can be retried."))
    retry_dead(message_id)
    audit.record("outbox.retried", actor_id=admin.id, subject_type="outbox", subject_id=message_id)
