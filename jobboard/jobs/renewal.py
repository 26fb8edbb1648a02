"""A listing's time: expiry, the reminder a week before, and renewal from the reminder's link."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core.db import utcnow
from jobboard.core.errors import InvalidToken
from jobboard.core.tokens import Purpose, make_token, read_token
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.lifecycle import (
    expire,
    renew,
)
from jobboard.jobs.models import (
    Posting,
    PostingStatus,
)
from jobboard.jobs.services import discard_revisions
from jobboard.mail import queue_mail
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Organization, OrgStatus

RENEW_POSTING = Purpose("renew-posting", 14 * 24 * 3600)


REMINDER_DAYS = 7


def renew_with_token(token: str) -> Posting:
    payload = read_token(RENEW_POSTING, token)
    posting = db.session.get(Posting, payload.get("p"))
    user = db.session.get(User, payload.get("u"))
    if (
        posting is None
        or user is None
        or posting.expires_at is None
        or payload.get("e") != posting.expires_at.isoformat()
    ):
        raise InvalidToken(_("This renewal link has been used or is out of date. Renew the posting from its page."))
    renew(posting, user)
    return posting


def renewal_for_token(token: str) -> Posting:
    payload = read_token(RENEW_POSTING, token)
    posting = db.session.get(Posting, payload.get("p"))
    if posting is None or posting.expires_at is None or payload.get("e") != posting.expires_at.isoformat():
        raise InvalidToken(_("This renewal link has been used or is out of date. Renew the posting from its page."))
    return posting


def expire_due_postings(now: datetime | None = None) -> int:
    now = now or utcnow()
    due = list(
        db.session.scalars(select(Posting).where(Posting.status == PostingStatus.PUBLISHED, Posting.expires_at <= now))
    )
    for posting in due:
        expire(posting)
        discard_revisions(posting)
    return len(due)


def send_expiry_reminders(now: datetime | None = None) -> int:
    """Once per expiry date, seven days before it, each recruiter and owner gets a renew link."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Posting).where(
            Posting.status == PostingStatus.PUBLISHED,
            Posting.org.has(Organization.status == OrgStatus.VERIFIED),
            Posting.expires_at > now,
            Posting.expires_at <= now + timedelta(days=REMINDER_DAYS),
            (Posting.expiry_reminder_sent_for.is_(None)) | (Posting.expiry_reminder_sent_for != Posting.expires_at),
        )
    )
    sent = 0
    for posting in due:
        if posting.expires_at is None:  # the query asked for a date
            continue
        for user in org_queries.staff(posting.org_id):
            token = make_token(RENEW_POSTING, {"p": posting.id, "u": user.id, "e": posting.expires_at.isoformat()})
            queue_mail(
                user.email,
                _l("Your posting “%(title)s” expires in a week", title=posting.title),
                "jobs/expiry_reminder",
                language=user.language,
                posting=posting,
                user=user,
                renew_url=external_url("jobs.renew_from_mail", token=token),
                posting_url=external_url("jobs.manage", org_slug=posting.org.slug, posting_id=posting.id),
            )
        posting.expiry_reminder_sent_for = posting.expires_at
        sent += 1
    return sent
