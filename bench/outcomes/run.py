"""Outcomes benchmark: the programme's dashboard and an employer's over a board of 20,000
postings, 50,000 doctors and 200,000 applications with their histories, next to a trivial
endpoint of the same app in the same run.

    .venv/bin/python bench/outcomes/run.py [--postings 20000] [--doctors 50000] [--applications 200000]
                                           [--requests 30]

Everything runs in a throw-away instance folder (SQLite unless DATABASE_URL is set: then that
PostgreSQL database is used, and it must be empty), or in the folder ``--instance`` names: a
folder an earlier run seeded (it prints its path) is measured again without seeding, after the
migrations added since. The histories follow a plausible programme:
sign-ups through 2026, most profiles completed within three weeks, about four applications per
doctor, each moving on with a chance per stage (screening, interview, offer, hire, start of work)
or stopping, rejected or withdrawn, each step some days after the one before; a few fairs with
booked interviews, attended or missed; page views per posting and day.

The app is served by gunicorn (one worker per core). An administrator (with two-factor sign-in)
and the owner of the largest employer sign in over HTTP; the requests go one at a time, so each
latency is the server's time for one request plus the loopback, and the endpoints take turns
(ROUNDS) so that a drift in the machine's speed weighs on each alike. Reported: p50 and p95 per
endpoint; the dashboards' figures are computed in the database on every request (no cache).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "search"))

from run import free_port, percentile, seed, start_gunicorn, wait_until_up  # noqa: E402 - bench/search/run.py helpers

ROUNDS = 5
PASSWORD = "violet tractor harbour spoon"
ADMIN_EMAIL = "bench-admin@example.org"
OWNER_EMAIL = "bench-owner@example.org"
COUNTRIES = ["US", "FR", "GB", "AR", "RU", "UA", "ZA", "BR", "CA", "DE", "AU", "MX"]
PROFESSIONS = [("physician", 0.7), ("nurse", 0.2), ("dentist", 0.1)]
# The chance an application moves on from each stage to the next (else it stops there).
ONWARD = [("screening", 0.45), ("interview", 0.55), ("offer", 0.4), ("hired", 0.7), ("started", 0.7)]
YEAR_START = date(2026, 1, 1)


def moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randrange(7, 22), rng.randrange(60), tzinfo=UTC)


def insert(table, rows: list[dict]) -> None:  # noqa: ANN001 - a table or model
    from sqlalchemy import insert as insert_into

    from jobboard.extensions import db

    for start in range(0, len(rows), 5000):
        db.session.execute(insert_into(table), rows[start : start + 5000])


def seed_doctors(count: int, today: date, rng: random.Random) -> list[tuple[int, date]]:
    """(id, day complete) of the doctors whose profile is complete."""
    from sqlalchemy import func, select

    from jobboard.accounts.models import AccountKind, User
    from jobboard.accounts.passwords import hash_password
    from jobboard.applications.models import DoctorProfile, LicenceStatus
    from jobboard.extensions import db
    from jobboard.vocab.models import Specialty

    specialties = [s.slug for s in db.session.scalars(select(Specialty)) if "physician" in s.professions]
    first_id = (db.session.scalar(select(func.max(User.id))) or 0) + 1
    password_hash = hash_password(PASSWORD)
    users, profiles, complete = [], [], []
    span = (today - YEAR_START).days
    for n in range(count):
        user_id = first_id + n
        signed_up = YEAR_START + timedelta(days=rng.randrange(span))
        completed = signed_up + timedelta(days=rng.randrange(0, 21)) if rng.random() < 0.8 else None
        if completed and completed > today:
            completed = None
        profession = rng.choices([p for p, _w in PROFESSIONS], [w for _p, w in PROFESSIONS])[0]
        users.append(
            {
                "id": user_id,
                "email": f"bench-doctor-{n}@example.org",
                "full_name": f"Doctor {n}",
                "password_hash": password_hash,
                "kind": AccountKind.DOCTOR,
                "is_admin": False,
                "is_deactivated": False,
                "email_confirmed_at": moment(signed_up, rng),
                "session_version": 1,
                "created_at": moment(signed_up, rng),
                "updated_at": moment(signed_up, rng),
            }
        )
        profiles.append(
            {
                "user_id": user_id,
                "profession_slug": profession,
                "specialty_slug": rng.choice(specialties) if profession == "physician" else None,
                "training_country": rng.choice(COUNTRIES),
                "residence_country": rng.choice([None, rng.choice(COUNTRIES)]),
                "licence_status": LicenceStatus.FILE_SUBMITTED,
                "hebrew_level": rng.randrange(0, 5),
                "move_month": date(2027, rng.randrange(1, 13), 1),
                "open_to_periphery": True,
                "summary": "",
                "completed_at": moment(completed, rng) if completed else None,
                "created_at": moment(signed_up, rng),
                "updated_at": moment(signed_up, rng),
            }
        )
        if completed:
            complete.append((user_id, completed))
    insert(User, users)
    insert(DoctorProfile, profiles)
    db.session.commit()
    return complete


def seed_applications(count: int, doctors: list[tuple[int, date]], today: date, rng: random.Random) -> None:
    from sqlalchemy import func, select

    from jobboard.applications.models import PROGRESS, REACHED_ON, Application, ApplicationEvent, Stage
    from jobboard.extensions import db
    from jobboard.jobs.models import Posting

    postings = list(db.session.execute(select(Posting.id, Posting.org_id).where(~Posting.is_revision)).tuples())
    first_id = (db.session.scalar(select(func.max(Application.id))) or 0) + 1
    taken: set[tuple[int, int]] = set()
    applications, events = [], []
    while len(applications) < count:
        doctor_id, completed = rng.choice(doctors)
        posting_id, org_id = rng.choice(postings)
        if (posting_id, doctor_id) in taken:
            continue
        taken.add((posting_id, doctor_id))
        day = completed + timedelta(days=rng.randrange(0, 30))
        if day > today:
            continue
        application_id = first_id + len(applications)
        history = [("applied", day)]
        for stage, chance in ONWARD:
            day += timedelta(days=rng.randrange(2, 21 if stage != "started" else 60))
            if day > today or rng.random() > chance:
                break
            history.append((stage, day))
        last = history[-1][0]
        if last not in ("hired", "started") and day <= today and rng.random() < 0.6:
            history.append(("withdrawn" if rng.random() < 0.1 else "rejected", day))
        before = None
        for stage, when in history:
            events.append(
                {
                    "application_id": application_id,
                    "from_stage": before,
                    "to_stage": stage,
                    "occurred_on": when,
                    "created_at": moment(when, rng),
                }
            )
            before = stage
        reached: dict[str, date] = {}  # as Application.note_reached keeps them, move by move
        for stage, when in history:
            if Stage(stage) in PROGRESS:
                for step, column in REACHED_ON.items():
                    if PROGRESS.index(Stage(stage)) >= PROGRESS.index(step):
                        reached.setdefault(column, when)
        applications.append(
            {
                **dict.fromkeys(REACHED_ON.values()),
                **reached,
                "id": application_id,
                "posting_id": posting_id,
                "org_id": org_id,
                "doctor_id": doctor_id,
                "stage": history[-1][0],
                "cover_note": "",
                "created_at": moment(history[0][1], rng),
                "updated_at": moment(history[-1][1], rng),
            }
        )
    insert(Application, applications)
    insert(ApplicationEvent, events)
    db.session.commit()
    print(f"seeded {len(applications)} applications with {len(events)} stage changes")


def seed_fairs_and_views(doctors: list[tuple[int, date]], today: date, rng: random.Random) -> None:
    """Four fairs of 20 employers with a table of 40 slots each, three in four booked, and page views."""
    from datetime import time as clock

    from sqlalchemy import func, select

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
    from jobboard.jobs.models import Posting, PostingViewCount
    from jobboard.orgs.models import Organization

    orgs = list(db.session.scalars(select(Organization.id).order_by(Organization.id).limit(20)))
    slot_id = (db.session.scalar(select(func.max(Slot.id))) or 0) + 1
    for n, day in enumerate((date(2026, 3, 15), date(2026, 5, 10), date(2026, 9, 20), date(2026, 11, 8))):
        fair = Fair(
            slug=f"bench-fair-{n}",
            name=f"MedEx Bench {n}",
            city="London",
            country="GB",
            venue="Hall",
            time_zone="Europe/London",
            starts_on=day,
            ends_on=day,
            opens_at=clock(9),
            closes_at=clock(17),
            booking_opens_at=moment(day - timedelta(days=40), rng),
            booking_closes_at=moment(day - timedelta(days=1), rng),
            status=FairStatus.PUBLISHED,
        )
        db.session.add(fair)
        db.session.flush()
        slots, bookings = [], []
        for org_id in orgs:
            registration = FairRegistration(fair_id=fair.id, org_id=org_id)
            db.session.add(registration)
            db.session.flush()
            table = InterviewTable(registration_id=registration.id, fair_id=fair.id, org_id=org_id, label="Table 1")
            db.session.add(table)
            db.session.flush()
            booked: set[int] = set()
            for k in range(40):
                starts = datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(minutes=12 * k)
                slots.append(
                    {
                        "id": slot_id,
                        "table_id": table.id,
                        "fair_id": fair.id,
                        "org_id": org_id,
                        "starts_at": starts,
                        "ends_at": starts + timedelta(minutes=10),
                        "status": "open",
                    }
                )
                doctor_id = rng.choice(doctors)[0]
                if rng.random() < 0.75 and doctor_id not in booked:
                    booked.add(doctor_id)
                    past = day < today
                    bookings.append(
                        {
                            "uid": f"bench-{slot_id}",
                            "sequence": 0,
                            "slot_id": slot_id,
                            "fair_id": fair.id,
                            "org_id": org_id,
                            "doctor_id": doctor_id,
                            "starts_at": starts,
                            "ends_at": starts + timedelta(minutes=10),
                            "busy_until": starts + timedelta(minutes=12),
                            "status": "confirmed",
                            "attendance": (Attendance.ATTENDED if rng.random() < 0.85 else Attendance.NO_SHOW)
                            if past
                            else None,
                            "created_at": starts - timedelta(days=10),
                            "updated_at": starts - timedelta(days=10),
                        }
                    )
                slot_id += 1
        insert(Slot, slots)
        insert(Booking, bookings)
    views = []
    for posting_id in db.session.scalars(select(Posting.id)):
        for _ in range(rng.randrange(0, 6)):
            views.append(
                {
                    "posting_id": posting_id,
                    "day": YEAR_START + timedelta(days=rng.randrange((today - YEAR_START).days)),
                    "views": rng.randrange(1, 40),
                }
            )
    insert(PostingViewCount, list({(v["posting_id"], v["day"]): v for v in views}.values()))
    db.session.commit()


def after_bulk_load() -> None:
    """On PostgreSQL, the id sequences of the tables filled with explicit ids moved past them, and
    the planner's statistics taken (as autovacuum would soon after such a load)."""
    from jobboard.extensions import db

    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("ANALYZE"))
        for table in ("users", "postings", "applications", "slots"):
            db.session.execute(
                db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
            )


