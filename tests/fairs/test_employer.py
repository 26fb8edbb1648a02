"""Employers at a fair: registering tables, generating and managing slots, cancelling with a
message, booking for applicants, invitations, the agenda, the CSV export and attendance (N1)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from jobboard.applications.models import Stage
from jobboard.core import spreadsheets
from jobboard.core.errors import DomainError
from jobboard.extensions import db
from jobboard.fairs import interviews, registrations
from jobboard.fairs.models import (
    Attendance,
    Booking,
    BookingInvitation,
    BookingMode,
    BookingStatus,
    FairRegistration,
    Slot,
    SlotStatus,
)
from tests.fairs.conftest import (
    HTMX,
    UTC,
    add_slots,
    book_url,
    confirmed,
    count,
    make_application,
    make_doctor,
    make_fair,
    register_employer,
    table_slots,
    text_of,
)


def org_url(w, employer, rest: str) -> str:
    return f"/org/{employer.org.slug}{rest}"


# --- registration --------------------------------------------------------------------------------


def test_a_recruiter_registers_with_tables_and_a_booking_mode(client, world, login, db_session):
    login(world.c.recruiter)
    url = org_url(world, world.c, f"/fairs/{world.fair.id}/register")
    assert client.get(url).status_code == 200

    response = client.post(
        url, data={"tables": "Table A | Dr. Levi, Ms. Cohen\n\nTable B\n", "mode": "open", "profession_slug": "nurse"}
    )

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/fairs/{world.fair.id}")
    registration = db.session.scalar(select(FairRegistration).where(FairRegistration.org_id == world.c.org.id))
    assert (registration.booking_mode, registration.profession_slug) == (BookingMode.OPEN, "nurse")
    assert [(t.label, t.interviewers) for t in registration.tables] == [
        ("Table A", "Dr. Levi, Ms. Cohen"),
        ("Table B", ""),
    ]
    again = client.post(url, data={"tables": "Table C", "mode": "open"})
    assert again.status_code == 422 and "already registered" in text_of(again)


def test_registration_needs_distinct_labels_and_a_recruiter(client, world, login):
    url = org_url(world, world.c, f"/fairs/{world.fair.id}/register")
    login(world.c.recruiter)
    response = client.post(url, data={"tables": "Table 1\ntable 1", "mode": "invited"})
    assert response.status_code == 422 and "Each table needs its own label." in text_of(response)
    login(world.c.viewer)
    assert client.post(url, data={"tables": "Table 1", "mode": "invited"}).status_code == 403
    assert count(FairRegistration, FairRegistration.org_id == world.c.org.id) == 0


def test_the_booking_mode_can_be_changed(client, world, login):
    login(world.b.recruiter)
    response = client.post(
        org_url(world, world.b, f"/fairs/{world.fair.id}/settings"), data={"mode": "open", "profession_slug": ""}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FairRegistration, world.reg_b.id).booking_mode == BookingMode.OPEN


# --- slots -------------------------------------------------------------------------------------------


def _generate(client, world, **fields):
    data = {
        "table_id": world.reg_a.tables[0].id,
        "day": "2027-03-20",
        "start": "13:00",
        "end": "15:00",
        "minutes": "20",
        "breaks": "",
    }
    data.update(fields)
    return client.post(org_url(world, world.a, f"/fairs/{world.fair.id}/slots"), data=data)


def test_slots_are_generated_around_breaks(client, world, login):
    login(world.a.recruiter)

    response = _generate(client, world, breaks="13:40-14:20")

    assert response.status_code == 302
    afternoon = [s for s in table_slots(world.reg_a.tables[0].id) if s.starts_at.hour >= 13]
    assert [s.starts_at.strftime("%H:%M") for s in afternoon] == ["13:00", "13:20", "14:20", "14:40"]
    assert all(s.ends_at - s.starts_at == timedelta(minutes=20) for s in afternoon)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"start": "08:00"}, "The fair is open from 09:00 to 17:00."),
        ({"end": "17:30"}, "The fair is open from 09:00 to 17:00."),
        ({"day": "2027-03-21"}, "Not a valid choice"),
        ({"end": "12:00"}, "The end must be after the start."),
        ({"breaks": "noon"}, "Write breaks as 12:30-13:15"),
        ({"breaks": "14:00-13:00"}, "Each break must end after it starts."),
        ({"minutes": "2"}, None),
        ({"minutes": "NaN"}, None),
    ],
)
def test_bad_slot_input_is_refused_with_422(client, world, login, fields, message):
    login(world.a.recruiter)
    before = count(Slot)

    response = _generate(client, world, **fields)

    assert response.status_code == 422
    if message:
        assert message in text_of(response)
    assert count(Slot) == before


def test_the_service_refuses_a_day_outside_the_fair(world, db_session):
    with pytest.raises(DomainError, match="Choose a day of the fair"):
        registrations.generate_slots(
            world.reg_a.tables[0],
            world.a.recruiter,
            day=date(2027, 3, 21),
            start=time(10, 0),
            end=time(11, 0),
            minutes=20,
            breaks=[],
            posting=None,
            video_link=None,
        )


def test_c18_generating_again_never_replaces_existing_slots(client, world, login):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[1]), headers=HTMX)
    before = {(s.id, s.starts_at) for s in table_slots(world.reg_a.tables[0].id)}
    login(world.a.recruiter)

    # 09:00–13:00 in 30-minute slots overlaps the existing 10:00–12:00 ones: only the free room is used.
    response = _generate(client, world, start="09:00", end="13:00", minutes="30")

    assert response.status_code == 302
    after = table_slots(world.reg_a.tables[0].id)
    assert before <= {(s.id, s.starts_at) for s in after}
    assert [s.starts_at.strftime("%H:%M") for s in after] == [
        "09:00",
        "09:30",
        "10:00",
        "10:20",
        "10:40",
        "11:00",
        "11:20",
        "11:40",
        "12:00",
        "12:30",
    ]
    for (_, end), (next_start, _) in pairwise([(s.starts_at, s.ends_at) for s in after]):
        assert end <= next_start
    assert confirmed(slot_id=world.a_slots[1].id)


def test_unbooked_slots_can_be_blocked_unblocked_and_deleted(client, world, login):
    login(world.a.recruiter)
    slot = world.a_slots[2]

    assert client.post(org_url(world, world.a, f"/slots/{slot.id}/block")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).status == SlotStatus.BLOCKED
    assert client.post(org_url(world, world.a, f"/slots/{slot.id}/unblock")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Slot, slot.id).status == SlotStatus.OPEN
    assert client.post(org_url(world, world.a, f"/slots/{slot.id}/delete")).status_code == 302
    db.session.expire_all()
    assert db.session.get(Slot, slot.id) is None


def test_c18_a_booked_slot_cannot_be_blocked_or_deleted_only_cancelled_with_a_message(client, world, login, mailbox):
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    [booking] = confirmed(doctor_id=world.doctor.id)
    login(world.a.recruiter)

    for action, message in (
        ("block", "This slot is booked: cancel the booking"),
        ("delete", "This slot has bookings (past or present); block it instead"),
    ):
        response = client.post(org_url(world, world.a, f"/slots/{world.a_slots[0].id}/{action}"))
        assert response.status_code == 409 and message in text_of(response)
    cancel_url = org_url(world, world.a, f"/bookings/{booking.id}/cancel")
    assert client.post(cancel_url, data={"message": ""}).status_code == 422
    assert client.post(cancel_url, data={"message": "Sorry, the table is closing."}).status_code == 302

    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.CANCELLED
    assert db.session.get(Slot, world.a_slots[0].id) is not None
    # A slot that had a booking is kept for the record; it can be blocked now.
    assert client.post(org_url(world, world.a, f"/slots/{world.a_slots[0].id}/delete")).status_code == 409
    assert client.post(org_url(world, world.a, f"/slots/{world.a_slots[0].id}/block")).status_code == 302


# --- booking for an applicant ---------------------------------------------------------------------------


def test_an_employer_books_for_its_applicant_under_the_same_rules(client, world, login, db_session, mailbox):
    application = make_application(world.doctor, world.b.org)
    foreign = make_application(world.other, world.a.org)
    db_session.commit()
    login(world.b.recruiter)
    url = org_url(world, world.b, f"/fairs/{world.fair.id}/book")
    assert "Book for an applicant" in text_of(client.get(org_url(world, world.b, f"/fairs/{world.fair.id}")))

    response = client.post(url, data={"application_id": application.id, "slot_id": world.b_slots[0].id})

    assert response.status_code == 302
    [booking] = confirmed(doctor_id=world.doctor.id)
    assert (booking.booked_by_id, booking.application_id, booking.org_id) == (
        world.b.recruiter.id,
        application.id,
        world.b.org.id,
    )
    assert "Beta Hospital has booked an interview with you" in mailbox.text(mailbox.last_to("doctor@example.org"))
    # The same rules: the doctor is busy at 10:00 elsewhere now; another employer's applicant or slot is not found.
    login(world.doctor)
    assert client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX).status_code == 409
    login(world.b.recruiter)
    assert client.post(url, data={"application_id": application.id, "slot_id": world.b_slots[2].id}).status_code == 409
    assert client.post(url, data={"application_id": foreign.id, "slot_id": world.b_slots[3].id}).status_code == 404
    assert client.post(url, data={"application_id": application.id, "slot_id": world.a_slots[3].id}).status_code == 404
    assert len(confirmed()) == 1


@pytest.mark.parametrize("stage", [Stage.APPLIED, Stage.REJECTED, Stage.WITHDRAWN, Stage.HIRED])
def test_an_employer_cannot_book_for_an_application_it_does_not_interview(client, world, login, db_session, stage):
    """The server holds the stages the form offers: a withdrawn or rejected applicant (whom the
    doctor could then not even cancel inside the cutoff) is not booked."""
    application = make_application(world.doctor, world.b.org, stage=stage)
    db_session.commit()
    login(world.b.recruiter)

    response = client.post(
        org_url(world, world.b, f"/fairs/{world.fair.id}/book"),
        data={"application_id": application.id, "slot_id": world.b_slots[0].id},
    )

    assert response.status_code == 409
    assert f"This application is {stage.label.lower()}; book interviews for applicants in screening" in text_of(
        response
    )
    assert confirmed() == []


def test_the_doctor_may_cancel_an_interview_the_employer_booked_even_inside_the_cutoff(
    client, world, login, db_session, clock, mailbox
):
    application = make_application(world.doctor, world.b.org)
    db_session.commit()
    login(world.b.recruiter)
    client.post(
        org_url(world, world.b, f"/fairs/{world.fair.id}/book"),
        data={"application_id": application.id, "slot_id": world.b_slots[0].id},
    )
    [booking] = confirmed(doctor_id=world.doctor.id)
    clock.move_to(booking.starts_at - timedelta(hours=2))
    login(world.doctor)

    page = text_of(client.get(f"/fairs/{world.fair.slug}"))
    assert "Beta Hospital booked this time for you: you can cancel it, or contact them to move it." in page
    moved = client.post(f"/me/bookings/{booking.id}/move", data={"slot_id": world.b_slots[1].id}, headers=HTMX)
    assert moved.status_code == 409
    assert "Cancel" in text_of(client.get("/me/fairs"))
    response = client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX)

    assert response.status_code == 200
    assert confirmed() == []


def test_an_invitation_of_an_application_since_withdrawn_books_nothing(client, world, login, db_session):
    application = make_application(world.doctor, world.b.org, stage=Stage.SCREENING)
    db_session.commit()
    login(world.b.recruiter)
    client.post(org_url(world, world.b, f"/applications/{application.id}/invite"), data={"fair_id": world.fair.id})
    application.stage = Stage.WITHDRAWN
    db_session.commit()
    login(world.doctor)

    response = client.post(book_url(world.fair, world.b_slots[0]), headers=HTMX)

    assert response.status_code == 403 and "invited applicants only" in text_of(response)
    assert confirmed() == []


# --- invitations (C10) ---------------------------------------------------------------------------------------


def test_c10_an_invitation_from_the_pipeline_books_once(client, world, login, db_session, mailbox):
    application = make_application(world.doctor, world.b.org, stage=Stage.SCREENING)
    db_session.commit()
    login(world.b.recruiter)

    response = client.post(
        org_url(world, world.b, f"/applications/{application.id}/invite"), data={"fair_id": world.fair.id}
    )

    assert response.status_code == 302
    message = mailbox.last_to("doctor@example.org")
    assert message["Subject"] == "Book your interview with Beta Hospital at MedEx London"
    link = mailbox.link(message, f"/fairs/{world.fair.slug}")
    assert "invitation=" in link
    # The link is the doctor's own: another doctor is told so; a tampered one is refused.
    login(world.other)
    other = client.get(link)
    assert other.status_code == 403 and "This invitation is for another account." in text_of(other)
    assert client.post(book_url(world.fair, world.b_slots[0]), headers=HTMX).status_code == 403
    login(world.doctor)
    assert client.get(link[:-3] + "xyz").status_code == 400
    page = client.get(link)
    assert page.status_code == 200
    assert "Beta Hospital interviews invited applicants only." not in text_of(page)

    booked = client.post(book_url(world.fair, world.b_slots[0]), headers=HTMX)

    assert booked.status_code == 200
    [booking] = confirmed(doctor_id=world.doctor.id)
    assert booking.application_id == application.id
    invitation = db.session.scalar(select(BookingInvitation).where(BookingInvitation.application_id == application.id))
    assert invitation.used_at is not None
    # It cannot be replayed: after cancelling, the same invitation does not book again.
    assert client.post(f"/me/bookings/{booking.id}/cancel", headers=HTMX).status_code == 200
    assert client.get(link).status_code == 200
    replay = client.post(book_url(world.fair, world.b_slots[1]), headers=HTMX)
    assert replay.status_code == 403 and "invited applicants only" in text_of(replay)
    assert confirmed(doctor_id=world.doctor.id) == []


@pytest.mark.parametrize("stage", [Stage.APPLIED, Stage.REJECTED, Stage.WITHDRAWN, Stage.HIRED])
def test_only_applicants_in_screening_interview_or_offer_are_invited(client, world, login, db_session, stage):
    application = make_application(world.doctor, world.b.org, stage=stage)
    db_session.commit()
    login(world.b.recruiter)
    response = client.post(
        org_url(world, world.b, f"/applications/{application.id}/invite"), data={"fair_id": world.fair.id}
    )
    assert response.status_code == 409 and "Invite applicants in screening, interview or offer." in text_of(response)
    # An employer not registered for the fair cannot invite to it.
    other = make_application(world.doctor, world.c.org)
    db_session.commit()
    login(world.c.recruiter)
    assert (
        client.post(
            org_url(world, world.c, f"/applications/{other.id}/invite"), data={"fair_id": world.fair.id}
        ).status_code
        == 404
    )


@pytest.mark.parametrize("page", ["", "/agenda", "/agenda.csv", "/register"])
def test_a_draft_fair_does_not_exist_on_the_employers_pages(client, world, login, db_session, page):
    draft = make_fair(publish=False, name="MedEx Secret Plans", city="Paris")
    db_session.commit()
    login(world.a.viewer if page != "/register" else world.a.recruiter)

    response = client.get(org_url(world, world.a, f"/fairs/{draft.id}{page}"))

    assert response.status_code == 404
    assert "Secret Plans" not in response.get_data(as_text=True)


# --- agenda, CSV, attendance ------------------------------------------------------------------------------------


@pytest.fixture
def two_day(world, db_session):
    fair = make_fair(
        name="MedEx Two Days",
        starts_on=date(2027, 3, 20),
        ends_on=date(2027, 3, 21),
        booking_closes_at=datetime(2027, 3, 20, 9, 0, tzinfo=UTC),
    )
    registration = register_employer(fair, world.a, tables=("Table 1",))
    saturday = add_slots(registration, 0, day=date(2027, 3, 20), actor=world.a.recruiter)
    sunday = [
        s
        for s in add_slots(registration, 0, day=date(2027, 3, 21), actor=world.a.recruiter)
        if s.starts_at.date() == date(2027, 3, 21)
    ]
    formula = make_doctor(email="formula@example.org", full_name='=HYPERLINK("http://evil.example","Click")')
    interviews.book(world.doctor, saturday[0].id, world.doctor)
    interviews.book(formula, sunday[1].id, formula)
    db_session.commit()
    return fair


def test_the_agenda_shows_one_day_per_page(client, world, login, two_day):
    login(world.a.viewer)
    base = org_url(world, world.a, f"/fairs/{two_day.id}/agenda")

    saturday = text_of(client.get(base))
    sunday = text_of(client.get(base + "?day=2027-03-21"))

    assert "Saturday 20 March 2027" in saturday and "Miriam Testdoc" in saturday
    assert "HYPERLINK" not in saturday
    assert "Sunday 21 March 2027" in sunday and "Miriam Testdoc" not in sunday and "HYPERLINK" in sunday
    assert "10:20–10:40" in sunday
    assert client.get(base + "?day=nonsense").status_code == 200


def test_the_csv_export_neutralises_formulas(client, world, login, two_day):
    login(world.a.viewer)

    response = client.get(org_url(world, world.a, f"/fairs/{two_day.id}/agenda.csv"))

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["date", "start", "end", "table", "doctor", "email", "posting", "attendance"]
    assert rows[1][:5] == ["2027-03-20", "10:00", "10:20", "Table 1", "Miriam Testdoc"]
    assert rows[2][:5] == ["2027-03-21", "10:20", "10:40", "Table 1", '\'=HYPERLINK("http://evil.example","Click")']
    assert len(rows) == 3


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+972", "'+972"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Dr. Levi", "Dr. Levi"),
        (None, ""),
    ],
)
def test_csv_cells(value, expected):
    assert spreadsheets.csv_cell(value) == expected


def test_n1_attendance_only_after_the_interview_starts_and_never_on_a_cancelled_booking(
    client, world, login, clock, two_day
):
    [booking] = confirmed(doctor_id=world.doctor.id, fair_id=two_day.id)
    url = org_url(world, world.a, f"/bookings/{booking.id}/attendance")
    login(world.a.recruiter)

    early = client.post(url, data={"attendance": "attended"})
    assert early.status_code == 409 and "once the interview has started" in text_of(early)

    clock.move_to(booking.starts_at)
    login(world.a.recruiter)
    agenda = client.get(org_url(world, world.a, f"/fairs/{two_day.id}/agenda"))
    assert f"/bookings/{booking.id}/attendance" in agenda.get_data(as_text=True)
    assert client.post(url, data={"attendance": "no_show"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).attendance == Attendance.NO_SHOW
    rows = list(
        csv.reader(
            io.StringIO(client.get(org_url(world, world.a, f"/fairs/{two_day.id}/agenda.csv")).get_data(as_text=True))
        )
    )
    assert rows[1][7] == "no_show"
    assert client.post(url, data={"attendance": "maybe"}).status_code == 422
    login(world.a.viewer)
    assert client.post(url, data={"attendance": "attended"}).status_code == 403

    interviews.cancel(db.session.get(Booking, booking.id), world.a.recruiter, "Closed early.")
    db.session.commit()
    login(world.a.recruiter)
    assert client.post(url, data={"attendance": "attended"}).status_code == 409
