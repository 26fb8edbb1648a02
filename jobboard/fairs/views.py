from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from jobboard.applications.models import INTERVIEW_STAGES, Application
from jobboard.applications.queries import org_application
from jobboard.core.access import admin_required, doctor_required, public
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError
from jobboard.core.forms import add_form_error
from jobboard.core.htmx import is_htmx, render_page
from jobboard.core.web import private_download
from jobboard.extensions import db, limiter
from jobboard.fairs import ics, queries, services
from jobboard.fairs.forms import (
    AttendanceForm,
    BookForApplicantForm,
    FairForm,
    MessageForm,
    ReasonForm,
    RegistrationForm,
    SettingsForm,
    SlotsForm,
)
from jobboard.fairs.models import Attendance, Booking, BookingMode, Fair, Slot
from jobboard.jobs.models import Posting, PostingStatus
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint
from jobboard.vocab.queries import profession_choices

bp = Blueprint("fairs", __name__)
register_tenant_blueprint(bp)


@bp.app_context_processor
def _fair_helpers() -> dict[str, object]:
    """For the applicant page (another feature's template): the fairs an employer takes part in
    that still take bookings, and an application's interviews."""
    return {"fairs_taking_bookings": queries.fairs_taking_bookings, "interviews_for": queries.interviews_for}


def _form_id(name: str) -> int | None:
    """A posted row id, or None when missing or out of range (a huge number would overflow the
    database driver: a 500 instead of a 404/422)."""
    value = request.form.get(name, type=int)
    return value if value is not None and 0 < value < 2**31 else None


def _fair_or_404(fair_id: int) -> Fair:
    fair = db.session.get(Fair, fair_id)
    if fair is None:
        abort(404)
    return fair


def _org_fair_or_404(fair_id: int) -> Fair:
    """A fair as employers see it: a draft does not exist for them until it is published."""
    fair = queries.public_fair_by_id(fair_id)
    if fair is None:
        abort(404)
    return fair


def _days(fair: Fair) -> list[date]:
    return [fair.starts_on + timedelta(days=n) for n in range((fair.ends_on - fair.starts_on).days + 1)]


# --- administrators ------------------------------------------------------------------------


@bp.route("/admin/fairs")
@admin_required
def admin_list() -> Response:
    return render_page("fairs/admin_list.html", fairs=queries.all_fairs(), cancel_form=ReasonForm(formdata=None))


def _fair_fields(form: FairForm) -> services.FairFields:
    zone = ZoneInfo(form.time_zone.data)
    return services.FairFields(
        name=form.name.data, city=form.city.data, country=form.country.data, venue=form.venue.data,
        address=form.address.data or "", time_zone=form.time_zone.data, starts_on=form.starts_on.data,
        ends_on=form.ends_on.data, opens_at=form.opens_at.data, closes_at=form.closes_at.data,
        booking_opens_at=form.booking_opens_at.data.replace(tzinfo=zone), booking_closes_at=form.booking_closes_at.data.replace(tzinfo=zone),
        remote_option=form.remote_option.data, min_gap_minutes=form.min_gap_minutes.data,
        cancel_cutoff_hours=form.cancel_cutoff_hours.data,
    )


def _save_fair(form: FairForm, fair: Fair | None) -> Response:
    if form.validate_on_submit():
        try:
            saved = services.save_fair(current_user, _fair_fields(form), fair)
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash(f"{saved.name} is saved.", "success")
            return redirect(url_for("fairs.admin_list"))
    return render_page("fairs/admin_form.html", form=form, fair=fair, status=422 if form.errors or form.form_errors else 200)


@bp.route("/admin/fairs/new", methods=["GET", "POST"])
@admin_required
def admin_new() -> Response:
    return _save_fair(FairForm(), None)


