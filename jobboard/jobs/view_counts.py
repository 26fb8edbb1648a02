"""Views of the public posting pages: counted in the web process's memory, written in batches.

A page view must never need the database's write lock. On SQLite there is one writer at a time,
and when every view added one to its posting's row, simultaneous views of one posting failed
with 503. So a view only adds one to a counter in memory, and the counts are added to
``posting_view_counts`` (a row per posting and day, by upsert) in a write transaction of their
own, outside any request: by a thread of the process, every ``VIEW_COUNT_FLUSH_SECONDS`` or as
soon as ``VIEW_COUNT_FLUSH_VIEWS`` views wait, whichever comes first, and once more when the
process exits. A write that fails keeps its counts for the next one. Each process counts its own
views (gunicorn's workers); the upsert adds them up.

The price: views not yet written are lost when the process is killed (SIGKILL, a crash, the OOM
killer), at most an interval's worth, acceptable for a view counter; the worker cannot write
them, as they are in another process's memory. And the employer's list of postings lags the
page views by up to the interval.

With ``VIEW_COUNT_FLUSH_SECONDS`` at 0, the default in testing, nothing is written on its own:
tests call ``flush()``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import Counter
from datetime import date
from typing import cast

from flask import Flask, current_app
from sqlalchemy import Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from jobboard.core.db import utcnow, write_lock
from jobboard.extensions import db
from jobboard.jobs.models import Posting, PostingViewCount

log = logging.getLogger(__name__)

Counts = Counter[tuple[int, date]]


class ViewCounter:
    """One process's views not yet written, by posting and day (UTC)."""

    def __init__(self, app: Flask, every: float, batch: int) -> None:
        self.app = app
        self.every = every
        self.batch = batch
        self._lock = threading.Lock()
        self._pending: Counts = Counter()
        self._total = 0
        self._due = threading.Event()
        self._writer_pid: int | None = None

    def add(self, posting_id: int) -> None:
        with self._lock:
            self._pending[(posting_id, utcnow().date())] += 1
            self._total += 1
            full = self._total >= self.batch
            if self.every and self._writer_pid != os.getpid():
                self._start_writer()
        if full:
            self._due.set()

    def take(self) -> Counts:
        """The views counted so far, which the counter then forgets."""
        with self._lock:
            pending, self._pending, self._total = self._pending, Counter(), 0
        return pending

    def flush(self) -> int:
        """Write the views counted so far, in the app's context; returns how many were written."""
        pending = self.take()
        if not pending:
            return 0
        try:
            return _store(pending)
        except Exception:  # whatever failed, the counts wait for the next flush
            log.warning("view counts not written; kept for the next flush", exc_info=True)
            with self._lock:
                self._pending.update(pending)
                self._total += pending.total()
            return 0

    def _start_writer(self) -> None:
        # In the process that counts: a worker forked from a master that created the app starts its own.
        self._writer_pid = os.getpid()
        threading.Thread(target=self._write_periodically, name="view-counts", daemon=True).start()
        atexit.register(self._flush_in_context)

    def _write_periodically(self) -> None:
        while True:
            self._due.wait(self.every)
            self._due.clear()
            self._flush_in_context()

    def _flush_in_context(self) -> None:
        with self.app.app_context():
            self.flush()


def _store(counts: Counts) -> int:
    """Add the counts in one write transaction; views of a posting deleted meanwhile are dropped.
    Returns how many views were added."""
    with write_lock():
        try:
            ids = {posting_id for posting_id, _day in counts}
            existing = set(db.session.scalars(select(Posting.id).where(Posting.id.in_(ids))))
            kept = {key: views for key, views in counts.items() if key[0] in existing}
            if kept:
                db.session.execute(
                    _upsert(),
                    [
                        {"posting_id": posting_id, "day": day, "views": views}
                        for (posting_id, day), views in kept.items()
                    ],
                )
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    return sum(kept.values())


def _upsert() -> Insert:
    table = cast(Table, PostingViewCount.__table__)  # a class with a __tablename__ maps a Table
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c.posting_id, table.c.day],
        set_={"views": table.c.views + statement.excluded.views},
    )


def count_view(posting_id: int) -> None:
    current_app.extensions["view_counter"].add(posting_id)


def flush() -> int:
    """Write the views the current app counted so far; returns how many."""
    return current_app.extensions["view_counter"].flush()


def init_app(app: Flask) -> None:
    app.extensions["view_counter"] = ViewCounter(
        app, app.config["VIEW_COUNT_FLUSH_SECONDS"], app.config["VIEW_COUNT_FLUSH_VIEWS"]
    )
