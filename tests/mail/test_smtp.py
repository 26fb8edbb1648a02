"""Mail delivery over a real SMTP connection: an aiosmtpd server on the loopback interface
(``tests.smtp``), the app pointed at it for the test only (the ``smtp_app`` fixture)."""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import select

from jobboard.core.db import utcnow
from jobboard.core.outbox import OutboxMessage, OutboxStatus, drain, enqueue
from jobboard.extensions import db
from jobboard.mail import queue_mail
from jobboard.mail.compose import MAIL_KIND
from tests.factories import DoctorFactory
from tests.smtp import SMTPServer

TEMPLATE = "accounts/email_taken"
TEMPLATE_TEXT = "Someone asked to move an IMAP Job Board account to this address."


def _row(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def _raw_header_names(raw: bytes) -> list[str]:
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("ascii", "replace")
    return [
        line.split(":", 1)[0].strip().lower() for line in re.split(r"\r?\n", head) if line and not line[0].isspace()
    ]


def test_queued_mail_is_delivered_once_over_smtp(smtp_app, smtp_server):
    message = queue_mail("doctor@example.org", "Welcome to the job board", TEMPLATE, language=None)
    db.session.commit()
    assert smtp_server.envelopes == []  # queued, not sent

    stats = drain()

    assert (stats.delivered, stats.failed) == (1, 0)
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["doctor@example.org"]
    assert envelope.mail_from == "jobs@imap.example.org"
    received = smtp_server.messages()[0]
    assert received["To"] == "doctor@example.org"
    assert received["Subject"] == "Welcome to the job board"
    assert "jobs@imap.example.org" in received["From"]
    assert received["Message-ID"] == f"<outbox-{message.id}@jobboard.test>"
    body = received.get_body(preferencelist=("plain",)).get_content()
    assert TEMPLATE_TEXT in body
    assert _row(message.id).status == OutboxStatus.DONE

    assert drain().handled == 0
    assert len(smtp_server.envelopes) == 1


def test_smtp_outage_is_retried_after_the_backoff(smtp_app, smtp_server, client, time_machine):
    doctor = DoctorFactory(email="forgetful@example.org")
    db.session.commit()
    smtp_server.stop()

    # The request queues the reset mail and drains eagerly; the mail server is down, and the
    # request succeeds all the same.
    response = client.post("/account/forgot-password", data={"email": doctor.email})
    assert response.status_code == 302
    assert "/account/check-email" in response.headers["Location"]

    db.session.expire_all()
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == MAIL_KIND)).one()
    assert message.payload["to"] == "forgetful@example.org"
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()
    assert message.next_attempt_at > utcnow()
    assert smtp_server.envelopes == []

    smtp_server.start()
    assert drain().handled == 0  # back up, but the message is not due yet
    assert smtp_server.envelopes == []

    time_machine.move_to(message.next_attempt_at + timedelta(seconds=1))
    stats = drain()
    assert (stats.delivered, stats.failed) == (1, 0)
    assert len(smtp_server.envelopes) == 1
    received = smtp_server.messages()[0]
    assert received["To"] == "forgetful@example.org"
    assert received["Subject"] == "Reset your password"
    assert received["Message-ID"] == f"<outbox-{message.id}@jobboard.test>"
    assert "/account/reset-password/" in received.get_body(preferencelist=("plain",)).get_content()
    assert _row(message.id).status == OutboxStatus.DONE

    time_machine.shift(timedelta(hours=2))
    assert drain().handled == 0
    assert len(smtp_server.envelopes) == 1


def assert_nothing_injected(server: SMTPServer) -> None:
    for envelope in server.envelopes:
        assert not any("evil" in rcpt for rcpt in envelope.rcpt_tos), envelope.rcpt_tos
        names = _raw_header_names(envelope.original_content)
        assert "bcc" not in names, names
        assert "cc" not in names, names
        assert names.count("to") == 1
        assert names.count("subject") == 1


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_break_in_the_subject_injects_no_header(smtp_app, smtp_server, newline):
    queue_mail("doctor@example.org", f"Hello{newline}Bcc: evil@evil.test", TEMPLATE, language=None)
    db.session.commit()

    assert drain().delivered == 1

    assert len(smtp_server.envelopes) == 1
    assert smtp_server.envelopes[0].rcpt_tos == ["doctor@example.org"]
    assert_nothing_injected(smtp_server)
    received = smtp_server.messages()[0]
    assert received["Bcc"] is None
    assert received["Subject"] == "Hello Bcc: evil@evil.test"


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_break_in_the_recipient_injects_no_header(smtp_app, smtp_server, newline):
    queue_mail(f"doctor@example.org{newline}Bcc: evil@evil.test", "Hello", TEMPLATE, language=None)
    db.session.commit()

    drain()

    assert_nothing_injected(smtp_server)
    for received in smtp_server.messages():
        assert received["Bcc"] is None


