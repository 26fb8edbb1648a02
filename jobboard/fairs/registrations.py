"""An employer at a fair: its registration, interview tables and slots."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.errors import Conflict, DomainError, NotFound, NotPermitted
from jobboard.extensions import db
from jobboard.fairs.locks import confirmed_booking, lock_slot
from jobboard.fairs.models import (
    Booking,
    BookingMode,
    Fair,
    FairRegistration,
    FairStatus,
    InterviewTable,
    Slot,
    SlotStatus,
)
from jobboard.jobs.models import Posting
from jobboard.orgs.models import Organization


def register(
    org: Organization,
    actor: User,
    fair: Fair,
    *,
    tables: list[tuple[str, str]],
    mode: BookingMode,
    profession_slug: str | None,
) -> FairRegistration:
    if fair.status != FairStatus.PUBLISHED:
        raise Conflict(_("Employers can register only for a published fair."))
    if not org.is_verified:
        raise NotPermitted(_("Your organisation must be verified to take part in a fair."))
    if db.session.scalar(
        select(FairRegistration.id).where(FairRegistration.fair_id == fair.id, FairRegistration.org_id == org.id)
    ):
        raise Conflict(_("Your organisation is already registered for this fair."))
    labels = [label for label, _interviewers in tables]
    if not tables or len(tables) > 30:
        raise DomainError(_("Give between 1 and 30 interview tables."), field="tables")
    if len(set(label.casefold() for label in labels)) != len(labels):
        raise DomainError(_("Each table needs its own label."), field="tables")
    registration = FairRegistration(fair_id=fair.id, org_id=org.id, booking_mode=mode, profession_slug=profession_slug)
    db.session.add(registration)
    db.session.flush()
    for label, interviewers in tables:
        db.session.add(
            InterviewTable(
                registration_id=registration.id, fair_id=fair.id, org_id=org.id, label=label, interviewers=interviewers
            )
        )
    audit.record(
        "fair.registered",
        actor_id=actor.id,
        subject_type="fair",
        subject_id=fair.id,
        org_id=org.id,
        tables=len(tables),
        mode=mode.value,
    )
    db.session.flush()
    return registration


def update_registration(
    registration: FairRegistration, actor: User, *, mode: BookingMode, profession_slug: str | None
) -> None:
    registration.booking_mode = mode
    registration.profession_slug = profession_slug
    audit.record(
        "fair.registration_updated",
        actor_id=actor.id,
        subject_type="fair",
        subject_id=registration.fair_id,
        org_id=registration.org_id,
        mode=mode.value,
    )


def local_to_utc(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time in the fair's zone as a UTC instant. A time that does not exist (in the
    spring-forward gap) is read with the offset before the change, i.e. shifted forward by the
    gap; a time that exists twice (fall-back) is its first occurrence."""
    return datetime.combine(day, moment, zone).astimezone(ZoneInfo("UTC"))


def slot_times(
    fair: Fair, day: date, start: time, end: time, minutes: int, breaks: list[tuple[time, time]]
) -> list[tuple[datetime, datetime]]:
    """Slots of ``minutes`` from ``start`` to ``end`` local time, stepped in elapsed time (so a
    day with a clock change has as many slots as hours really pass), skipping breaks."""
    zone = ZoneInfo(fair.time_zone)
    first, last = local_to_utc(day, start, zone), datetime.combine(day, end, zone).replace(fold=1)
    last = last.astimezone(ZoneInfo("UTC"))
    gaps = [(local_to_utc(day, a, zone), local_to_utc(day, b, zone)) for a, b in breaks]
    step = timedelta(minutes=minutes)
    result, cursor = [], first
    while cursor + step <= last:
        if not any(cursor < gap_end and gap_start < cursor + step for gap_start, gap_end in gaps):
            result.append((cursor, cursor + step))
        cursor += step
    return result


def generate_slots(
    table: InterviewTable,
    actor: User,
    *,
    day: date,
    start: time,
    end: time,
    minutes: int,
    breaks: list[tuple[time, time]],
    posting: Posting | None,
    video_link: str | None,
) -> int:
    fair = db.session.get(Fair, table.fair_id)
    if fair is None or fair.status == FairStatus.CANCELLED:
        raise Conflict(_("This fair is cancelled."))
    if not fair.starts_on <= day <= fair.ends_on:
        raise DomainError(_("Choose a day of the fair."), field="day")
    if not 5 <= minutes <= 240:
        raise DomainError(_("A slot lasts between 5 and 240 minutes."), field="minutes")
    if end <= start:
        raise DomainError(_("The end must be after the start."), field="end")
    if start < fair.opens_at or end > fair.closes_at:
        raise DomainError(
            _(
                "The fair is open from %(opens)s to %(closes)s.",
                opens=fair.opens_at.strftime("%H:%M"),
                closes=fair.closes_at.strftime("%H:%M"),
            ),
            field="start",
        )
    for break_start, break_end in breaks:
        if break_end <= break_start:
            raise DomainError(_("Each break must end after it starts."), field="breaks")
    if posting is not None and posting.org_id != table.org_id:
        raise NotFound(_("There is no such posting."))
    if video_link and not fair.remote_option:
        raise DomainError(_("This fair has no remote option."), field="video_link")
    existing = list(db.session.execute(select(Slot.starts_at, Slot.ends_at).where(Slot.table_id == table.id)).tuples())
    created = 0
    for starts_at, ends_at in slot_times(fair, day, start, end, minutes, breaks):
        if any(starts_at < other_end and other_start < ends_at for other_start, other_end in existing):
            continue  # slots already there are never replaced
        db.session.add(
            Slot(
                table_id=table.id,
                fair_id=fair.id,
                org_id=table.org_id,
                starts_at=starts_at,
                ends_at=ends_at,
                posting_id=posting.id if posting else None,
                video_link=video_link or None,
            )
        )
        existing.append((starts_at, ends_at))
        created += 1
    audit.record(
        "fair.slots_generated",
        actor_id=actor.id,
        subject_type="interview_table",
        subject_id=table.id,
        org_id=table.org_id,
        count=created,
    )
    return created


def set_slot_blocked(slot: Slot, actor: User, blocked: bool) -> None:
    slot = lock_slot(slot.id)
    if blocked and confirmed_booking(slot) is not None:
        raise Conflict(_("This slot is booked: cancel the booking (with a message to the doctor) first."))
    slot.status = SlotStatus.BLOCKED if blocked else SlotStatus.OPEN


def delete_slot(slot: Slot, actor: User) -> None:
    slot = lock_slot(slot.id)
    if db.session.scalar(select(Booking.id).where(Booking.slot_id == slot.id).limit(1)):
        raise Conflict(_("This slot has bookings (past or present); block it instead of deleting it."))
    db.session.delete(slot)
