"""The organisation's fairs through the API: its tables, their slots and the bookings in them,
and nothing of another organisation's."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from jobboard.applications import applying, pipeline
from jobboard.applications.models import Stage
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.fairs import interviews, registrations
from jobboard.fairs.models import BookingMode, Slot
from tests.fairs.conftest import make_fair


def test_tables_slots_and_bookings(api, world):
    now = utcnow()
    day = (now + timedelta(days=30)).date()
    fair = make_fair(
        world.admin,
        name="MedEx API",
        venue="Hall",
        address="",
        starts_on=day,
        ends_on=day,
        booking_opens_at=now - timedelta(days=1),
        booking_closes_at=datetime.combine(day, time(8)).astimezone(),
    )
    for org in (world.org, world.other):
        registration = registrations.register(
            org, world.admin, fair, tables=[(f"Table of {org.name}", "")], mode=BookingMode.OPEN, profession_slug=None
        )
        registrations.generate_slots(
            registration.tables[0],
            world.admin,
            day=day,
            start=time(10),
            end=time(11),
            minutes=30,
            breaks=[],
            posting=None,
            video_link=None,
        )
    application = applying.apply(world.doctor, world.posting, world.cv, "Hello")
    pipeline.move(application, world.recruiter, Stage.SCREENING)
    slots = db.session.scalars(select(Slot).where(Slot.org_id == world.org.id).order_by(Slot.starts_at)).all()
    booking = interviews.book(world.doctor, slots[0].id, world.recruiter, application=application)
    db.session.commit()

    response = api.get("/api/v1/fairs")
    assert response.status_code == 200
    [listed] = response.get_json()["items"]
    assert (listed["id"], listed["name"], listed["booking_mode"]) == (fair.id, "MedEx API", "open")
    [table] = listed["tables"]
    assert table["label"] == f"Table of {world.org.name}"
    assert [s["id"] for s in table["slots"]] == [s.id for s in slots]
    first = table["slots"][0]["booking"]
    assert (first["id"], first["application_id"], first["doctor_name"]) == (
        booking.id,
        application.id,
        "Miriam Zalcberg-Testperson",
    )
    assert table["slots"][1]["booking"] is None
    assert world.other.name not in response.get_data(as_text=True)
