"""Reading licence files: the doctor's own, an employer's through an application's shares
(always within the organisation of the URL), and the programme's view of every file.

``readiness`` answers for many doctors at once in a fixed number of queries (the applicants
list shows one summary a row)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from jobboard.accounts.models import User
from jobboard.applications.models import Application, DoctorProfile, LicenceStatus
from jobboard.extensions import db
from jobboard.licensing.models import (
    DocumentKind,
    DocumentShare,
    DocumentState,
    LicenceDocument,
    LicenceFile,
    LicenceTrack,
    Review,
    TrackRequirement,
)
from jobboard.orgs.models import Organization


def tracks() -> list[LicenceTrack]:
    return list(
        db.session.scalars(
            select(LicenceTrack)
            .options(selectinload(LicenceTrack.requirements))
            .order_by(LicenceTrack.position, LicenceTrack.id)
        )
    )


def kinds() -> list[DocumentKind]:
    return list(db.session.scalars(select(DocumentKind).order_by(DocumentKind.name)))


def my_documents(user: User) -> list[LicenceDocument]:
    return list(
        db.session.scalars(
            select(LicenceDocument).where(LicenceDocument.owner_id == user.id).order_by(LicenceDocument.id)
        )
    )


def my_document(user: User, document_id: int) -> LicenceDocument | None:
    return db.session.scalar(
        select(LicenceDocument).where(LicenceDocument.id == document_id, LicenceDocument.owner_id == user.id)
    )


def my_document_of_kind(user: User, kind: DocumentKind) -> LicenceDocument | None:
    return db.session.scalar(
        select(LicenceDocument).where(LicenceDocument.owner_id == user.id, LicenceDocument.kind_id == kind.id)
    )


@dataclass(frozen=True)
class ChecklistItem:
    requirement: TrackRequirement
    document: LicenceDocument | None
    state: DocumentState


def checklist(file: LicenceFile | None, documents: list[LicenceDocument], today: date) -> list[ChecklistItem]:
    """The chosen track's items, each with the doctor's document of that kind and its state."""
    if file is None or file.track is None:
        return []
    by_kind = {d.kind_id: d for d in documents}
    items = []
    for requirement in file.track.requirements:
        document = by_kind.get(requirement.kind_id)
        state = document.state(today) if document else DocumentState.MISSING
        items.append(ChecklistItem(requirement, document, state))
    return items


@dataclass(frozen=True)
class FileView:
    """A doctor's file as their page and the reviewer's show it: the checklist of the track, and
    the documents of kinds it does not ask for (kept from another track)."""

    file: LicenceFile | None
    items: list[ChecklistItem]
    others: list[LicenceDocument]


def file_view(user: User, today: date) -> FileView:
    file = db.session.get(LicenceFile, user.id)
    documents = my_documents(user)
    items = checklist(file, documents, today)
    listed = {item.requirement.kind_id for item in items}
    return FileView(file, items, [d for d in documents if d.kind_id not in listed])


@dataclass(frozen=True)
class Readiness:
    """What an employer sees of a doctor's licence file."""

    track: LicenceTrack | None
    documents_present: int
    documents_required: int
    status: LicenceStatus
    provisional_expected: date | None  # only while the doctor holds no licence yet


def readiness(user_ids: list[int], today: date) -> dict[int, Readiness]:
    """Each doctor's readiness, by user id: the same queries whatever the number of doctors (none
    on a page without any, as with one)."""
    ids = sorted({i for i in user_ids if i is not None})
    files = {
        f.user_id: f
        for f in db.session.scalars(
            select(LicenceFile)
            .options(selectinload(LicenceFile.track).selectinload(LicenceTrack.requirements))
            .where(LicenceFile.user_id.in_(ids))
        )
    }
    statuses = dict(
        db.session.execute(
            select(DoctorProfile.user_id, DoctorProfile.licence_status).where(DoctorProfile.user_id.in_(ids))
        )
        .tuples()
        .all()
    )
    documents: dict[int, list[LicenceDocument]] = defaultdict(list)
    for document in db.session.scalars(select(LicenceDocument).where(LicenceDocument.owner_id.in_(ids))):
        documents[document.owner_id].append(document)
    found = {}
    for user_id in ids:
        file = files.get(user_id)
        items = checklist(file, documents[user_id], today)
        status = statuses.get(user_id, LicenceStatus.NOT_STARTED)
        found[user_id] = Readiness(
            track=file.track if file else None,
            documents_present=sum(item.state.counts for item in items),
            documents_required=len(items),
            status=status,
            provisional_expected=file.provisional_expected if file and not status.is_licensed else None,
        )
    return found


# --- what an application shares --------------------------------------------------------------


def shares_by_application(application_ids: list[int]) -> dict[int, list[LicenceDocument]]:
    shared: dict[int, list[LicenceDocument]] = {i: [] for i in application_ids}
    rows = db.session.execute(
        select(DocumentShare.application_id, LicenceDocument)
        .join(LicenceDocument, LicenceDocument.id == DocumentShare.document_id)
        .where(DocumentShare.application_id.in_(application_ids))
        .order_by(LicenceDocument.id)
    ).tuples()
    for application_id, document in rows:
        shared[application_id].append(document)
    return shared


def my_share(user: User, application_id: int, document_id: int) -> DocumentShare | None:
    return db.session.scalar(
        select(DocumentShare)
        .join(Application, Application.id == DocumentShare.application_id)
        .where(
            DocumentShare.application_id == application_id,
            DocumentShare.document_id == document_id,
            Application.doctor_id == user.id,
        )
    )


def org_shared_document(org: Organization, application_id: int, document_id: int) -> LicenceDocument | None:
    """The document, if the application is the organisation's and shares it (a revoked share is
    no longer there)."""
    return db.session.scalar(
        select(LicenceDocument)
        .join(DocumentShare, DocumentShare.document_id == LicenceDocument.id)
        .join(Application, Application.id == DocumentShare.application_id)
        .where(
            Application.org_id == org.id,
            Application.id == application_id,
            LicenceDocument.id == document_id,
            LicenceDocument.owner_id == Application.doctor_id,
        )
    )


# --- the programme's view --------------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    doctor: User
    file: LicenceFile | None
    documents: int
    awaiting_review: int


def files_for_review() -> list[FileRow]:
    """Every doctor with a licence file or a document, those with documents to review first."""
    counts = (
        select(
            LicenceDocument.owner_id.label("user_id"),
            func.count().label("documents"),
            func.count().filter(LicenceDocument.review == Review.PENDING).label("pending"),
        )
        .group_by(LicenceDocument.owner_id)
        .subquery()
    )
    rows = db.session.execute(
        select(User, LicenceFile, counts.c.documents, counts.c.pending)
        .outerjoin(LicenceFile, LicenceFile.user_id == User.id)
        .outerjoin(counts, counts.c.user_id == User.id)
        .where((LicenceFile.user_id.is_not(None)) | (counts.c.user_id.is_not(None)))
        .order_by(func.coalesce(counts.c.pending, 0).desc(), User.full_name)
    ).tuples()
    return [FileRow(user, file, documents or 0, pending or 0) for user, file, documents, pending in rows]


def doctor(user_id: int) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_doctor else None


def document(document_id: int) -> LicenceDocument | None:
    return db.session.get(LicenceDocument, document_id)


def track(track_id: int) -> LicenceTrack | None:
    return db.session.get(LicenceTrack, track_id)


def kind(kind_id: int) -> DocumentKind | None:
    return db.session.get(DocumentKind, kind_id)


def requirement(requirement_id: int) -> TrackRequirement | None:
    return db.session.get(TrackRequirement, requirement_id)
