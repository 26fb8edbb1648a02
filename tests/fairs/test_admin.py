"""Administrators create, edit, publish and cancel fairs (scheduling.md C19)."""

from __future__ import annotations

import re
from datetime import datetime, time

import pytest
from sqlalchemy import select

from jobboard.core import outbox
from jobboard.core.errors import Conflict, DomainError
from jobboard.extensions import db
from jobboard.fairs import interviews, organising, registrations
from jobboard.fairs.models import Booking, BookingStatus, Fair, FairStatus
from tests.factories import AdminFactory
from tests.fairs.conftest import (
    HTMX,
    UTC,
    book_url,
    calendar_part,
    confirmed,
    make_application,
    make_doctor,
    make_fair,
    only_event,
    pending_reminders,
    text_of,
)

FORM = {
    "name": "MedEx Manchester",
    "city": "Manchester",
    "country": "GB",
    "venue": "Town Hall",
    "address": "Albert Sq",
    "time_zone": "Europe/London",
    "starts_on": "2027-04-10",
    "ends_on": "2027-04-11",
    "opens_at": "09:00",
    "closes_at": "17:00",
    "booking_opens_at": "2027-03-01T09:00",
    "booking_closes_at": "2027-04-09T18:00",
    "min_gap_minutes": "5",
    "cancel_cutoff_hours": "24",
}


@pytest.fixture
def admin(db_session, clock, login):
    admin = AdminFactory(email="fair.admin@example.org")
    db_session.commit()
    login(admin)
    return admin


def test_an_admin_creates_a_draft_fair_with_times_in_its_zone(client, admin, clock):
    response = client.post("/admin/fairs/new", data=FORM)

    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/fairs")
    fair = db.session.scalar(select(Fair).where(Fair.name == "MedEx Manchester"))
    assert fair.status == FairStatus.DRAFT
    assert fair.slug == "medex-manchester-2027"
    assert fair.booking_opens_at == datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # GMT
    assert fair.booking_closes_at == datetime(2027, 4, 9, 17, 0, tzinfo=UTC)  # BST
    assert (fair.min_gap_minutes, fair.cancel_cutoff_hours) == (5, 24)
    assert client.get("/admin/fairs").status_code == 200
    # A draft is not public.
    assert client.get(f"/fairs/{fair.slug}").status_code == 404


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "Choose a time zone from the list (e.g. Europe/London)."),
        ({"time_zone": ""}, None),
        ({"ends_on": "2027-04-09"}, "The last day cannot be before the first."),
        ({"ends_on": "2027-04-30"}, "A fair lasts at most a week."),
        ({"closes_at": "08:00"}, "The fair must close after it opens."),
        ({"booking_closes_at": "2027-04-11T17:01"}, "Booking must close before the fair ends."),
        ({"booking_closes_at": "2027-02-01T09:00"}, "Booking must close after it opens."),
        ({"min_gap_minutes": "NaN"}, None),
        ({"min_gap_minutes": "inf"}, None),
        ({"min_gap_minutes": "-1"}, None),
        ({"min_gap_minutes": "61"}, None),
        ({"cancel_cutoff_hours": "99999999999999999999999999"}, None),
        ({"cancel_cutoff_hours": "1e309"}, None),
        ({"starts_on": "99999-01-01"}, None),
        ({"booking_opens_at": "2027-13-01T09:00"}, None),
        ({"name": ""}, None),
    ],
)
def test_bad_fair_input_is_refused_with_422(client, admin, changes, message):
    response = client.post("/admin/fairs/new", data={**FORM, **changes})

    assert response.status_code == 422
    if message:
        assert message in text_of(response)
    assert db.session.scalar(select(Fair).where(Fair.name == FORM["name"])) is None


def test_the_service_refuses_an_unknown_zone_too(db_session):
    from tests.fairs.conftest import fair_fields

    with pytest.raises(DomainError, match="Choose a time zone"):
        organising.save_fair(AdminFactory(), fair_fields(time_zone="Europe/Atlantis"))


