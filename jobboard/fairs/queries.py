"""Reading fairs, slots and bookings, with what each page shows loaded up front."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from jobboard.accounts.models import User
from jobboard.applications.models import INTERVIEW_STAGES, Application
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.fairs.models import (
    Booking,
    BookingStatus,
    Fair,
    FairRegistration,
    FairStatus,
    InterviewTable,
    Slot,
    SlotStatus,
)
from jobboard.jobs.models import Posting, PostingStatus
from jobboard.jobs.queries import listed_condition
from jobboard.orgs.models import Organization, OrgStatus


def upcoming_fairs() -> list[Fair]:
    return list(
        db.session.scalars(
            select(Fair)
            .where(Fair.status.in_([FairStatus.PUBLISHED, FairStatus.CANCELLED]), Fair.ends_on >= utcnow().date())
            .order_by(Fair.starts_on)
        )
    )


def all_fairs() -> list[Fair]:
    return list(db.session.scalars(select(Fair).order_by(Fair.starts_on.desc())))


def public_fair(slug: str) -> Fair | None:
    return db.session.scalar(select(Fair).where(Fair.slug == slug, Fair.status != FairStatus.DRAFT))


def public_fair_by_id(fair_id: int) -> Fair | None:
    return db.session.scalar(select(Fair).where(Fair.id == fair_id, Fair.status != FairStatus.DRAFT))


def registrations(fair: Fair, org_id: int | None = None) -> list[FairRegistration]:
    """The employers interviewing at the fair (or the one of them): a suspended one's table is closed."""
    query = (
        select(FairRegistration)
        .options(joinedload(FairRegistration.org), joinedload(FairRegistration.tables))
        .join(Organization)
        .where(FairRegistration.fair_id == fair.id, Organization.status == OrgStatus.VERIFIED)
        .order_by(Organization.name)
    )
    if org_id is not None:
        query = query.where(FairRegistration.org_id == org_id)
    return list(db.session.scalars(query).unique())


def registration_of(fair: Fair, org: Organization) -> FairRegistration | None:
    return db.session.scalar(
        select(FairRegistration)
        .options(selectinload(FairRegistration.tables))
        .where(FairRegistration.fair_id == fair.id, FairRegistration.org_id == org.id)
    )


def slots_with_bookings(fair: Fair, org_id: int | None = None) -> list[tuple[Slot, Booking | None]]:
    """Every slot of the fair (or of one employer) in time order, with its confirmed booking."""
    query = (
        select(Slot, Booking)
        .outerjoin(Booking, and_(Booking.slot_id == Slot.id, Booking.status == BookingStatus.CONFIRMED))
        .join(InterviewTable, InterviewTable.id == Slot.table_id)
        .options(contains_eager(Slot.table))
        .where(Slot.fair_id == fair.id)
        .order_by(Slot.starts_at, InterviewTable.label)
    )
    if org_id is not None:
        query = query.where(Slot.org_id == org_id)
    return list(db.session.execute(query).tuples())


@dataclass(frozen=True)
class FreeTime:
    """A time an employer can still interview: one free slot (the first table's) stands for all."""

    starts_at: datetime
    ends_at: datetime
    slot_id: int
    table_label: str


def free_times(fair: Fair, org_id: int | None = None) -> dict[int, list[FreeTime]]:
    """Per employer, each future start time with a free, open slot, in time order. Plain rows,
    not objects: a fair has thousands of slots and this runs on every booking."""
    # An anti-join on the index of confirmed bookings by slot.
    booked = select(Booking.id).where(Booking.slot_id == Slot.id, Booking.status == BookingStatus.CONFIRMED).exists()
    query = (
        select(Slot.org_id, Slot.starts_at, Slot.ends_at, Slot.id, InterviewTable.label)
        .join(InterviewTable, InterviewTable.id == Slot.table_id)
        .join(Organization, Organization.id == Slot.org_id)
        .where(
            Slot.fair_id == fair.id,
            Slot.status == SlotStatus.OPEN,
            Slot.starts_at > utcnow(),
            ~booked,
            Organization.status == OrgStatus.VERIFIED,
        )
        .order_by(Slot.org_id, Slot.starts_at, InterviewTable.label)
    )
    if org_id is not None:
        query = query.where(Slot.org_id == org_id)
    grouped: dict[int, list[FreeTime]] = defaultdict(list)
    for org, starts_at, ends_at, slot_id, label in db.session.execute(query).tuples():
        times = grouped[org]
        if not times or times[-1].starts_at != starts_at:
            times.append(FreeTime(starts_at, ends_at, slot_id, label))
    return grouped


def org_slot(org: Organization, slot_id: int) -> Slot | None:
    return db.session.scalar(select(Slot).where(Slot.id == slot_id, Slot.org_id == org.id))


def org_table(org: Organization, table_id: int) -> InterviewTable | None:
    return db.session.scalar(
        select(InterviewTable).where(InterviewTable.id == table_id, InterviewTable.org_id == org.id)
    )


def org_booking(org: Organization, booking_id: int) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.id == booking_id, Booking.org_id == org.id))


def doctor_booking(doctor: User, booking_id: int) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.id == booking_id, Booking.doctor_id == doctor.id))


