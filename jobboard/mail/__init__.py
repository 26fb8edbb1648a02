"""Outgoing e-mail: compose now, inside the caller's transaction (an outbox row holds the whole
message), deliver later from the outbox over SMTP, or into files under ``instance/mail`` in
development."""

from flask import Flask

from jobboard.core.outbox import register_handler
from jobboard.extensions import mail
from jobboard.mail import personal_data
from jobboard.mail.compose import MAIL_KIND, queue_mail
from jobboard.mail.delivery import deliver

__all__ = ["init_app", "queue_mail"]


def init_app(app: Flask) -> None:
    mail.init_app(app)
    register_handler(app, MAIL_KIND, deliver)
    personal_data.register(app)
