"""Fairs, employers' tables and slots, and the booking rules.

Booking, moving and cancelling follow one pattern: lock what the decision depends on (the fair,
then the slot, then the doctor's own row, always in that order, on PostgreSQL; the whole
transaction holds the write lock on SQLite), re-check every rule on the locked state, write,
and let the database constraints have the last word (a violation becomes a 409 with a clear
message). Mail, calendar files and reminders go through the outbox in the same transaction, so
a booking that loses a race sends nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jobboard.accounts.models import User
from jobboard.applications.models import INTERVIEW_STAGES, Application
from jobboard.applications.profiles import completeness, profile_of
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, Gone, NotFound, NotPermitted
from jobboard.core.outbox import OutboxMessage, enqueue
from jobboard.core.slugs import unique_slug
from jobboard.core.tokens import Purpose, make_token, read_token
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.fairs import ics
from jobboard.fairs.models import (
    Attendance,
    Booking,
    BookingInvitation,
    BookingMode,
    BookingStatus,
    Fair,
    FairRegistration,
    FairStatus,
    InterviewTable,
    Slot,
    SlotStatus,
)
from jobboard.jobs.models import Posting
from jobboard.mail import queue_mail
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Organization, OrgStatus

REMINDER = "fairs.reminder"
REMINDERS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}
BOOKING_INVITATION = Purpose("fair-booking-invitation", 60 * 24 * 3600)
ISRAEL = ZoneInfo("Asia/Jerusalem")
TIME_ZONES = frozenset(available_timezones())


# --- fairs (administrators) ----------------------------------------------------------------


@dataclass
class FairFields:
    name: str
    city: str
    country: str
    venue: str
    address: str
    time_zone: str
    starts_on: date
    ends_on: date
    opens_at: time
    closes_at: time
    booking_opens_at: datetime
    booking_closes_at: datetime
    remote_option: bool = False
    min_gap_minutes: int = 5
    cancel_cutoff_hours: int = 24

    @classmethod
    def of(cls, fair: Fair) -> FairFields:
        return cls(**{f.name: getattr(fair, f.name) for f in fields(cls)})


def _validate_fair(fields: FairFields) -> None:
    if fields.time_zone not in TIME_ZONES:
        raise DomainError("Choose a time zone from the list (e.g. Europe/London).", field="time_zone")
    if fields.ends_on < fields.starts_on:
        raise DomainError("The last day cannot be before the first.", field="ends_on")
    if (fields.ends_on - fields.starts_on).days > 6:
        raise DomainError("A fair lasts at most a week.", field="ends_on")
    if fields.closes_at <= fields.opens_at:
        raise DomainError("The fair must close after it opens.", field="closes_at")
    if fields.booking_closes_at <= fields.booking_opens_at:
        raise DomainError("Booking must close after it opens.", field="booking_closes_at")
    last_local = datetime.combine(fields.ends_on, fields.closes_at, ZoneInfo(fields.time_zone))
    if fields.booking_closes_at > last_local:
        raise DomainError("Booking must close before the fair ends.", field="booking_closes_at")
    if not 0 <= fields.min_gap_minutes <= 60:
        raise DomainError("The gap between interviews is between 0 and 60 minutes.", field="min_gap_minutes")
    if not 0 <= fields.cancel_cutoff_hours <= 14 * 24:
        raise DomainError("The cancellation cutoff is between 0 and 336 hours.", field="cancel_cutoff_hours")


def save_fair(admin: User, fields: FairFields, fair: Fair | None = None) -> Fair:
    _validate_fair(fields)
    created = fair is None
    if fair is None:
        fair = Fair(slug=unique_slug(Fair.slug, f"{fields.name} {fields.starts_on.year}", fallback="medex"))
    elif fair.status == FairStatus.CANCELLED:
        raise Conflict("A cancelled fair cannot be changed.")
    for name, value in fields.__dict__.items():
        setattr(fair, name, value)
    db.session.add(fair)
    db.session.flush()
    audit.record("fair.created" if created else "fair.updated", actor_id=admin.id, subject_type="fair",
                 subject_id=fair.id)
    return fair


def publish_fair(admin: User, fair: Fair) -> None:
    if fair.status != FairStatus.DRAFT:
        raise Conflict(f"This fair is {fair.status.value}; only a draft can be published.")
    fair.status = FairStatus.PUBLISHED
    audit.record("fair.published", actor_id=admin.id, subject_type="fair", subject_id=fair.id)


def cancel_fair(admin: User, fair: Fair, reason: str) -> int:
    """Cancel the fair and every booking at it; doctors get the calendar cancellation, every
    registered employer's staff an e-mail. Returns how many bookings were cancelled."""
    if not reason.strip():
        raise DomainError("Give the reason; everyone booked will read it.", field="reason")
    fair = _lock_fair(fair.id, exclusive=True)
    if fair.status == FairStatus.CANCELLED:
        raise Conflict("This fair is already cancelled.")
    fair.status = FairStatus.CANCELLED
    fair.cancel_reason = reason.strip()
    bookings = list(db.session.scalars(
        select(Booking).where(Booking.fair_id == fair.id, Booking.status == BookingStatus.CONFIRMED)
    ))
    for booking in bookings:
        _cancel(booking, admin, f"The fair is cancelled: {fair.cancel_reason}")
    registrations = db.session.scalars(select(FairRegistration).where(FairRegistration.fair_id == fair.id))
    for registration in registrations:
        for user in org_queries.staff(registration.org_id):
            queue_mail(user.email, f"{fair.name} is cancelled", "fairs/fair_cancelled_staff", fair=fair,
                       org=registration.org)
    audit.record("fair.cancelled", actor_id=admin.id, subject_type="fair", subject_id=fair.id, reason=reason,
                 bookings_cancelled=len(bookings))
    return len(bookings)


