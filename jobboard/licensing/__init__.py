"""The doctor's licence file: the track to an Israeli licence and its checklist of documents,
the documents themselves, the milestones (from which the profile's licence status is derived),
what each application shares with its employer, the programme's review, and reminders.

Modules: ``models``; ``catalogue``, the tracks and documents (seeded, then edited by
administrators); ``milestones``, the track, the milestones and the derived status; ``files``,
the content checks; ``documents``, uploads; ``sharing``; ``review``; ``reminders``, the periodic
job; ``queries``; ``personal_data``.
"""

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from jobboard.core.schedule import register_periodic
from jobboard.core.storage import register_references
from jobboard.extensions import db
from jobboard.licensing import personal_data
from jobboard.licensing.models import LicenceDocument
from jobboard.licensing.reminders import send_licence_reminders


def _stored_names() -> list[str]:
    return list(db.session.scalars(select(LicenceDocument.stored_name)))


def init_app(app: Flask) -> None:
    register_periodic(app, "licence-reminders", send_licence_reminders, timedelta(hours=6))
    register_references(app, _stored_names)
    personal_data.register(app)
