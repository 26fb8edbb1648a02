"""Outgoing e-mail: compose now, inside the caller's transaction (an outbox row holds the whole
message), deliver later from the outbox over SMTP, or into files under ``instance/mail`` in
development."""

from flask import Flask

from jobboard.core.outbox import register_batch_context, register_handler
from jobboard.extensions import mail
from jobboard.mail import personal_data
from jobboard.mail.compose import MAIL_KIND, queue_mail
from jobboard.mail.delivery import deliver, one_connection

__all__ = ["init_app", "queue_mail"]


def init_app(app: Flask) -> None:
    mail.init_app(app)
    register_handler(app, MAIL_KIND, deliver)
    register_batch_context(app, MAIL_KIND, one_connection)
    personal_data.register(app)
