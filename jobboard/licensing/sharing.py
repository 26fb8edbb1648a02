"""Which licence documents an application lets its employer see.

The doctor chooses when applying (none by default: the CV alone) and may revoke a share later;
the employer downloads only what is shared, and each download is in the audit log."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from jobboard.accounts.models import User
from jobboard.applications.models import Application
from jobboard.core import audit
from jobboard.core.errors import NotFound
from jobboard.extensions import db
from jobboard.licensing.models import DocumentShare, LicenceDocument


def share(doctor: User, application: Application, documents: list[LicenceDocument]) -> None:
    if application.doctor_id != doctor.id or any(d.owner_id != doctor.id for d in documents):
        raise NotFound(_("There is no such document."))
    for document in documents:
        db.session.add(DocumentShare(application_id=application.id, document_id=document.id))
    db.session.flush()


def revoke(doctor: User, share: DocumentShare) -> None:
    application = db.session.get(Application, share.application_id)
    if application is None or application.doctor_id != doctor.id:
        raise NotFound(_("There is no such document."))
    audit.record(
        "licence_document.share_revoked",
        actor_id=doctor.id,
        subject_type="application",
        subject_id=application.id,
        org_id=application.org_id,
        document_id=share.document_id,
    )
    db.session.delete(share)
    db.session.flush()


def record_download(document: LicenceDocument, actor: User, application: Application | None = None) -> None:
    """An employer's download (through ``application``) or a programme administrator's."""
    through: dict[str, Any] = {"application_id": application.id} if application else {}
    audit.record(
        "licence_document.downloaded",
        actor_id=actor.id,
        subject_type="licence_document",
        subject_id=document.id,
        org_id=application.org_id if application else None,
        **through,
    )
