"""Booking, moving and cancelling interviews, by doctors and by employers for their applicants
(the lock order and the last word of the constraints are in ``locks``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager

from jobboard.accounts.models import User
from jobboard.applications.models import INTERVIEW_STAGES, Application
from jobboard.applications.profiles import can_apply, profile_of
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, Gone, NotFound, NotPermitted
from jobboard.core.events import Event, emit
from jobboard.core.outbox import together
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.fairs.locks import insert_unless_taken, lock_doctor, lock_fair, lock_fair_of_slot, lock_slot
from jobboard.fairs.models import (
    Attendance,
    Booking,
    BookingInvitation,
    BookingMode,
    BookingStatus,
    Fair,
    FairRegistration,
    FairStatus,
    Slot,
    SlotStatus,
)
from jobboard.fairs.notices import local_times, schedule_reminders, send_booking_mail
from jobboard.fairs.queries import FreeTime
from jobboard.i18n import LazyText, hours_in_words, in_language, when, zone_city
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Organization, OrgStatus


def _check_time(fair: Fair, slot: Slot, now: datetime) -> None:
    if fair.status == FairStatus.CANCELLED:
        raise Gone(_("This fair is cancelled."))
    if fair.status != FairStatus.PUBLISHED:
        raise NotFound(_("There is no such fair."))
    if now < fair.booking_opens_at:
        opens = fair.booking_opens_at.astimezone(ZoneInfo(fair.time_zone))
        raise Conflict(
            _(
                "Booking opens on %(date)s at %(time)s (%(zone)s).",
                date=when(opens, "dd MMMM yyyy"),
                time=when(opens, "HH:mm"),
                zone=zone_city(fair.time_zone),
            )
        )
    if now >= fair.booking_closes_at:
        raise Conflict(_("Booking for this fair has closed."))
    if slot.starts_at <= now:
        raise Conflict(_("This slot has already started."))
    if slot.status == SlotStatus.BLOCKED:
        raise Conflict(_("This slot is not available."))


def overlaps(fair: Fair, starts_at: datetime, ends_at: datetime, booking: Booking) -> bool:
    """Whether a slot at these times clashes with an interview, the walk between tables included."""
    gap = timedelta(minutes=fair.min_gap_minutes)
    return booking.starts_at < ends_at + gap and starts_at < booking.busy_until


def clashing_times(fair: Fair, free: dict[int, list[FreeTime]], bookings: list[Booking]) -> dict[int, Booking]:
    """Slot id → the doctor's interview with another employer that the free time would clash
    with: the grid shows those times as taken, rather than offering them and refusing."""
    return {
        time.slot_id: booking
        for org_id, times in free.items()
        for time in times
        for booking in bookings
        if booking.org_id != org_id and overlaps(fair, time.starts_at, time.ends_at, booking)
    }


def _check_doctor_free(doctor: User, fair: Fair, slot: Slot, ignore: Booking | None) -> None:
    """The slot is free, and the doctor holds no interview that clashes with it (the walk between
    tables included) nor another one with its employer at this fair. The confirmed bookings that
    could stand in the way are read in one statement, then judged in that order."""
    gap = timedelta(minutes=fair.min_gap_minutes)
    in_the_way = list(
        db.session.scalars(
            select(Booking).where(
                Booking.status == BookingStatus.CONFIRMED,
                Booking.id != (ignore.id if ignore else 0),
                or_(
                    Booking.slot_id == slot.id,
                    and_(
                        Booking.doctor_id == doctor.id,
                        or_(
                            and_(Booking.starts_at < slot.ends_at + gap, slot.starts_at < Booking.busy_until),
                            and_(Booking.fair_id == fair.id, Booking.org_id == slot.org_id),
                        ),
                    ),
                ),
            )
        )
    )
    holder = next((b for b in in_the_way if b.slot_id == slot.id), None)
    if holder is not None:
        if holder.doctor_id == doctor.id:
            raise Conflict(_("You have already booked this slot."))
        raise Conflict(_("This slot was just taken. Choose another one."))
    doctors = [b for b in in_the_way if b.doctor_id == doctor.id]
    clash = next((b for b in doctors if overlaps(fair, slot.starts_at, slot.ends_at, b)), None)
    if clash is not None:
        if fair.min_gap_minutes:
            raise Conflict(
                ngettext(
                    "You already have an interview with %(employer)s at that time "
                    "(allow %(num)d minute to walk between tables).",
                    "You already have an interview with %(employer)s at that time "
                    "(allow %(num)d minutes to walk between tables).",
                    fair.min_gap_minutes,
                    employer=clash.org.name,
                )
            )
        raise Conflict(_("You already have an interview with %(employer)s at that time.", employer=clash.org.name))
    same_employer = next((b for b in doctors if b.fair_id == fair.id and b.org_id == slot.org_id), None)
    if same_employer is not None:
        raise Conflict(
            _(
                "You already have an interview with %(employer)s at this fair. Move that one instead.",
                employer=same_employer.org.name,
            )
        )


def interviewing_registration(fair: Fair, org_id: int) -> FairRegistration:
    """The employer's part in the fair, while it interviews there (a suspended one does not)."""
    registration = db.session.scalar(
        select(FairRegistration)
        .join(Organization)
        .options(contains_eager(FairRegistration.org))
        .where(
            FairRegistration.fair_id == fair.id,
            FairRegistration.org_id == org_id,
            Organization.status == OrgStatus.VERIFIED,
        )
    )
    if registration is None:
        raise NotFound(_("There is no such slot."))
    return registration


