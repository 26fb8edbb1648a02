"""What happened to an organisation's objects, for the features that react to it (webhooks
today). A service says what happened with ``emit``; every listener a feature registered in its
``init_app`` runs at once, inside the caller's transaction, so what a listener queues (outbox
rows) commits or rolls back with the change itself.

The events are named as the webhooks publish them; ``data`` carries ids and the few values a
receiving system needs to act (never a CV or a cover note).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app


class Event(enum.StrEnum):
    APPLICATION_CREATED = "application.created"
    APPLICATION_STAGE_CHANGED = "application.stage_changed"
    BOOKING_CREATED = "booking.created"
    BOOKING_MOVED = "booking.moved"
    BOOKING_CANCELLED = "booking.cancelled"
    POSTING_PUBLISHED = "posting.published"
    POSTING_CHANGES_REQUESTED = "posting.changes_requested"
    POSTING_EXPIRED = "posting.expired"


Listener = Callable[[Event, int, dict[str, Any]], None]


def register_listener(app: Flask, listener: Listener) -> None:
    app.extensions.setdefault("event_listeners", []).append(listener)


def emit(event: Event, org_id: int, data: dict[str, Any]) -> None:
    """``event`` happened to an object of the organisation ``org_id``."""
    listeners: list[Listener] = current_app.extensions.get("event_listeners", [])
    for listener in listeners:
        listener(event, org_id, data)
