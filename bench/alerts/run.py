"""Job-alert benchmark: how fast the worker's ``run_due_alerts`` gets through a backlog of due
alerts over a realistically sized index.

    .venv/bin/python bench/alerts/run.py [--postings 20000] [--alerts 10000] [--batch-size 500]
                                          [--users 4000] [--profile] [--keep]

What it does, in a throw-away instance folder (SQLite and the embedded engine unless
DATABASE_URL / MEILI_URL are set in the environment, as bench/search/run.py):

1. migrates, seeds the demo employers and ``--postings`` published postings in bulk (the seeding
   of bench/search/run.py: first published over the last 50 days), and rebuilds the index;
2. inserts ``--users`` confirmed doctors and ``--alerts`` alerts in bulk: about half belong to
   signed-in doctors, the rest to visitors' addresses; saved searches drawn from a mix of what
   people search for (text, region, profession, specialty, periphery, salary, Hebrew level,
   distance from a city, grant, employer), each normalised by the service as the "Alert me" form
   would; 20% instant, 60% daily, 20% weekly; time zones mostly Asia/Jerusalem; each searched
   up to its last run (15 minutes, a day or a week ago) and all due now;
3. times ``jobboard.alerts.services.run_due_alerts()`` over them once and reports alerts per
   second, digests (mails) queued and postings matched. ``--profile`` runs it under cProfile
   and prints the 25 costliest functions.

The instance folder is deleted at the end unless ``--keep``. Mail is only queued in the outbox
(OUTBOX_EAGER is off, no worker runs), so delivery is not part of the figure.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Saved searches as people make them on the search page (weights: how often each kind is saved).
QUERY_MIX = [
    ("region=negev", 8),
    ("region=galilee-north", 5),
    ("region=negev&profession=physician", 6),
    ("profession=nurse", 5),
    ("profession=nurse&region=negev", 3),
    ("specialty=pediatrics", 5),
    ("specialty=pediatrics&region=negev", 3),
    ("specialty=anesthesiology", 3),
    ("specialty=psychiatry", 3),
    ("specialty=internal-medicine&region=galilee-north", 2),
    ("q=cardiology", 3),
    ("q=emergency", 3),
    ("q=family+medicine", 3),
    ("q=pediatrcs", 1),
    ("q=nurse+intensive", 2),
    ("periphery=1", 5),
    ("periphery=1&profession=physician&seniority=specialist", 3),
    ("min_salary=40000", 2),
    ("hebrew=3", 2),
    ("licence=exam_exemption&hebrew=3", 1),
    ("city=beersheba&km=50", 3),
    ("city=haifa&km=25", 2),
    ("city=tel-aviv&km=25&specialty=pediatrics", 1),
    ("grant=periphery-grant-package-for-immigrant-health-professionals", 2),
    ("employer=clalit-health-services", 2),
    ("q=surgery&region=center", 2),
    ("", 2),
]
FREQUENCIES = (("instant", 2), ("daily", 6), ("weekly", 2))
ZONES = (
    ("Asia/Jerusalem", 14),
    ("Europe/London", 2),
    ("America/New_York", 2),
    ("Europe/Paris", 1),
    ("Europe/Moscow", 1),
)
LOOKBACK = {"instant": timedelta(minutes=15), "daily": timedelta(days=1), "weekly": timedelta(days=7)}


def _search_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_search_run", ROOT / "bench" / "search" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seed_alerts(app, alerts: int, users: int) -> dict[str, int]:  # noqa: ANN001 - a Flask app
    """Bulk-insert confirmed doctors and due alerts; returns how many alerts per frequency."""
    from sqlalchemy import func, insert, select

    from jobboard.accounts.models import AccountKind, User
    from jobboard.alerts.models import Alert, AlertStatus
    from jobboard.alerts.services import InvalidSavedSearch, normalise_query
    from jobboard.core.db import utcnow
    from jobboard.extensions import db

    rng = random.Random(11)
    with app.app_context():
        queries, weights = [], []
        for raw, weight in QUERY_MIX:
            try:
                queries.append(normalise_query(raw))
                weights.append(weight)
            except InvalidSavedSearch as error:
                print(f"  (query mix: skipped {raw!r}: {error.message})")
        now = utcnow()
        first_user = (db.session.scalar(select(func.max(User.id))) or 0) + 1
        db.session.execute(
            insert(User),
            [
                {
                    "id": first_user + n,
                    "email": f"bench.doctor{n}@example.org",
                    "full_name": f"Bench Doctor {n}",
                    "password_hash": "!",
                    "kind": AccountKind.DOCTOR,
                    "email_confirmed_at": now,
                    "time_zone": None,
                    "is_admin": False,
                    "is_deactivated": False,
                    "session_version": 1,
                }
                for n in range(users)
            ],
        )
        counts = {name: 0 for name, _ in FREQUENCIES}
        rows = []
        for n in range(alerts):
            frequency = rng.choices([f for f, _ in FREQUENCIES], [w for _, w in FREQUENCIES])[0]
            counts[frequency] += 1
            signed_in = users and rng.random() < 0.5
            last_run = now - LOOKBACK[frequency]
            rows.append(
                {
                    "user_id": first_user + rng.randrange(users) if signed_in else None,
                    "email": None if signed_in else f"visitor{n}@example.net",
                    "name": f"Alert {n}",
                    "query_string": rng.choices(queries, weights)[0],
                    "frequency": frequency,
                    "status": AlertStatus.ACTIVE,
                    "time_zone": rng.choices([z for z, _ in ZONES], [w for _, w in ZONES])[0],
                    "confirmed_at": last_run,
                    "searched_until": last_run,
                    "next_run_at": now - timedelta(minutes=rng.randrange(1, 60)),
                    "last_found": 0,
                    "total_sent": 0,
                    "created_at": last_run,
                    "updated_at": last_run,
                }
            )
            if len(rows) == 2000:
                db.session.execute(insert(Alert), rows)
                rows = []
        if rows:
            db.session.execute(insert(Alert), rows)
        db.session.commit()
        return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postings", type=int, default=20_000)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=4_000, help="signed-in doctors owning about half the alerts")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--profile", action="store_true", help="run under cProfile and print the costliest calls")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    args = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    os.environ["JOBBOARD_INSTANCE_PATH"] = str(instance)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["RATELIMIT_ENABLED"] = "false"
    os.environ["OUTBOX_EAGER"] = "false"
    import flask_migrate
    from sqlalchemy import func, select

    from jobboard import create_app
    from jobboard.core.outbox import OutboxMessage
    from jobboard.extensions import db
    from jobboard.mail.compose import MAIL_KIND
    from jobboard.search.engine import reindex

    try:
        app = create_app()
        with app.app_context():
            flask_migrate.upgrade()
        print(f"instance: {instance}")
        started = time.perf_counter()
        seeded = _search_bench().seed(app, args.postings)
        with app.app_context():
            written, _indexed = reindex()
        print(f"seeded and indexed {seeded} postings ({written} listed) in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        counts = seed_alerts(app, args.alerts, args.users)
        print(
            f"seeded {args.alerts} due alerts ({', '.join(f'{v} {k}' for k, v in counts.items())}) "
            f"in {time.perf_counter() - started:.1f} s"
        )

        from jobboard.alerts.services import run_due_alerts

        with app.app_context():
            mails_before = db.session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND)
            )
            db.session.remove()
            profiler = cProfile.Profile() if args.profile else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            stats = run_due_alerts(batch_size=args.batch_size)
            if profiler:
                profiler.disable()
            elapsed = time.perf_counter() - started
            mails = (
                db.session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND)
                )
                - mails_before
            )
        print(
            f"run_due_alerts: {stats.processed} alerts in {elapsed:.1f} s = "
            f"{stats.processed / elapsed:,.0f} alerts/s (batch size {args.batch_size})"
        )
        print(
            f"  digests queued: {stats.mailed} ({mails} mail rows in the outbox), postings matched: {stats.postings} "
            f"({stats.postings / max(stats.mailed, 1):.1f} per digest)"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    finally:
        if not args.keep:
            shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