def open_invitation(doctor: User, fair: Fair, org_id: int) -> BookingInvitation | None:
    """An unused invitation whose application is still one the employer interviews (not since
    withdrawn or rejected)."""
    return db.session.scalar(
        select(BookingInvitation)
        .join(Application, Application.id == BookingInvitation.application_id)
        .where(
            BookingInvitation.doctor_id == doctor.id,
            BookingInvitation.fair_id == fair.id,
            BookingInvitation.org_id == org_id,
            BookingInvitation.used_at.is_(None),
            Application.stage.in_(INTERVIEW_STAGES),
        )
    )


def eligibility_problems(doctor: User, registrations: list[FairRegistration]) -> dict[int, str | None]:
    """Per employer (org id), why this doctor may not book with them at their fair, or None. The
    profile and the invitations are read once for them all."""
    if not doctor.is_doctor:
        return dict.fromkeys((r.org_id for r in registrations), _("Only doctors' accounts book interviews."))
    if not doctor.is_confirmed:
        return dict.fromkeys((r.org_id for r in registrations), _("Confirm your e-mail address first."))
    invited = [r for r in registrations if r.booking_mode == BookingMode.INVITED]
    inviting = _inviting_orgs(doctor, invited) if invited else set()
    profile = profile_of(doctor) if len(invited) < len(registrations) else None

    def problem(registration: FairRegistration) -> str | None:
        if registration.booking_mode == BookingMode.INVITED:
            if registration.org_id not in inviting:
                return _("%(employer)s interviews invited applicants only.", employer=registration.org.name)
            return None
        # The profile must be complete; a CV is not needed to meet an employer at a fair.
        if profile is None or not can_apply(profile, cv_count=1):
            return _("Complete your profile to book interviews.")
        if registration.profession is not None and profile.profession_slug != registration.profession_slug:
            return _(
                "At this fair, %(employer)s interviews only candidates of the profession %(profession)s.",
                employer=registration.org.name,
                profession=registration.profession.local_name,
            )
        return None

    return {registration.org_id: problem(registration) for registration in registrations}


def _inviting_orgs(doctor: User, registrations: list[FairRegistration]) -> set[int]:
    """The employers among these registrations with an open invitation for the doctor (as
    ``open_invitation`` finds one)."""
    pairs = [and_(BookingInvitation.fair_id == r.fair_id, BookingInvitation.org_id == r.org_id) for r in registrations]
    return set(
        db.session.scalars(
            select(BookingInvitation.org_id)
            .join(Application, Application.id == BookingInvitation.application_id)
            .where(
                BookingInvitation.doctor_id == doctor.id,
                BookingInvitation.used_at.is_(None),
                Application.stage.in_(INTERVIEW_STAGES),
                or_(*pairs),
            )
        )
    )


def eligibility_problem(doctor: User, registration: FairRegistration) -> str | None:
    """Why this doctor may not book with this employer at this fair, or None."""
    return eligibility_problems(doctor, [registration])[registration.org_id]