@bp.route("/admin/fairs/<int:fair_id>/edit", methods=["GET", "POST"])
@admin_required
def admin_edit(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    zone = ZoneInfo(fair.time_zone)
    data = {name: getattr(fair, name) for name in services.FairFields.__dataclass_fields__}
    data["booking_opens_at"] = fair.booking_opens_at.astimezone(zone).replace(tzinfo=None)
    data["booking_closes_at"] = fair.booking_closes_at.astimezone(zone).replace(tzinfo=None)
    return _save_fair(FairForm(data=data), fair)


@bp.route("/admin/fairs/<int:fair_id>/publish", methods=["POST"])
@admin_required
def admin_publish(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    services.publish_fair(current_user, fair)
    flash(f"{fair.name} is published.", "success")
    return redirect(url_for("fairs.admin_list"))


@bp.route("/admin/fairs/<int:fair_id>/cancel", methods=["POST"])
@admin_required
def admin_cancel(fair_id: int) -> Response:
    fair = _fair_or_404(fair_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(422, "Give the reason for the cancellation.")
    count = services.cancel_fair(current_user, fair, form.reason.data)
    flash(f"{fair.name} is cancelled; {count} booking{'s' if count != 1 else ''} cancelled and everyone told.", "success")
    return redirect(url_for("fairs.admin_list"))


# --- doctors and the public ----------------------------------------------------------------


@bp.route("/fairs")
@public
def index() -> Response:
    return render_page("fairs/index.html", fairs=queries.upcoming_fairs())


def _grid_context(fair: Fair, org_id: int | None = None) -> dict[str, object]:
    """What the slot grid shows the viewer (for one employer, or all): the free times, and
    whether (and why not) the viewer may book them."""
    now = utcnow()
    regs = [r for r in queries.registrations(fair) if org_id is None or r.org_id == org_id]
    viewer = current_user if current_user.is_authenticated else None
    mine = {b.org_id: b for b in queries.doctor_bookings(viewer, fair)} if viewer and viewer.is_doctor else {}
    problems = {r.org_id: services.eligibility_problem(viewer, r) for r in regs} if viewer and viewer.is_doctor else {}
    return {
        "fair": fair, "registrations": regs, "free": queries.free_times(fair, org_id), "mine": mine, "problems": problems,
        "cutoffs": {b.id: services.change_cutoff(b) for b in mine.values()},
        "movable": {b.id for b in mine.values() if services.doctor_may_move(b, now)},
        "cancellable": {b.id for b in mine.values() if services.doctor_may_cancel(b, now)},
        "now": now, "zone": ZoneInfo(fair.time_zone),
        "viewer_zone": ZoneInfo(viewer.time_zone) if viewer and viewer.time_zone and viewer.time_zone != fair.time_zone else None,
    }


@bp.route("/fairs/<fair_slug>")
@public
def detail(fair_slug: str) -> Response:
    fair = queries.public_fair(fair_slug)
    if fair is None:
        abort(404)
    invitation_token = request.args.get("invitation")
    if invitation_token and current_user.is_authenticated:
        services.invitation_from_token(invitation_token, current_user)
    return render_page("fairs/detail.html", block="grid", **_grid_context(fair))


def _grid_response(fair: Fair, org_id: int) -> Response:
    """After booking, moving or cancelling: htmx gets the one employer's section back (with the
    message out of band); a plain form post goes back to the page."""
    if is_htmx():
        return render_page("fairs/_employer_update.html", **_grid_context(fair, org_id))
    return redirect(url_for("fairs.detail", fair_slug=fair.slug))


@bp.route("/fairs/<fair_slug>/slots/<int:slot_id>/book", methods=["POST"])
@limiter.limit("30/hour", methods=["POST"], key_func=lambda: f"book:{current_user.get_id()}")
@doctor_required
def book(fair_slug: str, slot_id: int) -> Response:
    fair = queries.public_fair(fair_slug)
    if fair is None:
        abort(404)
    booking = services.book(current_user, slot_id, current_user)
    flash(f"Booked: {booking.org.name}, {services.local_times(booking.starts_at, fair, current_user).fair:%A %d %B, %H:%M}.", "success")
    return _grid_response(fair, booking.org_id)


@bp.route("/me/bookings/<int:booking_id>/move", methods=["POST"])
@limiter.limit("30/hour", methods=["POST"], key_func=lambda: f"book:{current_user.get_id()}")
@doctor_required
def move(booking_id: int) -> Response:
    booking = queries.doctor_booking(current_user, booking_id)
    if booking is None:
        abort(404)
    slot_id = _form_id("slot_id")
    if slot_id is None:
        abort(422, "Choose the slot to move to.")
    services.reschedule(booking, slot_id, current_user)
    flash("Your interview is moved; the new calendar invitation is in your mailbox.", "success")
    return _grid_response(booking.fair, booking.org_id)


@bp.route("/me/bookings/<int:booking_id>/cancel", methods=["POST"])
@doctor_required
def cancel(booking_id: int) -> Response:
    booking = queries.doctor_booking(current_user, booking_id)
    if booking is None:
        abort(404)
    services.cancel(booking, current_user)
    flash("Your interview is cancelled.", "info")
    if request.form.get("from") == "schedule":
        return redirect(url_for("fairs.my_schedule"))
    return _grid_response(booking.fair, booking.org_id)


@bp.route("/me/fairs")
@doctor_required
def my_schedule() -> Response:
    bookings = queries.doctor_bookings(current_user)
    now = utcnow()
    return render_page("fairs/my_schedule.html", bookings=bookings,
                       cancellable={b.id for b in bookings if services.doctor_may_cancel(b, now)},
                       local={b.id: services.local_times(b.starts_at, b.fair, current_user) for b in bookings})


@bp.route("/me/fairs/schedule.ics")
@doctor_required
def my_schedule_ics() -> Response:
    return private_download(ics.schedule(queries.doctor_bookings(current_user)), "text/calendar", "medex-interviews.ics")


# --- employers -----------------------------------------------------------------------------


@bp.route("/org/<org_slug>/fairs")
@member_required(Role.VIEWER)
def org_index() -> Response:
    return render_page("fairs/org_index.html", org=current_org(), membership=current_membership(),
                       fairs=queries.fairs_for_org(current_org()))


def _registration_form(**kwargs: object) -> RegistrationForm:
    form = RegistrationForm(**kwargs)
    form.profession_slug.choices = [("", "Any profession"), *profession_choices()]
    return form


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/register", methods=["GET", "POST"])
@member_required(Role.RECRUITER)
def org_register(fair_id: int) -> Response:
    fair = _org_fair_or_404(fair_id)
    form = _registration_form(data={"tables": "Table 1\nTable 2"})
    if form.validate_on_submit():
        try:
            services.register(current_org(), current_user, fair, tables=form.table_rows(),
                              mode=BookingMode(form.mode.data), profession_slug=form.profession_slug.data or None)
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash(f"You are registered for {fair.name}. Now add the interview slots.", "success")
            return redirect(url_for("fairs.org_manage", fair_id=fair.id))
    return render_page("fairs/org_register.html", org=current_org(), fair=fair, form=form,
                       status=422 if form.errors or form.form_errors else 200)


def _slots_form(fair: Fair, registration: object, **kwargs: object) -> SlotsForm:
    form = SlotsForm(**kwargs)
    form.table_id.choices = [(t.id, t.label) for t in registration.tables]  # type: ignore[attr-defined]
    form.day.choices = [(d.isoformat(), f"{d:%A %d %B %Y}") for d in _days(fair)]
    postings = db.session.scalars(select(Posting).where(Posting.org_id == current_org().id,
                                                        Posting.status == PostingStatus.PUBLISHED).order_by(Posting.title))
    form.posting_id.choices = [("", "—"), *((str(p.id), p.title) for p in postings)]
    return form


def _manage_page(fair: Fair, *, slots_form: SlotsForm | None = None, status: int = 200) -> Response:
    org = current_org()
    registration = queries.registration_of(fair, org)
    if registration is None:
        return redirect(url_for("fairs.org_register", fair_id=fair.id))
    applications = db.session.scalars(select(Application).where(
        Application.org_id == org.id, Application.doctor_id.is_not(None),
        Application.stage.in_(INTERVIEW_STAGES),
    ).order_by(Application.created_at))
    slots = queries.slots_with_bookings(fair, org.id)
    book_form = BookForApplicantForm(formdata=None)
    book_form.application_id.choices = [(a.id, f"{a.doctor.full_name} – {a.posting.title}") for a in applications]
    book_form.slot_id.choices = [(s.id, f"{s.starts_at.astimezone(ZoneInfo(fair.time_zone)):%a %d %b %H:%M} – {s.table.label}")
                                 for s, b in slots if b is None and s.status.value == "open" and s.starts_at > utcnow()]
    settings_form = SettingsForm(formdata=None, data={"mode": registration.booking_mode.value,
                                                      "profession_slug": registration.profession_slug or ""})
    settings_form.profession_slug.choices = [("", "Any profession"), *profession_choices()]
    return render_page(
        "fairs/org_manage.html", org=org, membership=current_membership(), fair=fair, registration=registration,
        slots=slots, slots_form=slots_form or _slots_form(fair, registration, formdata=None), book_form=book_form,
        settings_form=settings_form, message_form=MessageForm(formdata=None), attendance_form=AttendanceForm(formdata=None),
        zone=ZoneInfo(fair.time_zone), israel=services.ISRAEL, now=utcnow(), status=status,
    )


@bp.route("/org/<org_slug>/fairs/<int:fair_id>")
@member_required(Role.VIEWER)
def org_manage(fair_id: int) -> Response:
    return _manage_page(_org_fair_or_404(fair_id))


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/settings", methods=["POST"])
@member_required(Role.RECRUITER)
def org_settings(fair_id: int) -> Response:
    fair = _org_fair_or_404(fair_id)
    registration = queries.registration_of(fair, current_org())
    if registration is None:
        abort(404)
    form = SettingsForm()
    form.profession_slug.choices = [("", "Any profession"), *profession_choices()]
    if not form.validate_on_submit():
        abort(422, "Choose who may book.")
    services.update_registration(registration, current_user, mode=BookingMode(form.mode.data),
                                 profession_slug=form.profession_slug.data or None)
    flash("Saved.", "success")
    return redirect(url_for("fairs.org_manage", fair_id=fair.id))


def _breaks(text: str) -> list[tuple[time, time]]:
    result = []
    for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
        try:
            start, end = (datetime.strptime(value.strip(), "%H:%M").time() for value in part.split("-"))
        except ValueError:
            raise DomainError(f"Write breaks as 12:30-13:15; “{part}” is not understood.", field="breaks") from None
        result.append((start, end))
    return result


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/slots", methods=["POST"])
@member_required(Role.RECRUITER)
def org_generate(fair_id: int) -> Response:
    fair = _org_fair_or_404(fair_id)
    registration = queries.registration_of(fair, current_org())
    if registration is None:
        abort(404)
    form = _slots_form(fair, registration)
    if form.validate_on_submit():
        table = queries.org_table(current_org(), form.table_id.data)
        posting = db.session.get(Posting, form.posting_id.data) if form.posting_id.data else None
        try:
            if table is None:
                raise DomainError("Choose one of your tables.", field="table_id")
            count = services.generate_slots(
                table, current_user, day=date.fromisoformat(form.day.data), start=form.start.data, end=form.end.data,
                minutes=form.minutes.data, breaks=_breaks(form.breaks.data or ""), posting=posting,
                video_link=form.video_link.data,
            )
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash(f"{count} slot{'s' if count != 1 else ''} added to {table.label}.", "success")
            return redirect(url_for("fairs.org_manage", fair_id=fair.id))
    return _manage_page(fair, slots_form=form, status=422)


def _org_slot_or_404(slot_id: int) -> Slot:
    slot = queries.org_slot(current_org(), slot_id)
    if slot is None:
        abort(404)
    return slot


@bp.route("/org/<org_slug>/slots/<int:slot_id>/<any(block, unblock, delete):action>", methods=["POST"])
@member_required(Role.RECRUITER)
def org_slot_action(slot_id: int, action: str) -> Response:
    slot = _org_slot_or_404(slot_id)
    if action == "delete":
        services.delete_slot(slot, current_user)
    else:
        services.set_slot_blocked(slot, current_user, action == "block")
    flash({"block": "The slot is blocked.", "unblock": "The slot is open again.", "delete": "The slot is deleted."}[action], "success")
    return redirect(url_for("fairs.org_manage", fair_id=slot.fair_id))


def _org_booking_or_404(booking_id: int) -> Booking:
    booking = queries.org_booking(current_org(), booking_id)
    if booking is None:
        abort(404)
    return booking


@bp.route("/org/<org_slug>/bookings/<int:booking_id>/cancel", methods=["POST"])
@member_required(Role.RECRUITER)
def org_cancel(booking_id: int) -> Response:
    booking = _org_booking_or_404(booking_id)
    form = MessageForm()
    if not form.validate_on_submit():
        abort(422, "Write a message to the doctor explaining the cancellation.")
    services.cancel(booking, current_user, form.message.data)
    flash("The interview is cancelled and the doctor told.", "success")
    return redirect(url_for("fairs.org_manage", fair_id=booking.fair_id))


@bp.route("/org/<org_slug>/bookings/<int:booking_id>/attendance", methods=["POST"])
@member_required(Role.RECRUITER)
def org_attendance(booking_id: int) -> Response:
    booking = _org_booking_or_404(booking_id)
    form = AttendanceForm()
    if not form.validate_on_submit():
        abort(422, "Choose attended or no-show.")
    services.mark_attendance(booking, current_user, Attendance(form.attendance.data))
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("fairs.org_agenda", fair_id=booking.fair_id))


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/book", methods=["POST"])
@member_required(Role.RECRUITER)
def org_book(fair_id: int) -> Response:
    fair = _org_fair_or_404(fair_id)
    application_id, slot_id = _form_id("application_id"), _form_id("slot_id")
    if application_id is None or slot_id is None:
        abort(422, "Choose the applicant and the slot.")
    application = org_application(current_org(), application_id)
    slot = queries.org_slot(current_org(), slot_id)
    if application is None or slot is None or slot.fair_id != fair.id or application.doctor is None:
        abort(404)
    services.book(application.doctor, slot.id, current_user, application=application)
    flash(f"Booked for {application.doctor.full_name}; they have the calendar invitation.", "success")
    return redirect(url_for("fairs.org_manage", fair_id=fair.id))


def _day_window(fair: Fair, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(fair.time_zone)
    return (services.local_to_utc(day, time(0, 0), zone), services.local_to_utc(day + timedelta(days=1), time(0, 0), zone))


def _chosen_day(fair: Fair) -> date:
    days = _days(fair)
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = days[0]
    return day if day in days else days[0]


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/agenda")
@member_required(Role.VIEWER)
def org_agenda(fair_id: int) -> Response:
    fair = _org_fair_or_404(fair_id)
    day = _chosen_day(fair)
    return render_page(
        "fairs/agenda.html", org=current_org(), membership=current_membership(), fair=fair, day=day, days=_days(fair),
        tables=queries.agenda(fair, current_org(), _day_window(fair, day)), zone=ZoneInfo(fair.time_zone),
        israel=services.ISRAEL, attendance_form=AttendanceForm(formdata=None), now=utcnow(),
    )


@bp.route("/org/<org_slug>/fairs/<int:fair_id>/agenda.csv")
@member_required(Role.VIEWER)
def org_agenda_csv(fair_id: int) -> Response:
    fair = _org_fair_or_404(fair_id)
    zone = ZoneInfo(fair.time_zone)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "start", "end", "table", "doctor", "email", "posting", "attendance"])
    for day in _days(fair):
        for table, bookings in queries.agenda(fair, current_org(), _day_window(fair, day)):
            for booking in bookings:
                posting = booking.slot.posting.title if booking.slot.posting else ""
                writer.writerow([services.csv_cell(value) for value in (
                    day.isoformat(), f"{booking.starts_at.astimezone(zone):%H:%M}", f"{booking.ends_at.astimezone(zone):%H:%M}",
                    table.label, booking.doctor.full_name, booking.doctor.email, posting,
                    booking.attendance.value if booking.attendance else "",
                )])
    return private_download(buffer.getvalue().encode(), "text/csv", f"{fair.slug}-agenda.csv")


@bp.route("/org/<org_slug>/applications/<int:application_id>/invite", methods=["POST"])
@member_required(Role.RECRUITER)
def org_invite(application_id: int) -> Response:
    application = org_application(current_org(), application_id)
    if application is None:
        abort(404)
    fair_id = _form_id("fair_id")
    if fair_id is None:
        abort(422, "Choose the fair.")
    fair = queries.public_fair_by_id(fair_id)
    if fair is None or queries.registration_of(fair, current_org()) is None:
        abort(404)
    services.invite(application, current_user, fair)
    flash(f"{application.doctor.full_name} is invited to book an interview at {fair.name}.", "success")
    return redirect(url_for("applications.detail", application_id=application.id))

