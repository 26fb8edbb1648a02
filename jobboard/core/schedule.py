"""Periodic jobs run by ``flask jobboard worker`` between outbox batches (expiring postings,
reminders, digests, alerts, sweeps). Each job must be idempotent all the same.

However many workers run, a job runs once per period: a worker claims it by moving its due time
on in the database (``PeriodicRun``), in one conditional update that only one worker's can pass;
the others find it not due. A job that fails waits for its next period.

A job reads then writes in one transaction: on SQLite it takes the write lock as it begins
(``core.db.write_lock``), waiting while the web process writes instead of failing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import String, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from jobboard.core.db import utcnow, write_lock
from jobboard.extensions import Model, db

log = logging.getLogger(__name__)


class PeriodicRun(Model):
    """When a periodic job is next due, and when it last began."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[datetime]
    last_run_at: Mapped[datetime | None]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], int]
    every: timedelta


def register_periodic(app: Flask, name: str, run: Callable[[], int], every: timedelta) -> None:
    """``run`` does the work inside the caller's transaction and returns how many things it did."""
    app.extensions.setdefault("periodic_jobs", {})[name] = PeriodicJob(name, run, every)


def _claim(job: PeriodicJob, now: datetime) -> bool:
    """Whether this worker runs ``job`` now: it is due, and this worker moved its due time on."""
    with write_lock():
        if db.session.get(PeriodicRun, job.name) is None:
            db.session.add(PeriodicRun(name=job.name, due_at=now))
            try:
                db.session.commit()
            except IntegrityError:  # another worker saw it first
                db.session.rollback()
    with write_lock():
        claimed = db.session.execute(
            update(PeriodicRun)
            .where(PeriodicRun.name == job.name, PeriodicRun.due_at <= now)
            .values(due_at=now + job.every, last_run_at=now)
        )
        db.session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def run_due_jobs(now: datetime | None = None) -> dict[str, int]:
    """Run the jobs that are due and that this worker claims; how much each did."""
    now = now or utcnow()
    done: dict[str, int] = {}
    # Read first, without the write lock: most of a worker's turns find nothing due.
    due_at = dict(db.session.execute(select(PeriodicRun.name, PeriodicRun.due_at)).tuples().all())
    db.session.rollback()
    for job in current_app.extensions.get("periodic_jobs", {}).values():
        if (job.name in due_at and due_at[job.name] > now) or not _claim(job, now):
            continue
        try:
            with write_lock():
                done[job.name] = job.run()
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("periodic job %s failed", job.name)
    return done
