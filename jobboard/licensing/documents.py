"""The doctor's licence documents: one of each kind, uploaded, replaced or deleted.

A replacement keeps the row (and so the applications it is shared with: the employer sees the
current copy) and starts its review again. Files are written before the commit, as CVs are;
``applications.cvs.sweep_uploads`` knows these files too (``core.storage`` references).
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from jobboard.accounts.models import User
from jobboard.applications.cv_files import remove_file, write_file
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError, NotFound, NotPermitted
from jobboard.extensions import db
from jobboard.licensing.files import check_document
from jobboard.licensing.models import DocumentKind, LicenceDocument, Review
from jobboard.licensing.queries import my_document_of_kind


def upload_document(
    user: User,
    kind: DocumentKind,
    filename: str,
    data: bytes,
    *,
    issued_on: date,
    expires_on: date | None,
    today: date,
) -> LicenceDocument:
    if not user.is_doctor:
        raise NotPermitted(_("Only doctors' accounts have a licence file."))
    if issued_on > today:
        raise DomainError(_("Give the day the document was issued; it cannot be ahead."), field="issued_on")
    if expires_on is not None and expires_on <= issued_on:
        raise DomainError(_("The expiry date comes after the issue date."), field="expires_on")
    checked = check_document(filename, data)
    document = my_document_of_kind(user, kind)
    if document is None:
        document = LicenceDocument(owner_id=user.id, kind_id=kind.id)
        db.session.add(document)
    else:
        remove_file(document.stored_name)
    document.stored_name = write_file(checked.data)
    document.original_name = checked.display_name
    document.content_type = checked.content_type
    document.size_bytes = len(checked.data)
    document.sha256 = checked.sha256
    document.issued_on, document.expires_on = issued_on, expires_on
    document.uploaded_at = utcnow()
    document.review, document.review_reason, document.reviewed_at, document.reviewer_id = (
        Review.PENDING,
        None,
        None,
        None,
    )
    document.expiry_reminded_for = None
    db.session.flush()
    return document


def delete_document(user: User, document: LicenceDocument) -> None:
    """Its shares go with it: no employer can download it any more."""
    if document.owner_id != user.id:
        raise NotFound(_("There is no such document."))
    remove_file(document.stored_name)
    db.session.delete(document)
    db.session.flush()
