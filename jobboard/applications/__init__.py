"""Doctors' profiles, CVs and applications; the employers' applicant pipeline.

The rules are not one ``services`` module but one module per thing that changes on its own
(each flushes and never commits, as services do): ``profiles``; ``cvs``, the doctor's CVs and
the upkeep of stored files, whose checks and storage are ``cv_files``; ``applying``, applying and
withdrawing; ``pipeline``, the employer's moves, notes, ratings and rejection e-mail;
``notifications``, how staff hear of new applications; ``personal_data``, export, erasure and
the doctor deleting their account.
"""

from datetime import timedelta

from flask import Flask

from jobboard.applications import personal_data
from jobboard.applications.cvs import stored_cv_names, sweep_uploads
from jobboard.applications.notifications import send_daily_digests
from jobboard.core.schedule import register_periodic
from jobboard.core.storage import register_references


def init_app(app: Flask) -> None:
    register_periodic(app, "application-digests", send_daily_digests, timedelta(minutes=30))
    register_periodic(app, "sweep-uploads", sweep_uploads, timedelta(hours=6))
    register_references(app, stored_cv_names)
    personal_data.register(app)
