"""The licence file as personal data: the track, the milestones and every document (the files
in the zip, with which applications each is shared), exported whole and erased with the
account, files removed once the deletion commits. The staff member who reviewed a document is
the programme's record (an attribution)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications.cv_files import remove_file
from jobboard.applications.personal_data import stored_files
from jobboard.core.personal_data import Exported, iso, register_attribution, register_section
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.licensing.milestones import MilestoneFields, licence_file_of
from jobboard.licensing.models import DocumentShare, LicenceDocument, LicenceFile
from jobboard.licensing.queries import my_documents


def _entry(document: LicenceDocument) -> str:
    return f"licence/{document.id}-{document.original_name}"


def _export(user: User) -> Exported:
    file = licence_file_of(user)
    documents = my_documents(user)
    shared: dict[int, list[int]] = {d.id: [] for d in documents}
    for share in db.session.scalars(select(DocumentShare).where(DocumentShare.document_id.in_(list(shared)))):
        shared[share.document_id].append(share.application_id)
    return Exported(
        {
            "track": file.track.slug if file and file.track else None,
            "milestones": vars(MilestoneFields.of(file)),
            "documents": [
                {
                    "kind": d.kind.slug,
                    "file": _entry(d),
                    "issued_on": d.issued_on.isoformat(),
                    "expires_on": d.expires_on.isoformat() if d.expires_on else None,
                    "uploaded_at": iso(d.uploaded_at),
                    "review": d.review.value,
                    "review_reason": d.review_reason,
                    "shared_with_applications": shared[d.id],
                }
                for d in documents
            ],
        },
        stored_files((_entry(d), d.stored_name) for d in documents),
    )


def _erase(user: User) -> None:
    for document in my_documents(user):
        remove_file(document.stored_name)
        db.session.delete(document)
    file = licence_file_of(user)
    if file is not None:
        db.session.delete(file)
    db.session.flush()


def register(app: Flask) -> None:
    register_section(
        app,
        "licence_file",
        _l(
            "Your licence file: your track, your milestones and every document you uploaded (the files are in the zip)."
        ),
        covers=(LicenceFile.user_id, LicenceDocument.owner_id),
        export=_export,
        erase=_erase,
    )
    register_attribution(app, "the administrator who reviewed a licence document", LicenceDocument.reviewer_id)
