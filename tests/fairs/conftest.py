"""Builders for the fairs tests: a fair (through the services, so every rule of saving and
publishing applies), employers registered with tables and generated slots, doctors with or
without a complete profile, applications to invite from, a frozen clock, and helpers to read
the calendar files out of the mailbox."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import func, select

from jobboard.applications.models import Application, DoctorProfile, Stage
from jobboard.core.db import utcnow
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.fairs import notices, organising, registrations
from jobboard.fairs.models import Booking, BookingMode, BookingStatus, Fair, FairRegistration, Slot
from jobboard.jobs.models import PostingStatus
from jobboard.orgs.models import Role
from tests.factories import (
    AdminFactory,
    DoctorFactory,
    MembershipFactory,
    OrganizationFactory,
    PostingFactory,
    SiteFactory,
)

LONDON = ZoneInfo("Europe/London")
# The tests' "now": a week before the default fair day, booking open since February.
NOW = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)
FAIR_DAY = date(2027, 3, 20)  # a Saturday, London still on GMT (UTC+0)


# --- the clock -----------------------------------------------------------------------------


@pytest.fixture
def clock():
    """Time stands still at NOW until the test moves it (``clock.move_to(...)``, ``clock.shift(...)``)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- builders ------------------------------------------------------------------------------


def fair_fields(**overrides) -> organising.FairFields:
    zone_name = overrides.get("time_zone", "Europe/London")
    zone = ZoneInfo(zone_name) if zone_name in organising.TIME_ZONES else UTC
    day = overrides.get("starts_on", FAIR_DAY)
    values = dict(
        name="MedEx London",
        city="London",
        country="GB",
        venue="Test Hall",
        address="1 Test Road",
        time_zone=zone_name,
        starts_on=day,
        ends_on=day,
        opens_at=time(9, 0),
        closes_at=time(17, 0),
        booking_opens_at=datetime(2027, 2, 1, 9, 0, tzinfo=zone),
        booking_closes_at=datetime.combine(day, time(9, 0), zone),
        remote_option=False,
        min_gap_minutes=0,
        cancel_cutoff_hours=24,
    )
    values.update(overrides)
    return organising.FairFields(**values)


def make_fair(admin=None, *, publish: bool = True, **overrides) -> Fair:
    admin = admin or AdminFactory()
    fair = organising.save_fair(admin, fair_fields(**overrides))
    if publish:
        organising.publish_fair(admin, fair)
    db.session.flush()
    return fair


def paris_fair(in_days: int = 40) -> Fair:
    """A published one-day fair in Paris ``in_days`` from now, taking bookings until the day before."""
    day = (utcnow() + timedelta(days=in_days)).date()
    return make_fair(
        name="MedEx Paris",
        city="Paris",
        time_zone="Europe/Paris",
        starts_on=day,
        ends_on=day,
        booking_opens_at=utcnow(),
        booking_closes_at=utcnow() + timedelta(days=in_days - 1),
    )


def make_employer(name: str | None = None, **org_fields) -> SimpleNamespace:
    """A verified organisation with an owner, a recruiter and a viewer."""
    org = OrganizationFactory(**({"name": name} if name else {}), **org_fields)
    return SimpleNamespace(
        org=org,
        owner=MembershipFactory(org=org, role=Role.OWNER).user,
        recruiter=MembershipFactory(org=org, role=Role.RECRUITER).user,
        viewer=MembershipFactory(org=org, role=Role.VIEWER).user,
    )


def register_employer(
    fair: Fair,
    employer: SimpleNamespace,
    *,
    tables=("Table 1",),
    mode: BookingMode = BookingMode.OPEN,
    profession: str | None = None,
) -> FairRegistration:
    registration = registrations.register(
        employer.org,
        employer.recruiter,
        fair,
        tables=[(t, "Dr. Levi") for t in tables],
        mode=mode,
        profession_slug=profession,
    )
    db.session.flush()
    db.session.refresh(registration)
    return registration


def add_slots(
    registration: FairRegistration,
    table: int = 0,
    *,
    day: date | None = None,
    start=time(10, 0),
    end=time(12, 0),
    minutes: int = 20,
    breaks=(),
    actor=None,
) -> list[Slot]:
    """Generate slots on one table; returns that table's slots in time order."""
    fair = registration.fair
    the_table = registration.tables[table]
    registrations.generate_slots(
        the_table,
        actor or _any_actor(registration),
        day=day or fair.starts_on,
        start=start,
        end=end,
        minutes=minutes,
        breaks=list(breaks),
        posting=None,
        video_link=None,
    )
    db.session.flush()
    return table_slots(the_table.id)


def _any_actor(registration: FairRegistration):
    from jobboard.orgs.models import Membership

    membership = db.session.scalar(select(Membership).where(Membership.org_id == registration.org_id).limit(1))
    return membership.user if membership else AdminFactory()