def test_an_admin_edits_a_fair(client, admin, db_session, clock):
    fair = make_fair(admin)
    db_session.commit()
    assert client.get(f"/admin/fairs/{fair.id}/edit").status_code == 200

    response = client.post(
        f"/admin/fairs/{fair.id}/edit",
        data={
            **FORM,
            "name": "MedEx London (moved)",
            "starts_on": "2027-03-20",
            "ends_on": "2027-03-20",
            "booking_closes_at": "2027-03-19T18:00",
            "cancel_cutoff_hours": "48",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    fair = db.session.get(Fair, fair.id)
    assert (fair.name, fair.cancel_cutoff_hours, fair.status) == ("MedEx London (moved)", 48, FairStatus.PUBLISHED)
    bad = client.post(f"/admin/fairs/{fair.id}/edit", data={**FORM, "ends_on": "2027-01-01"})
    assert bad.status_code == 422


def test_publishing_a_draft_and_only_a_draft(client, admin, db_session):
    fair = make_fair(admin, publish=False)
    db_session.commit()

    assert client.post(f"/admin/fairs/{fair.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(Fair, fair.id).status == FairStatus.PUBLISHED
    again = client.post(f"/admin/fairs/{fair.id}/publish")
    assert again.status_code == 409 and "only a draft can be published" in text_of(again)
    assert client.get(f"/fairs/{fair.slug}").status_code == 200


def test_c19_cancelling_a_fair_cancels_every_booking_and_tells_everyone(
    client, world, login, mailbox, clock, db_session
):
    # Three bookings: two doctors at employer A, a third booked by employer B for an applicant.
    third = make_doctor(email="third@example.org")
    application = make_application(third, world.b.org)
    db_session.commit()
    login(world.doctor)
    client.post(book_url(world.fair, world.a_slots[0]), headers=HTMX)
    login(world.other)
    client.post(book_url(world.fair, world.a_slots[3]), headers=HTMX)
    interviews.book(third, world.b_slots[1].id, world.b.recruiter, application=application)
    db_session.commit()
    outbox.drain()
    bookings = {b.doctor.email: (b.id, b.uid) for b in confirmed()}
    assert len(bookings) == 3 and len(pending_reminders()) == 6
    mailbox.clear()
    login(world.admin)

    assert client.post(f"/admin/fairs/{world.fair.id}/cancel", data={"reason": "  "}).status_code == 422
    response = client.post(f"/admin/fairs/{world.fair.id}/cancel", data={"reason": "The venue flooded."})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Fair, world.fair.id).status == FairStatus.CANCELLED
    assert confirmed() == []
    for address, (booking_id, uid) in bookings.items():
        booking = db.session.get(Booking, booking_id)
        assert (booking.status, booking.sequence) == (BookingStatus.CANCELLED, 1)
        [message] = [m for m in mailbox.messages() if m["To"] == address]
        assert "The fair is cancelled: The venue flooded." in mailbox.text(message)
        part, calendar = calendar_part(message)
        event = only_event(calendar)
        assert part.get_param("method") == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == f"booking-{uid}@jobboard.test" and event["SEQUENCE"] == 1
    # The staff of both registered employers (recruiters and owners), not viewers nor other tenants.
    staff = {m["To"] for m in mailbox.messages() if m["Subject"] == "MedEx London is cancelled"}
    assert staff == {world.a.owner.email, world.a.recruiter.email, world.b.owner.email, world.b.recruiter.email}
    # Reminders never go out.
    mailbox.clear()
    clock.move_to(datetime(2027, 3, 20, 9, 0, tzinfo=UTC))
    outbox.drain()
    assert mailbox.messages() == []
    # Nobody can book any more, and the page says so.
    clock.move_to(datetime(2027, 3, 14, 9, 0, tzinfo=UTC))
    login(world.doctor)
    late = client.post(book_url(world.fair, world.a_slots[5]), headers=HTMX)
    assert late.status_code == 410 and "This fair is cancelled." in text_of(late)
    assert "This fair is cancelled: The venue flooded." in text_of(client.get(f"/fairs/{world.fair.slug}"))
    # And it cannot be cancelled twice or edited.
    login(world.admin)
    assert client.post(f"/admin/fairs/{world.fair.id}/cancel", data={"reason": "again"}).status_code == 409
    assert (
        client.post(
            f"/admin/fairs/{world.fair.id}/edit",
            data={**FORM, "starts_on": "2027-03-20", "ends_on": "2027-03-20", "booking_closes_at": "2027-03-19T18:00"},
        ).status_code
        == 422
    )


def test_new_slots_cannot_be_added_to_a_cancelled_fair(world, db_session):
    organising.cancel_fair(world.admin, world.fair, "Strike")
    with pytest.raises(Conflict):
        registrations.generate_slots(
            world.reg_a.tables[0],
            world.a.recruiter,
            day=world.fair.starts_on,
            start=time(13, 0),
            end=time(14, 0),
            minutes=20,
            breaks=[],
            posting=None,
            video_link=None,
        )


def test_the_public_fair_list_shows_published_and_cancelled_fairs(client, world, db_session):
    make_fair(name="Secret draft", publish=False)
    db_session.commit()
    page = text_of(client.get("/fairs"))
    assert "MedEx London" in page and "Secret draft" not in page


def test_the_new_fair_form_picks_no_time_zone_and_suggests_zones_by_city(client, admin):
    page = client.get("/admin/fairs/new").get_data(as_text=True)
    zone_input = re.search(r'<input[^>]*name="time_zone"[^>]*>', page).group(0)
    assert 'value=""' in zone_input and 'list="time_zone-zones"' in zone_input
    suggestions = re.search(r'<datalist id="time_zone-zones">(.*?)</datalist>', page).group(1)
    assert '<option value="America/Argentina/Buenos_Aires">Buenos Aires – Argentina</option>' in suggestions
    assert '<option value="Europe/London">London – United Kingdom</option>' in suggestions
    assert 'value="US/Eastern"' not in suggestions and 'value="Etc/' not in suggestions  # no legacy names