def book(doctor: User, slot_id: int, actor: User, *, application: Application | None = None) -> Booking:
    """Book a slot for ``doctor``. ``actor`` is the doctor, or a recruiter of the slot's
    employer booking for one of its applicants (the same rules bind both)."""
    fair = lock_fair_of_slot(slot_id)
    slot = lock_slot(slot_id)
    lock_doctor(doctor)
    now = utcnow()
    _check_time(fair, slot, now)
    registration = interviewing_registration(fair, slot.org_id)
    invitation = None
    if actor.id == doctor.id:
        problem = eligibility_problem(doctor, registration)
        if problem:
            raise NotPermitted(problem)
        invitation = open_invitation(doctor, fair, slot.org_id)
    elif application is None or application.org_id != slot.org_id or application.doctor_id != doctor.id:
        raise NotPermitted(_("Employers book only for their own applicants."))
    elif application.stage not in INTERVIEW_STAGES:
        raise Conflict(
            _(
                "This application is %(stage)s; book interviews for applicants in screening, interview or offer.",
                stage=application.stage.label.lower(),
            )
        )
    _check_doctor_free(doctor, fair, slot, ignore=None)
    booking = insert_unless_taken(
        {
            "slot_id": slot.id,
            "fair_id": fair.id,
            "org_id": slot.org_id,
            "doctor_id": doctor.id,
            "application_id": application.id if application else (invitation.application_id if invitation else None),
            "starts_at": slot.starts_at,
            "ends_at": slot.ends_at,
            "busy_until": slot.ends_at + timedelta(minutes=fair.min_gap_minutes),
            "booked_by_id": actor.id,
        }
    )
    if booking is None:
        # Refused by a constraint: the booking that won is committed by now, and named as above.
        _check_doctor_free(doctor, fair, slot, ignore=None)
        raise Conflict(_("This slot was just taken. Choose another one."))
    if invitation is not None:
        invitation.used_at = now
    with together():
        send_booking_mail(
            booking,
            "fairs/booked",
            _l("An interview with %(employer)s at %(fair)s is booked", employer=booking.org.name, fair=fair.name),
            booked_by_employer=actor.id != doctor.id,
        )
        schedule_reminders(booking, now)
        _tell_systems(Event.BOOKING_CREATED, booking)
    return booking


def _tell_systems(event: Event, booking: Booking) -> None:
    """The employer's systems hear of the booking (``core.events``): ids and times, no names."""
    emit(
        event,
        booking.org_id,
        {
            "booking_id": booking.id,
            "fair_id": booking.fair_id,
            "slot_id": booking.slot_id,
            "application_id": booking.application_id,
            "starts_at": booking.starts_at.isoformat(),
            "ends_at": booking.ends_at.isoformat(),
        },
    )


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
            _(
                "Interviews can be changed by you until %(period)s before they start. "
                "Contact %(employer)s to change this one.",
                period=hours_in_words(booking.fair.cancel_cutoff_hours),
                employer=booking.org.name,
            )
        )


def _may_manage(booking: Booking, actor: User) -> bool:
    if actor.can_administer or actor.id == booking.doctor_id:
        return True
    return org_queries.acts_for(actor, booking.org_id)


def reschedule(booking: Booking, new_slot_id: int, actor: User) -> Booking:
    """Move the booking to another free slot of the same employer, in place: the same row and
    calendar UID, a higher SEQUENCE. Until the new slot is secured the old one stays booked."""
    if not _may_manage(booking, actor):
        raise NotFound(_("There is no such booking."))
    target = db.session.get(Slot, new_slot_id)
    if target is None or target.org_id != booking.org_id or target.fair_id != booking.fair_id:
        raise NotFound(_("Choose another slot of the same employer at this fair."))
    fair = lock_fair(booking.fair_id)
    slot = lock_slot(new_slot_id)
    interviewing_registration(fair, slot.org_id)
    doctor = booking.doctor
    lock_doctor(doctor)
    seen_sequence = booking.sequence
    db.session.refresh(booking, with_for_update=True)
    if booking.status != BookingStatus.CONFIRMED or booking.sequence != seen_sequence:
        raise Conflict(_("This booking has just changed. Reload the page."))
    now = utcnow()
    _check_cutoff(booking, actor, now, cancelling=False)
    _check_time(fair, slot, now)
    if slot.id == booking.slot_id:
        raise Conflict(_("The booking is already in this slot."))
    _check_doctor_free(doctor, fair, slot, ignore=booking)
    booking.slot_id, booking.starts_at, booking.ends_at = slot.id, slot.starts_at, slot.ends_at
    booking.busy_until = slot.ends_at + timedelta(minutes=fair.min_gap_minutes)
    booking.sequence += 1
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("This slot was just taken. Your interview stays where it was.")) from None
    db.session.refresh(booking, ["slot"])
    with together():
        send_booking_mail(
            booking,
            "fairs/moved",
            _l("An interview with %(employer)s at %(fair)s has moved", employer=booking.org.name, fair=fair.name),
        )
        schedule_reminders(booking, now)
        _tell_systems(Event.BOOKING_MOVED, booking)
    return booking


