"""Helpers for the alert tests: publishing postings through the real services and the outbox,
saving alerts through the service, running the digests and reading what they sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from itertools import count

from sqlalchemy import select

from jobboard.alerts import services as alerts
from jobboard.alerts.models import Alert, AlertSent, Frequency
from jobboard.core import outbox
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.jobs import reviewing
from jobboard.jobs import services as jobs
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.search.engine import get_engine
from tests.jobs.helpers import content

_serial = count(1)


def sync() -> None:
    """Commit, deliver the outbox (search updates, mail) and make the index current."""
    db.session.commit()
    outbox.drain()
    get_engine().refresh()


def publish(w, title: str, *, site=None, org=None, recruiter=None, sync_now: bool = True, **overrides):
    """A posting submitted by a recruiter and approved by the administrator (the real services),
    its search sync delivered unless ``sync_now`` is False."""
    org, site, recruiter = org or w.org, site or w.site, recruiter or w.recruiter
    overrides.setdefault("description_md", f"Position number {next(_serial)} in a friendly team: {title}.")
    posting = jobs.create_posting(org, recruiter, content(site, title=title, **overrides))
    jobs.submit(posting, recruiter, acknowledge_duplicate=True)
    reviewing.approve(posting, w.admin)
    if sync_now:
        sync()
    else:
        db.session.flush()
    return posting


def hold_sync(posting) -> None:
    """Leave the posting's pending search updates undelivered (the worker has not got to them)."""
    rows = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == SEARCH_SYNC, OutboxMessage.status == OutboxStatus.PENDING)
    )
    for row in rows:
        if row.payload["posting_id"] == posting.id:
            row.next_attempt_at = datetime(2100, 1, 1, tzinfo=UTC)
    db.session.flush()


def save_alert(
    user=None,
    *,
    email: str | None = None,
    query: str = "",
    frequency: Frequency = Frequency.DAILY,
    name: str = "My alert",
) -> Alert:
    alert = alerts.create_alert(user=user, email=email, name=name, query_string=query, frequency=frequency)
    db.session.commit()
    return alert


def run(now: datetime | None = None, **kwargs) -> alerts.RunStats:
    """Run the due alerts, then deliver the mail they queued."""
    stats = alerts.run_due_alerts(now, **kwargs)
    sync()
    return stats


def make_due(alert: Alert, when: datetime) -> None:
    alert.next_run_at = when
    db.session.commit()


def digests(mailbox, address: str) -> list[EmailMessage]:
    return [m for m in mailbox.to(address) if "new position" in m["Subject"]]


def digest_titles(mailbox, message: EmailMessage) -> list[str]:
    return re.findall(r"^\* (.+?)\r?$", mailbox.text(message), flags=re.MULTILINE)


def sent_log(alert: Alert) -> set[int]:
    return set(db.session.scalars(select(AlertSent.posting_id).where(AlertSent.alert_id == alert.id)))
