"""The fairs' forms. Each turns what was posted into what its service takes (``to_fields()``,
typed values such as ``booking_mode()``), and an edit page fills one from the service's fields
(``of(...)``); the choices a form offers are set by the form from what it is given."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from jobboard.applications.models import Application
from jobboard.core.forms import IntegerField, TimeZoneField, filled, text_field, textarea_field, url_field
from jobboard.fairs.models import Attendance, Booking, BookingMode, Fair, FairRegistration, Slot, SlotStatus
from jobboard.fairs.organising import FairFields
from jobboard.i18n import countries, when
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.models import Posting
from jobboard.vocab.queries import profession_choices


class FairForm(FlaskForm):
    name = text_field(_l("Name"), max_length=160, render_kw={"placeholder": _l("MedEx London")})
    city = text_field(_l("City"), max_length=120)
    country = SelectField(_l("Country"), choices=countries, validators=[InputRequired()])
    venue = text_field(_l("Venue"), max_length=200)
    address = text_field(_l("Address"), max_length=300, required=False)
    time_zone = TimeZoneField(
        _l("Time zone"),
        validators=[InputRequired()],
        description=_l("The venue's: every time of the fair is in it. Type the city or the country to find it."),
    )
    starts_on = DateField(_l("First day"), validators=[InputRequired()])
    ends_on = DateField(_l("Last day"), validators=[InputRequired()])
    opens_at = TimeField(_l("Opens (local time)"), validators=[InputRequired()])
    closes_at = TimeField(_l("Closes (local time)"), validators=[InputRequired()])
    booking_opens_at = DateTimeLocalField(
        _l("Booking opens (the fair's local time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    booking_closes_at = DateTimeLocalField(
        _l("Booking closes (the fair's local time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
    remote_option = BooleanField(_l("Remote option: slots may carry a video-call link"))
    min_gap_minutes = IntegerField(
        _l("Minutes to walk between two employers' tables"), default=5, validators=[InputRequired(), NumberRange(0, 60)]
    )
    cancel_cutoff_hours = IntegerField(
        _l("Doctors may cancel or move until (hours before)"),
        default=24,
        validators=[InputRequired(), NumberRange(0, 336)],
    )

    @classmethod
    def of(cls, fields: FairFields) -> FairForm:
        """The booking window is shown in the fair's own time, as it is entered."""
        zone = ZoneInfo(fields.time_zone)
        data = asdict(fields)
        for name in ("booking_opens_at", "booking_closes_at"):
            data[name] = data[name].astimezone(zone).replace(tzinfo=None)
        return cls(data=data)

    def to_fields(self) -> FairFields:
        zone = ZoneInfo(filled(self.time_zone.data))
        return FairFields(
            name=filled(self.name.data),
            city=filled(self.city.data),
            country=self.country.data,
            venue=filled(self.venue.data),
            address=self.address.data or "",
            time_zone=filled(self.time_zone.data),
            starts_on=filled(self.starts_on.data),
            ends_on=filled(self.ends_on.data),
            opens_at=filled(self.opens_at.data),
            closes_at=filled(self.closes_at.data),
            booking_opens_at=filled(self.booking_opens_at.data).replace(tzinfo=zone),
            booking_closes_at=filled(self.booking_closes_at.data).replace(tzinfo=zone),
            remote_option=self.remote_option.data,
            min_gap_minutes=filled(self.min_gap_minutes.data),
            cancel_cutoff_hours=filled(self.cancel_cutoff_hours.data),
        )


class ReasonForm(FlaskForm):
    reason = textarea_field(_l("Reason (everyone booked reads it)"), max_length=2000, required=True)


