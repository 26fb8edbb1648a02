"""Who registered an endpoint is the organisation's record, not the person's data."""

from __future__ import annotations

from flask import Flask

from jobboard.core.personal_data import register_attribution
from jobboard.webhooks.models import WebhookEndpoint


def register(app: Flask) -> None:
    register_attribution(app, "the staff member who registered the webhook endpoint", WebhookEndpoint.created_by_id)