def seed_people(app, args: argparse.Namespace) -> str:  # noqa: ANN001 - a Flask app
    """The doctors, their histories, the fairs, and who signs in; returns the largest employer's slug."""
    import pyotp
    from sqlalchemy import func, select

    from jobboard.accounts.models import AccountKind
    from jobboard.accounts.services import create_user
    from jobboard.applications.models import Application
    from jobboard.core.db import utcnow
    from jobboard.extensions import db
    from jobboard.orgs.models import Membership, Organization, Role

    rng = random.Random(11)
    today = utcnow().date()
    with app.app_context():
        doctors = seed_doctors(args.doctors, today, rng)
        seed_applications(args.applications, doctors, today, rng)
        seed_fairs_and_views(doctors, today, rng)
        after_bulk_load()
        admin = create_user(
            email=ADMIN_EMAIL, full_name="Bench Admin", password=PASSWORD, kind=AccountKind.STAFF, confirmed=True
        )
        admin.is_admin = True
        admin.totp_secret = pyotp.random_base32()
        org_id = db.session.scalar(
            select(Application.org_id).group_by(Application.org_id).order_by(func.count().desc()).limit(1)
        )
        owner = create_user(
            email=OWNER_EMAIL, full_name="Bench Owner", password=PASSWORD, kind=AccountKind.STAFF, confirmed=True
        )
        db.session.add(Membership(user_id=owner.id, org_id=org_id, role=Role.OWNER))
        db.session.commit()
        os.environ["BENCH_TOTP"] = admin.totp_secret
        return db.session.get(Organization, org_id).slug


