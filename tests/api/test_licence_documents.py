"""The doctor's licence file through the API: an application's read carries the readiness
summary as data and the documents the doctor shares with it; each shared document downloads with
its own bytes and type, recorded in the audit log with the key's name. An unshared, revoked or
another tenant's document is a 404 and is not listed."""

from __future__ import annotations

import hashlib
from datetime import date
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from jobboard.applications import applying
from jobboard.core.audit import AuditEntry
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.licensing import documents, sharing
from jobboard.licensing.milestones import MilestoneFields, save_milestones
from jobboard.licensing.models import DocumentShare
from tests.applications.conftest import count, make_posting
from tests.licensing.conftest import TRACK, jpeg_bytes, kind, on_track, stored_document

DOWNLOADED = AuditEntry.action == "licence_document.downloaded"


@pytest.fixture
def licence_file(world):
    """Tenant A's application, sharing a PDF diploma and a JPEG passport; the internship
    certificate is in the file but not shared."""
    on_track(world.doctor)
    save_milestones(world.doctor, MilestoneFields(provisional_expected=date(2027, 3, 1)), date(2026, 6, 1))
    diploma = stored_document(world.doctor, "diploma")
    passport = documents.upload_document(
        world.doctor,
        kind("passport"),
        "passport.jpg",
        jpeg_bytes(),
        issued_on=date(2024, 2, 1),
        expires_on=date(2034, 2, 1),
        today=utcnow().date(),
    )
    internship = stored_document(world.doctor, "internship")
    application = applying.apply(world.doctor, world.posting, world.cv, "Hello")
    sharing.share(world.doctor, application, [diploma, passport])
    db.session.commit()
    world.application = application
    return diploma, passport, internship


def documents_path(application_id: int, document_id: int) -> str:
    return f"/api/v1/applications/{application_id}/licence-documents/{document_id}"


def test_the_application_carries_the_summary_and_the_shared_documents(app, api, world, licence_file):
    diploma, passport, internship = licence_file
    body = api.get(f"/api/v1/applications/{world.application.id}").get_json()
    assert body["licence"] == {
        "track": {"slug": TRACK, "name": "Exam exemption: graduates of listed countries"},
        "documents_present": 3,
        "documents_required": 10,
        "status": "not_started",
        "provisional_licence_expected": "2027-03-01",
    }
    listed = body["licence_documents"]
    assert [d["id"] for d in listed] == [diploma.id, passport.id]  # not the internship certificate
    assert listed[1] == {
        "id": passport.id,
        "kind": "passport",
        "kind_name": kind("passport").name,
        "issued_on": "2024-02-01",
        "expires_on": "2034-02-01",
        "state": "uploaded",
        "file_name": "passport.jpg",
        "content_type": "image/jpeg",
        "size_bytes": passport.size_bytes,
        "url": app.config["BASE_URL"].rstrip("/") + documents_path(world.application.id, passport.id),
    }
    assert internship.id not in {d["id"] for d in listed}


def test_a_shared_document_downloads_with_its_bytes_and_type_and_is_audited(api, world, licence_file):
    diploma, passport, _internship = licence_file
    listed = api.get(f"/api/v1/applications/{world.application.id}").get_json()["licence_documents"]
    urls = {d["id"]: urlsplit(d["url"]).path for d in listed}
    for document, mimetype in [(diploma, "application/pdf"), (passport, "image/jpeg")]:
        response = api.get(urls[document.id])
        assert response.status_code == 200 and response.mimetype == mimetype
        assert hashlib.sha256(response.get_data()).hexdigest() == document.sha256
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["Cache-Control"] == "no-store"
    entries = list(db.session.scalars(select(AuditEntry).where(DOWNLOADED).order_by(AuditEntry.id)))
    assert [(e.subject_type, e.subject_id) for e in entries] == [
        ("licence_document", diploma.id),
        ("licence_document", passport.id),
    ]
    entry = entries[0]
    assert (entry.actor_id, entry.org_id) == (world.owner.id, world.org.id)
    assert entry.details["application_id"] == world.application.id
    assert entry.details["api_key_name"] == "ATS"


def test_an_unshared_or_revoked_document_is_not_found_and_not_listed(api, world, licence_file):
    diploma, _passport, internship = licence_file
    unshared = api.get(documents_path(world.application.id, internship.id))
    assert unshared.status_code == 404 and unshared.mimetype == "application/problem+json"

    share = db.session.get(DocumentShare, (world.application.id, diploma.id))
    sharing.revoke(world.doctor, share)
    db.session.commit()
    assert api.get(documents_path(world.application.id, diploma.id)).status_code == 404
    listed = api.get(f"/api/v1/applications/{world.application.id}").get_json()["licence_documents"]
    assert diploma.id not in {d["id"] for d in listed}
    assert count(AuditEntry, DOWNLOADED) == 0


def test_a_document_shared_through_another_application_is_not_this_ones(api, world, licence_file):
    diploma, _passport, _internship = licence_file
    second = applying.apply(world.doctor, make_posting(world.org, world.site, title="Second post"), world.cv, "")
    db.session.commit()
    assert api.get(documents_path(second.id, diploma.id)).status_code == 404
    assert api.get(f"/api/v1/applications/{second.id}").get_json()["licence_documents"] == []
    assert count(AuditEntry, DOWNLOADED) == 0


def test_another_tenants_documents_are_not_found(api, world, licence_file):
    diploma, _passport, _internship = licence_file
    theirs = stored_document(world.other_doctor, "diploma")
    their_application = applying.apply(world.other_doctor, world.other_posting, world.other_cv, "Elsewhere")
    sharing.share(world.other_doctor, their_application, [theirs])
    db.session.commit()

    for path in [
        documents_path(their_application.id, theirs.id),  # B's application
        documents_path(world.application.id, theirs.id),  # A's application, B's document
    ]:
        response = api.get(path)
        assert response.status_code == 404 and response.mimetype == "application/problem+json", path
        assert "Ilan" not in response.get_data(as_text=True)
    # B's key sees nothing of A's application.
    assert api.get(documents_path(world.application.id, diploma.id), token=world.other_token).status_code == 404
    assert api.get(f"/api/v1/applications/{world.application.id}", token=world.other_token).status_code == 404
    listed = api.get(f"/api/v1/applications/{world.application.id}").get_json()["licence_documents"]
    assert theirs.id not in {d["id"] for d in listed}
    assert count(AuditEntry, DOWNLOADED) == 0


def test_a_doctor_without_a_licence_file_has_an_empty_summary(api, world):
    application = applying.apply(world.doctor, world.posting, world.cv, "Hello")
    db.session.commit()
    body = api.get(f"/api/v1/applications/{application.id}").get_json()
    assert body["licence"] == {
        "track": None,
        "documents_present": 0,
        "documents_required": 0,
        "status": body["doctor"]["licence_status"],
        "provisional_licence_expected": None,
    }
    assert body["licence_documents"] == []


def test_once_licensed_no_provisional_licence_is_expected(api, world):
    """As the applicant's page says: the status, no longer the expected month."""
    application = applying.apply(world.doctor, world.posting, world.cv, "Hello")
    fields = MilestoneFields(provisional_expected=date(2026, 3, 1), provisional_licence_on=date(2026, 4, 2))
    save_milestones(world.doctor, fields, date(2026, 6, 1))
    db.session.commit()
    licence = api.get(f"/api/v1/applications/{application.id}").get_json()["licence"]
    assert (licence["status"], licence["provisional_licence_expected"]) == ("provisional_licence", None)