# --- employers: registration, tables, slots ------------------------------------------------


def register(org: Organization, actor: User, fair: Fair, *, tables: list[tuple[str, str]], mode: BookingMode,
             profession_slug: str | None) -> FairRegistration:
    if fair.status != FairStatus.PUBLISHED:
        raise Conflict("Employers can register only for a published fair.")
    if not org.is_verified:
        raise NotPermitted("Your organisation must be verified to take part in a fair.")
    if db.session.scalar(select(FairRegistration.id).where(FairRegistration.fair_id == fair.id,
                                                           FairRegistration.org_id == org.id)):
        raise Conflict("Your organisation is already registered for this fair.")
    labels = [label for label, _ in tables]
    if not tables or len(tables) > 30:
        raise DomainError("Give between 1 and 30 interview tables.", field="tables")
    if len(set(label.casefold() for label in labels)) != len(labels):
        raise DomainError("Each table needs its own label.", field="tables")
    registration = FairRegistration(fair_id=fair.id, org_id=org.id, booking_mode=mode, profession_slug=profession_slug)
    db.session.add(registration)
    db.session.flush()
    for label, interviewers in tables:
        db.session.add(InterviewTable(registration_id=registration.id, fair_id=fair.id, org_id=org.id,
                                      label=label, interviewers=interviewers))
    audit.record("fair.registered", actor_id=actor.id, subject_type="fair", subject_id=fair.id, org_id=org.id,
                 tables=len(tables), mode=mode.value)
    db.session.flush()
    return registration


def update_registration(registration: FairRegistration, actor: User, *, mode: BookingMode,
                        profession_slug: str | None) -> None:
    registration.booking_mode = mode
    registration.profession_slug = profession_slug
    audit.record("fair.registration_updated", actor_id=actor.id, subject_type="fair",
                 subject_id=registration.fair_id, org_id=registration.org_id, mode=mode.value)


