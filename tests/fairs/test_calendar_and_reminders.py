"""The calendar files in the mails (scheduling.md I1, I2) and the reminders (R1–R3, T6), read
from what is really delivered."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from jobboard.core import outbox
from jobboard.extensions import db
from jobboard.fairs import interviews
from jobboard.fairs.models import Booking
from tests.fairs.conftest import (
    HTMX,
    LONDON,
    UTC,
    add_slots,
    book_url,
    calendar_part,
    confirmed,
    make_doctor,
    make_employer,
    make_fair,
    only_event,
    pending_reminders,
    register_employer,
)


def inbox(mailbox, address: str):
    return [m for m in mailbox.messages() if m["To"] == address]


def reminders_to(mailbox, address: str) -> list[str]:
    return [m["Subject"] for m in inbox(mailbox, address) if m["Subject"].startswith("Your interview with ")]


def reminders_around(clock, mailbox, address: str, due: datetime) -> tuple[list[str], list[str]]:
    """The reminders ``address`` has had one second before ``due``, and at ``due`` (the outbox
    drained twice: a second drain, or a second worker, sends nothing more)."""
    clock.move_to(due - timedelta(seconds=1))
    outbox.drain()
    before = reminders_to(mailbox, address)
    clock.move_to(due)
    outbox.drain()
    outbox.drain()
    return before, reminders_to(mailbox, address)


# --- I1, I2 ----------------------------------------------------------------------------------


def test_i1_the_booking_mail_carries_a_request_with_one_event_in_the_fairs_zone(client, world, login, mailbox):
    login(world.doctor)
    assert client.post(book_url(world.fair, world.a_slots[1]), headers=HTMX).status_code == 200
    [booking] = confirmed(doctor_id=world.doctor.id)

    part, calendar = calendar_part(mailbox.last_to("doctor@example.org"))

    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "interview.ics"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    event = only_event(calendar)
    assert str(event["UID"]) == f"booking-{booking.uid}@jobboard.test"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTAMP") == datetime(2027, 3, 13, 12, 0, tzinfo=UTC)
    assert str(event["ORGANIZER"]).startswith("mailto:") and event["ORGANIZER"].params["CN"] == "Alpha Medical Center"
    assert str(event["ATTENDEE"]) == "mailto:doctor@example.org"
    assert event["ATTENDEE"].params["CN"] == "Miriam Testdoc"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert event["DTEND"].params["TZID"] == "Europe/London"
    assert event.decoded("DTSTART") == datetime(2027, 3, 20, 10, 20, tzinfo=LONDON)
    assert event.decoded("DTEND") == datetime(2027, 3, 20, 10, 40, tzinfo=LONDON)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    assert str(event["LOCATION"]) == "Test Hall, 1 Test Road, London, United Kingdom – Table 1"
    assert "DTSTART;TZID=Europe/London:20270320T102000" in calendar.to_ical().decode()


def test_i1_a_paris_fair_gets_its_own_zone_in_summer_time(client, db_session, login, mailbox, clock):
    fair = make_fair(
        name="MedEx Paris",
        time_zone="Europe/Paris",
        starts_on=date(2027, 5, 23),
        ends_on=date(2027, 5, 23),
        booking_closes_at=datetime(2027, 5, 22, 18, 0, tzinfo=LONDON),
    )
    employer = make_employer()
    slots = add_slots(register_employer(fair, employer), 0, actor=employer.recruiter)
    doctor = make_doctor(email="paris@example.org")
    db_session.commit()
    login(doctor)
    assert client.post(f"/fairs/{fair.slug}/slots/{slots[0].id}/book", headers=HTMX).status_code == 200

    _, calendar = calendar_part(mailbox.last_to("paris@example.org"))

    event = only_event(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART").astimezone(UTC) == datetime(2027, 5, 23, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]


def test_i2_two_moves_then_a_cancellation_keep_the_uid_and_raise_the_sequence(client, world, login, mailbox):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    [booking] = confirmed(doctor_id=world.doctor.id)
    for slot in (world.a_slots[2], world.a_slots2[4]):
        assert (
            client.post(f"/me/bookings/{booking.id}/move", data={"slot_id": slot.id}, headers=HTMX).status_code == 200
        )
    assert client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX).status_code == 200

    files = [calendar_part(message) for message in inbox(mailbox, "doctor@example.org")]

    assert len(files) == 4
    events = [only_event(calendar) for _, calendar in files]
    assert {str(event["UID"]) for event in events} == {f"booking-{booking.uid}@jobboard.test"}
    assert [event["SEQUENCE"] for event in events] == [0, 1, 2, 3]
    assert [str(calendar["METHOD"]) for _, calendar in files] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    assert [part.get_param("method") for part, _ in files] == ["REQUEST", "REQUEST", "REQUEST", "CANCEL"]
    assert [str(event["STATUS"]) for event in events] == ["CONFIRMED", "CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert [event.decoded("DTSTART").strftime("%H:%M") for event in events] == ["10:00", "10:40", "11:20", "11:20"]


# --- reminders ---------------------------------------------------------------------------------------


def test_r1_reminders_come_24_and_2_hours_before_and_each_only_once(client, world, login, mailbox, clock):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)  # 2027-03-20 10:00 UTC
    assert [(m.payload["kind"], m.next_attempt_at) for m in pending_reminders()] == [
        ("24h", datetime(2027, 3, 19, 10, 0, tzinfo=UTC)),
        ("2h", datetime(2027, 3, 20, 8, 0, tzinfo=UTC)),
    ]
    mailbox.clear()

    tomorrow, in_2_hours = (
        "Your interview with Alpha Medical Center is tomorrow",
        "Your interview with Alpha Medical Center starts in two hours",
    )
    assert reminders_around(clock, mailbox, "doctor@example.org", datetime(2027, 3, 19, 10, 0, tzinfo=UTC)) == (
        [],
        [tomorrow],
    )
    assert reminders_around(clock, mailbox, "doctor@example.org", datetime(2027, 3, 20, 8, 0, tzinfo=UTC)) == (
        [tomorrow],
        [tomorrow, in_2_hours],
    )
    text = mailbox.text(inbox(mailbox, "doctor@example.org")[-1])
    assert "is in two hours" in text and "Saturday 20 March 2027, 10:00 (London)" in text
    assert pending_reminders() == []


def test_t6_reminder_and_cutoff_across_the_clock_change_count_elapsed_hours(client, db_session, login, mailbox, clock):
    fair = make_fair(
        name="MedEx London spring",
        starts_on=date(2027, 3, 28),
        ends_on=date(2027, 3, 28),
        booking_closes_at=datetime(2027, 3, 27, 18, 0, tzinfo=LONDON),
    )
    employer = make_employer()
    slots = add_slots(
        register_employer(fair, employer), 0, start=time(10, 0), end=time(10, 20), actor=employer.recruiter
    )
    assert slots[0].starts_at == datetime(2027, 3, 28, 9, 0, tzinfo=UTC)  # 10:00 BST
    doctor = make_doctor(email="spring@example.org")
    db_session.commit()
    login(doctor)
    assert client.post(f"/fairs/{fair.slug}/slots/{slots[0].id}/book", headers=HTMX).status_code == 200
    [booking] = confirmed(doctor_id=doctor.id)
    mailbox.clear()

    # 24 elapsed hours before is 09:00 GMT on Saturday, not 10:00 "the same wall-clock time yesterday".
    before, at_due = reminders_around(clock, mailbox, "spring@example.org", datetime(2027, 3, 27, 9, 0, tzinfo=UTC))
    assert (before, len(at_due)) == ([], 1)

    # The cutoff is the same instant: cancelling at 09:00:00Z is still allowed, one second later not.
    with db.session.no_autoflush:
        clock.move_to(datetime(2027, 3, 27, 9, 0, 1, tzinfo=UTC))
        late = client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX)
        assert late.status_code == 409
        clock.move_to(datetime(2027, 3, 27, 9, 0, tzinfo=UTC))
        assert client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX).status_code == 200


def test_r2_a_booking_made_3_hours_before_gets_only_the_2_hour_reminder(client, db_session, login, mailbox, clock):
    fair = make_fair(name="Late booking fair", booking_closes_at=datetime(2027, 3, 20, 17, 0, tzinfo=UTC))
    employer = make_employer()
    slots = add_slots(
        register_employer(fair, employer), 0, start=time(13, 0), end=time(13, 20), actor=employer.recruiter
    )
    doctor = make_doctor(email="late@example.org")
    db_session.commit()
    clock.move_to(datetime(2027, 3, 20, 10, 0, tzinfo=UTC))
    login(doctor)
    assert client.post(f"/fairs/{fair.slug}/slots/{slots[0].id}/book", headers=HTMX).status_code == 200

    assert [m.payload["kind"] for m in pending_reminders()] == ["2h"]
    clock.move_to(datetime(2027, 3, 20, 11, 0, tzinfo=UTC))
    outbox.drain()
    assert reminders_to(mailbox, "late@example.org") == [
        "Your interview with " + employer.org.name + " starts in two hours"
    ]


def test_r3_a_moved_booking_gets_new_reminders_and_the_stale_ones_are_skipped(client, world, login, mailbox, clock):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)  # 10:00
    [booking] = confirmed(doctor_id=world.doctor.id)
    assert (
        client.post(f"/me/bookings/{booking.id}/move", data={"slot_id": world.a_slots[5].id}, headers=HTMX).status_code
        == 200
    )  # 11:40
    mailbox.clear()

    clock.move_to(datetime(2027, 3, 19, 10, 0, tzinfo=UTC))  # when the 10:00 reminder was due
    outbox.drain()
    assert reminders_to(mailbox, "doctor@example.org") == []
    clock.move_to(datetime(2027, 3, 19, 11, 40, tzinfo=UTC))
    outbox.drain()
    assert reminders_to(mailbox, "doctor@example.org") == ["Your interview with Alpha Medical Center is tomorrow"]
    clock.move_to(datetime(2027, 3, 20, 9, 40, tzinfo=UTC))
    outbox.drain()
    assert len(reminders_to(mailbox, "doctor@example.org")) == 2
    assert "11:40" in mailbox.text(inbox(mailbox, "doctor@example.org")[-1])


def test_r3_moved_by_the_employer_after_the_24h_reminder_was_sent(client, world, login, mailbox, clock, db_session):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)  # 10:00
    [booking] = confirmed(doctor_id=world.doctor.id)
    clock.move_to(datetime(2027, 3, 19, 10, 0, tzinfo=UTC))
    outbox.drain()
    assert reminders_to(mailbox, "doctor@example.org") == ["Your interview with Alpha Medical Center is tomorrow"]

    # Within the cutoff only the employer can move it: to 11:00 the next day.
    clock.move_to(datetime(2027, 3, 19, 12, 0, tzinfo=UTC))
    interviews.reschedule(booking, world.a_slots[3].id, world.a.recruiter)
    db_session.commit()
    mailbox.clear()

    assert [(m.payload["kind"], m.payload["sequence"]) for m in pending_reminders()] == [("2h", 0), ("2h", 1)]
    clock.move_to(datetime(2027, 3, 20, 8, 0, tzinfo=UTC))  # the old 2 h reminder's time: skipped
    outbox.drain()
    assert reminders_to(mailbox, "doctor@example.org") == []
    clock.move_to(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    outbox.drain()
    assert reminders_to(mailbox, "doctor@example.org") == [
        "Your interview with Alpha Medical Center starts in two hours"
    ]


def test_r3_a_cancelled_booking_gets_no_reminder(client, world, login, mailbox, clock):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    [booking] = confirmed(doctor_id=world.doctor.id)
    client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX)
    mailbox.clear()

    clock.move_to(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    outbox.drain()

    assert mailbox.messages() == []
    assert pending_reminders() == []  # dropped when they came due
    assert db.session.get(Booking, booking.id).status.value == "cancelled"
