"""Uploading licence documents: PDF, JPEG or PNG checked by content and stored as a clean copy
under a random name; replacing, deleting, the checklist's states, and the sweep keeping them."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from jobboard.applications.cv_files import read_file
from jobboard.applications.cvs import sweep_uploads
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.licensing import milestones, queries
from jobboard.licensing.models import DocumentState, LicenceDocument, Review
from tests.applications.conftest import count, pdf_bytes, stored_files, text_of
from tests.licensing.conftest import jpeg_bytes, kind, on_track, png_bytes, stored_document

TODAY = date(2026, 6, 1)


def upload(client, kind_slug, data, name, **fields):
    form = {"file": (io.BytesIO(data), name), "issued_on": "2025-05-01", **fields}
    return client.post(f"/me/licence/documents/{kind(kind_slug).id}/upload", data=form)


def test_a_pdf_is_checked_cleaned_and_listed_on_the_checklist(client, world, login, uploads):
    on_track(world.doctor)
    db.session.commit()
    login(world.doctor)
    before = stored_files(uploads)  # the world's CVs

    response = upload(client, "diploma", pdf_bytes(), "diplôme.pdf")

    assert response.status_code == 302
    document = db.session.scalar(select(LicenceDocument).where(LicenceDocument.owner_id == world.doctor.id))
    assert (document.original_name, document.content_type, document.issued_on) == (
        "diplôme.pdf",
        "application/pdf",
        date(2025, 5, 1),
    )
    assert stored_files(uploads) - before == {document.stored_name}
    page = text_of(client.get("/me/licence"))
    assert "Medical diploma with dates of study Uploaded" in page
    assert "Issued by: Your medical school" in page
    download = client.get(f"/me/licence/documents/{document.id}")
    assert download.status_code == 200 and download.data == read_file(document.stored_name)


def test_a_photo_loses_its_exif_location(client, world, login, uploads):
    login(world.doctor)
    original = jpeg_bytes(with_location=True)
    assert Image.open(io.BytesIO(original)).getexif()  # the control: the upload carries it

    assert upload(client, "passport", original, "passport.JPG", expires_on="2030-01-01").status_code == 302

    document = queries.my_documents(world.doctor)[0]
    stored = read_file(document.stored_name)
    assert document.content_type == "image/jpeg" and document.expires_on == date(2030, 1, 1)
    assert b"PhoneMaker" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    assert Image.open(io.BytesIO(stored)).size == (40, 30)


def test_a_png_is_accepted(client, world, login):
    login(world.doctor)
    assert upload(client, "photos", png_bytes(), "photos.png").status_code == 302
    assert queries.my_documents(world.doctor)[0].content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a" + b"\x00" * 20, "scan.gif", "Upload the document as a PDF, JPEG or PNG file."),
        (jpeg_bytes(), "scan.pdf", "Upload the document as a PDF, JPEG or PNG file."),  # the name lies
        (b"%PDF-1.4 not really", "scan.pdf", "This file is not a readable PDF."),
        (b"\xff\xd8\xff" + b"junk" * 10, "scan.jpg", "This file is not a readable image."),
        (b"", "empty.pdf", "The file is empty."),
    ],
)
def test_anything_else_is_refused_on_the_form_and_nothing_is_kept(client, world, login, uploads, data, name, message):
    login(world.doctor)
    before = stored_files(uploads)
    response = upload(client, "diploma", data, name)
    assert response.status_code == 422
    assert message in text_of(response)
    assert count(LicenceDocument) == 0 and stored_files(uploads) == before


def test_an_image_too_large_in_pixels_is_refused(client, world, login):
    login(world.doctor)
    response = upload(client, "photos", jpeg_bytes(size=(8000, 6000)), "huge.jpg")
    assert response.status_code == 422 and "This image is too large." in text_of(response)


def test_dates_are_checked(client, world, login):
    login(world.doctor)
    ahead = (utcnow() + timedelta(days=3)).date().isoformat()
    assert "it cannot be ahead" in text_of(upload(client, "photos", png_bytes(), "p.png", issued_on=ahead))
    response = upload(client, "photos", png_bytes(), "p.png", expires_on="2025-04-01")
    assert response.status_code == 422 and "The expiry date comes after the issue date." in text_of(response)


def test_replacing_keeps_the_document_and_starts_its_review_again(client, world, login, uploads):
    login(world.doctor)
    before = stored_files(uploads)
    upload(client, "diploma", pdf_bytes(marker="first"), "first.pdf")
    document = queries.my_documents(world.doctor)[0]
    first_name, document.review = document.stored_name, Review.ACCEPTED
    db.session.commit()

    upload(client, "diploma", pdf_bytes(marker="second"), "second.pdf")

    db.session.refresh(document)
    assert count(LicenceDocument) == 1
    assert (document.original_name, document.review) == ("second.pdf", Review.PENDING)
    assert stored_files(uploads) - before == {document.stored_name} and document.stored_name != first_name


def test_deleting_removes_the_row_and_the_file(client, world, login, uploads):
    document = stored_document(world.doctor, "diploma")
    db.session.commit()
    login(world.doctor)
    assert client.post(f"/me/licence/documents/{document.id}/delete").status_code == 302
    assert count(LicenceDocument) == 0 and document.stored_name not in stored_files(uploads)


def test_the_states_of_the_checklist(world):
    on_track(world.doctor)
    stored_document(world.doctor, "diploma")
    stored_document(world.doctor, "passport", expires_on=TODAY + timedelta(days=59))
    stored_document(world.doctor, "current-licence", expires_on=TODAY - timedelta(days=1))
    accepted = stored_document(world.doctor, "internship")
    accepted.review = Review.ACCEPTED
    redo = stored_document(world.doctor, "photos")
    redo.review, redo.review_reason = Review.NEW_COPY_REQUESTED, "Blurred"
    stored_document(world.doctor, "usmle-results")  # not on this track: listed apart

    items = queries.checklist(milestones.licence_file_of(world.doctor), queries.my_documents(world.doctor), TODAY)

    states = {item.requirement.kind.slug: item.state for item in items}
    assert states["diploma"] == DocumentState.UPLOADED
    assert states["passport"] == DocumentState.EXPIRING
    assert states["current-licence"] == DocumentState.EXPIRED
    assert states["internship"] == DocumentState.ACCEPTED
    assert states["photos"] == DocumentState.NEW_COPY_REQUESTED
    assert states["good-standing"] == DocumentState.MISSING
    assert "usmle-results" not in states and len(items) == 10
    assert sum(item.state.counts for item in items) == 3  # uploaded, expiring and accepted


def test_the_sweep_keeps_licence_documents(world, uploads):
    document = stored_document(world.doctor, "diploma")
    db.session.commit()
    assert sweep_uploads(older_than=timedelta(0)) == 0
    assert document.stored_name in stored_files(uploads)