def test_line_break_in_an_extra_header_injects_no_header(smtp_app, smtp_server):
    queue_mail(
        "doctor@example.org", "Hello", TEMPLATE, language=None, headers={"X-Campaign": "spring\r\nBcc: evil@evil.test"}
    )
    db.session.commit()

    assert drain().delivered == 1

    assert_nothing_injected(smtp_server)
    assert smtp_server.messages()[0]["X-Campaign"] == "spring Bcc: evil@evil.test"


@pytest.mark.parametrize(
    "field",
    [{"subject": "Hello\r\nBcc: evil@evil.test"}, {"to": "doctor@example.org\r\nBcc: evil@evil.test"}],
)
def test_a_raw_outbox_row_with_a_line_break_is_refused_not_sent(smtp_app, smtp_server, field):
    """A row that did not come through queue_mail: delivery still refuses to send it."""
    payload = {
        "to": "doctor@example.org",
        "subject": "Hello",
        "text": "Body",
        "html": None,
        "headers": {},
        "attachments": [],
        **field,
    }
    message = enqueue(MAIL_KIND, payload)
    db.session.commit()

    stats = drain()

    assert (stats.delivered, stats.failed) == (0, 1)
    assert smtp_server.envelopes == []
    row = _row(message.id)
    assert row.status == OutboxStatus.PENDING
    assert "BadHeaderError" in row.last_error


def test_a_batch_of_mail_goes_over_one_connection(smtp_app, smtp_server):
    for n in range(3):
        queue_mail(f"doctor{n}@example.org", "Welcome to the job board", TEMPLATE, language=None)
    db.session.commit()

    assert drain().delivered == 3

    assert sorted(envelope.rcpt_tos[0] for envelope in smtp_server.envelopes) == [
        "doctor0@example.org",
        "doctor1@example.org",
        "doctor2@example.org",
    ]
    assert smtp_server.connections() == 1


def test_a_connection_lost_in_a_batch_fails_that_message_and_the_rest_connect_anew(smtp_app, smtp_server, monkeypatch):
    sent = []
    real_send = smtplib.SMTP.sendmail

    def drops_the_second(self, *args, **kwargs):
        sent.append(args[1])
        if len(sent) == 2:
            self.close()
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", drops_the_second)
    for n in range(3):
        queue_mail(f"doctor{n}@example.org", "Welcome to the job board", TEMPLATE, language=None)
    db.session.commit()

    stats = drain()

    assert (stats.delivered, stats.failed) == (2, 1)
    assert sorted(envelope.rcpt_tos[0] for envelope in smtp_server.envelopes) == [
        "doctor0@example.org",
        "doctor2@example.org",
    ]
    assert smtp_server.connections() == 2


def test_every_mail_has_a_plain_text_part_and_the_same_text_as_html_in_the_readers_direction(smtp_app, smtp_server):
    link = "https://jobboard.test/account/confirm/abc.def?next=%2Fjobs&x=1"
    queue_mail(
        "doctor@example.org", "Confirm <your> address", "accounts/confirm_email", language="he", confirm_url=link
    )
    db.session.commit()
    assert drain().delivered == 1

    received = smtp_server.messages()[0]
    assert "multipart/alternative" in {part.get_content_type() for part in received.walk()}
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert link in text
    assert '<html lang="he" dir="rtl">' in html
    assert f'<a href="{link.replace("&", "&amp;")}">' in html
    assert "&lt;your&gt;" in html  # the subject, escaped in the title
    assert "<img" not in html and "<script" not in html and "<link" not in html
    # Paragraph by paragraph, the same words as the plain text.
    first_paragraph = text.replace("\r\n", "\n").split("\n\n")[0].strip()
    assert f">{first_paragraph}</p>" in html
