"""A small history built by hand, whose figures are counted by hand in the tests.

Two employers: A in Beersheba (the Negev, in the periphery) with posting A1 tagged with grant G,
and B in Tel Aviv (not in the periphery) with posting B1. The days are of 2026; the programme
starts on 1 January and the period asked runs to 30 June.

- ``fr``: six doctors from France, each signing up on 5 January + i, complete two days later,
  applying to A1 ten days after that, interviewed a week later, offered the post five days on,
  hired three days on (1 to 6 February) and at work thirty days later;
- ``rejected``: from France, applied to A1, interviewed, offered, then rejected;
- ``us``: three doctors from the United States applying to B1; two interviewed, the first hired
  straight from the interview on 10 April (the offer that day too);
- ``met_at_fair``: from France, interviewed at A's table at the fair on 15 March without applying;
  ``us[2]`` booked there too and did not come;
- ``de``: two doctors from Germany who signed up and did no more;
- an application to A1 whose doctor deleted their account, moved from applied to hired.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace

import pytest

from jobboard.applications.models import Application, ApplicationEvent, DoctorProfile, LicenceStatus, Stage
from jobboard.extensions import db
from jobboard.fairs.models import (
    Attendance,
    Booking,
    Fair,
    FairRegistration,
    FairStatus,
    InterviewTable,
    Slot,
)
from jobboard.jobs.models import PostingStatus, PostingViewCount
from jobboard.orgs.models import Role
from tests.factories import (
    DoctorFactory,
    GrantProgramFactory,
    MembershipFactory,
    OrganizationFactory,
    PostingFactory,
    SiteFactory,
)

SINCE, UNTIL = date(2026, 1, 1), date(2026, 6, 30)
FAIR_DAY = date(2026, 3, 15)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def doctor(country: str, signed_up: date, complete: date | None):
    user = DoctorFactory(created_at=at(signed_up))
    db.session.add(
        DoctorProfile(
            user_id=user.id,
            profession_slug="physician",
            specialty_slug="pediatrics",
            training_country=country,
            licence_status=LicenceStatus.FILE_SUBMITTED,
            move_month=date(2026, 9, 1),
            completed_at=at(complete) if complete else None,
            created_at=at(signed_up),
        )
    )
    return user


def application(user, posting, applied: date, *moves: tuple[Stage, date]) -> Application:
    """An application and its history: applied, then each move on its day."""
    row = Application(
        posting_id=posting.id,
        org_id=posting.org_id,
        doctor_id=user.id if user else None,
        stage=moves[-1][0] if moves else Stage.APPLIED,
        created_at=at(applied),
    )
    db.session.add(row)
    db.session.flush()
    stage_before = None
    for stage, day in ((Stage.APPLIED, applied), *moves):
        db.session.add(
            ApplicationEvent(
                application_id=row.id,
                from_stage=stage_before,
                to_stage=stage,
                occurred_on=day,
                created_at=at(day),
            )
        )
        row.note_reached(stage, day)  # as the pipeline does with each move it records
        stage_before = stage
    return row


def booking(fair: Fair, slot: Slot, user, attendance: Attendance | None) -> Booking:
    row = Booking(
        slot_id=slot.id,
        fair_id=fair.id,
        org_id=slot.org_id,
        doctor_id=user.id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        busy_until=slot.ends_at,
        attendance=attendance,
    )
    db.session.add(row)
    return row


def make_fair(org) -> tuple[Fair, list[Slot]]:
    fair = Fair(
        slug="medex-paris-2026",
        name="MedEx Paris 2026",
        city="Paris",
        country="FR",
        venue="Hall",
        time_zone="Europe/Paris",
        starts_on=FAIR_DAY,
        ends_on=FAIR_DAY,
        opens_at=time(9),
        closes_at=time(17),
        booking_opens_at=at(FAIR_DAY - timedelta(days=30)),
        booking_closes_at=at(FAIR_DAY - timedelta(days=1)),
        status=FairStatus.PUBLISHED,
    )
    db.session.add(fair)
    db.session.flush()
    registration = FairRegistration(fair_id=fair.id, org_id=org.id)
    db.session.add(registration)
    db.session.flush()
    table = InterviewTable(registration_id=registration.id, fair_id=fair.id, org_id=org.id, label="Table 1")
    db.session.add(table)
    db.session.flush()
    slots = [
        Slot(
            table_id=table.id,
            fair_id=fair.id,
            org_id=org.id,
            starts_at=at(FAIR_DAY, 10 + n),
            ends_at=at(FAIR_DAY, 10 + n) + timedelta(minutes=20),
        )
        for n in range(3)
    ]
    db.session.add_all(slots)
    db.session.flush()
    return fair, slots


@pytest.fixture
def history(db_session) -> SimpleNamespace:
    return build_history()


def build_history() -> SimpleNamespace:
    """The history above, committed (a request answered with an error rolls back what was not)."""
    org_a = OrganizationFactory(name="Negev Medical Center", slug="negev-medical-center")
    org_b = OrganizationFactory(name="Tel Aviv Medical Center", slug="tel-aviv-medical-center")
    grant = GrantProgramFactory(name="Negev grant")
    published = {"status": PostingStatus.PUBLISHED, "first_published_at": at(date(2026, 1, 10))}
    posting_a = PostingFactory(org=org_a, site=SiteFactory(org=org_a, city_slug="beersheba"), **published)
    posting_a.grants = [grant]
    posting_b = PostingFactory(
        org=org_b, site=SiteFactory(org=org_b, city_slug="tel-aviv", lat=32.08, lon=34.78), **published
    )
    db.session.flush()

    fr = []
    for i in range(6):
        signed = date(2026, 1, 5) + timedelta(days=i)
        user = doctor("FR", signed, signed + timedelta(days=2))
        day = signed + timedelta(days=12)
        application(
            user,
            posting_a,
            day,
            (Stage.SCREENING, day + timedelta(days=3)),
            (Stage.INTERVIEW, day + timedelta(days=7)),
            (Stage.OFFER, day + timedelta(days=12)),
            (Stage.HIRED, day + timedelta(days=15)),
            (Stage.STARTED, day + timedelta(days=45)),
        )
        fr.append(user)
    rejected = doctor("FR", date(2026, 1, 20), date(2026, 1, 22))
    application(
        rejected,
        posting_a,
        date(2026, 2, 1),
        (Stage.INTERVIEW, date(2026, 2, 8)),
        (Stage.OFFER, date(2026, 2, 15)),
        (Stage.REJECTED, date(2026, 2, 20)),
    )
    us = [doctor("US", date(2026, 2, 1), date(2026, 2, 2)) for _ in range(3)]
    application(
        us[0], posting_b, date(2026, 2, 10), (Stage.INTERVIEW, date(2026, 2, 20)), (Stage.HIRED, date(2026, 4, 10))
    )
    application(us[1], posting_b, date(2026, 2, 10), (Stage.INTERVIEW, date(2026, 2, 20)))
    application(us[2], posting_b, date(2026, 2, 10))
    met_at_fair = doctor("FR", date(2026, 3, 1), date(2026, 3, 2))
    de = [doctor("DE", date(2026, 3, 10), None) for _ in range(2)]
    application(None, posting_a, date(2026, 2, 1), (Stage.HIRED, date(2026, 2, 20)))

    fair, slots = make_fair(org_a)
    booking(fair, slots[0], met_at_fair, Attendance.ATTENDED)
    booking(fair, slots[1], us[2], Attendance.NO_SHOW)
    db.session.add_all(
        [
            PostingViewCount(posting_id=posting_a.id, day=date(2026, 2, 1), views=10),
            PostingViewCount(posting_id=posting_a.id, day=date(2026, 7, 10), views=5),
        ]
    )
    members = {
        "owner_a": MembershipFactory(org=org_a, role=Role.OWNER).user,
        "viewer_a": MembershipFactory(org=org_a, role=Role.VIEWER).user,
        "owner_b": MembershipFactory(org=org_b, role=Role.OWNER).user,
    }
    db.session.commit()
    return SimpleNamespace(
        **members,
        org_a=org_a,
        org_b=org_b,
        grant=grant,
        posting_a=posting_a,
        posting_b=posting_b,
        fair=fair,
        fr=fr,
        rejected=rejected,
        us=us,
        met_at_fair=met_at_fair,
        de=de,
    )
