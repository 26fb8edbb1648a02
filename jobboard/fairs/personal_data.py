"""A doctor's interviews at fairs and their invitations to book, as personal data.

- The export gives each booking as the doctor was told of it: the fair, the employer, the
  table, the times in UTC and in the fair's zone, the status, whether the doctor or the
  employer booked and cancelled it (never which staff member), the message sent with a
  cancellation, and the calendar UID their calendar knows it by. The attendance an employer
  marks is its own record, like an application's rating, and is not exported.
- On deletion the bookings go with the doctor, past ones too: the employer's agenda names the
  doctor of each booking, so a booking without one has no place in it. Interviews still to
  come are first announced as cancelled to the employer (``interviews.cancel_for_deleted_account``);
  deleting them frees their slots. Reminders waiting in the outbox for them go too, and the
  invitations to book.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from jobboard.accounts.models import User
from jobboard.applications.models import Application
from jobboard.core.outbox import OutboxMessage
from jobboard.core.personal_data import Exported, iso, register_attribution, register_section
from jobboard.extensions import db
from jobboard.fairs import interviews, notices
from jobboard.fairs.models import Booking, BookingInvitation, BookingStatus, Fair, Slot
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.models import Posting
from jobboard.orgs.models import Organization


def _by(actor_id: int | None, doctor: User) -> str:
    return "you" if actor_id == doctor.id else "employer"


def _booking_data(booking: Booking, doctor: User) -> dict[str, object]:
    zone = ZoneInfo(booking.fair.time_zone)
    cancelled = booking.status == BookingStatus.CANCELLED
    return {
        "fair": {
            "name": booking.fair.name,
            "city": booking.fair.city,
            "venue": booking.fair.venue,
            "time_zone": booking.fair.time_zone,
        },
        "employer": booking.org.name,
        "table": booking.slot.table.label,
        "posting": booking.slot.posting.title if booking.slot.posting else None,
        "starts_at_utc": iso(booking.starts_at),
        "ends_at_utc": iso(booking.ends_at),
        "starts_at_local": iso(booking.starts_at.astimezone(zone)),
        "ends_at_local": iso(booking.ends_at.astimezone(zone)),
        "video_link": booking.slot.video_link,
        "status": booking.status.value,
        "booked_at": iso(booking.created_at),
        "booked_by": _by(booking.booked_by_id, doctor),
        "cancelled_by": _by(booking.cancelled_by_id, doctor) if cancelled else None,
        "cancel_message": booking.cancel_message,
        "calendar_uid": booking.uid,
    }


def _export(user: User) -> Exported:
    bookings = db.session.scalars(
        select(Booking)
        .options(
            joinedload(Booking.fair),
            joinedload(Booking.org),
            joinedload(Booking.slot).joinedload(Slot.table),
            joinedload(Booking.slot).joinedload(Slot.posting),
        )
        .where(Booking.doctor_id == user.id)
        .order_by(Booking.starts_at)
    ).unique()
    invitations = db.session.execute(
        select(Fair.name, Organization.name, Posting.title, BookingInvitation.created_at, BookingInvitation.used_at)
        .join(Fair, Fair.id == BookingInvitation.fair_id)
        .join(Organization, Organization.id == BookingInvitation.org_id)
        .join(Application, Application.id == BookingInvitation.application_id)
        .join(Posting, Posting.id == Application.posting_id)
        .where(BookingInvitation.doctor_id == user.id)
        .order_by(BookingInvitation.id)
    ).tuples()
    return Exported(
        {
            "bookings": [_booking_data(b, user) for b in bookings],
            "invitations": [
                {
                    "fair": fair,
                    "employer": employer,
                    "posting": posting,
                    "invited_at": iso(invited_at),
                    "used_at": iso(used_at),
                }
                for fair, employer, posting, invited_at, used_at in invitations
            ],
        }
    )


def _erase(user: User) -> None:
    interviews.cancel_for_deleted_account(user)
    booking_ids = set(db.session.scalars(select(Booking.id).where(Booking.doctor_id == user.id)))
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == notices.REMINDER)):
        if message.payload.get("booking_id") in booking_ids:
            db.session.delete(message)
    db.session.execute(delete(Booking).where(Booking.doctor_id == user.id))
    db.session.execute(delete(BookingInvitation).where(BookingInvitation.doctor_id == user.id))


def register(app: Flask) -> None:
    register_section(
        app,
        "fairs",
        _l(
            "Your interviews at fairs: the employer, the times (in UTC and in the fair's time zone), "
            "the status, who booked or cancelled them, and the calendar identifier; and your "
            "invitations to book."
        ),
        covers=(Booking.doctor_id, BookingInvitation.doctor_id),
        export=_export,
        erase=_erase,
    )
    register_attribution(
        app, "the staff member who booked for the doctor (the doctor's own bookings go with them)", Booking.booked_by_id
    )
    register_attribution(
        app, "the staff member who cancelled (the doctor's own bookings go with them)", Booking.cancelled_by_id
    )
    register_attribution(app, "the recruiter who sent the invitation", BookingInvitation.invited_by_id)
