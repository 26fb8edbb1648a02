"""Builders for the applications tests: real PDFs (pikepdf), a two-tenant world with a published
posting and a doctor ready to apply, and a private upload folder per test (files outlive the
rolled-back transaction, so each test gets an empty folder to look into)."""

from __future__ import annotations

import hashlib
import html
import io
import re
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pikepdf
import pytest
import time_machine
from sqlalchemy import func, select

from jobboard.applications import profiles
from jobboard.applications.cv_files import write_file
from jobboard.applications.models import CvDocument
from jobboard.applications.undoing import MAIL_DELAY
from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.jobs.models import PostingStatus, Seniority
from jobboard.vocab.models import HebrewLevel
from tests.factories import DoctorFactory, PostingFactory, SiteFactory
from tests.jobs.helpers import make_world as postings_world

# --- PDFs ----------------------------------------------------------------------------------


def _save(pdf: pikepdf.Pdf, **options: object) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer, **options)
    return buffer.getvalue()


def pdf_bytes(pages: int = 1, marker: str = "") -> bytes:
    """A real PDF of blank pages; ``marker`` ends up in the document info, to tell files apart."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    if marker:
        pdf.docinfo["/Title"] = marker
    return _save(pdf)


def encrypted_pdf() -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    return _save(pdf, encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret"))


def padded_pdf(size: int) -> bytes:
    """A valid PDF of about ``size`` bytes (a comment after the end; readers ignore it)."""
    data = pdf_bytes()
    return data + b"%" + b"x" * (size - len(data) - 2) + b"\n"


# --- the world -----------------------------------------------------------------------------


def make_posting(org, site=None, *, status: PostingStatus = PostingStatus.PUBLISHED, **fields):
    """A posting in the given status; a published one is up for 30 more days."""
    now = utcnow()
    if status == PostingStatus.PUBLISHED:
        fields.setdefault("approved_at", now)
        fields.setdefault("first_published_at", now)
        fields.setdefault("expires_at", now + timedelta(days=30))
    posting = PostingFactory(org=org, site=site or SiteFactory(org=org), status=status, **fields)
    db.session.flush()
    return posting


# The profile form filled in completely, as a doctor sends it.
PROFILE_FORM = {
    "profession_slug": "physician",
    "specialty_slug": "pediatrics",
    "seniority": "specialist",
    "years_experience": "12",
    "training_country": "UA",
    "residence_country": "DE",
    "hebrew_level": "4",
    "language_codes": ["ru", "uk", "de"],
    "move_month": "2027-08",
    "region_slugs": ["negev", "galilee-north"],
    "open_to_periphery": "y",
    "summary": "Paediatric emergency physician.",
    "phone": "+49 151 2345 6789",
}


def complete_profile(user, **overrides):
    fields = dict(
        profession_slug="physician",
        specialty_slug="pediatrics",
        seniority=Seniority.SPECIALIST,
        years_experience=8,
        training_country="FR",
        residence_country="FR",
        hebrew_level=HebrewLevel.B1,
        move_month=date(2027, 3, 1),
        open_to_periphery=True,
        summary="Paediatrician from Lyon.",
        phone="+33 6 12 34 56 78",
        language_codes=["en", "fr"],
        region_slugs=["negev"],
    )
    fields.update(overrides)
    return profiles.save_profile(user, profiles.ProfileFields(**fields))


def ready_doctor(**user_fields):
    """A confirmed doctor with a complete profile and one (default) CV."""
    doctor = DoctorFactory(**user_fields)
    complete_profile(doctor)
    return doctor, stored_cv(doctor)


def stored_cv(doctor, name: str = "cv.pdf", data: bytes | None = None, *, default: bool = True) -> CvDocument:
    """A CV row and its file, written directly (the upload check, a subprocess taking about a
    second, is tested in test_cvs.py; fixtures skip it)."""
    data = data or pdf_bytes(marker=f"cv of {doctor.email}")
    cv = CvDocument(
        owner_id=doctor.id,
        stored_name=write_file(data),
        original_name=name,
        size_bytes=len(data),
        page_count=1,
        sha256=hashlib.sha256(data).hexdigest(),
        is_default=default,
    )
    db.session.add(cv)
    db.session.flush()
    return cv


def make_world(db_session) -> SimpleNamespace:
    """The postings' two-tenant world (``tests.jobs.helpers.make_world``) with a published
    posting at each organisation, and its doctor and another ready to apply."""
    w = postings_world(db_session)
    w.posting = make_posting(w.org, w.site, title="Senior pediatrician, children's ward")
    w.other_posting = make_posting(w.other, w.other_site, title="Other hospital's internist")
    w.doctor.full_name = "Miriam Zalcberg-Testperson"
    complete_profile(w.doctor)
    w.cv = stored_cv(w.doctor)
    w.other_doctor, w.other_cv = ready_doctor(email="ilan@elsewhere.example.net", full_name="Ilan Otherdoc")
    db_session.commit()
    return w


@pytest.fixture
def world(db_session):
    return make_world(db_session)


@pytest.fixture
def doctor(db_session, login):
    """A new doctor, with no profile and no CV yet, signed in."""
    user = DoctorFactory(email="new.doctor@example.org")
    db_session.commit()
    login(user)
    return user


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch) -> Path:
    """This test's UPLOAD_DIR (empty at the start)."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


# --- small helpers -------------------------------------------------------------------------


def stored_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def text_of(response) -> str:
    """The page's text, tags removed and whitespace collapsed."""
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.get_data(as_text=True), flags=re.S)
    body = re.sub(r"</?bdi>", "", body)  # an isolate, not a break: "at <bdi>Table 1</bdi>." reads "at Table 1."
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def deliver_held_mail() -> None:
    """Deliver the mail a pipeline move holds back while it can be undone
    (``undoing.MAIL_DELAY``), as the worker does once that time has passed."""
    with time_machine.travel(utcnow() + MAIL_DELAY + timedelta(seconds=1)):
        outbox.drain()
