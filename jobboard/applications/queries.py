"""Reading applications: the doctor's own, and the organisation's (always filtered by its id,
loaded with what the pages show in a fixed number of queries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from jobboard.accounts.models import User
from jobboard.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationNote,
    CvDocument,
    DoctorProfile,
    LicenceStatus,
    Stage,
)
from jobboard.core.pagination import Page, paginate_rows
from jobboard.extensions import db
from jobboard.jobs.models import Posting
from jobboard.orgs.models import Organization


def my_applications(doctor: User) -> list[Application]:
    return list(
        db.session.scalars(
            select(Application)
            .options(joinedload(Application.posting).joinedload(Posting.org))
            .where(Application.doctor_id == doctor.id)
            .order_by(Application.created_at.desc())
        ).unique()
    )


def my_application(doctor: User, application_id: int) -> Application | None:
    return db.session.scalar(
        select(Application).where(Application.id == application_id, Application.doctor_id == doctor.id)
    )


def my_cv(doctor: User, cv_id: int) -> CvDocument | None:
    return db.session.scalar(select(CvDocument).where(CvDocument.id == cv_id, CvDocument.owner_id == doctor.id))


def events_by_application(ids: list[int]) -> dict[int, list[ApplicationEvent]]:
    grouped: dict[int, list[ApplicationEvent]] = {i: [] for i in ids}
    for event in db.session.scalars(
        select(ApplicationEvent).where(ApplicationEvent.application_id.in_(ids)).order_by(ApplicationEvent.id)
    ):
        grouped[event.application_id].append(event)
    return grouped


def org_application(org: Organization, application_id: int) -> Application | None:
    return db.session.scalar(
        select(Application)
        .options(joinedload(Application.posting), joinedload(Application.doctor))
        .where(Application.org_id == org.id, Application.id == application_id)
    )


def profile_for(application: Application) -> DoctorProfile | None:
    if application.doctor_id is None:
        return None
    return db.session.scalar(
        select(DoctorProfile)
        .options(
            selectinload(DoctorProfile.languages),
            selectinload(DoctorProfile.preferred_regions),
            joinedload(DoctorProfile.profession),
            joinedload(DoctorProfile.specialty),
        )
        .where(DoctorProfile.user_id == application.doctor_id)
    )


def notes(application: Application) -> list[ApplicationNote]:
    return list(
        db.session.scalars(
            select(ApplicationNote)
            .options(joinedload(ApplicationNote.author))
            .where(ApplicationNote.application_id == application.id)
            .order_by(ApplicationNote.id)
        )
    )


def pipeline(org: Organization, posting: Posting) -> dict[Stage, list[tuple[Application, DoctorProfile | None]]]:
    rows = db.session.execute(
        select(Application, DoctorProfile)
        .outerjoin(User, User.id == Application.doctor_id)
        .outerjoin(DoctorProfile, DoctorProfile.user_id == Application.doctor_id)
        .options(contains_eager(Application.doctor))
        .where(Application.org_id == org.id, Application.posting_id == posting.id)
        .order_by(Application.created_at)
    ).all()
    board: dict[Stage, list[tuple[Application, DoctorProfile | None]]] = {stage: [] for stage in Stage}
    for application, profile in rows:
        board[application.stage].append((application, profile))
    return board


@dataclass
class ApplicantFilter:
    posting_id: int | None = None
    stage: Stage | None = None
    specialty: str | None = None
    licence_status: LicenceStatus | None = None
    min_hebrew: int | None = None
    move_before: date | None = None
    sort: str = "newest"


SORTS = {
    "newest": Application.created_at.desc(),
    "oldest": Application.created_at,
    "rating": Application.rating.desc().nulls_last(),
    "move": DoctorProfile.move_month.nulls_last(),
    "name": User.full_name,
}


def applicants(org: Organization, chosen: ApplicantFilter, page: int, per_page: int = 50) -> Page:
    """(application, profile) rows of the organisation, with the doctor and the posting: two
    queries (the count and the page), whatever the number of applications."""
    query: Select[tuple[Application, DoctorProfile]] = (
        select(Application)
        .join(Posting, Posting.id == Application.posting_id)
        .outerjoin(User, User.id == Application.doctor_id)
        .outerjoin(DoctorProfile, DoctorProfile.user_id == Application.doctor_id)
        .options(contains_eager(Application.posting), contains_eager(Application.doctor))
        .add_columns(DoctorProfile)
        .where(Application.org_id == org.id)
    )
    if chosen.posting_id is not None:
        query = query.where(Application.posting_id == chosen.posting_id)
    if chosen.stage is not None:
        query = query.where(Application.stage == chosen.stage)
    if chosen.specialty:
        query = query.where(DoctorProfile.specialty_slug == chosen.specialty)
    if chosen.licence_status is not None:
        query = query.where(DoctorProfile.licence_status == chosen.licence_status)
    if chosen.min_hebrew is not None:
        query = query.where(DoctorProfile.hebrew_level >= chosen.min_hebrew)
    if chosen.move_before is not None:
        query = query.where(DoctorProfile.move_month <= chosen.move_before)
    query = query.order_by(SORTS.get(chosen.sort, SORTS["newest"]), Application.id.desc())
    return paginate_rows(query, page, per_page)


def new_applicants(org: Organization, limit: int = 8) -> tuple[list[Application], int]:
    """The organisation's applications no one has moved yet (still at "applied"), the newest
    first, with the doctor and the posting, and how many there are in all."""
    waiting = (Application.org_id == org.id) & (Application.stage == Stage.APPLIED)
    total = db.session.scalar(select(func.count()).select_from(Application).where(waiting)) or 0
    rows = db.session.scalars(
        select(Application)
        .options(joinedload(Application.posting), joinedload(Application.doctor))
        .where(waiting)
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(limit)
    )
    return list(rows), total


def application_counts(org_id: int) -> dict[int, int]:
    rows = (
        db.session.execute(
            select(Application.posting_id, func.count())
            .where(Application.org_id == org_id)
            .group_by(Application.posting_id)
        )
        .tuples()
        .all()
    )
    return dict(rows)


def org_postings_with_applications(org: Organization) -> list[tuple[int, str]]:
    return list(
        db.session.execute(
            select(Posting.id, Posting.title)
            .where(Posting.org_id == org.id, ~Posting.is_revision)
            .order_by(Posting.title)
        ).tuples()
    )


def changed_applications(
    org: Organization,
    *,
    since: datetime | None,
    after: tuple[datetime, int] | None,
    posting_id: int | None,
    limit: int,
) -> list[tuple[Application, DoctorProfile | None]]:
    """The organisation's applications in the order they last changed (then by id), from
    ``since``, after the row ``after`` names (its change time and id: a page's last): a cursor
    that stays right while rows change, unlike an offset. Two queries per page, plus one per
    collection of the profiles."""
    query = (
        select(Application, DoctorProfile)
        .outerjoin(User, User.id == Application.doctor_id)
        .outerjoin(DoctorProfile, DoctorProfile.user_id == Application.doctor_id)
        .options(
            contains_eager(Application.doctor),
            joinedload(Application.posting),
            selectinload(DoctorProfile.languages),
            selectinload(DoctorProfile.preferred_regions),
        )
        .where(Application.org_id == org.id)
        .order_by(Application.updated_at, Application.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(Application.updated_at >= since)
    if after is not None:
        moment, last_id = after
        query = query.where(
            (Application.updated_at > moment) | ((Application.updated_at == moment) & (Application.id > last_id))
        )
    if posting_id is not None:
        query = query.where(Application.posting_id == posting_id)
    return list(db.session.execute(query).unique().tuples())
