"""The programme's staff reviewing a doctor's documents: accepted, or a new copy asked for with a
reason. Either way the doctor is told by mail, in their language, and the act is audited."""

from __future__ import annotations

from flask_babel import gettext as _

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import in_language
from jobboard.i18n import lazy_gettext as _l
from jobboard.licensing.models import LicenceDocument, Review
from jobboard.mail import queue_mail


def accept(admin: User, document: LicenceDocument) -> None:
    _decide(admin, document, Review.ACCEPTED, None)


def request_new_copy(admin: User, document: LicenceDocument, reason: str) -> None:
    if not reason.strip():
        raise DomainError(_("Say what is wrong with this copy."), field="reason")
    _decide(admin, document, Review.NEW_COPY_REQUESTED, reason.strip())


def _decide(admin: User, document: LicenceDocument, review: Review, reason: str | None) -> None:
    document.review, document.review_reason = review, reason
    document.reviewed_at, document.reviewer_id = utcnow(), admin.id
    audit.record(
        f"licence_document.{review.value}",
        actor_id=admin.id,
        subject_type="licence_document",
        subject_id=document.id,
        reason=reason,
    )
    doctor = db.session.get(User, document.owner_id)
    if doctor is None:
        return
    accepted = review == Review.ACCEPTED
    with in_language(doctor.language):
        name = document.kind.local_name
    queue_mail(
        doctor.email,
        _l("Your document is accepted: %(document)s", document=name)
        if accepted
        else _l("A new copy is needed: %(document)s", document=name),
        "licensing/document_accepted" if accepted else "licensing/new_copy_requested",
        language=doctor.language,
        user=doctor,
        document=document,
        reason=reason,
        file_url=external_url("licensing.file"),
    )
    db.session.flush()
