"""Periodic jobs run by ``flask jobboard worker`` between outbox batches (expiring postings,
reminders). Each job must be idempotent: a restarted worker runs every job again at once.

A job reads then writes in one transaction: on SQLite it takes the write lock as it begins
(``core.db.write_lock``), waiting while the web process writes instead of failing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app

from jobboard.core.db import utcnow, write_lock
from jobboard.extensions import db

log = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    name: str
    run: Callable[[], int]
    every: timedelta
    last_run_at: datetime | None = None


def register_periodic(app: Flask, name: str, run: Callable[[], int], every: timedelta) -> None:
    """``run`` does the work inside the caller's transaction and returns how many things it did."""
    app.extensions.setdefault("periodic_jobs", {})[name] = PeriodicJob(name, run, every)


def run_due_jobs(now: datetime | None = None) -> dict[str, int]:
    now = now or utcnow()
    done: dict[str, int] = {}
    for job in current_app.extensions.get("periodic_jobs", {}).values():
        if job.last_run_at is not None and now - job.last_run_at < job.every:
            continue
        try:
            with write_lock():
                done[job.name] = job.run()
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("periodic job %s failed", job.name)
        job.last_run_at = now
    return done