def local_to_utc(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time in the fair's zone as a UTC instant. A time that does not exist (in the
    spring-forward gap) is read with the offset before the change, i.e. shifted forward by the
    gap; a time that exists twice (fall-back) is its first occurrence."""
    return datetime.combine(day, moment, zone).astimezone(ZoneInfo("UTC"))


def slot_times(fair: Fair, day: date, start: time, end: time, minutes: int,
               breaks: list[tuple[time, time]]) -> list[tuple[datetime, datetime]]:
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


def generate_slots(table: InterviewTable, actor: User, *, day: date, start: time, end: time, minutes: int,
                   breaks: list[tuple[time, time]], posting: Posting | None, video_link: str | None) -> int:
    fair = db.session.get(Fair, table.fair_id)
    if fair is None or fair.status == FairStatus.CANCELLED:
        raise Conflict("This fair is cancelled.")
    if not fair.starts_on <= day <= fair.ends_on:
        raise DomainError("Choose a day of the fair.", field="day")
    if not 5 <= minutes <= 240:
        raise DomainError("A slot lasts between 5 and 240 minutes.", field="minutes")
    if end <= start:
        raise DomainError("The end must be after the start.", field="end")
    if start < fair.opens_at or end > fair.closes_at:
        raise DomainError(f"The fair is open from {fair.opens_at:%H:%M} to {fair.closes_at:%H:%M}.", field="start")
    for break_start, break_end in breaks:
        if break_end <= break_start:
            raise DomainError("Each break must end after it starts.", field="breaks")
    if posting is not None and posting.org_id != table.org_id:
        raise NotFound("There is no such posting.")
    if video_link and not fair.remote_option:
        raise DomainError("This fair has no remote option.", field="video_link")
    existing = list(db.session.execute(select(Slot.starts_at, Slot.ends_at).where(Slot.table_id == table.id)).tuples())
    created = 0
    for starts_at, ends_at in slot_times(fair, day, start, end, minutes, breaks):
        if any(starts_at < other_end and other_start < ends_at for other_start, other_end in existing):
            continue  # slots already there are never replaced
        db.session.add(Slot(table_id=table.id, fair_id=fair.id, org_id=table.org_id, starts_at=starts_at,
                            ends_at=ends_at, posting_id=posting.id if posting else None, video_link=video_link or None))
        existing.append((starts_at, ends_at))
        created += 1
    audit.record("fair.slots_generated", actor_id=actor.id, subject_type="interview_table", subject_id=table.id,
                 org_id=table.org_id, count=created)
    return created


def _confirmed_booking(slot: Slot) -> Booking | None:
    return db.session.scalar(select(Booking).where(Booking.slot_id == slot.id, Booking.status == BookingStatus.CONFIRMED))


def _lock_slot(slot_id: int) -> Slot:
    # populate_existing: the slot may already be in the session, read before the lock was
    # granted; the rules must be checked on the row as it is now (e.g. blocked meanwhile).
    slot = db.session.scalar(select(Slot).where(Slot.id == slot_id).with_for_update()
                             .execution_options(populate_existing=True))
    if slot is None:
        raise NotFound("There is no such slot.")
    return slot


def set_slot_blocked(slot: Slot, actor: User, blocked: bool) -> None:
    slot = _lock_slot(slot.id)
    if blocked and _confirmed_booking(slot) is not None:
        raise Conflict("This slot is booked: cancel the booking (with a message to the doctor) first.")
    slot.status = SlotStatus.BLOCKED if blocked else SlotStatus.OPEN


def delete_slot(slot: Slot, actor: User) -> None:
    slot = _lock_slot(slot.id)
    if db.session.scalar(select(Booking.id).where(Booking.slot_id == slot.id).limit(1)):
        raise Conflict("This slot has bookings (past or present); block it instead of deleting it.")
    db.session.delete(slot)


# --- booking -------------------------------------------------------------------------------


def _lock_fair(fair_id: int, *, exclusive: bool = False) -> Fair:
    query = select(Fair).where(Fair.id == fair_id)
    query = query.with_for_update() if exclusive else query.with_for_update(read=True)
    # As for slots: a fair loaded earlier in the request (e.g. by the view) is re-read under
    # the lock, so a cancellation committed while we waited is seen.
    fair = db.session.scalar(query.execution_options(populate_existing=True))
    if fair is None:
        raise NotFound("There is no such fair.")
    return fair


def _lock_doctor(doctor: User) -> None:
    db.session.scalar(select(User.id).where(User.id == doctor.id).with_for_update())


def _check_time(fair: Fair, slot: Slot, now: datetime) -> None:
    if fair.status == FairStatus.CANCELLED:
        raise Gone("This fair is cancelled.")
    if fair.status != FairStatus.PUBLISHED:
        raise NotFound("There is no such fair.")
    if now < fair.booking_opens_at:
        raise Conflict(f"Booking opens on {fair.booking_opens_at.astimezone(ZoneInfo(fair.time_zone)):%d %B %Y at %H:%M} ({fair.time_zone}).")
    if now >= fair.booking_closes_at:
        raise Conflict("Booking for this fair has closed.")
    if slot.starts_at <= now:
        raise Conflict("This slot has already started.")
    if slot.status == SlotStatus.BLOCKED:
        raise Conflict("This slot is not available.")


def _check_doctor_free(doctor: User, fair: Fair, slot: Slot, ignore: Booking | None) -> None:
    holder = _confirmed_booking(slot)
    if holder is not None and holder is not ignore:
        if holder.doctor_id == doctor.id:
            raise Conflict("You have already booked this slot.")
        raise Conflict("This slot was just taken. Choose another one.")
    gap = timedelta(minutes=fair.min_gap_minutes)
    clash = db.session.scalar(
        select(Booking).where(
            Booking.doctor_id == doctor.id, Booking.status == BookingStatus.CONFIRMED,
            Booking.starts_at < slot.ends_at + gap, slot.starts_at < Booking.busy_until,
            Booking.id != (ignore.id if ignore else 0),
        ).limit(1)
    )
    if clash is not None:
        raise Conflict(
            f"You already have an interview with {clash.org.name} at that time"
            + (f" (allow {fair.min_gap_minutes} minutes to walk between tables)." if fair.min_gap_minutes else ".")
        )
    same_employer = db.session.scalar(
        select(Booking).where(
            Booking.doctor_id == doctor.id, Booking.fair_id == fair.id, Booking.org_id == slot.org_id,
            Booking.status == BookingStatus.CONFIRMED, Booking.id != (ignore.id if ignore else 0),
        )
    )
    if same_employer is not None:
        raise Conflict(
            f"You already have an interview with {same_employer.org.name} at this fair. Move that one instead."
        )


def _registration(fair: Fair, org_id: int) -> FairRegistration:
    """The employer's part in the fair, while it interviews there (a suspended one does not)."""
    registration = db.session.scalar(
        select(FairRegistration).join(Organization).where(
            FairRegistration.fair_id == fair.id, FairRegistration.org_id == org_id, Organization.status == OrgStatus.VERIFIED)
    )
    if registration is None:
        raise NotFound("There is no such slot.")
    return registration


