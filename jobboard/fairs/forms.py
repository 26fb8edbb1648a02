from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, SelectField, TimeField
from wtforms.validators import InputRequired, NumberRange, Optional

from jobboard.applications.forms import COUNTRIES
from jobboard.core.forms import IntegerField, text_field, textarea_field, time_zone_choices, url_field
from jobboard.fairs.models import Attendance, BookingMode

class FairForm(FlaskForm):
    name = text_field("Name", max_length=160, render_kw={"placeholder": "MedEx London"})
    city = text_field("City", max_length=120)
    country = SelectField("Country", choices=COUNTRIES, validators=[InputRequired()])
    venue = text_field("Venue", max_length=200)
    address = text_field("Address", max_length=300, required=False)
    time_zone = SelectField("Time zone", choices=time_zone_choices(), validators=[InputRequired()])
    starts_on = DateField("First day", validators=[InputRequired()])
    ends_on = DateField("Last day", validators=[InputRequired()])
    opens_at = TimeField("Opens (local time)", validators=[InputRequired()])
    closes_at = TimeField("Closes (local time)", validators=[InputRequired()])
    booking_opens_at = DateTimeLocalField("Booking opens (the fair's local time)", format="%Y-%m-%dT%H:%M",
                                          validators=[InputRequired()])
    booking_closes_at = DateTimeLocalField("Booking closes (the fair's local time)", format="%Y-%m-%dT%H:%M",
                                           validators=[InputRequired()])
    remote_option = BooleanField("Remote option: slots may carry a video-call link")
    min_gap_minutes = IntegerField("Minutes to walk between two employers' tables", default=5,
                                   validators=[InputRequired(), NumberRange(0, 60)])
    cancel_cutoff_hours = IntegerField("Doctors may cancel or move until (hours before)", default=24,
                                       validators=[InputRequired(), NumberRange(0, 336)])


class ReasonForm(FlaskForm):
    reason = textarea_field("Reason (everyone booked reads it)", max_length=2000, required=True)


class RegistrationForm(FlaskForm):
    tables = textarea_field(
        "Interview tables", max_length=4000, required=True,
        description="One per line: a label, then optionally “|” and the interviewers' names. E.g. “Table 1 | Dr. Levi, Ms. Cohen”.",
    )
    mode = SelectField("Who can book", choices=[(m.value, m.label) for m in BookingMode], validators=[InputRequired()])
    profession_slug = SelectField("Profession interviewed (open booking)", validators=[Optional()])

    def table_rows(self) -> list[tuple[str, str]]:
        rows = []
        for line in (self.tables.data or "").splitlines():
            label, _, interviewers = line.partition("|")
            if label.strip():
                rows.append((label.strip()[:60], interviewers.strip()[:300]))
        return rows


class SettingsForm(FlaskForm):
    mode = RegistrationForm.mode
    profession_slug = RegistrationForm.profession_slug


class SlotsForm(FlaskForm):
    table_id = SelectField("Table", coerce=int, validators=[InputRequired()])
    day = SelectField("Day", validators=[InputRequired()])
    start = TimeField("From", validators=[InputRequired()])
    end = TimeField("Until", validators=[InputRequired()])
    minutes = IntegerField("Minutes per interview", default=20, validators=[InputRequired(), NumberRange(5, 240)])
    breaks = text_field("Breaks", max_length=200, required=False,
                        description="E.g. 12:30-13:15, 15:00-15:15", render_kw={"placeholder": "12:30-13:15"})
    posting_id = SelectField("For the posting (optional)", coerce=lambda v: int(v) if v else None, validators=[Optional()])
    video_link = url_field("Video-call link for remote interviews (optional)")


class MessageForm(FlaskForm):
    message = textarea_field("Message to the doctor", max_length=2000, required=True)


class AttendanceForm(FlaskForm):
    attendance = SelectField("Attendance", choices=[(Attendance.ATTENDED.value, "Attended"),
                                                    (Attendance.NO_SHOW.value, "No-show")], validators=[InputRequired()])


class BookForApplicantForm(FlaskForm):
    application_id = SelectField("Applicant", coerce=int, validators=[InputRequired()])
    slot_id = SelectField("Slot", coerce=int, validators=[InputRequired()])
