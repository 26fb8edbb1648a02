"""Builders for the licence file's tests: the applications' two-tenant world, real images
(Pillow) beside the real PDFs, documents stored directly (the content check is tested in
test_documents.py), and a private upload folder per test."""

from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from PIL import Image
from sqlalchemy import select

from jobboard.applications.cv_files import write_file
from jobboard.extensions import db
from jobboard.licensing import milestones
from jobboard.licensing.models import DocumentKind, LicenceDocument, LicenceTrack
from tests.applications.conftest import make_world, pdf_bytes
from tests.applications.conftest import uploads as uploads

TRACK = "exemption-listed-countries"


@pytest.fixture
def world(db_session):
    return make_world(db_session)


def jpeg_bytes(*, with_location: bool = False, size: tuple[int, int] = (40, 30)) -> bytes:
    """A real JPEG; ``with_location`` adds EXIF with GPS data, as a phone's photo carries."""
    image = Image.new("RGB", size, (200, 10, 10))
    exif = Image.Exif()
    if with_location:
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (31.0, 15.0, 0.0)}  # GPS info
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes() if with_location else b"")
    return buffer.getvalue()


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def track(slug: str = TRACK) -> LicenceTrack:
    return db.session.scalar(select(LicenceTrack).where(LicenceTrack.slug == slug))


def kind(slug: str) -> DocumentKind:
    return db.session.scalar(select(DocumentKind).where(DocumentKind.slug == slug))


def stored_document(
    doctor, kind_slug: str, *, issued_on: date = date(2024, 1, 10), expires_on: date | None = None
) -> LicenceDocument:
    data = pdf_bytes(marker=f"{kind_slug} of {doctor.email}")
    document = LicenceDocument(
        owner_id=doctor.id,
        kind_id=kind(kind_slug).id,
        stored_name=write_file(data),
        original_name=f"{kind_slug}.pdf",
        content_type="application/pdf",
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    db.session.add(document)
    db.session.flush()
    return document


def on_track(doctor, slug: str = TRACK) -> None:
    milestones.choose_track(doctor, track(slug))
