"""The fairs as an employer's staff see them, under ``/org/<slug>/``: registering for a fair,
who may book, the interview tables' slots, bookings for applicants, attendance, the agenda of
each day (and its CSV) and invitations from the pipeline."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.applications.queries import org_application
from jobboard.core import spreadsheets
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError
from jobboard.core.forms import filled
from jobboard.core.htmx import render_page
from jobboard.core.views import errors_on, form_page, or_404, posted_id
from jobboard.core.web import private_download
from jobboard.fairs import interviews, invitations, notices, queries, registrations
from jobboard.fairs.forms import (
    AttendanceForm,
    BookForApplicantForm,
    MessageForm,
    RegistrationForm,
    SettingsForm,
    SlotsForm,
)
from jobboard.fairs.models import Attendance, Fair, FairRegistration
from jobboard.fairs.views import bp
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required


def _fair_or_404(fair_id: int) -> Fair:
    """A fair as employers see it: a draft does not exist for them until it is published."""
    return or_404(queries.public_fair_by_id(fair_id))


def _registration_or_404(fair: Fair) -> FairRegistration:
    return or_404(queries.registration_of(fair, current_org()))


@bp.route("/org/<org_slug>/fairs")
@member_required(Role.VIEWER)
def org_index() -> Response:
    return render_page(
        "fairs/org_index.html",
        org=current_org(),
        membership=current_membership(),
        fairs=queries.fairs_for_org(current_org()),
    )


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/register", methods=["GET", "POST"])
@member_required(Role.RECRUITER)
def org_register(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    form = RegistrationForm(data={"tables": "\n".join((_("Table %(num)d", num=1), _("Table %(num)d", num=2)))})
    if form.validate_on_submit():
        with errors_on(form):
            registrations.register(
                current_org(),
                current_user,
                fair,
                tables=form.table_rows(),
                mode=form.booking_mode(),
                profession_slug=form.profession_slug.data or None,
            )
            flash(_("You are registered for %(fair)s. Now add the interview slots.", fair=fair.name), "success")
            return redirect(url_for("fairs.org_manage", fair_id=fair.id))
    return form_page("fairs/org_register.html", form, org=current_org(), fair=fair)


def _slots_form(fair: Fair, registration: FairRegistration, **kwargs: object) -> SlotsForm:
    return SlotsForm.for_registration(fair, registration, queries.slot_postings(current_org()), **kwargs)


def _manage_page(fair: Fair, *, slots_form: SlotsForm | None = None) -> Response:
    org = current_org()
    registration = queries.registration_of(fair, org)
    if registration is None:
        return redirect(url_for("fairs.org_register", fair_id=fair.id))
    slots = queries.slots_with_bookings(fair, org.id)
    now = utcnow()
    return render_page(
        "fairs/org_manage.html",
        org=org,
        membership=current_membership(),
        fair=fair,
        registration=registration,
        slots=slots,
        slots_form=slots_form or _slots_form(fair, registration, formdata=None),
        book_form=BookForApplicantForm.offering(
            queries.bookable_applications(org), slots, ZoneInfo(fair.time_zone), now
        ),
        settings_form=SettingsForm.of(registration),
        message_form=MessageForm(formdata=None),
        attendance_form=AttendanceForm(formdata=None),
        zone=ZoneInfo(fair.time_zone),
        israel=notices.ISRAEL,
        now=now,
        status=422 if slots_form is not None and slots_form.errors else 200,
    )


@bp.route("/org/<org_slug>/fairs/<int:fair_id>")
@member_required(Role.VIEWER)
def org_manage(fair_id: int) -> Response:
    return _manage_page(_fair_or_404(fair_id))


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/settings", methods=["POST"])
@member_required(Role.RECRUITER)
def org_settings(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    registration = _registration_or_404(fair)
    form = SettingsForm()
    if not form.validate_on_submit():
        abort(422, _("Choose who may book."))
    registrations.update_registration(
        registration, current_user, mode=form.booking_mode(), profession_slug=form.profession_slug.data or None
    )
    flash(_("Saved."), "success")
    return redirect(url_for("fairs.org_manage", fair_id=fair.id))


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/slots", methods=["POST"])
@member_required(Role.RECRUITER)
def org_generate(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    form = _slots_form(fair, _registration_or_404(fair))
    if form.validate_on_submit():
        with errors_on(form):
            table = queries.org_table(current_org(), form.table_id.data)
            if table is None:
                raise DomainError(_("Choose one of your tables."), field="table_id")
            count = registrations.generate_slots(
                table,
                current_user,
                day=date.fromisoformat(form.day.data),
                start=filled(form.start.data),
                end=filled(form.end.data),
                minutes=filled(form.minutes.data),
                breaks=form.break_times(),
                video_link=form.video_link.data,
                posting=queries.slot_posting(current_org(), form.posting_id.data),
            )
            flash(
                ngettext(
                    "%(num)d slot added to %(table)s.", "%(num)d slots added to %(table)s.", count, table=table.label
                ),
                "success",
            )
            return redirect(url_for("fairs.org_manage", fair_id=fair.id))
    return _manage_page(fair, slots_form=form)


@bp.route("/org/<org_slug>/slots/<int:slot_id>/<any(block, unblock, delete):action>", methods=["POST"])
@member_required(Role.RECRUITER)
def org_slot_action(slot_id: int, action: str) -> Response:
    slot = or_404(queries.org_slot(current_org(), slot_id))
    if action == "delete":
        registrations.delete_slot(slot, current_user)
    else:
        registrations.set_slot_blocked(slot, current_user, action == "block")
    messages = {
        "block": _("The slot is blocked."),
        "unblock": _("The slot is open again."),
        "delete": _("The slot is deleted."),
    }
    flash(messages[action], "success")
    return redirect(url_for("fairs.org_manage", fair_id=slot.fair_id))


@bp.route("/org/<org_slug>/bookings/<int:booking_id>/cancel", methods=["POST"])
@member_required(Role.RECRUITER)
def org_cancel(booking_id: int) -> Response:
    booking = or_404(queries.org_booking(current_org(), booking_id))
    form = MessageForm()
    if not form.validate_on_submit():
        abort(422, _("Write a message to the doctor explaining the cancellation."))
    interviews.cancel(booking, current_user, form.message.data)
    flash(_("The interview is cancelled and the doctor told."), "success")
    return redirect(url_for("fairs.org_manage", fair_id=booking.fair_id))


@bp.route("/org/<org_slug>/bookings/<int:booking_id>/attendance", methods=["POST"])
@member_required(Role.RECRUITER)
def org_attendance(booking_id: int) -> Response:
    booking = or_404(queries.org_booking(current_org(), booking_id))
    form = AttendanceForm()
    if not form.validate_on_submit():
        abort(422, _("Choose attended or no-show."))
    interviews.mark_attendance(booking, current_user, Attendance(form.attendance.data))
    return redirect(
        request.referrer
        if request.referrer and request.referrer.startswith(request.host_url)
        else url_for("fairs.org_agenda", fair_id=booking.fair_id)
    )


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/book", methods=["POST"])
@member_required(Role.RECRUITER)
def org_book(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    application_id, slot_id = posted_id("application_id"), posted_id("slot_id")
    if application_id is None or slot_id is None:
        abort(422, _("Choose the applicant and the slot."))
    application = org_application(current_org(), application_id)
    slot = queries.org_slot(current_org(), slot_id)
    if application is None or slot is None or slot.fair_id != fair.id or application.doctor is None:
        abort(404)
    interviews.book(application.doctor, slot.id, current_user, application=application)
    flash(
        _("Booked for %(doctor)s; they have the calendar invitation.", doctor=application.doctor.full_name), "success"
    )
    return redirect(url_for("fairs.org_manage", fair_id=fair.id))


def _day_window(fair: Fair, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(fair.time_zone)
    return (
        registrations.local_to_utc(day, time(0, 0), zone),
        registrations.local_to_utc(day + timedelta(days=1), time(0, 0), zone),
    )


def _chosen_day(fair: Fair) -> date:
    days = fair.days
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = days[0]
    return day if day in days else days[0]


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/agenda")
@member_required(Role.VIEWER)
def org_agenda(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    day = _chosen_day(fair)
    return render_page(
        "fairs/agenda.html",
        org=current_org(),
        membership=current_membership(),
        fair=fair,
        day=day,
        days=fair.days,
        tables=queries.agenda(fair, current_org(), _day_window(fair, day)),
        zone=ZoneInfo(fair.time_zone),
        israel=notices.ISRAEL,
        attendance_form=AttendanceForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/agenda.csv")
@member_required(Role.VIEWER)
def org_agenda_csv(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    zone = ZoneInfo(fair.time_zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("date"), _("start"), _("end"), _("table"), _("doctor"), _("email"), _("posting"), _("attendance")]
    )
    for day in fair.days:
        for table, bookings in queries.agenda(fair, current_org(), _day_window(fair, day)):
            for booking in bookings:
                posting = booking.slot.posting.title if booking.slot.posting else ""
                writer.writerow(
                    [
                        spreadsheets.csv_cell(value)
                        for value in (
                            day.isoformat(),
                            f"{booking.starts_at.astimezone(zone):%H:%M}",
                            f"{booking.ends_at.astimezone(zone):%H:%M}",
                            table.label,
                            booking.doctor.full_name,
                            booking.doctor.email,
                            posting,
                            booking.attendance.value if booking.attendance else "",
                        )
                    ]
                )
    return private_download(buffer.getvalue().encode(), "text/csv", f"{fair.slug}-agenda.csv")


@bp.route("/org/<org_slug>/applications/<int:application_id>/invite", methods=["POST"])
@member_required(Role.RECRUITER)
def org_invite(application_id: int) -> Response:
    application = or_404(org_application(current_org(), application_id))
    fair_id = posted_id("fair_id")
    if fair_id is None:
        abort(422, _("Choose the fair."))
    fair = queries.public_fair_by_id(fair_id)
    if fair is None or queries.registration_of(fair, current_org()) is None:
        abort(404)
    invitations.invite(application, current_user, fair)
    doctor = application.doctor
    if doctor is None:  # invite() refuses an application whose doctor has deleted their account
        raise Conflict(_("The doctor has deleted their account."))
    flash(
        _("%(doctor)s is invited to book an interview at %(fair)s.", doctor=doctor.full_name, fair=fair.name), "success"
    )
    return redirect(url_for("applications.detail", application_id=application.id))