def doctor_bookings(doctor: User, fair: Fair | None = None) -> list[Booking]:
    query = (
        select(Booking)
        .options(joinedload(Booking.fair), joinedload(Booking.org), joinedload(Booking.slot).joinedload(Slot.table))
        .where(Booking.doctor_id == doctor.id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Booking.starts_at)
    )
    if fair is not None:
        query = query.where(Booking.fair_id == fair.id)
    return list(db.session.scalars(query).unique())


def agenda(
    fair: Fair,
    org: Organization,
    window: tuple[datetime, datetime],
) -> list[tuple[InterviewTable, list[Booking]]]:
    """Each of the employer's tables with its confirmed bookings between the two instants."""
    registration = registration_of(fair, org)
    if registration is None:
        return []
    bookings = db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.doctor), joinedload(Booking.slot).joinedload(Slot.posting))
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.fair_id == fair.id,
            Booking.org_id == org.id,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at >= window[0],
            Booking.starts_at < window[1],
        )
        .order_by(Booking.starts_at)
    ).unique()
    by_table: dict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        by_table[booking.slot.table_id].append(booking)
    return [(table, by_table[table.id]) for table in registration.tables]


def upcoming_org_interviews(org: Organization, limit: int = 8) -> list[Booking]:
    """The organisation's confirmed fair interviews still to come, soonest first, with the fair,
    the doctor, the table and the position."""
    return list(
        db.session.scalars(
            select(Booking)
            .options(
                joinedload(Booking.fair),
                joinedload(Booking.doctor),
                joinedload(Booking.slot).joinedload(Slot.table),
                joinedload(Booking.slot).joinedload(Slot.posting),
            )
            .where(Booking.org_id == org.id, Booking.status == BookingStatus.CONFIRMED, Booking.ends_at > utcnow())
            .order_by(Booking.starts_at, Booking.id)
            .limit(limit)
        ).unique()
    )


def fairs_for_org(org: Organization) -> list[tuple[Fair, FairRegistration | None]]:
    rows = db.session.execute(
        select(Fair, FairRegistration)
        .outerjoin(FairRegistration, and_(FairRegistration.fair_id == Fair.id, FairRegistration.org_id == org.id))
        .where(Fair.status != FairStatus.DRAFT, Fair.ends_on >= utcnow().date())
        .order_by(Fair.starts_on)
    ).tuples()
    return list(rows)


def org_registrations(org: Organization) -> list[FairRegistration]:
    """The organisation's places at fairs (past ones too, not a fair still in draft), with their tables."""
    return list(
        db.session.scalars(
            select(FairRegistration)
            .join(Fair, Fair.id == FairRegistration.fair_id)
            .options(contains_eager(FairRegistration.fair), selectinload(FairRegistration.tables))
            .where(FairRegistration.org_id == org.id, Fair.status != FairStatus.DRAFT)
            .order_by(Fair.starts_on, Fair.id)
        ).unique()
    )


def fairs_taking_bookings(org: Organization) -> list[Fair]:
    return list(
        db.session.scalars(
            select(Fair)
            .join(FairRegistration, FairRegistration.fair_id == Fair.id)
            .where(
                FairRegistration.org_id == org.id,
                Fair.status == FairStatus.PUBLISHED,
                Fair.booking_closes_at > utcnow(),
            )
            .order_by(Fair.starts_on)
        )
    )


def interviews_for(application_ids: list[int]) -> dict[int, list[Booking]]:
    """Confirmed interviews booked through each application."""
    grouped: dict[int, list[Booking]] = defaultdict(list)
    for booking in db.session.scalars(
        select(Booking)
        .options(joinedload(Booking.fair), joinedload(Booking.slot).joinedload(Slot.table))
        .where(Booking.application_id.in_(application_ids), Booking.status == BookingStatus.CONFIRMED)
        .order_by(Booking.starts_at)
    ).unique():
        if booking.application_id is not None:
            grouped[booking.application_id].append(booking)
    return grouped


def bookable_applications(org: Organization) -> list[Application]:
    """The employer's applicants it may book an interview for, oldest first."""
    return list(
        db.session.scalars(
            select(Application)
            .options(joinedload(Application.doctor), joinedload(Application.posting))
            .where(
                Application.org_id == org.id,
                Application.doctor_id.is_not(None),
                Application.stage.in_(INTERVIEW_STAGES),
            )
            .order_by(Application.created_at)
        )
    )


def slot_postings(org: Organization) -> list[Posting]:
    """The employer's published postings a slot may be for."""
    return list(
        db.session.scalars(
            select(Posting)
            .where(Posting.org_id == org.id, Posting.status == PostingStatus.PUBLISHED)
            .order_by(Posting.title)
        )
    )


def slot_posting(org: Organization, posting_id: int | None) -> Posting | None:
    if posting_id is None:
        return None
    return db.session.scalar(select(Posting).where(Posting.org_id == org.id, Posting.id == posting_id))


def positions_interviewed_for(fair: Fair, org_id: int | None = None) -> dict[int, list[Posting]]:
    """Per employer (or for the one), the listed postings its slots at the fair are for, by title."""
    query = (
        select(Slot.org_id, Posting)
        .join(Posting, Posting.id == Slot.posting_id)
        .where(Slot.fair_id == fair.id, listed_condition())
        .distinct()
        .order_by(Posting.title)
    )
    if org_id is not None:
        query = query.where(Slot.org_id == org_id)
    rows = db.session.execute(query).tuples()
    grouped: dict[int, list[Posting]] = defaultdict(list)
    for org_id, posting in rows:
        grouped[org_id].append(posting)
    return grouped