def open_invitation(doctor: User, fair: Fair, org_id: int) -> BookingInvitation | None:
    """An unused invitation whose application is still one the employer interviews (not since
    withdrawn or rejected)."""
    return db.session.scalar(select(BookingInvitation).join(
        Application, Application.id == BookingInvitation.application_id).where(
        BookingInvitation.doctor_id == doctor.id, BookingInvitation.fair_id == fair.id,
        BookingInvitation.org_id == org_id, BookingInvitation.used_at.is_(None),
        Application.stage.in_(INTERVIEW_STAGES),
    ))


def eligibility_problem(doctor: User, registration: FairRegistration) -> str | None:
    """Why this doctor may not book with this employer at this fair, or None."""
    if not doctor.is_doctor:
        return "Only doctors' accounts book interviews."
    if not doctor.is_confirmed:
        return "Confirm your e-mail address first."
    if registration.booking_mode == BookingMode.INVITED:
        if open_invitation(doctor, registration.fair, registration.org_id) is None:
            return f"{registration.org.name} interviews invited applicants only."
        return None
    profile = profile_of(doctor)
    # The profile must be complete; a CV is not needed to meet an employer at a fair.
    if not completeness(profile, cv_count=1).can_apply:
        return "Complete your profile to book interviews."
    if registration.profession_slug and profile.profession_slug != registration.profession_slug:
        return f"{registration.org.name} interviews {registration.profession_slug.replace('-', ' ')}s at this fair."
    return None


def _insert_or_conflict(booking: Booking) -> None:
    """Flush in a savepoint; a constraint violation (a race lost to another transaction)
    becomes a 409 with the rule's message."""
    try:
        with db.session.begin_nested():
            db.session.add(booking)
            db.session.flush()
    except IntegrityError as error:
        detail = str(error.orig)
        if "doctor_no_overlap" in detail or "exclusion" in detail.lower():
            raise Conflict("You already have an interview at that time.") from None
        if "doctor_id" in detail or "doctor_employer" in detail:
            raise Conflict("You already have an interview with this employer at this fair. Move that one instead.") from None
        raise Conflict("This slot was just taken. Choose another one.") from None


