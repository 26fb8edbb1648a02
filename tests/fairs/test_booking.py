"""Doctors booking, moving and cancelling, and the rules every booking obeys (scheduling.md
C3, C8–C17), through the pages a doctor uses."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from icalendar import Calendar

from jobboard.core import outbox
from jobboard.core.errors import Conflict
from jobboard.extensions import db
from jobboard.fairs import interviews, registrations
from jobboard.fairs.models import Booking, BookingStatus, Slot
from tests.fairs.conftest import (
    HTMX,
    UTC,
    add_slots,
    book_url,
    calendar_part,
    confirmed,
    count,
    make_doctor,
    make_employer,
    make_fair,
    only_event,
    register_employer,
    text_of,
)


def book(client, w, slot, **kwargs):
    return client.post(book_url(w.fair, slot), headers=HTMX, **kwargs)


def assert_refused(response, status: int, reason: str) -> None:
    """Answered ``status``, with ``reason`` on the page."""
    assert response.status_code == status, response.status_code
    assert reason in text_of(response), text_of(response)[:500]


def subjects_to(mailbox, address: str) -> list[str]:
    return [m["Subject"] for m in mailbox.to(address)]


# --- the fair page and booking ---------------------------------------------------------------


def test_the_fair_page_shows_each_employer_with_its_free_slots_and_why_one_cannot_book(client, world, login):
    login(world.doctor)

    response = client.get(f"/fairs/{world.fair.slug}")

    assert response.status_code == 200
    page = text_of(response)
    assert "Alpha Medical Center" in page and "Beta Hospital" in page
    # One button per time (the first free table's slot stands for all tables free at it).
    assert "Sat 10:00 Table 1" in page and "Sat 11:40 Table 1" in page
    assert page.count("Sat 11:40") == 1
    assert "Beta Hospital interviews invited applicants only." in page
    assert "Gamma Clinic" not in page  # not registered


def test_the_fair_page_links_each_employer_and_names_the_positions_its_slots_are_for(client, world, db_session):
    from tests.applications.conftest import make_posting

    posting = make_posting(world.a.org, title="Pediatrician, day ward")
    registrations.generate_slots(
        world.reg_a.tables[0],
        world.a.recruiter,
        day=world.fair.starts_on,
        start=time(14, 0),
        end=time(15, 0),
        minutes=30,
        breaks=[],
        posting=posting,
        video_link=None,
    )
    db_session.commit()

    response = client.get(f"/fairs/{world.fair.slug}")
    body = response.get_data(as_text=True)
    assert 'href="/employers/alpha-mc"><bdi>Alpha Medical Center</bdi></a>' in body
    assert "Interviewing for: Pediatrician, day ward" in text_of(response)
    assert text_of(response).count("Interviewing for:") == 1  # Beta's slots are for no posting


def test_a_time_that_falls_on_another_day_in_the_viewers_zone_says_the_day(client, world, login, db_session):
    world.doctor.time_zone = "Pacific/Auckland"  # London 11:00 on Saturday 20 March is Sunday 00:00 there
    world.other.time_zone = "Europe/Paris"  # 11:00 the same day
    db_session.commit()
    login(world.doctor)
    page = text_of(client.get(f"/fairs/{world.fair.slug}"))
    assert "Sat 10:40 (23:40) Table 1" in page and "Sat 11:00 (Sun 00:00) Table 1" in page
    assert "Times in brackets are in your time zone (Auckland)." in page
    login(world.other)
    assert "Sat 10:00 (11:00) Table 1" in text_of(client.get(f"/fairs/{world.fair.slug}"))


def test_booking_by_htmx_returns_the_grid_fragment_and_mails_the_invitation(client, world, login, mailbox):
    login(world.doctor)
    slot = world.a_slots[0]

    response = book(client, world, slot)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and "<!doctype" not in body.lower()  # only the grid
    assert "Your interview: Saturday 20 March, 10:00 at Table 1." in text_of(response)
    # The booked slot left the grid; the others are still there.
    assert f"/slots/{slot.id}/book" not in body
    assert f"/slots/{world.a_slots[1].id}/book" not in body  # now shown as "move to" forms
    assert "/move" in body
    [booking] = confirmed(doctor_id=world.doctor.id)
    assert (booking.slot_id, booking.starts_at, booking.ends_at) == (slot.id, slot.starts_at, slot.ends_at)
    assert booking.booked_by_id == world.doctor.id
    assert subjects_to(mailbox, "doctor@example.org") == [
        "An interview with Alpha Medical Center at MedEx London is booked"
    ]
    # The confirmation reaches the page's alert area out of band, and is not shown again later.
    assert 'id="flash-area" hx-swap-oob="innerHTML"' in body
    assert "Booked: Alpha Medical Center, Saturday 20 March, 10:00." in text_of(response)
    assert "Booked: Alpha Medical Center" not in text_of(client.get("/me/fairs"))


def test_booking_without_htmx_redirects_to_the_fair_page(client, world, login):
    login(world.doctor)
    response = client.post(book_url(world.fair, world.a_slots[0]))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/fairs/{world.fair.slug}")


def test_c3_a_double_submit_books_once_and_mails_once(client, world, login, mailbox):
    login(world.doctor)
    slot = world.a_slots[0]

    first, second = book(client, world, slot), book(client, world, slot)

    assert first.status_code == 200
    assert_refused(second, 409, "You have already booked this slot.")
    assert len(confirmed(doctor_id=world.doctor.id)) == 1
    assert subjects_to(mailbox, "doctor@example.org") == [
        "An interview with Alpha Medical Center at MedEx London is booked"
    ]


def test_a_slot_of_a_draft_fair_or_an_unknown_slot_is_not_found(client, world, login, db_session):
    login(world.doctor)
    draft = make_fair(publish=False, name="Draft fair")
    db_session.commit()
    assert client.post(f"/fairs/{draft.slug}/slots/{world.a_slots[0].id}/book").status_code == 404
    assert client.post(f"/fairs/{world.fair.slug}/slots/999999/book").status_code == 404
    assert confirmed() == []


def test_a_booking_the_database_refuses_is_a_409_naming_the_rule_it_broke(world, db_session, monkeypatch):
    """The constraints have the last word: when the checks let a booking through that a
    committed one forbids (a race lost), the insert does nothing and the rule is named."""
    slot = world.a_slots[0]
    interviews.book(world.other, slot.id, world.other)
    checks = interviews._check_doctor_free
    skipped = []

    def check_once_too_late(*args, **kwargs):
        if not skipped:  # the first check ran before the other booking committed
            skipped.append(True)
            return None
        return checks(*args, **kwargs)

    monkeypatch.setattr(interviews, "_check_doctor_free", check_once_too_late)
    queued = count(outbox.OutboxMessage)

    with pytest.raises(Conflict) as refused:
        interviews.book(world.doctor, slot.id, world.doctor)

    assert refused.value.message == "This slot was just taken. Choose another one."
    assert [b.doctor_id for b in confirmed(slot_id=slot.id)] == [world.other.id]
    assert count(outbox.OutboxMessage) == queued  # no mail, no reminder


def test_a_slot_booked_under_another_fairs_address_is_not_found_and_not_booked(client, world, login, db_session):
    login(world.doctor)
    other_fair = make_fair(name="MedEx Paris")
    db_session.commit()

    response = client.post(f"/fairs/{other_fair.slug}/slots/{world.a_slots[0].id}/book", headers=HTMX)

    assert response.status_code == 404
    assert confirmed() == []


# --- C8: time rules ----------------------------------------------------------------------------


def test_c8_booking_before_the_window_opens_is_refused_with_the_opening_time(client, world, login, clock):
    clock.move_to(datetime(2027, 1, 31, 12, 0, tzinfo=UTC))
    login(world.doctor)

    response = book(client, world, world.a_slots[0])

    assert_refused(response, 409, "Booking opens on 01 February 2027 at 09:00 (London).")
    assert confirmed() == []


def test_c8_booking_after_the_window_closed_is_refused(client, world, login, clock):
    clock.move_to(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))  # booking closes at 09:00 on the day
    login(world.doctor)

    response = book(client, world, world.a_slots[0])

    assert_refused(response, 409, "Booking for this fair has closed.")


def test_c8_a_slot_that_has_started_cannot_be_booked(client, db_session, login, clock):
    fair = make_fair(booking_closes_at=datetime(2027, 3, 20, 17, 0, tzinfo=UTC))  # booking open during the fair
    employer = make_employer()
    slots = add_slots(register_employer(fair, employer), 0, actor=employer.recruiter)
    doctor = make_doctor()
    db_session.commit()
    clock.move_to(datetime(2027, 3, 20, 10, 0, tzinfo=UTC))
    login(doctor)

    started = client.post(f"/fairs/{fair.slug}/slots/{slots[0].id}/book", headers=HTMX)
    later = client.post(f"/fairs/{fair.slug}/slots/{slots[1].id}/book", headers=HTMX)

    assert_refused(started, 409, "This slot has already started.")
    assert later.status_code == 200


def test_c8_a_blocked_slot_cannot_be_booked(client, world, login, db_session):
    registrations.set_slot_blocked(world.a_slots[0], world.a.recruiter, True)
    db_session.commit()
    login(world.doctor)

    response = book(client, world, world.a_slots[0])

    assert_refused(response, 409, "This slot is not available.")


# --- C10, C11: who may book ----------------------------------------------------------------------


def test_c11_open_mode_needs_a_complete_profile(client, world, login, db_session):
    incomplete = make_doctor(complete=False, email="incomplete@example.org")
    db_session.commit()
    login(incomplete)

    response = book(client, world, world.a_slots[0])

    assert_refused(response, 403, "Complete your profile to book interviews.")
    assert confirmed() == []


def test_c11_open_mode_with_a_profession_takes_only_that_profession(client, world, login, db_session):
    world.reg_a.profession_slug = "nurse"
    nurse = make_doctor(profession="nurse", email="nurse@example.org")
    db_session.commit()

    login(world.doctor)  # a physician
    refused = book(client, world, world.a_slots[0])
    login(nurse)
    accepted = book(client, world, world.a_slots[0])

    assert_refused(
        refused, 403, "At this fair, Alpha Medical Center interviews only candidates of the profession Nurse."
    )
    assert accepted.status_code == 200


def test_c10_invited_mode_without_an_invitation_is_refused_with_the_reason(client, world, login):
    login(world.doctor)

    response = book(client, world, world.b_slots[0])

    assert_refused(response, 403, "Beta Hospital interviews invited applicants only.")
    assert confirmed() == []


def test_an_unconfirmed_doctor_cannot_book(client, world, login, db_session):
    world.doctor.email_confirmed_at = None
    db_session.commit()
    login(world.doctor)
    response = book(client, world, world.a_slots[0])
    assert_refused(response, 403, "Confirm your e-mail address first.")


# --- C12–C14, C17: capacity, overlaps, one per employer ----------------------------------------------


def test_c12_parallel_tables_take_one_doctor_each_and_a_fourth_is_refused(client, world, login, db_session):
    employer = make_employer("Three Tables Hospital")
    registration = register_employer(world.fair, employer, tables=("T1", "T2", "T3"))
    at_ten = [
        add_slots(registration, i, start=time(10, 0), end=time(10, 20), actor=employer.recruiter)[0] for i in range(3)
    ]
    doctors = [make_doctor() for _ in range(4)]
    db_session.commit()

    for doctor, slot in zip(doctors, at_ten, strict=False):  # the fourth doctor comes after
        login(doctor)
        assert book(client, world, slot).status_code == 200
    login(doctors[3])
    for slot in at_ten:
        response = book(client, world, slot)
        assert_refused(response, 409, "This slot was just taken. Choose another one.")
    assert len(confirmed(org_id=employer.org.id)) == 3


def test_c12_one_doctor_cannot_take_two_parallel_tables(client, world, login):
    login(world.doctor)
    assert book(client, world, world.a_slots[0]).status_code == 200

    response = book(client, world, world.a_slots2[0])  # Table 2, also 10:00

    assert_refused(response, 409, "You already have an interview with Alpha Medical Center at that time.")
    assert len(confirmed(doctor_id=world.doctor.id)) == 1


def _second_open_employer(world, db_session, start: time):
    employer = make_employer("Delta Open Hospital")
    slots = add_slots(
        register_employer(world.fair, employer), 0, start=start, end=time(12, 0), actor=employer.recruiter
    )
    db_session.commit()
    return slots


def test_c13_back_to_back_at_two_employers_is_allowed_without_a_walking_gap(client, world, login, db_session):
    delta = _second_open_employer(world, db_session, time(10, 20))
    login(world.doctor)

    assert book(client, world, world.a_slots[0]).status_code == 200  # 10:00–10:20
    response = book(client, world, delta[0])  # 10:20–10:40

    assert response.status_code == 200
    assert len(confirmed(doctor_id=world.doctor.id)) == 2


@pytest.mark.parametrize("order", ["earlier first", "later first"])
def test_c13_back_to_back_is_refused_with_a_ten_minute_gap(client, world, login, db_session, order):
    world.fair.min_gap_minutes = 10
    delta = _second_open_employer(world, db_session, time(10, 20))
    login(world.doctor)
    first, second = (world.a_slots[0], delta[0]) if order == "earlier first" else (delta[0], world.a_slots[0])

    assert book(client, world, first).status_code == 200
    response = book(client, world, second)

    assert_refused(response, 409, "(allow 10 minutes to walk between tables)")
    # Twenty minutes later is fine.
    assert book(client, world, delta[1] if order == "earlier first" else world.a_slots[5]).status_code == 200


def test_the_grid_shows_times_that_clash_with_the_doctors_interviews_as_taken_walk_included(
    client, world, login, db_session
):
    world.fair.min_gap_minutes = 10
    delta = _second_open_employer(world, db_session, time(10, 20))  # 10:20, 10:40, 11:00 ... at Delta
    login(world.doctor)
    assert book(client, world, world.a_slots[0]).status_code == 200  # 10:00–10:20 at Alpha

    grid = client.get(f"/fairs/{world.fair.slug}").get_data(as_text=True)
    section = grid[grid.index("Delta Open Hospital") :]
    # 10:20 starts as the Alpha interview ends: no time to walk. 10:40 is free again.
    assert f'/slots/{delta[0].id}/book"' not in section
    assert "Sat 10:20 you are at Alpha Medical Center" in " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert f'/slots/{delta[1].id}/book"' in section


def test_c14_one_booking_per_doctor_per_employer_per_fair(client, world, login):
    login(world.doctor)
    assert book(client, world, world.a_slots[0]).status_code == 200

    response = book(client, world, world.a_slots[3])  # 11:00, no overlap

    assert_refused(
        response, 409, "You already have an interview with Alpha Medical Center at this fair. Move that one instead."
    )


def test_c17_a_cancelled_slot_can_be_booked_at_once_by_another_doctor(client, world, login, mailbox, clock, db_session):
    slot = world.a_slots[0]
    login(world.doctor)
    assert book(client, world, slot).status_code == 200
    [booking] = confirmed(doctor_id=world.doctor.id)
    assert client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX).status_code == 200

    login(world.other)
    response = book(client, world, slot)

    assert response.status_code == 200
    assert [b.doctor_id for b in confirmed(slot_id=slot.id)] == [world.other.id]
    # When the reminders come due, only the doctor now holding the slot hears.
    mailbox.clear()
    clock.move_to(slot.starts_at - timedelta(hours=2))
    outbox.drain()
    assert [m["Subject"] for m in mailbox.to("doctor@example.org")] == []
    assert len(mailbox.to("ilan@example.org")) == 2  # the 24 h and the 2 h reminder


# --- moving ------------------------------------------------------------------------------------------


def test_moving_keeps_the_booking_row_and_uid_and_raises_the_sequence(client, world, login, mailbox):
    login(world.doctor)
    book(client, world, world.a_slots[0])
    [booking] = confirmed(doctor_id=world.doctor.id)
    booking_id, uid = booking.id, booking.uid
    target = world.a_slots2[3]  # Table 2, 11:00

    response = client.post(f"/me/bookings/{booking_id}/move", data={"slot_id": target.id}, headers=HTMX)

    assert response.status_code == 200
    assert "Your interview: Saturday 20 March, 11:00 at Table 2." in text_of(response)
    db.session.expire_all()
    [moved] = confirmed(doctor_id=world.doctor.id)
    assert (moved.id, moved.uid, moved.sequence, moved.slot_id) == (booking_id, uid, 1, target.id)
    assert moved.starts_at == target.starts_at
    assert confirmed(slot_id=world.a_slots[0].id) == []  # the old slot is free again
    moved_mail = mailbox.last_to("doctor@example.org")
    assert moved_mail["Subject"] == "An interview with Alpha Medical Center at MedEx London has moved"
    event = only_event(calendar_part(moved_mail)[1])
    assert event["SEQUENCE"] == 1 and str(event["UID"]) == f"booking-{uid}@jobboard.test"


def test_moving_to_a_taken_slot_keeps_the_old_one(client, world, login, mailbox):
    login(world.other)
    book(client, world, world.a_slots[3])
    login(world.doctor)
    book(client, world, world.a_slots[0])
    [booking] = confirmed(doctor_id=world.doctor.id)
    mailbox.clear()

    response = client.post(f"/me/bookings/{booking.id}/move", data={"slot_id": world.a_slots[3].id}, headers=HTMX)

    assert_refused(response, 409, "This slot was just taken. Choose another one.")
    db.session.expire_all()
    kept = db.session.get(Booking, booking.id)
    assert (kept.slot_id, kept.sequence, kept.status) == (world.a_slots[0].id, 0, BookingStatus.CONFIRMED)
    assert mailbox.messages() == []
    # The old slot stayed booked throughout: nobody else can take it.
    login(world.other)
    assert book(client, world, world.a_slots[0]).status_code == 409


def test_moving_to_a_slot_of_another_employer_is_not_found(client, world, login, db_session):
    delta = _second_open_employer(world, db_session, time(11, 0))
    login(world.doctor)
    book(client, world, world.a_slots[0])
    [booking] = confirmed(doctor_id=world.doctor.id)

    for slot in (delta[0], world.b_slots[3]):
        response = client.post(f"/me/bookings/{booking.id}/move", data={"slot_id": slot.id}, headers=HTMX)
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).slot_id == world.a_slots[0].id


# --- C15, C16: the cancellation cutoff -------------------------------------------------------------


@pytest.mark.parametrize("hours_before, allowed", [(25, True), (24, True), (23, False)])
def test_c15_the_doctor_cancels_until_the_cutoff(client, world, login, clock, hours_before, allowed):
    login(world.doctor)
    book(client, world, world.a_slots[0])  # Saturday 10:00 UTC
    [booking] = confirmed(doctor_id=world.doctor.id)
    clock.move_to(booking.starts_at - timedelta(hours=hours_before))

    response = client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX)

    db.session.expire_all()
    if allowed:
        assert response.status_code == 200
        assert db.session.get(Booking, booking.id).status == BookingStatus.CANCELLED
    else:
        assert response.status_code == 409
        assert (
            "Interviews can be changed by you until 1 day before they start. "
            "Contact Alpha Medical Center to change this one."
        ) in text_of(response)
        assert db.session.get(Booking, booking.id).status == BookingStatus.CONFIRMED


def test_the_booking_mail_says_the_cutoff_in_days(client, world, login, mailbox):
    world.fair.cancel_cutoff_hours = 14 * 24
    db.session.commit()
    login(world.doctor)
    book(client, world, world.a_slots[0])
    [message] = mailbox.to("doctor@example.org")
    assert "You can move or cancel it until 14 days before it starts" in mailbox.text(message)


def test_c15_one_second_past_the_cutoff_is_refused(client, world, login, clock):
    login(world.doctor)
    book(client, world, world.a_slots[0])
    [booking] = confirmed(doctor_id=world.doctor.id)
    clock.move_to(booking.starts_at - timedelta(hours=24) + timedelta(seconds=1))
    assert client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX).status_code == 409


def test_c15_the_fair_page_offers_cancelling_only_before_the_cutoff(client, world, login, clock):
    login(world.doctor)
    book(client, world, world.a_slots[0])
    page = text_of(client.get(f"/fairs/{world.fair.slug}"))
    assert "cancel it until 19 March 10:00" in page

    clock.move_to(world.a_slots[0].starts_at - timedelta(hours=23))
    page = text_of(client.get(f"/fairs/{world.fair.slug}"))
    assert "To change it now, contact Alpha Medical Center." in page


def test_c16_after_the_cutoff_the_doctor_cannot_move_but_the_employer_can_cancel_with_a_message(
    client, world, login, clock, mailbox
):
    login(world.doctor)
    book(client, world, world.a_slots[0])
    [booking] = confirmed(doctor_id=world.doctor.id)
    clock.move_to(booking.starts_at - timedelta(hours=23))

    moved = client.post(f"/me/bookings/{booking.id}/move", data={"slot_id": world.a_slots[4].id}, headers=HTMX)
    assert_refused(moved, 409, "Contact Alpha Medical Center to change this one.")

    login(world.a.recruiter)
    url = f"/org/{world.a.org.slug}/bookings/{booking.id}/cancel"
    assert client.post(url, data={"message": "   "}).status_code == 422
    response = client.post(url, data={"message": "Our interviewer is ill; please book again."})

    assert response.status_code == 302
    db.session.expire_all()
    cancelled = db.session.get(Booking, booking.id)
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_by_id == world.a.recruiter.id
    assert cancelled.cancel_message == "Our interviewer is ill; please book again."
    message = mailbox.last_to("doctor@example.org")
    assert "Message: Our interviewer is ill; please book again." in mailbox.text(message)
    assert "METHOD:CANCEL" in calendar_part(message)[1].to_ical().decode()


def test_cancelling_twice_is_a_conflict(client, world, login):
    login(world.doctor)
    book(client, world, world.a_slots[0])
    [booking] = confirmed(doctor_id=world.doctor.id)
    assert client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX).status_code == 200
    second = client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX)
    assert_refused(second, 409, "This booking is already cancelled.")


# --- my schedule ---------------------------------------------------------------------------------------


def test_my_schedule_and_its_calendar_list_only_confirmed_bookings_in_time_order(
    client, world, login, db_session, mailbox
):
    delta = _second_open_employer(world, db_session, time(10, 0))
    epsilon = make_employer("Epsilon Hospital")
    e_slots = add_slots(register_employer(world.fair, epsilon), 0, actor=epsilon.recruiter)
    db_session.commit()
    login(world.doctor)
    book(client, world, world.a_slots[5])  # 11:40
    book(client, world, delta[0])  # 10:00
    book(client, world, e_slots[2])  # 10:40, then cancelled
    uids = {}
    for message in mailbox.to("doctor@example.org"):
        event = only_event(calendar_part(message)[1])
        uids[str(event["UID"])] = event
    [cancelled] = [b for b in confirmed(doctor_id=world.doctor.id) if b.org_id == epsilon.org.id]
    assert client.post(f"/me/bookings/{cancelled.id}/cancel", headers=HTMX).status_code == 200

    page = client.get("/me/fairs")
    assert page.status_code == 200
    text = text_of(page)
    assert text.index("Delta Open Hospital") < text.index("Alpha Medical Center")
    assert "Epsilon Hospital" not in text

    response = client.get("/me/fairs/schedule.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert [e["SUMMARY"] for e in events] == [
        "Interview with Delta Open Hospital – MedEx London",
        "Interview with Alpha Medical Center – MedEx London",
    ]
    assert [e.decoded("DTSTART") for e in events] == sorted(e.decoded("DTSTART") for e in events)
    # The same UIDs as the invitations, so importing does not duplicate them.
    assert {str(e["UID"]) for e in events} < set(uids)
    assert f"booking-{cancelled.uid}@jobboard.test" not in {str(e["UID"]) for e in events}
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {"Europe/London"}


# --- service-level guards the pages do not reach ------------------------------------------------------------


def test_a_recruiter_cannot_book_through_the_doctors_path_without_an_application(world, db_session):
    with pytest.raises(Exception) as error:
        interviews.book(world.doctor, world.a_slots[0].id, world.a.recruiter)
    assert getattr(error.value, "status_code", None) == 403
    assert confirmed() == []


def test_the_slot_row_is_locked_and_rechecked_so_a_stale_conflict_is_still_a_conflict(world, db_session):
    interviews.book(world.doctor, world.a_slots[0].id, world.doctor)
    with pytest.raises(Conflict, match="This slot was just taken"):
        interviews.book(world.other, world.a_slots[0].id, world.other)
    assert count(Slot) == 18
