"""Job postings: the employer's postings, the public posting page and its view counts, the
posting lifecycle, grant programs and reports."""

from datetime import timedelta

from flask import Flask

from jobboard.core.schedule import register_periodic
from jobboard.jobs import personal_data, view_counts
from jobboard.jobs.renewal import expire_due_postings, send_expiry_reminders
from jobboard.jobs.save_button import save_button


def init_app(app: Flask) -> None:
    view_counts.init_app(app)
    register_periodic(app, "expire-postings", expire_due_postings, timedelta(minutes=5))
    register_periodic(app, "posting-expiry-reminders", send_expiry_reminders, timedelta(hours=1))
    personal_data.register(app)
    app.jinja_env.globals["save_button"] = save_button