def book(doctor: User, slot_id: int, actor: User, *, application: Application | None = None) -> Booking:
    """Book a slot for ``doctor``. ``actor`` is the doctor, or a recruiter of the slot's
    employer booking for one of its applicants (the same rules bind both)."""
    slot_row = db.session.get(Slot, slot_id)
    if slot_row is None:
        raise NotFound("There is no such slot.")
    fair = _lock_fair(slot_row.fair_id)
    slot = _lock_slot(slot_id)
    _lock_doctor(doctor)
    now = utcnow()
    _check_time(fair, slot, now)
    registration = _registration(fair, slot.org_id)
    invitation = None
    if actor.id == doctor.id:
        problem = eligibility_problem(doctor, registration)
        if problem:
            raise NotPermitted(problem)
        invitation = open_invitation(doctor, fair, slot.org_id)
    elif application is None or application.org_id != slot.org_id or application.doctor_id != doctor.id:
        raise NotPermitted("Employers book only for their own applicants.")
    elif application.stage not in INTERVIEW_STAGES:
        raise Conflict(f"This application is {application.stage.label.lower()}; book interviews for applicants "
                       "in screening, interview or offer.")
    _check_doctor_free(doctor, fair, slot, ignore=None)
    booking = Booking(
        slot_id=slot.id, fair_id=fair.id, org_id=slot.org_id, doctor_id=doctor.id,
        application_id=application.id if application else (invitation.application_id if invitation else None),
        starts_at=slot.starts_at, ends_at=slot.ends_at,
        busy_until=slot.ends_at + timedelta(minutes=fair.min_gap_minutes), booked_by_id=actor.id,
    )
    _insert_or_conflict(booking)
    if invitation is not None:
        invitation.used_at = now
    _send(booking, "fairs/booked", f"Interview booked: {booking.org.name} at {fair.name}",
          booked_by_employer=actor.id != doctor.id)
    _schedule_reminders(booking, now)
    return booking


def change_cutoff(booking: Booking) -> datetime:
    """Until when the doctor may move the interview, or cancel one they booked themselves."""
    return booking.starts_at - timedelta(hours=booking.fair.cancel_cutoff_hours)


def doctor_may_move(booking: Booking, now: datetime) -> bool:
    return now <= change_cutoff(booking)


def doctor_may_cancel(booking: Booking, now: datetime) -> bool:
    """The cutoff binds what the doctor booked; an interview the employer booked for them they
    may always call off before it starts (they never agreed to its time)."""
    if booking.booked_by_id != booking.doctor_id:
        return now < booking.starts_at
    return doctor_may_move(booking, now)


def _check_cutoff(booking: Booking, actor: User, now: datetime, *, cancelling: bool) -> None:
    """The cutoff binds the doctor; the employer and administrators may always act."""
    if actor.id != booking.doctor_id:
        return
    allowed = doctor_may_cancel(booking, now) if cancelling else doctor_may_move(booking, now)
    if not allowed:
        raise Conflict(
            f"Interviews can be changed by you until {booking.fair.cancel_cutoff_hours} hours before they start. "
            f"Contact {booking.org.name} to change this one."
        )


def _may_manage(booking: Booking, actor: User) -> bool:
    if actor.can_administer or actor.id == booking.doctor_id:
        return True
    return org_queries.acts_for(actor, booking.org_id)


def reschedule(booking: Booking, new_slot_id: int, actor: User) -> Booking:
    """Move the booking to another free slot of the same employer, in place: the same row and
    calendar UID, a higher SEQUENCE. Until the new slot is secured the old one stays booked."""
    if not _may_manage(booking, actor):
        raise NotFound("There is no such booking.")
    target = db.session.get(Slot, new_slot_id)
    if target is None or target.org_id != booking.org_id or target.fair_id != booking.fair_id:
        raise NotFound("Choose another slot of the same employer at this fair.")
    fair = _lock_fair(booking.fair_id)
    slot = _lock_slot(new_slot_id)
    _registration(fair, slot.org_id)
    doctor = booking.doctor
    _lock_doctor(doctor)
    seen_sequence = booking.sequence
    db.session.refresh(booking, with_for_update=True)
    if booking.status != BookingStatus.CONFIRMED or booking.sequence != seen_sequence:
        raise Conflict("This booking has just changed. Reload the page.")
    now = utcnow()
    _check_cutoff(booking, actor, now, cancelling=False)
    _check_time(fair, slot, now)
    if slot.id == booking.slot_id:
        raise Conflict("The booking is already in this slot.")
    _check_doctor_free(doctor, fair, slot, ignore=booking)
    booking.slot_id, booking.starts_at, booking.ends_at = slot.id, slot.starts_at, slot.ends_at
    booking.busy_until = slot.ends_at + timedelta(minutes=fair.min_gap_minutes)
    booking.sequence += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("This slot was just taken. Your interview stays where it was.") from None
    db.session.refresh(booking, ["slot"])
    _send(booking, "fairs/moved", f"Interview moved: {booking.org.name} at {fair.name}")
    _schedule_reminders(booking, now)
    return booking


