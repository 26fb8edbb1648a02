"""Demo MedEx fairs (upcoming editions in the cities the program visits), with a few employers
registered and their interview slots generated. Created once, matched by name."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.fairs.models import BookingMode, Fair
from jobboard.fairs.organising import FairFields, publish_fair, save_fair
from jobboard.fairs.registrations import generate_slots, register
from jobboard.orgs.models import Organization

FAIRS = (  # name, city, country, venue, time zone, date (upcoming editions; venues as reported)
    (
        "MedEx Los Angeles",
        "Los Angeles",
        "US",
        "Beverly Hills community hall",
        "America/Los_Angeles",
        date(2026, 12, 13),
    ),
    ("MedEx Teaneck", "Teaneck, NJ", "US", "Marriott Glenpointe", "America/New_York", date(2027, 3, 14)),
    ("MedEx London", "London", "GB", "North-west London venue", "Europe/London", date(2027, 3, 28)),
    ("MedEx Paris", "Paris", "FR", "17th arrondissement venue", "Europe/Paris", date(2027, 5, 23)),
    ("MedEx Buenos Aires", "Buenos Aires", "AR", "AMIA", "America/Argentina/Buenos_Aires", date(2027, 7, 4)),
)
EMPLOYERS = (
    "Soroka University Medical Center",
    "Clalit Health Services",
    "Galilee Medical Center",
    "Tel Aviv Sourasky Medical Center",
    "Ziv Medical Center",
)


def seed_fairs(admin: User) -> int:
    existing = set(db.session.scalars(select(Fair.name)))
    orgs = list(db.session.scalars(select(Organization).where(Organization.name.in_(EMPLOYERS))))
    created = 0
    for name, city, country, venue, zone_name, day in FAIRS:
        if name in existing:
            continue
        zone = ZoneInfo(zone_name)
        fair = save_fair(
            admin,
            FairFields(
                name=name,
                city=city,
                country=country,
                venue=venue,
                address="",
                time_zone=zone_name,
                starts_on=day,
                ends_on=day,
                opens_at=time(9, 0),
                closes_at=time(17, 0),
                booking_opens_at=utcnow() - timedelta(days=1),
                booking_closes_at=datetime.combine(day - timedelta(days=1), time(18, 0), zone),
                remote_option=True,
            ),
        )
        publish_fair(admin, fair)
        for org in orgs:
            registration = register(
                org,
                admin,
                fair,
                tables=[("Table 1", ""), ("Table 2", "")],
                mode=BookingMode.OPEN if org.name.startswith("Clalit") else BookingMode.INVITED,
                profession_slug=None,
            )
            for table in registration.tables:
                generate_slots(
                    table,
                    admin,
                    day=day,
                    start=time(10, 0),
                    end=time(16, 0),
                    minutes=20,
                    breaks=[(time(12, 30), time(13, 30))],
                    posting=None,
                    video_link=None,
                )
        created += 1
    db.session.flush()
    return created
