"""The locks every booking decision takes, and the constraint check that ends it.

Booking, moving and cancelling follow one pattern: lock what the decision depends on (the fair,
then the slot, then the doctor's own row, always in that order, on PostgreSQL; the whole
transaction holds the write lock on SQLite), re-check every rule on the locked state, write,
and let the database constraints have the last word (a booking they refuse becomes a 409 with
the message of the rule it broke). Mail, calendar files and reminders go through the outbox in
the same transaction, so a booking that loses a race sends nothing.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from jobboard.accounts.models import User
from jobboard.core.errors import NotFound
from jobboard.extensions import db
from jobboard.fairs.models import (
    Booking,
    BookingStatus,
    Fair,
    Slot,
)


def _locked_fair(query: Select[tuple[Fair]], *, exclusive: bool) -> Fair | None:
    query = query.with_for_update(of=Fair) if exclusive else query.with_for_update(read=True, of=Fair)
    # As for slots: a fair loaded earlier in the request (e.g. by the view) is re-read under
    # the lock, so a cancellation committed while we waited is seen.
    return db.session.scalar(query.execution_options(populate_existing=True))


def lock_fair(fair_id: int, *, exclusive: bool = False) -> Fair:
    fair = _locked_fair(select(Fair).where(Fair.id == fair_id), exclusive=exclusive)
    if fair is None:
        raise NotFound(_("There is no such fair."))
    return fair


def lock_fair_of_slot(slot_id: int) -> Fair:
    """The fair a slot belongs to, locked as ``lock_fair`` does (a slot never changes fair): a
    booking's first lock, found from the slot in one statement."""
    fair = _locked_fair(select(Fair).join(Slot, Slot.fair_id == Fair.id).where(Slot.id == slot_id), exclusive=False)
    if fair is None:
        raise NotFound(_("There is no such slot."))
    return fair


def lock_slot(slot_id: int) -> Slot:
    # populate_existing: the slot may already be in the session, read before the lock was
    # granted; the rules must be checked on the row as it is now (e.g. blocked meanwhile). Its
    # table comes along (the calendar file names it), unlocked.
    slot = db.session.scalar(
        select(Slot)
        .options(joinedload(Slot.table))
        .where(Slot.id == slot_id)
        .with_for_update(of=Slot)
        .execution_options(populate_existing=True)
    )
    if slot is None:
        raise NotFound(_("There is no such slot."))
    return slot


def lock_doctor(doctor: User) -> None:
    db.session.scalar(select(User.id).where(User.id == doctor.id).with_for_update())


def confirmed_booking(slot: Slot) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(Booking.slot_id == slot.id, Booking.status == BookingStatus.CONFIRMED)
    )


def insert_unless_taken(values: dict[str, Any]) -> Booking | None:
    """Insert the booking, or nothing when a constraint of the database refuses it (a race lost
    to a transaction that committed meanwhile): ON CONFLICT DO NOTHING, so the transaction goes
    on without a savepoint around the insert."""
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return db.session.scalar(insert(Booking).values(**values).on_conflict_do_nothing().returning(Booking))
