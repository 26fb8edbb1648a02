"""The organisation's fairs through the API: its tables at each fair, their slots and the
bookings made in them."""

from __future__ import annotations

from typing import Any

from jobboard.api.models import Scope
from jobboard.api.operations import blp, current_org, operation
from jobboard.api.schemas import FairListSchema
from jobboard.fairs import queries
from jobboard.fairs.models import Booking, FairRegistration, Slot

TAGS = ["Fairs"]


def _booking_body(booking: Booking | None) -> dict[str, Any] | None:
    if booking is None:
        return None
    return {
        "id": booking.id,
        "status": booking.status.value,
        "application_id": booking.application_id,
        "doctor_name": booking.doctor.full_name,
        "starts_at": booking.starts_at,
        "ends_at": booking.ends_at,
        "attendance": booking.attendance.value if booking.attendance else None,
    }


def _slot_body(slot: Slot, booking: Booking | None) -> dict[str, Any]:
    return {
        "id": slot.id,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "status": slot.status.value,
        "posting_id": slot.posting_id,
        "booking": _booking_body(booking),
    }


def _fair_body(registration: FairRegistration) -> dict[str, Any]:
    fair = registration.fair
    slots: dict[int, list[dict[str, Any]]] = {table.id: [] for table in registration.tables}
    for slot, booking in queries.slots_with_bookings(fair, registration.org_id):
        slots.setdefault(slot.table_id, []).append(_slot_body(slot, booking))
    return {
        "id": fair.id,
        "slug": fair.slug,
        "name": fair.name,
        "status": fair.status.value,
        "city": fair.city,
        "country": fair.country,
        "venue": fair.venue,
        "time_zone": fair.time_zone,
        "starts_on": fair.starts_on,
        "ends_on": fair.ends_on,
        "booking_mode": registration.booking_mode.value,
        "tables": [
            {"id": t.id, "label": t.label, "interviewers": t.interviewers, "slots": slots[t.id]}
            for t in registration.tables
        ],
    }


@blp.route("/fairs", methods=["GET"])
@operation(Scope.FAIRS_READ, subject="fair")
@blp.response(200, FairListSchema)
@blp.doc(tags=TAGS, summary="List the fairs your organisation takes part in, with tables, slots and bookings")
def list_fairs() -> dict[str, Any]:
    return {"items": [_fair_body(registration) for registration in queries.org_registrations(current_org())]}
