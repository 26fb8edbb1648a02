"""Reminders about the licence file, by mail in the doctor's language, from a periodic job:

- a document expiring within 60 days;
- the exam, two weeks ahead;
- the checklist's missing items, 90 days before the move.

Each is sent once: the row keeps the date it was sent for (the expiry, the exam day, the move
month), so a new date arms it again and nothing else does."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications.models import DoctorProfile
from jobboard.core.db import utcnow
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import LazyText
from jobboard.i18n import lazy_gettext as _l
from jobboard.licensing.models import EXPIRING_WITHIN, DocumentState, LicenceDocument, LicenceFile
from jobboard.licensing.queries import checklist, my_documents
from jobboard.mail import queue_mail

EXAM_AHEAD = timedelta(days=14)
MISSING_BEFORE_MOVE = timedelta(days=90)


def send_licence_reminders(today: date | None = None) -> int:
    today = today or utcnow().date()
    return _expiring_documents(today) + _exams(today) + _missing_items(today)


def _mail(user: User, subject: LazyText, template: str, **context: Any) -> None:
    queue_mail(
        user.email,
        subject,
        template,
        language=user.language,
        user=user,
        file_url=external_url("licensing.file"),
        **context,
    )


def _expiring_documents(today: date) -> int:
    rows = db.session.execute(
        select(LicenceDocument, User)
        .join(User, User.id == LicenceDocument.owner_id)
        .where(
            LicenceDocument.expires_on >= today,
            LicenceDocument.expires_on <= today + EXPIRING_WITHIN,
            LicenceDocument.expiry_reminded_for.is_distinct_from(LicenceDocument.expires_on),
        )
    ).tuples()
    sent = 0
    for document, user in rows:
        _mail(
            user, _l("A document of your licence file expires soon"), "licensing/document_expiring", document=document
        )
        document.expiry_reminded_for = document.expires_on
        sent += 1
    return sent


def _exams(today: date) -> int:
    rows = db.session.execute(
        select(LicenceFile, User)
        .join(User, User.id == LicenceFile.user_id)
        .where(
            LicenceFile.exam_on >= today,
            LicenceFile.exam_on <= today + EXAM_AHEAD,
            LicenceFile.exam_result.is_(None),
            LicenceFile.exam_reminded_for.is_distinct_from(LicenceFile.exam_on),
        )
    ).tuples()
    sent = 0
    for file, user in rows:
        _mail(user, _l("Your licensing exam is in two weeks"), "licensing/exam_soon", exam_on=file.exam_on)
        file.exam_reminded_for = file.exam_on
        sent += 1
    return sent


def _missing_items(today: date) -> int:
    rows = db.session.execute(
        select(LicenceFile, User, DoctorProfile.move_month)
        .join(User, User.id == LicenceFile.user_id)
        .join(DoctorProfile, DoctorProfile.user_id == LicenceFile.user_id)
        .where(
            LicenceFile.track_id.is_not(None),
            DoctorProfile.move_month > today,
            DoctorProfile.move_month <= today + MISSING_BEFORE_MOVE,
            LicenceFile.missing_reminded_for.is_distinct_from(DoctorProfile.move_month),
        )
    ).tuples()
    sent = 0
    for file, user, move_month in rows:
        missing = [i for i in checklist(file, my_documents(user), today) if i.state == DocumentState.MISSING]
        if not missing:
            continue
        _mail(
            user,
            _l("Documents still missing from your licence file"),
            "licensing/items_missing",
            missing=missing,
            move_month=move_month,
        )
        file.missing_reminded_for = move_month
        sent += 1
    return sent
