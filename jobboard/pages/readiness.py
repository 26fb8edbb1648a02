"""What ``/readyz`` reports to an orchestrator: whether this process can serve (its database
answers and carries the code's migrations), and how its helpers are doing (the search engine,
the outbox's backlog), which degrade the site without stopping it."""

from __future__ import annotations

import functools
import time
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from jobboard import site_folder
from jobboard.core.db import utcnow
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.search.engine import get_engine
from jobboard.search.port import SearchError, SearchQuery


@functools.cache
def _code_heads() -> frozenset[str]:
    return frozenset(ScriptDirectory(str(site_folder("migrations"))).get_heads())


def _database() -> dict[str, Any]:
    with db.engine.connect() as connection:
        applied = frozenset(MigrationContext.configure(connection).get_current_heads())
    if applied != _code_heads():
        return {"database": "ok", "migrations": "behind"}
    oldest = db.session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    backlog = None if oldest is None else round((utcnow() - oldest).total_seconds())
    return {"database": "ok", "migrations": "current", "outbox_oldest_pending_seconds": backlog}


def _search() -> str:
    try:
        get_engine().search(SearchQuery(text="", now=int(time.time()), per_page=1, facets=(), highlight=False))
    except SearchError:
        return "degraded"
    return "ok"


def readiness() -> tuple[dict[str, Any], bool]:
    """The report, and whether the process is ready (database reachable, migrations current)."""
    try:
        report = _database()
    except SQLAlchemyError as error:
        db.session.rollback()
        return {"database": f"unreachable: {type(error).__name__}"}, False
    if report["migrations"] != "current":
        return report, False
    report["search"] = _search()
    return report, True
