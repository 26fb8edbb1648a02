"""Saved searches that e-mail new postings (job alerts)."""

from datetime import timedelta

from flask import Flask

from jobboard.alerts import personal_data
from jobboard.alerts.services import run_due_alerts
from jobboard.core.schedule import register_periodic


def init_app(app: Flask) -> None:
    register_periodic(app, "job-alerts", lambda: run_due_alerts().processed, timedelta(minutes=5))
    personal_data.register(app)
