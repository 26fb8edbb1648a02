"""The doctor's CVs, and the upkeep of every stored CV file (theirs and the copies sent with
applications).

A doctor keeps at most 10 CVs, one of them the default offered when applying; the files are
checked, cleaned and stored by ``cv_files``. Files are written before the transaction commits:
a failed commit can leave an unreferenced file, which ``sweep_uploads`` removes (every six hours,
and ``flask jobboard sweep-uploads``). ``sanitise_stored_cvs`` gives files stored before the
cleaning knew what it knows now the clean copy an upload gets (``flask jobboard sanitise-cvs``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update

from jobboard.accounts.models import User
from jobboard.applications.cv_files import (
    CleanPdf,
    InvalidCv,
    check_pdf,
    clean_pdf,
    read_file,
    remove_file,
    replace_file,
    write_file,
)
from jobboard.applications.models import Application, CvDocument
from jobboard.applications.profiles import note_completion
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError, NotFound, NotPermitted
from jobboard.core.storage import file_store, referenced_names
from jobboard.extensions import db

MAX_CVS = 10


def cvs_of(user: User) -> list[CvDocument]:
    return list(
        db.session.scalars(
            select(CvDocument).where(CvDocument.owner_id == user.id).order_by(CvDocument.uploaded_at.desc())
        )
    )


def upload_cv(user: User, filename: str, data: bytes) -> CvDocument:
    if not user.is_doctor:
        raise NotPermitted(_("Only doctors' accounts keep CVs."))
    count = db.session.scalar(select(func.count()).select_from(CvDocument).where(CvDocument.owner_id == user.id)) or 0
    if count >= MAX_CVS:
        raise DomainError(
            ngettext(
                "You can keep at most %(num)d CV. Delete it first.",
                "You can keep at most %(num)d CVs. Delete one first.",
                MAX_CVS,
            ),
            field="file",
        )
    checked = check_pdf(filename, data)
    cv = CvDocument(
        owner_id=user.id,
        stored_name=write_file(checked.data),
        original_name=checked.display_name,
        size_bytes=len(checked.data),
        page_count=checked.pages,
        sha256=checked.sha256,
        is_default=count == 0,
    )
    db.session.add(cv)
    db.session.flush()
    note_completion(user)
    return cv


def set_default_cv(user: User, cv: CvDocument) -> None:
    if cv.owner_id != user.id:
        raise NotFound(_("There is no such CV."))
    db.session.execute(update(CvDocument).where(CvDocument.owner_id == user.id).values(is_default=False))
    cv.is_default = True


def delete_cv(user: User, cv: CvDocument) -> None:
    """Applications keep their own copy, so deleting a CV changes nothing an employer received."""
    if cv.owner_id != user.id:
        raise NotFound(_("There is no such CV."))
    was_default = cv.is_default
    remove_file(cv.stored_name)
    db.session.delete(cv)
    db.session.flush()
    if was_default:
        newest = db.session.scalar(
            select(CvDocument).where(CvDocument.owner_id == user.id).order_by(CvDocument.uploaded_at.desc()).limit(1)
        )
        if newest is not None:
            newest.is_default = True


# --- upkeep of the stored files ------------------------------------------------------------


def stored_cv_names() -> list[str | None]:
    """Every stored CV file: the doctors' CVs and the copies sent with applications."""
    return [
        *db.session.scalars(select(CvDocument.stored_name)),
        *db.session.scalars(select(Application.cv_stored_name)),
    ]


def sweep_uploads(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored files no row refers to (left by a transaction that failed after writing): every
    feature names the files it keeps (``core.storage.register_references``)."""
    referenced = referenced_names()
    cutoff = utcnow() - older_than
    store = file_store()
    removed = 0
    for stored_name, written_at in list(store.listing()):
        if stored_name not in referenced and written_at < cutoff:
            store.delete(stored_name)
            removed += 1
    return removed


@dataclass
class SanitiseReport:
    rewritten: int = 0
    unchanged: int = 0
    failures: list[str] = field(default_factory=list)


def sanitise_stored_cvs() -> SanitiseReport:
    """Rewrite every stored CV, and every application's copy, in place as the clean copy an upload
    gets (files stored before the cleaning knew what it knows now may carry more). A clean copy
    cleans to the same bytes, so a second run rewrites nothing. A file that cannot be cleaned is
    kept as it is and reported, never deleted. Files are replaced before the commit: if the commit
    fails, the sizes stay out of date until the next run."""
    report = SanitiseReport()
    copies: dict[str, CleanPdf] = {}
    for cv in db.session.scalars(select(CvDocument).order_by(CvDocument.id)):
        clean = _sanitise_file(cv.stored_name, f"CV {cv.id}", report, copies)
        if clean is not None:
            cv.size_bytes, cv.page_count, cv.sha256 = len(clean.data), clean.pages, clean.sha256
    sent = select(Application).where(Application.cv_stored_name.is_not(None)).order_by(Application.id)
    for application in db.session.scalars(sent):
        label = f"the CV of application {application.id}"
        clean = _sanitise_file(application.cv_stored_name or "", label, report, copies)
        if clean is not None:
            application.cv_size_bytes = len(clean.data)
    db.session.flush()
    return report


def _sanitise_file(
    stored_name: str, label: str, report: SanitiseReport, copies: dict[str, CleanPdf]
) -> CleanPdf | None:
    """The file's clean copy, written over it when different; ``copies`` holds the copies made so
    far by the original's hash (an application's CV is usually a copy of a stored one)."""
    try:
        original = read_file(stored_name)
        digest = hashlib.sha256(original).hexdigest()
        clean = copies.get(digest) or clean_pdf(original)
    except FileNotFoundError:
        report.failures.append(f"{label} ({stored_name}): the file is missing")
        return None
    except InvalidCv as error:
        report.failures.append(f"{label} ({stored_name}): {error.message}")
        return None
    copies[digest] = clean
    if clean.data == original:
        report.unchanged += 1
    else:
        replace_file(stored_name, clean.data)
        report.rewritten += 1
    return clean
