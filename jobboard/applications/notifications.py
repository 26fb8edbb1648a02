"""How an organisation's recruiters and owners hear of new applications: each chooses a mail
mode for their membership (``MailMode``), a daily digest unless they chose otherwise.

Immediate: one e-mail per application, queued with the application. Daily: one digest a day
listing what arrived since the last one, sent by a periodic job (``send_daily_digests``); none
when nothing arrived, and none while the organisation is suspended. Off: no mail. Viewers and
deactivated accounts get none.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications.models import Application, MailMode, NotificationPreference
from jobboard.core.db import utcnow
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.i18n import lazy_ngettext
from jobboard.mail import queue_mail
from jobboard.orgs.models import Membership, Organization, OrgStatus
from jobboard.orgs.queries import acting_staff


def set_mail_mode(membership: Membership, mode: MailMode) -> None:
    preference = db.session.get(NotificationPreference, membership.id) or NotificationPreference(
        membership_id=membership.id
    )
    preference.new_applications = mode
    db.session.add(preference)


def mail_mode(membership: Membership) -> MailMode:
    preference = db.session.get(NotificationPreference, membership.id)
    return preference.new_applications if preference else MailMode.DAILY


def send_immediate_notices(application: Application) -> None:
    """One e-mail about a new application to each recruiter or owner on the immediate setting."""
    members = db.session.execute(
        select(User, NotificationPreference.new_applications)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(NotificationPreference, NotificationPreference.membership_id == Membership.id)
        .where(Membership.org_id == application.org_id, acting_staff())
    ).all()
    for user, mode in members:
        if mode == MailMode.IMMEDIATE:
            queue_mail(
                user.email,
                _l("A doctor applied to “%(title)s”", title=application.posting.title),
                "applications/new_for_staff",
                language=user.language,
                posting=application.posting,
                url=external_url(
                    "applications.detail", org_slug=application.posting.org.slug, application_id=application.id
                ),
            )


def send_daily_digests(now: datetime | None = None) -> int:
    """One e-mail a day to each recruiter or owner on the daily setting (the default), listing
    the applications their organisation received since their last digest; none when there are none,
    and none while the organisation is suspended."""
    now = now or utcnow()
    sent = 0
    memberships = db.session.scalars(
        select(Membership)
        .join(User)
        .join(Organization)
        .where(
            acting_staff(),
            Organization.status != OrgStatus.SUSPENDED,
        )
    )
    for membership in memberships:
        preference = db.session.get(NotificationPreference, membership.id) or NotificationPreference(
            membership_id=membership.id, new_applications=MailMode.DAILY
        )
        if preference.new_applications != MailMode.DAILY:
            continue
        since = preference.last_digest_at or now - timedelta(days=1)
        if now - since < timedelta(hours=23):
            continue
        fresh = list(
            db.session.scalars(
                select(Application)
                .where(
                    Application.org_id == membership.org_id,
                    Application.created_at > since,
                    Application.created_at <= now,
                )
                .order_by(Application.created_at)
            )
        )
        preference.last_digest_at = now
        db.session.add(preference)
        if fresh:
            queue_mail(
                membership.user.email,
                lazy_ngettext(
                    "%(num)d new application at %(employer)s",
                    "%(num)d new applications at %(employer)s",
                    len(fresh),
                    employer=membership.org.name,
                ),
                "applications/daily_digest",
                language=membership.user.language,
                applications=fresh,
                org=membership.org,
                url=external_url("applications.applicants", org_slug=membership.org.slug),
            )
            sent += 1
    return sent