def call_off(booking: Booking, actor: User, message: str | None) -> None:
    """Cancel and tell the doctor, past every rule: for cancellations the programme decided (a
    cancelled fair, a suspended employer). The caller holds the locks it needs."""
    booking.status = BookingStatus.CANCELLED
    booking.sequence += 1
    booking.cancelled_by_id = actor.id
    booking.cancel_message = message
    send_booking_mail(
        booking,
        "fairs/cancelled",
        _l(
            "An interview with %(employer)s at %(fair)s is cancelled", employer=booking.org.name, fair=booking.fair.name
        ),
        message=message,
        by_doctor=actor.id == booking.doctor_id,
    )
    _tell_systems(Event.BOOKING_CANCELLED, booking)


def cancel(booking: Booking, actor: User, message: str | None = None) -> None:
    if not _may_manage(booking, actor):
        raise NotFound(_("There is no such booking."))
    lock_fair(booking.fair_id)
    # Locked, so a concurrent cancel or move of this booking waits and then sees what it did.
    db.session.refresh(booking, with_for_update=True)
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(_("This booking is already cancelled."))
    _check_cutoff(booking, actor, utcnow(), cancelling=True)
    if actor.id != booking.doctor_id and not (message or "").strip():
        raise DomainError(_("Write a message to the doctor explaining the cancellation."), field="message")
    call_off(booking, actor, (message or "").strip() or None)


def cancel_for_suspension(admin: User, org: Organization) -> int:
    """A suspended employer holds no interviews: its upcoming bookings are cancelled and each
    doctor is told (not why: the reason is between the programme and the employer). Returns how
    many were cancelled. Lifting the suspension reopens the tables, not these bookings."""
    bookings = list(
        db.session.scalars(
            select(Booking)
            .where(Booking.org_id == org.id, Booking.status == BookingStatus.CONFIRMED, Booking.starts_at > utcnow())
            .order_by(Booking.starts_at)
            .with_for_update()
        )
    )
    for booking in bookings:
        with in_language(booking.doctor.language):  # the message goes to the doctor
            message = _(
                "%(employer)s no longer holds interviews at %(fair)s.", employer=org.name, fair=booking.fair.name
            )
        call_off(booking, admin, message)
    return len(bookings)


def cancel_for_deleted_account(doctor: User) -> None:
    """The doctor is deleting their account: every interview still to come is off. The
    employer's recruiters are told, without the doctor's name (it is being erased); the doctor
    is not mailed. The caller deletes the bookings, which frees their slots."""
    lock_doctor(doctor)
    upcoming = db.session.scalars(
        select(Booking)
        .where(Booking.doctor_id == doctor.id, Booking.status == BookingStatus.CONFIRMED, Booking.starts_at > utcnow())
        .order_by(Booking.starts_at)
        .with_for_update()
    )
    for booking in upcoming:
        _tell_systems(Event.BOOKING_CANCELLED, booking)
        local = local_times(booking.starts_at, booking.fair, None, with_israel=True)
        agenda_url = external_url(
            "fairs.org_agenda", org_slug=booking.org.slug, fair_id=booking.fair_id, day=local.fair.date().isoformat()
        )
        for user in org_queries.staff(booking.org_id):
            queue_mail(
                user.email,
                _l(
                    "The interview at %(fair)s on %(time)s is cancelled",
                    fair=booking.fair.name,
                    time=LazyText(when, local.fair, "d MMMM HH:mm"),
                ),
                "fairs/cancelled_account_deleted",
                language=user.language,
                fair=booking.fair,
                org=booking.org,
                slot=booking.slot,
                local=local,
                agenda_url=agenda_url,
            )


def mark_attendance(booking: Booking, actor: User, attendance: Attendance) -> None:
    if booking.status != BookingStatus.CONFIRMED:
        raise Conflict(_("A cancelled booking cannot be marked."))
    if booking.starts_at > utcnow():
        raise Conflict(_("Attendance can be marked once the interview has started."))
    booking.attendance = attendance
