"""Job alerts as personal data: the person's own alerts, and those saved by a visitor with the
same address and no account (that address is theirs, and so is what it subscribed to). The
export gives each alert's name, search, frequency, status, what it found and sent; the erasure
deletes the alerts with their sent-log.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import ColumnElement, delete, func, select

from jobboard.accounts.models import User
from jobboard.alerts.models import Alert, AlertSent
from jobboard.core.personal_data import Exported, iso, register_section
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.models import Posting


def _of(user: User) -> ColumnElement[bool]:
    return (Alert.user_id == user.id) | (Alert.user_id.is_(None) & (func.lower(Alert.email) == user.email.lower()))


def _alert_data(alert: Alert) -> dict[str, object]:
    sent = db.session.execute(
        select(AlertSent.posting_id, Posting.title, AlertSent.sent_at)
        .join(Posting, Posting.id == AlertSent.posting_id)
        .where(AlertSent.alert_id == alert.id)
        .order_by(AlertSent.sent_at, AlertSent.id)
    ).tuples()
    return {
        "name": alert.name,
        "search": alert.query_string,
        "frequency": alert.frequency.value,
        "status": alert.status.value,
        "time_zone": alert.time_zone,
        "language": alert.language,
        "saved_with_address_only": alert.email if alert.user_id is None else None,
        "created_at": iso(alert.created_at),
        "confirmed_at": iso(alert.confirmed_at),
        "last_sent_at": iso(alert.last_sent_at),
        "found_last_time": alert.last_found,
        "postings_sent": alert.total_sent,
        "sent": [
            {"posting": {"id": posting_id, "title": title}, "sent_at": iso(sent_at)}
            for posting_id, title, sent_at in sent
        ],
    }


def _export(user: User) -> Exported:
    return Exported([_alert_data(a) for a in db.session.scalars(select(Alert).where(_of(user)).order_by(Alert.id))])


def _erase(user: User) -> None:
    db.session.execute(delete(AlertSent).where(AlertSent.alert_id.in_(select(Alert.id).where(_of(user)))))
    db.session.execute(delete(Alert).where(_of(user)))


def register(app: Flask) -> None:
    register_section(
        app,
        "alerts",
        _l("Your job alerts, those saved with your address alone too: the search, how often, and what each has sent."),
        covers=(Alert.user_id,),
        export=_export,
        erase=_erase,
    )
