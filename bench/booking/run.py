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

The bookings run in three rounds, each after a spell of a trivial endpoint (``/healthz``) driven
by the same clients, so both are measured on the machine as it is at that moment, and their
ratio is reported beside the absolute figures. After each round a ``flask jobboard worker``
(paused while the load runs) delivers the round's mail, and the resident memory of the gunicorn
workers and of that worker is printed: the same load three times, to see whether either grows.
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
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as clock_time
from functools import partial
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "search"))

from run import (  # noqa: E402 - bench/search/run.py helpers
    drained,
    free_port,
    percentile,
    start_gunicorn,
    start_outbox_worker,
    stop_outbox_worker,
    wait_until_up,
    web_rss,
)

PASSWORD = "violet tractor harbour spoon"
ROUNDS = 3  # the same load again, to see whether the processes' memory grows


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


def timed_threads(concurrency: int, work: Callable[[], None]) -> float:
    """Run ``work`` in ``concurrency`` threads until each returns; the seconds it took."""
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


class Run:
    """Latencies (ms), outcomes and seconds of one kind of request, over the rounds."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.outcomes: dict[int, int] = {}
        self.seconds = 0.0
        self.lock = threading.Lock()

    def record(self, started: float, status: int) -> None:
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.latencies.append(elapsed)
            self.outcomes[status] = self.outcomes.get(status, 0) + 1

    def line(self, name: str) -> str:
        return (
            f"{name:10} {len(self.latencies) / self.seconds:7.1f} req/s  p50 {percentile(self.latencies, 0.5):6.1f} ms"
            f"  p95 {percentile(self.latencies, 0.95):6.1f} ms"
            f"  ({len(self.latencies)} requests in {self.seconds:.1f} s, outcomes {self.outcomes})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doctors", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--attempts", type=int, default=6, help="booking attempts per doctor")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--trivial-seconds", type=float, default=5, help="of /healthz before each round of bookings")
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
        # The planner's statistics, as autovacuum keeps them in a database that has been running.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")

    port = free_port()
    server = start_gunicorn(port, args.workers, env=env)
    base = f"http://127.0.0.1:{port}"
    trivial, booking = Run(), Run()
    memory: list[str] = []
    try:
        wait_until_up(port)
        worker = start_outbox_worker(env, paused=True)
        queue = list(emails)
        rng = random.Random(1)
        lock = threading.Lock()
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

        timed_threads(args.concurrency, sign_in_all)
        # The rounds book alike: each its share of the doctors, after the same spell of /healthz.
        per_round = -(-len(sessions) // ROUNDS)
        plans = [(session, csrf, rng.sample(slot_ids, args.attempts)) for session, csrf in sessions]

        def healthz(stop_at: float) -> None:
            session = requests.Session()
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                trivial.record(started, session.get(f"{base}/healthz").status_code)

        def book(doctors: list[tuple[requests.Session, str, list[int]]]) -> None:
            while True:
                with lock:
                    if not doctors:
                        return
                    session, csrf, chosen = doctors.pop()
                for slot_id in chosen:
                    started = time.perf_counter()
                    response = session.post(
                        f"{base}/fairs/{fair_slug}/slots/{slot_id}/book",
                        data={"csrf_token": csrf},
                        headers={"HX-Request": "true"},
                    )
                    booking.record(started, response.status_code)

        for number in range(ROUNDS):
            stop_at = time.perf_counter() + args.trivial_seconds
            trivial.seconds += timed_threads(args.concurrency, partial(healthz, stop_at))
            doctors = plans[number * per_round : (number + 1) * per_round]
            booking.seconds += timed_threads(args.concurrency, partial(book, doctors))
            mail_worker = drained(worker, app, "mail.send", paused=True)
            memory.append(f"after round {number + 1}: web workers {web_rss(server)}, mail worker {mail_worker:.0f} MB")
        stop_outbox_worker(worker)
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
    booked = booking.outcomes.get(200, 0)
    print(
        f"{args.doctors} doctors x {args.attempts} attempts, {args.concurrency} concurrent, "
        f"{args.workers} gunicorn workers, {ROUNDS} rounds of {args.trivial_seconds:.0f} s of /healthz then bookings"
    )
    print(trivial.line("/healthz"))
    print(booking.line("booking"))
    print(
        f"bookings: {booked} confirmed by the app, {confirmed} in the database, "
        f"{booked / booking.seconds:.1f} bookings/s"
    )
    throughput = (len(booking.latencies) / booking.seconds) / (len(trivial.latencies) / trivial.seconds)
    p95 = percentile(booking.latencies, 0.95) / percentile(trivial.latencies, 0.95)
    print(f"booking/trivial: throughput {throughput:.1%}, p95 {p95:.1f}x")
    print(
        f"double bookings: {doubled_slots} slots with two confirmed bookings, "
        f"{overlaps} overlapping pairs of one doctor"
    )
    print("resident memory (VmRSS):")
    for line in memory:
        print(f"  {line}")


if __name__ == "__main__":
    main()
