"""A suspended employer at a fair: its table and free slots leave the public page, none of its
slots can be booked or moved to, and its upcoming interviews are cancelled with a mail to each
doctor (not saying why). Lifting the suspension reopens the table, not the cancelled bookings."""

from __future__ import annotations

from datetime import timedelta

from jobboard.core import outbox
from jobboard.fairs.models import Booking, BookingStatus
from jobboard.moderation import services as moderation
from jobboard.orgs.models import OrgStatus
from tests.fairs.conftest import HTMX, book_url, confirmed, text_of


def suspend(world, reason: str = "Licence records are being checked.") -> None:
    moderation.suspend_org(world.admin, world.a.org, reason)


def test_the_public_fair_page_hides_a_suspended_employer(client, world, login, db_session):
    login(world.doctor)
    assert "Alpha Medical Center" in text_of(client.get(f"/fairs/{world.fair.slug}"))
    suspend(world)
    db_session.commit()

    page = text_of(client.get(f"/fairs/{world.fair.slug}"))

    assert "Alpha Medical Center" not in page and "Beta Hospital" in page
    booked = client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    assert booked.status_code == 404
    assert confirmed() == []


def test_a_booking_cannot_move_to_a_suspended_employers_slot(client, world, login, db_session):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    [booking] = confirmed()
    world.a.org.status = OrgStatus.SUSPENDED  # as if the suspension came between two clicks
    db_session.commit()

    moved = client.post(f"/me/bookings/{booking.id}/move", data={"slot_id": world.a_slots[1].id}, headers=HTMX)

    assert moved.status_code == 404
    db_session.expire_all()
    assert db_session.get(Booking, booking.id).slot_id == world.a_slots[0].id


def test_suspending_cancels_the_upcoming_interviews_and_tells_each_doctor(
    client, world, login, db_session, mailbox, clock
):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    login(world.other)
    client.post(book_url(world.fair, world.a_slots[1]), headers=HTMX)
    mailbox.clear()

    suspend(world, "Unpaid invoices")
    db_session.commit()
    outbox.drain()

    cancelled = db_session.query(Booking).filter(Booking.org_id == world.a.org.id).all()
    assert {b.status for b in cancelled} == {BookingStatus.CANCELLED}
    for address in ("doctor@example.org", "ilan@example.org"):
        message = mailbox.last_to(address)
        assert message["Subject"].startswith("An interview with Alpha Medical Center at ")
        text = mailbox.text(message)
        assert "Alpha Medical Center no longer holds interviews at MedEx London." in text
        assert "invoices" not in text

    # Verified again: the table is back, the cancelled interviews stay cancelled.
    moderation.verify_org(world.admin, world.a.org)
    db_session.commit()
    assert "Alpha Medical Center" in text_of(client.get(f"/fairs/{world.fair.slug}"))
    assert confirmed(org_id=world.a.org.id) == []


def test_past_interviews_are_left_as_they_were(client, world, login, db_session, clock):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    [booking] = confirmed()
    clock.move_to(booking.starts_at + timedelta(hours=1))

    suspend(world)
    db_session.commit()

    assert [b.id for b in confirmed()] == [booking.id]
