"""Posting views counted in memory: nothing lost between threads, a flush that fails keeps its
counts, views of a posting deleted before the flush are dropped. (Simultaneous views through a
served app, and the background writes, are in tests/core/test_concurrency.py.)"""

from __future__ import annotations

import sqlite3
import threading

from sqlalchemy.exc import OperationalError

from jobboard.extensions import db
from jobboard.jobs import queries, view_counts
from tests.jobs.helpers import published


def test_views_counted_from_many_threads_are_all_kept(app):
    counter = view_counts.ViewCounter(app, every=0, batch=10**9)

    def count() -> None:
        for _ in range(2000):
            counter.add(7)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert counter.take().total() == 16000
    assert counter.take().total() == 0


def test_a_flush_that_fails_keeps_its_counts_for_the_next(world, db_session, monkeypatch, caplog):
    posting = published(world)
    db_session.commit()
    view_counts.count_view(posting.id)
    view_counts.count_view(posting.id)

    def busy(_counts: object) -> int:
        raise OperationalError("INSERT INTO posting_view_counts", {}, sqlite3.OperationalError("database is locked"))

    with monkeypatch.context() as patch:
        patch.setattr(view_counts, "_store", busy)
        assert view_counts.flush() == 0
    assert "view counts not written; kept for the next flush" in caplog.text
    assert queries.view_totals(world.org) == {}

    view_counts.count_view(posting.id)
    assert view_counts.flush() == 3
    assert queries.view_totals(world.org) == {posting.id: 3}


def test_views_of_a_posting_deleted_before_the_flush_are_dropped(world, db_session):
    kept, deleted = published(world), published(world, site=world.tlv_site)
    db_session.commit()
    view_counts.count_view(kept.id)
    view_counts.count_view(deleted.id)
    db.session.delete(deleted)
    db_session.commit()

    assert view_counts.flush() == 1
    assert queries.view_totals(world.org) == {kept.id: 1}
