"""The fairs blueprint, in three modules by audience: ``admin`` (running the fairs), ``doctors``
(the public fair pages, booking, moving and cancelling, the doctor's schedule) and ``employers``
(registering, tables and slots, bookings for applicants, the agenda). Every route joins this one
blueprint, so endpoints stay ``fairs.<view>``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from jobboard.core.db import utcnow
from jobboard.fairs import queries
from jobboard.fairs.models import Fair
from jobboard.i18n import when
from jobboard.orgs.tenancy import register_tenant_blueprint

bp = Blueprint("fairs", __name__)
register_tenant_blueprint(bp)


@bp.app_context_processor
def _fair_helpers() -> dict[str, object]:
    """For the applicant page (another feature's template): the fairs an employer takes part in
    that still take bookings, and an application's interviews."""
    return {
        "fairs_taking_bookings": queries.fairs_taking_bookings,
        "interviews_for": queries.interviews_for,
        "booking_window": booking_window,
    }


def _at(instant: datetime, fair: Fair) -> str:
    """An instant in the fair's time, and in the signed-in viewer's own zone where that differs,
    with the day there when it is another day than the fair's."""
    local = instant.astimezone(ZoneInfo(fair.time_zone))
    shown = when(local, "EEEE d MMMM, HH:mm")
    own = current_user.time_zone if current_user.is_authenticated else None
    if not own or own == fair.time_zone:
        return shown
    theirs = instant.astimezone(ZoneInfo(own))
    their_time = when(theirs, "HH:mm" if theirs.date() == local.date() else "EEEE d MMMM, HH:mm")
    return f"{shown} {_('(%(time)s your time)', time=their_time)}"


def booking_window(fair: Fair) -> str:
    """When doctors may book the fair's interviews, as a sentence for the viewer."""
    now = utcnow()
    if now < fair.booking_opens_at:
        return _(
            "Booking opens %(opens)s and closes %(closes)s.",
            opens=_at(fair.booking_opens_at, fair),
            closes=_at(fair.booking_closes_at, fair),
        )
    if now < fair.booking_closes_at:
        return _("Booking is open until %(closes)s.", closes=_at(fair.booking_closes_at, fair))
    return _("Booking closed %(closes)s.", closes=_at(fair.booking_closes_at, fair))


from jobboard.fairs.views import admin, doctors, employers  # noqa: E402, F401 - their routes join the blueprint
