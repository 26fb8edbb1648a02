"""Search: the port and its two engines (embedded Tantivy by default, Meilisearch when
MEILI_URL is set), index sync through the outbox, and the doctors' search page."""

from datetime import UTC, datetime
from typing import Any

from flask import Flask

from jobboard.core.outbox import register_handler
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.search.cards import hit_cards
from jobboard.search.engine import sync_posting
from jobboard.search.facets import catalogue


def _timestamp_iso(value: int) -> str:
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")


def _localised(document: dict[str, Any]) -> dict[str, Any]:
    """A search document with the vocabularies' names in the language of what is rendered (a
    feed's, or a mail's recipient's)."""
    return catalogue().localised(document)


def init_app(app: Flask) -> None:
    register_handler(app, SEARCH_SYNC, sync_posting)
    app.jinja_env.globals.update(hit_cards=hit_cards)
    app.jinja_env.filters["timestamp_iso"] = _timestamp_iso
    app.jinja_env.filters["localised"] = _localised