class _WhoMayBook(FlaskForm):
    mode = SelectField(_l("Who can book"), validators=[InputRequired()])
    profession_slug = SelectField(_l("Profession interviewed (open booking)"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode.choices = [(m.value, m.label) for m in BookingMode]
        self.profession_slug.choices = [("", _("Any profession")), *profession_choices()]

    def booking_mode(self) -> BookingMode:
        return BookingMode(self.mode.data)


class RegistrationForm(_WhoMayBook):
    tables = textarea_field(
        _l("Interview tables"),
        max_length=4000,
        required=True,
        description=_l(
            "One per line: a label, then optionally “|” and the interviewers' names. "
            "E.g. “Table 1 | Dr. Levi, Ms. Cohen”."
        ),
    )

    def table_rows(self) -> list[tuple[str, str]]:
        rows = []
        for line in (self.tables.data or "").splitlines():
            label, _bar, interviewers = line.partition("|")
            if label.strip():
                rows.append((label.strip()[:60], interviewers.strip()[:300]))
        return rows


class SettingsForm(_WhoMayBook):
    @classmethod
    def of(cls, registration: FairRegistration) -> SettingsForm:
        return cls(
            formdata=None,
            data={"mode": registration.booking_mode.value, "profession_slug": registration.profession_slug or ""},
        )


def _break(part: str) -> tuple[time, time]:
    start, end = (datetime.strptime(value.strip(), "%H:%M").time() for value in part.split("-"))
    return start, end


class SlotsForm(FlaskForm):
    table_id = SelectField(_l("Table"), coerce=int, validators=[InputRequired()])
    day = SelectField(_l("Day"), validators=[InputRequired()])
    start = TimeField(_l("From"), validators=[InputRequired()])
    end = TimeField(_l("Until"), validators=[InputRequired()])
    minutes = IntegerField(_l("Minutes per interview"), default=20, validators=[InputRequired(), NumberRange(5, 240)])
    breaks = text_field(
        _l("Breaks"),
        max_length=200,
        required=False,
        description=_l("E.g. 12:30-13:15, 15:00-15:15"),
        render_kw={"placeholder": "12:30-13:15"},
    )
    posting_id = SelectField(
        _l("For the posting (optional)"), coerce=lambda v: int(v) if v else None, validators=[Optional()]
    )
    video_link = url_field(_l("Video-call link for remote interviews (optional)"))

    @classmethod
    def for_registration(
        cls, fair: Fair, registration: FairRegistration, postings: Iterable[Posting], **kwargs: Any
    ) -> SlotsForm:
        form = cls(**kwargs)
        form.table_id.choices = [(t.id, t.label) for t in registration.tables]
        form.day.choices = [(d.isoformat(), when(d, "EEEE dd MMMM yyyy")) for d in fair.days]
        form.posting_id.choices = [("", "—"), *((str(p.id), p.title) for p in postings)]
        return form

    def _parts(self) -> list[str]:
        return [p.strip() for p in (self.breaks.data or "").replace(";", ",").split(",") if p.strip()]

    def validate_breaks(self, _field: Any) -> None:
        for part in self._parts():
            try:
                _break(part)
            except ValueError:
                raise ValidationError(
                    _("Write breaks as 12:30-13:15; “%(part)s” is not understood.", part=part)
                ) from None

    def break_times(self) -> list[tuple[time, time]]:
        return [_break(part) for part in self._parts()]


class MessageForm(FlaskForm):
    message = textarea_field(_l("Message to the doctor"), max_length=2000, required=True)


class AttendanceForm(FlaskForm):
    attendance = SelectField(
        _l("Attendance"),
        choices=[(Attendance.ATTENDED.value, _l("Attended")), (Attendance.NO_SHOW.value, _l("No-show"))],
        validators=[InputRequired()],
    )


class BookForApplicantForm(FlaskForm):
    application_id = SelectField(_l("Applicant"), coerce=int, validators=[InputRequired()])
    slot_id = SelectField(_l("Slot"), coerce=int, validators=[InputRequired()])

    @classmethod
    def offering(
        cls,
        applications: Iterable[Application],
        slots: Iterable[tuple[Slot, Booking | None]],
        zone: ZoneInfo,
        now: datetime,
    ) -> BookForApplicantForm:
        """The applicants to book for, and the free open slots still to come."""
        form = cls(formdata=None)
        form.application_id.choices = [
            (a.id, f"{a.doctor.full_name} – {a.posting.title}") for a in applications if a.doctor is not None
        ]
        form.slot_id.choices = [
            (s.id, f"{when(s.starts_at.astimezone(zone), 'EEE dd MMM HH:mm')} – {s.table.label}")
            for s, booking in slots
            if booking is None and s.status == SlotStatus.OPEN and s.starts_at > now
        ]
        return form