def seeded_people(app) -> str:  # noqa: ANN001 - a Flask app
    """Who signs in to a board seeded before (``seed_people``); returns the owner's employer's slug."""
    from sqlalchemy import select

    from jobboard.accounts.models import User
    from jobboard.extensions import db
    from jobboard.orgs.models import Membership, Organization

    with app.app_context():
        os.environ["BENCH_TOTP"] = db.session.scalar(select(User.totp_secret).where(User.email == ADMIN_EMAIL))
        return db.session.scalar(select(Organization.slug).join(Membership).join(User).where(User.email == OWNER_EMAIL))


def _csrf(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def signed_in(base: str, email: str, totp_secret: str | None = None) -> requests.Session:
    import pyotp

    session = requests.Session()
    answer = session.post(
        f"{base}/account/login",
        data={"csrf_token": _csrf(session.get(f"{base}/account/login").text), "email": email, "password": PASSWORD},
    )
    if totp_secret:
        session.post(
            f"{base}/account/two-factor",
            data={"csrf_token": _csrf(answer.text), "code": pyotp.TOTP(totp_secret).now()},
        ).raise_for_status()
    return session


def timed(session: requests.Session, url: str) -> float:
    start = time.perf_counter()
    response = session.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200 or response.url != url:
        raise RuntimeError(f"{url}: {response.status_code} at {response.url}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--doctors", type=int, default=50_000)
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30, help="requests per endpoint")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--instance", type=Path, help="an instance folder an earlier run seeded, measured again")
    args = parser.parse_args()

    instance = args.instance or Path(tempfile.mkdtemp(prefix="bench-outcomes-"))
    os.environ["JOBBOARD_INSTANCE_PATH"] = str(instance)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["RATELIMIT_ENABLED"] = "false"
    os.environ["OUTBOX_EAGER"] = "false"
    import flask_migrate

    from jobboard import create_app

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        database = app.extensions["sqlalchemy"].engine.dialect.name
    print(f"instance: {instance} ({database})")
    if args.instance:
        org_slug = seeded_people(app)
    else:
        started = time.perf_counter()
        seed(app, args.postings)
        org_slug = seed_people(app, args)
        print(f"seeded in {time.perf_counter() - started:.0f} s")

    port = free_port()
    server = start_gunicorn(port, args.workers, "--timeout", "120")
    base = f"http://127.0.0.1:{port}"
    endpoints = {
        "trivial /healthz": (None, f"{base}/healthz"),
        "programme dashboard": ("admin", f"{base}/admin/outcomes"),
        "programme, filtered": ("admin", f"{base}/admin/outcomes?country=FR&profession=physician&by=employer"),
        "programme, job filter": ("admin", f"{base}/admin/outcomes?region=negev&by=grant"),
        "employer dashboard": ("owner", f"{base}/org/{org_slug}/outcomes"),
    }
    timings: dict[str, list[float]] = {name: [] for name in endpoints}
    try:
        wait_until_up(port)
        sessions = {
            None: requests.Session(),
            "admin": signed_in(base, ADMIN_EMAIL, os.environ["BENCH_TOTP"]),
            "owner": signed_in(base, OWNER_EMAIL),
        }
        for who, url in endpoints.values():  # warm-up: each worker loads its templates and catalogues
            for _ in range(args.workers):
                timed(sessions[who], url)
        for _round in range(ROUNDS):
            for name, (who, url) in endpoints.items():
                for _ in range(max(1, args.requests // ROUNDS)):
                    timings[name].append(timed(sessions[who], url))
    finally:
        server.terminate()
        server.wait()
    print(
        f"{args.postings} postings, {args.doctors} doctors, {args.applications} applications; "
        f"{args.workers} gunicorn workers, one request at a time, {database}"
    )
    for name, found in timings.items():
        print(f"{name:22} p50 {percentile(found, 0.5):7.1f} ms  p95 {percentile(found, 0.95):7.1f} ms  ({len(found)})")


if __name__ == "__main__":
    main()
