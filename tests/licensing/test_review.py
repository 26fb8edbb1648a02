"""The programme's staff review a doctor's documents: accept, or ask for a new copy with a reason;
the doctor is mailed in their language, and the act is audited."""

from __future__ import annotations

from flask_babel import force_locale, gettext
from sqlalchemy import select

from jobboard.core.audit import AuditEntry
from jobboard.extensions import db
from jobboard.licensing.models import DocumentState, Review
from tests.applications.conftest import text_of
from tests.licensing.conftest import on_track, stored_document


def test_the_admin_sees_the_file_and_accepts_a_document(client, world, login, mailbox):
    on_track(world.doctor)
    document = stored_document(world.doctor, "diploma")
    world.doctor.language = "fr"
    db.session.commit()
    login(world.admin)

    listing = text_of(client.get("/admin/licence/files"))
    assert world.doctor.full_name in listing
    page = text_of(client.get(f"/admin/licence/files/{world.doctor.id}"))
    assert "Medical diploma with dates of study Uploaded" in page and "Letter of good standing Missing" in page
    assert client.get(f"/admin/licence/documents/{document.id}").status_code == 200

    assert client.post(f"/admin/licence/documents/{document.id}/accept").status_code == 302

    db.session.refresh(document)
    assert (document.review, document.reviewer_id) == (Review.ACCEPTED, world.admin.id)
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.subject_id == document.id)))
    assert {"licence_document.accepted", "licence_document.downloaded"} <= actions
    mail = mailbox.last_to(world.doctor.email)
    with force_locale("fr"):
        assert str(mail["Subject"]) == gettext(
            "Your document is accepted: %(document)s", document="Diplôme de médecine avec les dates d'études"
        )


def test_a_new_copy_needs_a_reason_and_the_doctor_reads_it(client, world, login, mailbox):
    document = stored_document(world.doctor, "passport")
    db.session.commit()
    login(world.admin)

    refused = client.post(f"/admin/licence/documents/{document.id}/new-copy", data={"reason": ""})
    assert refused.status_code == 422
    assert db.session.get(type(document), document.id).review == Review.PENDING

    response = client.post(
        f"/admin/licence/documents/{document.id}/new-copy", data={"reason": "The photo page is cut off."}
    )
    assert response.status_code == 302
    db.session.refresh(document)
    assert document.state(document.issued_on) == DocumentState.NEW_COPY_REQUESTED
    assert "The photo page is cut off." in mailbox.text(mailbox.last_to(world.doctor.email))
    login(world.doctor)
    assert "Why a new copy is needed: The photo page is cut off." in text_of(client.get("/me/licence"))


def test_only_administrators_review(client, world, login):
    document = stored_document(world.doctor, "passport")
    db.session.commit()
    for user in (world.doctor, world.recruiter):
        login(user)
        assert client.post(f"/admin/licence/documents/{document.id}/accept").status_code == 403
    assert db.session.get(type(document), document.id).review == Review.PENDING
