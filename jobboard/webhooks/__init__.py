"""Webhooks: an organisation's systems hear of its applications, interviews and postings as they
change, signed as Standard Webhooks 1.0 describes and delivered from the outbox."""

from datetime import timedelta

from flask import Flask

from jobboard.core.events import register_listener
from jobboard.core.outbox import register_handler
from jobboard.core.schedule import register_periodic
from jobboard.webhooks import personal_data, services


def init_app(app: Flask) -> None:
    register_listener(app, services.queue_event)
    register_handler(app, services.DELIVER, services.deliver)
    register_periodic(app, "prune-webhook-deliveries", services.prune_deliveries, timedelta(hours=6))
    personal_data.register(app)