def table_slots(table_id: int) -> list[Slot]:
    return list(db.session.scalars(select(Slot).where(Slot.table_id == table_id).order_by(Slot.starts_at)))


def give_profile(doctor, *, profession: str = "physician", complete: bool = True) -> DoctorProfile:
    profile = DoctorProfile(
        user_id=doctor.id,
        profession_slug=profession,
        specialty_slug="pediatrics" if profession == "physician" else None,
        training_country="FR" if complete else None,
        move_month=date(2027, 6, 1) if complete else None,
    )
    db.session.add(profile)
    db.session.flush()
    return profile


def make_doctor(*, profession: str = "physician", complete: bool = True, **user_fields):
    doctor = DoctorFactory(**user_fields)
    give_profile(doctor, profession=profession, complete=complete)
    return doctor


def make_application(doctor, org, *, stage: Stage = Stage.SCREENING) -> Application:
    posting = PostingFactory(org=org, site=SiteFactory(org=org), status=PostingStatus.DRAFT)
    application = Application(posting_id=posting.id, org_id=org.id, doctor_id=doctor.id, stage=stage)
    db.session.add(application)
    db.session.flush()
    return application


# --- reading the results ---------------------------------------------------------------------


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def confirmed(**where) -> list[Booking]:
    query = select(Booking).where(Booking.status == BookingStatus.CONFIRMED)
    for name, value in where.items():
        query = query.where(getattr(Booking, name) == value)
    return list(db.session.scalars(query.order_by(Booking.id)))


def pending_reminders() -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == notices.REMINDER, OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.id)
        )
    )


def text_of(response) -> str:
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    body = re.sub(r"</?bdi>", "", body)  # an isolate, not a break: "at <bdi>Table 1</bdi>." reads "at Table 1."
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def calendar_part(message: EmailMessage):
    """The text/calendar MIME part of a mail and its parsed calendar."""
    parts = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, f"expected one calendar part, found {len(parts)} in {message['Subject']!r}"
    part = parts[0]
    return part, Calendar.from_ical(part.get_payload(decode=True))


def only_event(calendar: Calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1, calendar.to_ical().decode()
    return events[0]


def consistency_problems(session) -> dict[str, list]:
    """The two invariants, checked in SQL: no slot with two confirmed bookings, no doctor with
    two confirmed bookings whose busy ranges overlap (half-open)."""
    double_slots = session.execute(
        db.text(
            "SELECT slot_id, count(*) FROM bookings WHERE status = 'confirmed' GROUP BY slot_id HAVING count(*) > 1"
        )
    ).all()
    overlaps = session.execute(
        db.text(
            "SELECT a.id, b.id FROM bookings a JOIN bookings b ON a.doctor_id = b.doctor_id AND a.id < b.id "
            "WHERE a.status = 'confirmed' AND b.status = 'confirmed' "
            "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
    ).all()
    return {"double_slots": list(double_slots), "overlaps": list(overlaps)}


# --- a ready world -----------------------------------------------------------------------------


@pytest.fixture
def world(db_session, clock):
    """A published London fair on FAIR_DAY (09:00–17:00, booking open, no walking gap, 24 h
    cutoff); employer A (open to any doctor, two tables, slots 10:00–12:00 of 20 min on each),
    employer B (invited only, one table, the same slots) and employer C in another tenant, not
    registered; two doctors with complete physician profiles."""
    admin = AdminFactory(email="admin@example.org")
    fair = make_fair(admin)
    a = make_employer("Alpha Medical Center", slug="alpha-mc")
    b = make_employer("Beta Hospital", slug="beta-hospital")
    c = make_employer("Gamma Clinic", slug="gamma-clinic")
    reg_a = register_employer(fair, a, tables=("Table 1", "Table 2"), mode=BookingMode.OPEN)
    reg_b = register_employer(fair, b, tables=("Table 1",), mode=BookingMode.INVITED)
    a_slots = add_slots(reg_a, 0, actor=a.recruiter)
    a_slots2 = add_slots(reg_a, 1, actor=a.recruiter)
    b_slots = add_slots(reg_b, 0, actor=b.recruiter)
    doctor = make_doctor(email="doctor@example.org", full_name="Miriam Testdoc")
    other = make_doctor(email="ilan@example.org", full_name="Ilan Otherdoc")
    db_session.commit()
    return SimpleNamespace(
        admin=admin,
        fair=fair,
        a=a,
        b=b,
        c=c,
        reg_a=reg_a,
        reg_b=reg_b,
        a_slots=a_slots,
        a_slots2=a_slots2,
        b_slots=b_slots,
        doctor=doctor,
        other=other,
    )


def book_url(fair: Fair, slot: Slot) -> str:
    return f"/fairs/{fair.slug}/slots/{slot.id}/book"


HTMX = {"HX-Request": "true"}
