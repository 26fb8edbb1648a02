"""Booking benchmark: concurrent doctors booking interviews at one fair through the running app.

    .venv/bin/python bench/booking/run.py [--doctors 400] [--concurrency 16] [--attempts 6]

Builds a fresh PostgreSQL database (the local server, or TEST_DATABASE_URL's) with a published
fair of 20 employers x 5 tables x 24 slots (2,400 slots) in open booking, and doctors with
complete profiles; serves the app with gunicorn (one worker per core) and lets the doctors,
each signed in over HTTP with their own session, book slots chosen at random (several
employers each, so they race each other for slots and against their own overlaps). Reports
bookings per second, latency p50/p95 of the booking requests, how many were refused (409), and
the double bookings the database holds afterwards (slots with two confirmed bookings, and
overlapping confirmed bookings of one doctor), which must be 0.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "search"))

from run import free_port, percentile, start_gunicorn, wait_until_up  # noqa: E402 - bench/search/run.py helpers

PASSWORD = "violet tractor harbour spoon"


def seed(app, doctors: int) -> tuple[str, list[str]]:  # noqa: ANN001 - a Flask app
    from sqlalchemy import insert

    from jobboard.accounts.models import AccountKind, User
    from jobboard.accounts.passwords import hash_password
    from jobboard.applications.models import DoctorProfile, LicenceStatus
    from jobboard.core.db import utcnow
    from jobboard.extensions import db
    from jobboard.fairs import organising, registrations
    from jobboard.fairs.models import BookingMode
    from jobboard.orgs.models import Organization, OrgKind, OrgStatus
    from jobboard.vocab.seed import load_vocabularies

    with app.app_context():
        load_vocabularies()
        admin = User(
            email="bench-admin@example.org",
            full_name="Bench Admin",
            password_hash=hash_password(PASSWORD),
            kind=AccountKind.STAFF,
            is_admin=True,
            email_confirmed_at=utcnow(),
        )
        db.session.add(admin)
        db.session.flush()
        day = (utcnow() + timedelta(days=30)).date()
        fair = organising.save_fair(
            admin,
            organising.FairFields(
                name="MedEx Bench",
                city="London",
                country="GB",
                venue="Hall",
                address="",
                time_zone="Europe/London",
                starts_on=day,
                ends_on=day,
                opens_at=clock_time(8),
                closes_at=clock_time(18),
                booking_opens_at=utcnow() - timedelta(days=1),
                booking_closes_at=datetime.combine(day, clock_time(7)).astimezone(),
            ),
        )
        organising.publish_fair(admin, fair)
        for n in range(20):
            org = Organization(
                slug=f"bench-employer-{n}", name=f"Bench Employer {n}", kind=OrgKind.HOSPITAL, status=OrgStatus.VERIFIED
            )
            db.session.add(org)
            db.session.flush()
            registration = registrations.register(
                org,
                admin,
                fair,
                tables=[(f"Table {t}", "") for t in range(1, 6)],
                mode=BookingMode.OPEN,
                profession_slug=None,
            )
            for table in registration.tables:  # 24 slots of 20 minutes, 09:00-17:00
                registrations.generate_slots(
                    table,
                    admin,
                    day=day,
                    start=clock_time(9),
                    end=clock_time(17),
                    minutes=20,
                    breaks=[],
                    posting=None,
                    video_link=None,
                )
        password_hash = hash_password(PASSWORD)
        now = utcnow()
        emails = [f"bench-doctor-{n}@example.org" for n in range(doctors)]
        ids = (
            db.session.execute(
                insert(User).returning(User.id),
                [
                    {
                        "email": e,
                        "full_name": f"Doctor {n}",
                        "password_hash": password_hash,
                        "kind": AccountKind.DOCTOR,
                        "is_admin": False,
                        "is_deactivated": False,
                        "email_confirmed_at": now,
                        "session_version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n, e in enumerate(emails)
                ],
            )
            .scalars()
            .all()
        )
        db.session.execute(
            insert(DoctorProfile),
            [
                {
                    "user_id": i,
                    "profession_slug": "physician",
                    "specialty_slug": "pediatrics",
                    "training_country": "FR",
                    "licence_status": LicenceStatus.FILE_SUBMITTED,
                    "hebrew_level": 2,
                    "move_month": now.date().replace(day=1),
                    "open_to_periphery": True,
                    "summary": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for i in ids
            ],
        )
        db.session.commit()
        return fair.slug, emails


def _csrf(page: str) -> str:
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def doctor_session(base: str, email: str, fair_slug: str) -> tuple[requests.Session, str]:
    """Signed in over HTTP; the form token is read again after signing in (a new session)."""
    session = requests.Session()
    csrf = _csrf(session.get(f"{base}/account/login").text)
    session.post(
        f"{base}/account/login", data={"csrf_token": csrf, "email": email, "password": PASSWORD}, allow_redirects=False
    ).raise_for_status()
    return session, _csrf(session.get(f"{base}/fairs/{fair_slug}").text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doctors", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--attempts", type=int, default=6, help="booking attempts per doctor")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    from tests.apps import create_postgres_database, drop_postgres_database

    url = create_postgres_database()
    instance = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    env = {
        **os.environ,
        "JOBBOARD_INSTANCE_PATH": str(instance),
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "RATELIMIT_ENABLED": "false",
        "OUTBOX_EAGER": "false",
        "JOBBOARD_ENV": "development",
    }
    os.environ.update(env)
    import flask_migrate

    from jobboard import create_app

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
    fair_slug, emails = seed(app, args.doctors)
    with app.app_context():
        from sqlalchemy import select

        from jobboard.extensions import db
        from jobboard.fairs.models import Slot

        slot_ids = list(db.session.scalars(select(Slot.id)))
        db.session.remove()

    port = free_port()
    server = start_gunicorn(port, args.workers, env=env)
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    outcomes: dict[int, int] = {}
    lock = threading.Lock()
    try:
        wait_until_up(port)
        queue = list(emails)
        rng = random.Random(1)
        started_at = [0.0]

        sessions: list[tuple[requests.Session, str]] = []

        def sign_in_all() -> None:
            while True:
                with lock:
                    if not queue:
                        return
                    email = queue.pop()
                signed_in = doctor_session(base, email, fair_slug)
                with lock:
                    sessions.append(signed_in)

        def doctor(session: requests.Session, csrf: str) -> None:
            for slot_id in rng.sample(slot_ids, args.attempts):
                start = time.perf_counter()
                response = session.post(
                    f"{base}/fairs/{fair_slug}/slots/{slot_id}/book",
                    data={"csrf_token": csrf},
                    headers={"HX-Request": "true"},
                )
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    latencies.append(elapsed)
                    outcomes[response.status_code] = outcomes.get(response.status_code, 0) + 1

        def worker() -> None:
            while True:
                with lock:
                    if not sessions:
                        return
                    signed_in = sessions.pop()
                doctor(*signed_in)

        signing_in = [threading.Thread(target=sign_in_all) for _ in range(args.concurrency)]
        for thread in signing_in:
            thread.start()
        for thread in signing_in:
            thread.join()
        started_at[0] = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed_s = time.perf_counter() - started_at[0]
    finally:
        server.terminate()
        server.wait()

    with app.app_context():
        from jobboard.extensions import db

        doubled_slots = db.session.execute(
            db.text(
                "SELECT count(*) FROM (SELECT slot_id FROM bookings WHERE status = 'confirmed' "
                "GROUP BY slot_id HAVING count(*) > 1) AS d"
            )
        ).scalar_one()
        overlaps = db.session.execute(
            db.text(
                "SELECT count(*) FROM bookings a JOIN bookings b ON a.doctor_id = b.doctor_id AND a.id < b.id "
                "WHERE a.status = 'confirmed' AND b.status = 'confirmed' "
                "AND a.starts_at < b.busy_until AND b.starts_at < a.busy_until"
            )
        ).scalar_one()
        confirmed = db.session.execute(db.text("SELECT count(*) FROM bookings WHERE status = 'confirmed'")).scalar_one()
        db.session.remove()
        db.engine.dispose()
    drop_postgres_database(url)
    booked = outcomes.get(200, 0)
    print(
        f"{args.doctors} doctors x {args.attempts} attempts, {args.concurrency} concurrent, "
        f"{args.workers} gunicorn workers"
    )
    print(
        f"requests: {len(latencies)} in {elapsed_s:.1f} s ({len(latencies) / elapsed_s:.1f} req/s); outcomes {outcomes}"
    )
    print(f"bookings: {booked} confirmed by the app, {confirmed} in the database, {booked / elapsed_s:.1f} bookings/s")
    print(f"latency: p50 {percentile(latencies, 0.5):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms")
    print(
        f"double bookings: {doubled_slots} slots with two confirmed bookings, "
        f"{overlaps} overlapping pairs of one doctor"
    )


if __name__ == "__main__":
    main()
