"""Calendar files for interview bookings (RFC 5545/5546, built with ``icalendar``).

One UID per booking, kept through reschedules and the cancellation; SEQUENCE rises with each
change; a cancellation is METHOD:CANCEL with STATUS:CANCELLED. Times carry the fair's zone
(TZID) with its VTIMEZONE. The method also goes into the MIME type of the attachment, where
calendar clients look for it.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from jobboard.core.db import utcnow
from jobboard.fairs.models import Booking, BookingStatus
from jobboard.i18n import countries
from jobboard.mail.compose import Attachment

PRODID = "-//IMAP Job Board//MedEx interviews//EN"


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "jobboard"


def booking_uid(booking: Booking) -> str:
    return f"booking-{booking.uid}@{_host()}"


def _event(booking: Booking, *, cancelled: bool) -> Event:
    fair, slot = booking.fair, booking.slot
    zone = ZoneInfo(fair.time_zone)
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", utcnow())
    event.add("sequence", booking.sequence)
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("summary", _("Interview with %(employer)s – %(fair)s", employer=booking.org.name, fair=fair.name))
    # The full address a map or a taxi needs, then the table.
    address = ", ".join(
        part for part in (fair.venue, fair.address, fair.city, dict(countries()).get(fair.country)) if part
    )
    location = f"{address} – {slot.table.label}"
    event.add("location", vText(location))
    if slot.table.interviewers:
        description = _(
            "Interview at %(table)s with %(interviewers)s", table=slot.table.label, interviewers=slot.table.interviewers
        )
    else:
        description = _("Interview at %(table)s", table=slot.table.label)
    if slot.video_link:
        description += "\n" + _("Video call for remote participation: %(link)s", link=slot.video_link)
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{current_app.config['MAIL_DEFAULT_SENDER'].rsplit('<', 1)[-1].rstrip('>')}")
    organizer.params["cn"] = vText(booking.org.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.doctor.email}")
    attendee.params["cn"] = vText(booking.doctor.full_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    return event


def _calendar(method: str, events: list[Event], bookings: list[Booking]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for event in events:
        calendar.add_component(event)
    # The zone's rules around the interviews only (the default spans 1970-2038: kilobytes of
    # transitions no client needs).
    dates = [b.starts_at.date() for b in bookings] or [utcnow().date()]
    calendar.add_missing_timezones(
        first_date=min(dates) - timedelta(days=366), last_date=max(dates) + timedelta(days=366)
    )
    return calendar.to_ical()


def invitation(booking: Booking) -> Attachment:
    """REQUEST for a new or moved booking; CANCEL once it is cancelled."""
    cancelled = booking.status == BookingStatus.CANCELLED
    method = "CANCEL" if cancelled else "REQUEST"
    return Attachment(
        filename="interview.ics",
        content_type=f"text/calendar; method={method}; charset=utf-8",
        data=_calendar(method, [_event(booking, cancelled=cancelled)], [booking]),
    )


def schedule(bookings: list[Booking]) -> bytes:
    """A doctor's whole schedule to import (PUBLISH), with the same UIDs as the invitations, so
    importing it does not duplicate events already in the calendar."""
    return _calendar("PUBLISH", [_event(booking, cancelled=False) for booking in bookings], bookings)
