from datetime import timedelta
from jobboard.core import outbox
from jobboard.extensions import db
from jobboard.fairs.models import Booking
from tests.fairs.conftest import *  # noqa
from tests.fairs.test_booking import book

def test_dbg(client, world, login, mailbox, clock, db_session):
    slot = world.a_slots[0]
    login(world.doctor)
    assert book(client, world, slot).status_code == 200
    [booking] = confirmed(doctor_id=world.doctor.id)
    r = client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX)
    print(r.status_code, text_of(r)[:300])
    db.session.expire_all()
    print(db.session.get(Booking, booking.id).status, db.session.get(Booking, booking.id).sequence)
    for m in pending_reminders(): print(m.payload, m.next_attempt_at)
    assert 0
