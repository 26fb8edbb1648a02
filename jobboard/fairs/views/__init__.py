"""The fairs blueprint, in three modules by audience: ``admin`` (running the fairs), ``doctors``
(the public fair pages, booking, moving and cancelling, the doctor's schedule) and ``employers``
(registering, tables and slots, bookings for applicants, the agenda). Every route joins this one
blueprint, so endpoints stay ``fairs.<view>``."""

from __future__ import annotations

from flask import Blueprint

from jobboard.fairs import queries
from jobboard.orgs.tenancy import register_tenant_blueprint

bp = Blueprint("fairs", __name__)
register_tenant_blueprint(bp)


@bp.app_context_processor
def _fair_helpers() -> dict[str, object]:
    """For the applicant page (another feature's template): the fairs an employer takes part in
    that still take bookings, and an application's interviews."""
    return {"fairs_taking_bookings": queries.fairs_taking_bookings, "interviews_for": queries.interviews_for}


from jobboard.fairs.views import admin, doctors, employers  # noqa: E402, F401 - their routes join the blueprint
