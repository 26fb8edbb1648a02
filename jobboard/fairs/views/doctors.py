"""The fairs as doctors and the public see them: the list and each fair's page with its slot
grid, booking, moving and cancelling an interview, and the doctor's own schedule."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.core.access import doctor_required, public
from jobboard.core.db import utcnow
from jobboard.core.htmx import is_htmx, render_page
from jobboard.core.views import or_404, posted_id
from jobboard.core.web import private_download
from jobboard.extensions import limiter
from jobboard.fairs import ics, interviews, invitations, notices, queries
from jobboard.fairs.models import Fair
from jobboard.fairs.views import bp
from jobboard.i18n import when


@bp.route("/fairs")
@public
def index() -> Response:
    return render_page("fairs/index.html", fairs=queries.upcoming_fairs())


def _grid_context(fair: Fair, org_id: int | None = None) -> dict[str, Any]:
    """What the slot grid shows the viewer (for one employer, or all): the free times, and
    whether (and why not) the viewer may book them."""
    now = utcnow()
    regs = queries.registrations(fair, org_id)
    viewer = current_user if current_user.is_authenticated else None
    doctor = viewer if viewer and viewer.is_doctor else None
    bookings = queries.doctor_bookings(doctor, fair) if doctor else []
    mine = {b.org_id: b for b in bookings}
    free = queries.free_times(fair, org_id)
    # Why the doctor may not book an employer they hold no interview with (the others are theirs).
    problems = interviews.eligibility_problems(doctor, [r for r in regs if r.org_id not in mine]) if doctor else {}
    movable = {b.id for b in mine.values() if interviews.doctor_may_move(b, now)}
    return {
        "fair": fair,
        "registrations": regs,
        "free": free,
        "positions": queries.positions_interviewed_for(fair, org_id),
        "clashes": interviews.clashing_times(fair, free, bookings),
        "mine": mine,
        "problems": problems,
        "cutoffs": {b.id: interviews.change_cutoff(b) for b in mine.values()},
        "movable": movable,
        "cancellable": {b.id for b in mine.values() if interviews.doctor_may_cancel(b, now)},
        # The employers whose free times the doctor may pick from: to book one, or to move theirs.
        "choosing": {
            r.org_id
            for r in regs
            if doctor
            and fair.is_published
            and (mine[r.org_id].id in movable if r.org_id in mine else not problems[r.org_id])
        },
        "now": now,
        "zone": ZoneInfo(fair.time_zone),
        "viewer_zone": (
            ZoneInfo(viewer.time_zone) if viewer and viewer.time_zone and viewer.time_zone != fair.time_zone else None
        ),
    }


@bp.route("/fairs/<fair_slug>")
@public
def detail(fair_slug: str) -> Response:
    fair = or_404(queries.public_fair(fair_slug))
    invitation_token = request.args.get("invitation")
    if invitation_token and current_user.is_authenticated:
        invitations.invitation_from_token(invitation_token, current_user)
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
    booking = interviews.book(current_user, slot_id, current_user)
    fair = booking.fair
    if fair.slug != fair_slug:
        abort(404)  # another fair's slot: the answer's status rolls the booking back
    local = notices.local_times(booking.starts_at, fair, current_user)
    flash(
        _("Booked: %(employer)s, %(time)s.", employer=booking.org.name, time=when(local.fair, "EEEE dd MMMM, HH:mm")),
        "success",
    )
    return _grid_response(fair, booking.org_id)


@bp.route("/me/bookings/<int:booking_id>/move", methods=["POST"])
@limiter.limit("30/hour", methods=["POST"], key_func=lambda: f"book:{current_user.get_id()}")
@doctor_required
def move(booking_id: int) -> Response:
    booking = or_404(queries.doctor_booking(current_user, booking_id))
    slot_id = posted_id("slot_id")
    if slot_id is None:
        abort(422, _("Choose the slot to move to."))
    interviews.reschedule(booking, slot_id, current_user)
    flash(_("Your interview is moved; the new calendar invitation is in your mailbox."), "success")
    return _grid_response(booking.fair, booking.org_id)


@bp.route("/me/bookings/<int:booking_id>/cancel", methods=["POST"])
@doctor_required
def cancel(booking_id: int) -> Response:
    booking = or_404(queries.doctor_booking(current_user, booking_id))
    interviews.cancel(booking, current_user)
    flash(_("Your interview is cancelled."), "info")
    if request.form.get("from") == "schedule":
        return redirect(url_for("fairs.my_schedule"))
    return _grid_response(booking.fair, booking.org_id)


@bp.route("/me/fairs")
@doctor_required
def my_schedule() -> Response:
    bookings = queries.doctor_bookings(current_user)
    now = utcnow()
    return render_page(
        "fairs/my_schedule.html",
        bookings=bookings,
        cancellable={b.id for b in bookings if interviews.doctor_may_cancel(b, now)},
        local={b.id: notices.local_times(b.starts_at, b.fair, current_user) for b in bookings},
    )


@bp.route("/me/fairs/schedule.ics")
@doctor_required
def my_schedule_ics() -> Response:
    return private_download(
        ics.schedule(queries.doctor_bookings(current_user)), "text/calendar", "medex-interviews.ics"
    )
