"""What a booking tells the doctor: mails with calendar files, reminders, and times in the zones
that matter to each reader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import LazyString

from jobboard.accounts.models import User
from jobboard.core.outbox import OutboxMessage, enqueue
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.fairs import ics
from jobboard.fairs.models import (
    Booking,
    BookingStatus,
    Fair,
)
from jobboard.i18n import in_language
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail

REMINDER = "fairs.reminder"


REMINDERS = {"24h": timedelta(hours=24), "2h": timedelta(hours=2)}


ISRAEL = ZoneInfo("Asia/Jerusalem")


def send_booking_mail(booking: Booking, template: str, subject: LazyString, **context: Any) -> None:
    """The doctor's mail about their booking, with the calendar file, in the doctor's language."""
    language = booking.doctor.language
    with in_language(language):
        calendar_file = ics.invitation(booking)
    queue_mail(
        booking.doctor.email,
        subject,
        template,
        language=language,
        booking=booking,
        fair=booking.fair,
        slot=booking.slot,
        local=local_times(booking.starts_at, booking.fair, booking.doctor),
        schedule_url=external_url("fairs.my_schedule"),
        attachments=(calendar_file,),
        **context,
    )


def schedule_reminders(booking: Booking, now: datetime) -> None:
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
        booking.doctor.email,
        _l("Your interview with %(employer)s is tomorrow", employer=booking.org.name)
        if kind == "24h"
        else _l("Your interview with %(employer)s starts in two hours", employer=booking.org.name),
        "fairs/reminder",
        language=booking.doctor.language,
        booking=booking,
        fair=booking.fair,
        slot=booking.slot,
        kind=kind,
        local=local_times(booking.starts_at, booking.fair, booking.doctor),
        schedule_url=external_url("fairs.my_schedule"),
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
