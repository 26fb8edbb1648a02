"""Choosing the engine, keeping it in step with the database through the outbox, rebuilding it,
and checking it for drift.

Only a posting's id travels in an outbox message; the handler reads the row as it is when the
message is delivered (listed: upsert, otherwise delete), so a replay or a late message can
never bring back a closed posting.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from flask import current_app
from sqlalchemy import func, select

from jobboard.core.outbox import OutboxMessage, enqueue
from jobboard.extensions import db
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.jobs.models import Posting
from jobboard.jobs.queries import listed_condition, postings_with_details
from jobboard.search.documents import posting_document
from jobboard.search.embedded import CityPoint, EmbeddedEngine
from jobboard.search.meili import MeilisearchEngine
from jobboard.search.port import SearchEngine
from jobboard.search.stream import listed_postings
from jobboard.vocab.models import City

BATCH_SIZE = 2000
BREAKER_SECONDS = 30.0


def get_engine() -> SearchEngine:
    engine = current_app.extensions.get("search_engine")
    if engine is None:
        engine = create_engine()
        current_app.extensions["search_engine"] = engine
    return engine


def create_engine() -> SearchEngine:
    config = current_app.config
    if config["MEILI_URL"]:
        return MeilisearchEngine.connect(
            config["MEILI_URL"], config["MEILI_MASTER_KEY"], config["SEARCH_TIMEOUT_SECONDS"]
        )
    cities = [CityPoint(c.slug, c.lat, c.lon) for c in db.session.scalars(select(City))]
    return EmbeddedEngine(config["SEARCH_INDEX_DIR"], cities)


class Breaker:
    """After the engine fails, searches skip it for a while instead of waiting on it again."""

    def __init__(self) -> None:
        self.open_until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self) -> None:
        self.open_until = time.monotonic() + BREAKER_SECONDS


def breaker() -> Breaker:
    return current_app.extensions.setdefault("search_breaker", Breaker())


def sync_posting(message: OutboxMessage) -> None:
    posting_id = int(message.payload["posting_id"])
    found = postings_with_details([posting_id])
    engine = get_engine()
    if found and found[0].is_listed:
        engine.upsert([posting_document(found[0])])
    else:
        engine.delete([posting_id])


def listed_ids() -> list[int]:
    return list(db.session.scalars(select(Posting.id).where(listed_condition()).order_by(Posting.id)))


def _documents(progress: Callable[[int], None] | None) -> Iterator[list[dict[str, object]]]:
    for batch in listed_postings(BATCH_SIZE):
        yield [posting_document(p) for p in batch]
        if progress:
            progress(len(batch))


def reindex(progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Rebuild the index from the database beside the live one, replay the postings changed
    meanwhile, and switch. Returns (documents written, documents in the engine after)."""
    engine = get_engine()
    engine.configure()
    mark = db.session.scalar(select(func.max(OutboxMessage.id)).where(OutboxMessage.kind == SEARCH_SYNC)) or 0

    def replay(upsert: Callable[[list[dict[str, object]]], None], delete: Callable[[list[int]], None]) -> None:
        changed = {
            int(row.payload["posting_id"])
            for row in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == SEARCH_SYNC, OutboxMessage.id > mark)
            )
        }
        listed = postings_with_details(sorted(changed))
        upsert([posting_document(p) for p in listed if p.is_listed])
        delete(sorted(changed - {p.id for p in listed if p.is_listed}))

    written = engine.rebuild(_documents(progress), replay)
    engine.refresh()
    return written, len(engine.iter_ids())


def check() -> tuple[set[int], set[int]]:
    """Postings missing from the index and documents that should not be there; a sync message
    is queued for each."""
    expected = set(listed_ids())
    indexed = get_engine().iter_ids()
    missing, extra = expected - indexed, indexed - expected
    for posting_id in sorted(missing | extra):
        enqueue(SEARCH_SYNC, {"posting_id": posting_id})
    return missing, extra
