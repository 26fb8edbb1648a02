"""Fairs as administrators run them: create, change, publish and cancel."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.errors import Conflict, DomainError
from jobboard.core.slugs import unique_slug
from jobboard.extensions import db
from jobboard.fairs.interviews import call_off
from jobboard.fairs.locks import lock_fair
from jobboard.fairs.models import (
    Booking,
    BookingStatus,
    Fair,
    FairRegistration,
    FairStatus,
)
from jobboard.i18n import in_language
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail
from jobboard.orgs import queries as org_queries

TIME_ZONES = frozenset(available_timezones())


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
        raise DomainError(_("Choose a time zone from the list (e.g. Europe/London)."), field="time_zone")
    if fields.ends_on < fields.starts_on:
        raise DomainError(_("The last day cannot be before the first."), field="ends_on")
    if (fields.ends_on - fields.starts_on).days > 6:
        raise DomainError(_("A fair lasts at most a week."), field="ends_on")
    if fields.closes_at <= fields.opens_at:
        raise DomainError(_("The fair must close after it opens."), field="closes_at")
    if fields.booking_closes_at <= fields.booking_opens_at:
        raise DomainError(_("Booking must close after it opens."), field="booking_closes_at")
    last_local = datetime.combine(fields.ends_on, fields.closes_at, ZoneInfo(fields.time_zone))
    if fields.booking_closes_at > last_local:
        raise DomainError(_("Booking must close before the fair ends."), field="booking_closes_at")
    if not 0 <= fields.min_gap_minutes <= 60:
        raise DomainError(_("The gap between interviews is between 0 and 60 minutes."), field="min_gap_minutes")
    if not 0 <= fields.cancel_cutoff_hours <= 14 * 24:
        raise DomainError(_("The cancellation cutoff is between 0 and 336 hours."), field="cancel_cutoff_hours")


def save_fair(admin: User, fields: FairFields, fair: Fair | None = None) -> Fair:
    _validate_fair(fields)
    created = fair is None
    if fair is None:
        fair = Fair(slug=unique_slug(Fair.slug, f"{fields.name} {fields.starts_on.year}", fallback="medex"))
    elif fair.status == FairStatus.CANCELLED:
        raise Conflict(_("A cancelled fair cannot be changed."))
    for name, value in fields.__dict__.items():
        setattr(fair, name, value)
    db.session.add(fair)
    db.session.flush()
    audit.record(
        "fair.created" if created else "fair.updated", actor_id=admin.id, subject_type="fair", subject_id=fair.id
    )
    return fair


def publish_fair(admin: User, fair: Fair) -> None:
    if fair.status != FairStatus.DRAFT:
        raise Conflict(_("This fair is %(status)s; only a draft can be published.", status=fair.status.label))
    fair.status = FairStatus.PUBLISHED
    audit.record("fair.published", actor_id=admin.id, subject_type="fair", subject_id=fair.id)


def cancel_fair(admin: User, fair: Fair, reason: str) -> int:
    """Cancel the fair and every booking at it; doctors get the calendar cancellation, every
    registered employer's staff an e-mail. Returns how many bookings were cancelled."""
    if not reason.strip():
        raise DomainError(_("Give the reason; everyone booked will read it."), field="reason")
    fair = lock_fair(fair.id, exclusive=True)
    if fair.status == FairStatus.CANCELLED:
        raise Conflict(_("This fair is already cancelled."))
    fair.status = FairStatus.CANCELLED
    fair.cancel_reason = reason.strip()
    bookings = list(
        db.session.scalars(select(Booking).where(Booking.fair_id == fair.id, Booking.status == BookingStatus.CONFIRMED))
    )
    for booking in bookings:
        with in_language(booking.doctor.language):  # the message goes to the doctor
            message = _("The fair is cancelled: %(reason)s", reason=fair.cancel_reason)
        call_off(booking, admin, message)
    registrations = db.session.scalars(select(FairRegistration).where(FairRegistration.fair_id == fair.id))
    for registration in registrations:
        for user in org_queries.staff(registration.org_id):
            queue_mail(
                user.email,
                _l("%(fair)s is cancelled", fair=fair.name),
                "fairs/fair_cancelled_staff",
                language=user.language,
                fair=fair,
                org=registration.org,
            )
    audit.record(
        "fair.cancelled",
        actor_id=admin.id,
        subject_type="fair",
        subject_id=fair.id,
        reason=reason,
        bookings_cancelled=len(bookings),
    )
    return len(bookings)
