"""The licence file in the doctor's data export, and erased with the account: rows, shares and
files."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

from jobboard.applications import applying
from jobboard.applications.cv_files import read_file
from jobboard.extensions import db
from jobboard.licensing import sharing
from jobboard.licensing.milestones import MilestoneFields, save_milestones
from jobboard.licensing.models import DocumentShare, LicenceDocument, LicenceFile
from tests import factories
from tests.applications.conftest import count, stored_files
from tests.licensing.conftest import on_track, stored_document
from tests.signing_in import sign_in_with_password


def test_the_export_holds_the_track_milestones_and_document_files(client, world, uploads):
    on_track(world.doctor)
    save_milestones(world.doctor, MilestoneFields(file_opened_on=date(2026, 1, 5)), date(2026, 6, 1))
    document = stored_document(world.doctor, "diploma", expires_on=None)
    application = applying.apply(world.doctor, world.posting, world.cv, "")
    sharing.share(world.doctor, application, [document])
    db.session.commit()
    assert sign_in_with_password(client, world.doctor.email).status_code == 302

    archive = zipfile.ZipFile(io.BytesIO(client.post("/me/privacy/export").data))

    data = json.loads(archive.read("data.json"))["licence_file"]
    assert data["track"] == "exemption-listed-countries"
    assert data["milestones"]["file_opened_on"] == "2026-01-05"
    entry = f"licence/{document.id}-diploma.pdf"
    assert data["documents"] == [
        {
            "kind": "diploma",
            "file": entry,
            "issued_on": "2024-01-10",
            "expires_on": None,
            "uploaded_at": data["documents"][0]["uploaded_at"],
            "review": "pending",
            "review_reason": None,
            "shared_with_applications": [application.id],
        }
    ]
    assert archive.read(entry) == read_file(document.stored_name)


def test_deleting_the_account_erases_the_licence_file_and_its_files(client, world, uploads):
    on_track(world.doctor)
    save_milestones(world.doctor, MilestoneFields(exam_on=date(2026, 8, 1)), date(2026, 6, 1))
    document = stored_document(world.doctor, "diploma")
    application = applying.apply(world.doctor, world.posting, world.cv, "")
    sharing.share(world.doctor, application, [document])
    kept = stored_document(world.other_doctor, "diploma")
    db.session.commit()
    assert sign_in_with_password(client, world.doctor.email).status_code == 302

    response = client.post("/me/privacy/delete", data={"password": factories.PASSWORD, "confirm": "y"})

    assert response.status_code == 302
    assert count(LicenceDocument) == 1 and count(LicenceFile) == 0 and count(DocumentShare) == 0
    assert document.stored_name not in stored_files(uploads)
    assert kept.stored_name in stored_files(uploads)
