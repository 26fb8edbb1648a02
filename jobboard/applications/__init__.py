"""Doctors' profiles, CVs and applications; the employers' applicant pipeline."""

from datetime import timedelta

from flask import Flask

from jobboard.applications import personal_data
from jobboard.applications.services import send_daily_digests, sweep_uploads
from jobboard.core.schedule import register_periodic


def init_app(app: Flask) -> None:
    register_periodic(app, "application-digests", send_daily_digests, timedelta(minutes=30))
    register_periodic(app, "sweep-uploads", sweep_uploads, timedelta(hours=6))
    personal_data.register(app)
