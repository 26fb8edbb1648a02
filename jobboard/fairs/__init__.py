"""MedEx fairs: employers' interview tables and slots, doctors' bookings, calendar files and
reminders."""

from flask import Flask

from jobboard.core.outbox import register_handler
from jobboard.fairs import personal_data
from jobboard.fairs.notices import REMINDER, send_reminder


def init_app(app: Flask) -> None:
    register_handler(app, REMINDER, send_reminder)
    personal_data.register(app)
