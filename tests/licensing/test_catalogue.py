"""The tracks and their checklists: loaded from the domain reference, in five languages, with
unconfirmed entries shown as such; administrators edit them, and loading again keeps the edits."""

from __future__ import annotations

from sqlalchemy import select

from jobboard.core.audit import AuditEntry
from jobboard.extensions import db
from jobboard.licensing.catalogue import load_catalogue
from jobboard.licensing.models import TrackRequirement
from tests.applications.conftest import count, text_of
from tests.licensing.conftest import kind, on_track, track


def test_every_track_has_a_checklist_with_sources_and_translations(db_session):
    exam = track("licensing-exam")
    assert exam.is_confirmed and exam.source_url.startswith("https://")
    assert [r.kind.slug for r in exam.requirements][:3] == ["exam-request", "photos", "passport"]
    assert all(r.source_url.startswith("https://") for r in exam.requirements)
    assert set(kind("diploma").names) == {"he", "fr", "es", "ru"}
    assert not kind("usmle-results").is_confirmed


def test_loading_again_adds_nothing_and_keeps_an_administrators_edit(db_session):
    diploma = kind("diploma")
    diploma.set_english("name", "Medical degree")
    db.session.commit()
    before = count(TrackRequirement)
    load_catalogue()
    assert kind("diploma").name == "Medical degree" and count(TrackRequirement) == before


def test_the_doctor_sees_unconfirmed_items_marked_and_in_their_language(client, world, login):
    on_track(world.doctor, "exemption-usmle")
    db.session.commit()
    login(world.doctor)
    page = text_of(client.get("/me/licence"))
    assert "USMLE Step 1 and Step 2 CK results Missing unconfirmed" in page
    assert "Certified passport copy Missing A copy of your passport" in page  # confirmed: no mark
    french = text_of(client.get("/fr/me/licence"))
    assert "Copie certifiée du passeport" in french


def test_choosing_a_track_from_the_page(client, world, login):
    login(world.doctor)
    response = client.post("/me/licence/track", data={"track_id": str(track("licensing-exam").id)})
    assert response.status_code == 302
    assert "Licensing exam request form" in text_of(client.get("/me/licence"))
    assert client.post("/me/licence/track", data={"track_id": "999999"}).status_code == 422


def test_an_administrator_edits_a_document_and_its_translations_give_way(client, world, login):
    diploma = kind("diploma")
    login(world.admin)
    response = client.post(
        f"/admin/licence/kinds/{diploma.id}",
        data={"name": "Medical degree certificate", "description": diploma.description, "issuer": diploma.issuer},
    )
    assert response.status_code == 302
    db.session.refresh(diploma)
    assert diploma.name == "Medical degree certificate" and not diploma.is_confirmed
    assert all("name" not in texts for texts in diploma.names.values())
    assert all("description" in texts for texts in diploma.names.values())  # unchanged: still translated
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.subject_id == diploma.id)) == (
        "licence_document_kind.saved"
    )


def test_an_administrator_adds_and_removes_a_checklist_item(client, world, login):
    usmle = track("exemption-usmle")
    login(world.admin)
    added = client.post(
        f"/admin/licence/tracks/{usmle.id}/requirements",
        data={"kind_id": str(kind("internship").id), "source_url": "https://example.org/rule", "is_confirmed": "y"},
    )
    assert added.status_code == 302
    twice = client.post(f"/admin/licence/tracks/{usmle.id}/requirements", data={"kind_id": str(kind("internship").id)})
    assert twice.status_code == 422 and "This track already asks for this document." in text_of(twice)
    requirement = db.session.scalar(
        select(TrackRequirement).where(
            TrackRequirement.track_id == usmle.id, TrackRequirement.kind_id == kind("internship").id
        )
    )
    assert requirement.source_url == "https://example.org/rule"
    assert client.post(f"/admin/licence/requirements/{requirement.id}/delete").status_code == 302
    assert db.session.get(TrackRequirement, requirement.id) is None


def test_an_administrator_creates_a_track(client, world, login):
    login(world.admin)
    response = client.post("/admin/licence/tracks/new", data={"name": "Limited permit", "summary": "One ward."})
    assert response.status_code == 302
    assert "Limited permit" in text_of(client.get("/admin/licence/tracks"))
    assert track("limited-permit").summary == "One ward."