def _cancel(booking: Booking, actor: User, message: str | None) -> None:
    booking.status = BookingStatus.CANCELLED
    booking.sequence += 1
    booking.cancelled_by_id = actor.id
    booking.cancel_message = message
    _send(booking, "fairs/cancelled", f"Interview cancelled: {booking.org.name} at {booking.fair.name}",
          message=message, by_doctor=actor.id == booking.doctor_id)


def cancel(booking: Booking, actor: User, message: str | None = None) -> None:
    if not _may_manage(booking, actor):
        raise NotFound("There is no such booking.")
    _lock_fair(booking.fair_id)
    # Locked, so a concurrent cancel or move of this booking waits and then sees what it did.
    db.session.refresh(booking, with_for_update=True)
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict("This booking is already cancelled.")
    _check_cutoff(booking, actor, utcnow(), cancelling=True)
    if actor.id != booking.doctor_id and not (message or "").strip():
        raise DomainError("Write a message to the doctor explaining the cancellation.", field="message")
    _cancel(booking, actor, (message or "").strip() or None)


def cancel_for_suspension(admin: User, org: Organization) -> int:
    """A suspended employer holds no interviews: its upcoming bookings are cancelled and each
    doctor is told (not why: the reason is between the programme and the employer). Returns how
    many were cancelled. Lifting the suspension reopens the tables, not these bookings."""
    bookings = list(db.session.scalars(
        select(Booking).where(Booking.org_id == org.id, Booking.status == BookingStatus.CONFIRMED,
                              Booking.starts_at > utcnow()).order_by(Booking.starts_at).with_for_update()
    ))
    for booking in bookings:
        _cancel(booking, admin, f"{org.name} no longer holds interviews at {booking.fair.name}.")
    return len(bookings)


def cancel_for_deleted_account(doctor: User) -> None:
    """The doctor is deleting their account: every interview still to come is off. The
    employer's recruiters are told, without the doctor's name (it is being erased); the doctor
    is not mailed. The caller deletes the bookings, which frees their slots."""
    _lock_doctor(doctor)
    upcoming = db.session.scalars(
        select(Booking).where(Booking.doctor_id == doctor.id, Booking.status == BookingStatus.CONFIRMED,
                              Booking.starts_at > utcnow())
        .order_by(Booking.starts_at).with_for_update()
    )
    for booking in upcoming:
        local = local_times(booking.starts_at, booking.fair, None, with_israel=True)
        agenda_url = external_url("fairs.org_agenda", org_slug=booking.org.slug, fair_id=booking.fair_id,
                                  day=local.fair.date().isoformat())
        for user in org_queries.staff(booking.org_id):
            queue_mail(user.email, f"Interview cancelled: {booking.fair.name}, {local.fair:%d %B %H:%M}",
                       "fairs/cancelled_account_deleted", fair=booking.fair, org=booking.org, slot=booking.slot,
                       local=local, agenda_url=agenda_url)


def mark_attendance(booking: Booking, actor: User, attendance: Attendance) -> None:
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict("A cancelled booking cannot be marked.")
    if booking.starts_at > utcnow():
        raise Conflict("Attendance can be marked once the interview has started.")
    booking.attendance = attendance


# --- mail, calendar files and reminders ----------------------------------------------------


def _send(booking: Booking, template: str, subject: str, **context: object) -> None:
    queue_mail(
        booking.doctor.email, subject, template, booking=booking, fair=booking.fair, slot=booking.slot,
        local=local_times(booking.starts_at, booking.fair, booking.doctor), schedule_url=external_url("fairs.my_schedule"),
        attachments=(ics.invitation(booking),), **context,
    )


