"""Sharing with employers: the doctor ticks documents when applying (none by default) and may
revoke a share; the employer sees a readiness summary and downloads only what is shared, each
download audited. Everything else answers 404: another tenant, an unshared document, a revoked
share."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from jobboard.applications import applying
from jobboard.applications.models import Application
from jobboard.core.audit import AuditEntry
from jobboard.extensions import db
from jobboard.licensing import sharing
from jobboard.licensing.milestones import MilestoneFields, save_milestones
from jobboard.licensing.models import DocumentShare
from tests.applications.conftest import count, make_posting, text_of
from tests.licensing.conftest import on_track, stored_document


@pytest.fixture
def licence_file(world):
    """The doctor's file: a track, two documents, the provisional licence expected in March 2027."""
    on_track(world.doctor)
    save_milestones(world.doctor, MilestoneFields(provisional_expected=date(2027, 3, 1)), date(2026, 6, 1))
    diploma = stored_document(world.doctor, "diploma")
    passport = stored_document(world.doctor, "passport", expires_on=date(2031, 1, 1))
    db.session.commit()
    return diploma, passport


def apply_with(client, world, *document_ids):
    data = {"cv_id": world.cv.id, "cover_note": "Hello", "licence_document_ids": [str(i) for i in document_ids]}
    response = client.post(f"/jobs/{world.posting.id}/apply", data=data)
    assert response.status_code == 302, text_of(response)
    return db.session.scalar(select(Application).where(Application.doctor_id == world.doctor.id))


def test_the_apply_form_offers_the_documents_unticked(client, world, login, licence_file):
    login(world.doctor)
    page = client.get(f"/jobs/{world.posting.id}/apply").get_data(as_text=True)
    assert "Licence documents the employer may see" in page
    assert 'name="licence_document_ids"' in page and "checked" not in page.split('name="licence_document_ids"')[1][:80]


def test_applying_shares_none_by_default(client, world, login, licence_file):
    login(world.doctor)
    apply_with(client, world)
    assert count(DocumentShare) == 0


def test_the_employer_sees_the_summary_and_downloads_only_the_shared_document(client, world, login, licence_file):
    diploma, passport = licence_file
    login(world.doctor)
    application = apply_with(client, world, diploma.id)
    assert [s.document_id for s in db.session.scalars(select(DocumentShare))] == [diploma.id]

    login(world.recruiter)
    summary = (
        "Exam exemption: graduates of listed countries · 2 of 10 documents · provisional licence expected March 2027"
    )
    assert summary in text_of(client.get(f"/org/{world.org.slug}/applicants"))
    detail = client.get(f"/org/{world.org.slug}/applications/{application.id}")
    assert summary in text_of(detail)
    base = f"/org/{world.org.slug}/applications/{application.id}/licence-documents"
    assert f'{base}/{diploma.id}"' in detail.get_data(as_text=True)
    assert f"{base}/{passport.id}" not in detail.get_data(as_text=True)

    shared = client.get(f"{base}/{diploma.id}")
    assert shared.status_code == 200 and shared.headers["Content-Type"] == "application/pdf"
    assert "attachment" in shared.headers["Content-Disposition"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "licence_document.downloaded"))
    assert (entry.actor_id, entry.subject_id, entry.org_id) == (world.recruiter.id, diploma.id, world.org.id)
    assert entry.details["application_id"] == application.id

    assert client.get(f"{base}/{passport.id}").status_code == 404  # not shared
    assert count(AuditEntry, AuditEntry.action == "licence_document.downloaded") == 1


def test_the_summary_is_in_the_readers_language(client, world, login, licence_file):
    login(world.doctor)
    application = apply_with(client, world)
    login(world.recruiter)
    page = text_of(client.get(f"/fr/org/{world.org.slug}/applications/{application.id}"))
    assert "Dispense d'examen : diplômés des pays listés" in page
    assert "mars 2027" in page


def test_another_tenant_and_anonymous_visitors_get_nothing(client, world, login, licence_file):
    diploma, _passport = licence_file
    login(world.doctor)
    application = apply_with(client, world, diploma.id)
    path = f"applications/{application.id}/licence-documents/{diploma.id}"
    login(world.other_recruiter)
    assert client.get(f"/org/{world.other.slug}/{path}").status_code == 404
    assert client.get(f"/org/{world.org.slug}/{path}").status_code == 404
    login(None)
    assert client.get(f"/org/{world.org.slug}/{path}").headers["Location"].startswith("/account/login")
    assert count(AuditEntry, AuditEntry.action == "licence_document.downloaded") == 0


def test_a_document_shared_with_another_application_is_not_this_ones(client, world, login, licence_file):
    """The same doctor applied twice; a share with one application opens nothing through the other."""
    diploma, _passport = licence_file
    second = applying.apply(world.doctor, make_posting(world.org, world.site, title="Second post"), world.cv, "")
    first = applying.apply(world.doctor, world.posting, world.cv, "")
    sharing.share(world.doctor, first, [diploma])
    db.session.commit()
    login(world.recruiter)
    assert (
        client.get(f"/org/{world.org.slug}/applications/{second.id}/licence-documents/{diploma.id}").status_code == 404
    )


def test_a_revoked_share_is_gone_for_the_employer(client, world, login, licence_file):
    diploma, _passport = licence_file
    login(world.doctor)
    application = apply_with(client, world, diploma.id)
    assert "Licence documents the employer may see:" in text_of(client.get("/me/applications"))

    response = client.post(f"/me/applications/{application.id}/licence-documents/{diploma.id}/revoke")

    assert response.status_code == 302 and count(DocumentShare) == 0
    assert count(AuditEntry, AuditEntry.action == "licence_document.share_revoked") == 1
    login(world.recruiter)
    url = f"/org/{world.org.slug}/applications/{application.id}/licence-documents/{diploma.id}"
    assert client.get(url).status_code == 404
    assert "No licence document shared." in text_of(client.get(f"/org/{world.org.slug}/applications/{application.id}"))


def test_another_doctor_cannot_revoke_or_share(client, world, login, licence_file):
    diploma, _passport = licence_file
    login(world.doctor)
    application = apply_with(client, world, diploma.id)
    login(world.other_doctor)
    assert client.post(f"/me/applications/{application.id}/licence-documents/{diploma.id}/revoke").status_code == 404
    assert count(DocumentShare) == 1


def test_sharing_another_doctors_document_is_refused_when_applying(client, world, login, licence_file):
    diploma, _passport = licence_file
    login(world.other_doctor)
    response = client.post(
        f"/jobs/{world.posting.id}/apply",
        data={"cv_id": world.other_cv.id, "licence_document_ids": [str(diploma.id)]},
    )
    assert response.status_code == 422  # not one of the choices
    assert count(DocumentShare) == 0 and count(Application, Application.doctor_id == world.other_doctor.id) == 0