def _schedule_reminders(booking: Booking, now: datetime) -> None:
    """Reminder messages wait in the outbox until their time; each names the booking's
    sequence, so one made stale by a move or a cancellation is dropped when it comes due.
    A reminder whose time has already passed is not sent at all."""
    for kind, before in REMINDERS.items():
        due = booking.starts_at - before
        if due > now:
            enqueue(REMINDER, {"booking_id": booking.id, "kind": kind, "sequence": booking.sequence}, not_before=due)


def send_reminder(message: OutboxMessage) -> None:
    booking = db.session.get(Booking, message.payload["booking_id"])
    if booking is None or booking.status != BookingStatus.CONFIRMED or booking.sequence != message.payload["sequence"]:
        return
    kind = message.payload["kind"]
    queue_mail(
        booking.doctor.email, f"Reminder: interview with {booking.org.name} {'tomorrow' if kind == '24h' else 'in 2 hours'}",
        "fairs/reminder", booking=booking, fair=booking.fair, slot=booking.slot, kind=kind,
        local=local_times(booking.starts_at, booking.fair, booking.doctor), schedule_url=external_url("fairs.my_schedule"),
    )


@dataclass(frozen=True)
class LocalTimes:
    fair: datetime
    viewer: datetime | None  # in the viewer's own zone, when it differs
    israel: datetime | None  # for employers' interviewers joining from Israel


def local_times(instant: datetime, fair: Fair, viewer: User | None, *, with_israel: bool = False) -> LocalTimes:
    fair_zone = ZoneInfo(fair.time_zone)
    own = viewer.time_zone if viewer is not None and viewer.time_zone else None
    return LocalTimes(
        fair=instant.astimezone(fair_zone),
        viewer=instant.astimezone(ZoneInfo(own)) if own and own != fair.time_zone else None,
        israel=instant.astimezone(ISRAEL) if with_israel and fair.time_zone != "Asia/Jerusalem" else None,
    )


# --- invitations from the pipeline ---------------------------------------------------------


def invite(application: Application, actor: User, fair: Fair) -> BookingInvitation:
    if application.stage not in INTERVIEW_STAGES:
        raise Conflict("Invite applicants in screening, interview or offer.")
    if application.doctor_id is None:
        raise Conflict("The doctor has deleted their account.")
    registration = _registration(fair, application.org_id)
    if fair.status != FairStatus.PUBLISHED or utcnow() >= fair.booking_closes_at:
        raise Conflict("Booking for this fair is not open.")
    invitation = db.session.scalar(select(BookingInvitation).where(
        BookingInvitation.application_id == application.id, BookingInvitation.fair_id == fair.id))
    if invitation is None:
        invitation = BookingInvitation(application_id=application.id, fair_id=fair.id, org_id=application.org_id,
                                       doctor_id=application.doctor_id, invited_by_id=actor.id)
        db.session.add(invitation)
    else:
        invitation.used_at = None
    db.session.flush()
    token = make_token(BOOKING_INVITATION, {"i": invitation.id, "d": application.doctor_id})
    queue_mail(
        application.doctor.email, f"Book your interview with {registration.org.name} at {fair.name}",
        "fairs/invitation", fair=fair, org=registration.org, posting=application.posting,
        book_url=external_url("fairs.detail", fair_slug=fair.slug, invitation=token),
    )
    audit.record("fair.invited", actor_id=actor.id, subject_type="application", subject_id=application.id,
                 org_id=application.org_id, fair_id=fair.id)
    return invitation


def invitation_from_token(token: str, doctor: User) -> BookingInvitation:
    payload = read_token(BOOKING_INVITATION, token)
    invitation = db.session.get(BookingInvitation, payload.get("i"))
    if invitation is None or payload.get("d") != doctor.id:
        raise NotPermitted("This invitation is for another account. Sign in with the address it was sent to.")
    return invitation


# --- agenda and export ---------------------------------------------------------------------

_FORMULA = re.compile(r"^[=+\-@\t\r]")


def csv_cell(value: object) -> str:
    """A spreadsheet would run a cell starting with = + - @ as a formula: prefix it."""
    text = "" if value is None else str(value)
    return "'" + text if _FORMULA.match(text) else text
