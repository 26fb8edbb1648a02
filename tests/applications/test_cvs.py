"""CV uploads: PDF only, checked by content in a limited process, at most 5 MB, stored (as the
clean copy, see test_pdf_sanitising.py) under random names outside static/, downloaded as
attachments; every bad file is refused with a clear message and leaves nothing behind (no row,
no file)."""

from __future__ import annotations

import hashlib
import io
import stat
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import select

from jobboard.applications import personal_data
from jobboard.applications.cv_files import display_name
from jobboard.applications.cvs import MAX_CVS
from jobboard.applications.models import CvDocument
from jobboard.core.storage import s3_client
from jobboard.extensions import db
from tests.applications.conftest import (
    count,
    encrypted_pdf,
    padded_pdf,
    pdf_bytes,
    stored_cv,
    stored_files,
    text_of,
)
from tests.factories import PASSWORD
from tests.object_storage import REGION, empty_bucket

ROOT = Path(__file__).resolve().parents[2]


def upload(client, data: bytes, filename: str = "cv.pdf", content_type: str = "application/pdf"):
    return client.post(
        "/me/cvs", data={"file": (io.BytesIO(data), filename, content_type)}, content_type="multipart/form-data"
    )


def cvs_of(user) -> list[CvDocument]:
    return list(db.session.scalars(select(CvDocument).where(CvDocument.owner_id == user.id).order_by(CvDocument.id)))


def test_a_pdf_is_stored_under_a_random_name_readable_by_the_app_only(client, doctor, uploads, app):
    response = upload(client, pdf_bytes(pages=2, marker="mine"), "My CV.pdf")

    assert response.status_code == 302
    [cv] = cvs_of(doctor)
    assert cv.original_name == "My CV.pdf"
    assert stored_files(uploads) == {cv.stored_name}
    assert cv.stored_name != "My CV.pdf" and len(cv.stored_name) == 32
    path = uploads / cv.stored_name
    stored = path.read_bytes()
    with pikepdf.open(io.BytesIO(stored)) as pdf:
        assert len(pdf.pages) == 2 and str(pdf.docinfo.Title) == "mine"
    assert cv.page_count == 2 and cv.is_default
    assert cv.size_bytes == len(stored) and cv.sha256 == hashlib.sha256(stored).hexdigest()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not str(Path(app.config["UPLOAD_DIR"]).resolve()).startswith(str(Path(app.static_folder).resolve()))
    # Not reachable as a static file either.
    assert client.get(f"/static/{cv.stored_name}").status_code == 404


def test_the_default_upload_folder_is_outside_static(app):
    from flask import Flask

    from jobboard.config import load_config

    fresh = Flask("probe", instance_path=str(ROOT / "instance"))
    load_config(fresh, {"JOBBOARD_ENV": "testing", "SECRET_KEY": "x"})
    upload_dir = Path(fresh.config["UPLOAD_DIR"]).resolve()
    assert (ROOT / "static").resolve() not in upload_dir.parents


BAD_FILES = {
    "renamed executable": (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 500,
        "cv.pdf",
        "application/pdf",
        "Upload your CV as a PDF file.",
    ),
    "real pdf named .exe": (pdf_bytes(), "cv.exe", "application/pdf", "Upload your CV as a PDF file."),
    "pdf with a .docx name": (pdf_bytes(), "cv.docx", "application/pdf", "Upload your CV as a PDF file."),
    "word document": (b"PK\x03\x04" + b"\x00" * 300, "cv.pdf", "application/pdf", "Upload your CV as a PDF file."),
    "html sent as pdf": (
        b"<html><script>alert(1)</script></html>",
        "cv.pdf",
        "application/pdf",
        "Upload your CV as a PDF file.",
    ),
    "pdf header, garbage body": (
        b"%PDF-1.7\n" + b"garbage " * 100,
        "cv.pdf",
        "application/pdf",
        "This file is not a readable PDF.",
    ),
    "truncated pdf": (pdf_bytes()[:60], "cv.pdf", "application/pdf", "This file is not a readable PDF."),
    "encrypted": (encrypted_pdf(), "cv.pdf", "application/pdf", "protected by a password"),
    "more than 100 pages": (pdf_bytes(pages=101), "cv.pdf", "application/pdf", "at most 100 pages"),
    "empty file": (b"", "cv.pdf", "application/pdf", "The file is empty."),
    "over 5 MB, under the request limit": (
        padded_pdf(5 * 1024 * 1024 + 10),
        "cv.pdf",
        "application/pdf",
        "larger than 5 MB",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_is_stored(client, doctor, uploads, case):
    data, filename, content_type, message = BAD_FILES[case]

    response = upload(client, data, filename, content_type)

    assert response.status_code == 422
    assert message in text_of(response)
    assert cvs_of(doctor) == []
    assert stored_files(uploads) == set()


def test_the_browser_type_does_not_decide(client, doctor, uploads):
    """A real PDF sent as application/octet-stream is fine; an executable sent as application/pdf is not."""
    assert upload(client, pdf_bytes(), "cv.pdf", "application/octet-stream").status_code == 302
    assert upload(client, b"MZ" + b"\x00" * 200, "cv.pdf", "application/pdf").status_code == 422
    assert len(cvs_of(doctor)) == 1
    assert len(stored_files(uploads)) == 1


def test_exactly_5_mb_is_accepted(client, doctor, uploads):
    assert upload(client, padded_pdf(5 * 1024 * 1024)).status_code == 302
    assert len(cvs_of(doctor)) == 1


def test_an_upload_over_the_request_limit_gets_the_friendly_413_page(client, doctor, uploads, app):
    too_big = padded_pdf(app.config["MAX_CONTENT_LENGTH"] + 1024)

    response = upload(client, too_big)

    assert response.status_code == 413
    page = text_of(response)
    assert "Too large" in page and "The upload is larger than allowed (a CV may be at most 5 MB)." in page
    assert "<html" in response.get_data(as_text=True).lower()  # the site's page, not Werkzeug's
    assert cvs_of(doctor) == []
    assert stored_files(uploads) == set()


def test_no_file_at_all_is_refused(client, doctor, uploads):
    response = client.post("/me/cvs", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a PDF file." in text_of(response)
    assert cvs_of(doctor) == []


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\x.pdf", "x.pdf"),
        ("/absolute/path/cv.pdf", "cv.pdf"),
        ("cv\u202egpj.pdf", "cvgpj.pdf"),  # a right-to-left override that would disguise the extension
        ("cv\x00\x1b.pdf", "cv.pdf"),
    ],
)
def test_path_tricks_in_file_names_are_neutralised(client, doctor, uploads, sent, shown):
    response = upload(client, pdf_bytes(), sent)

    assert response.status_code == 302
    [cv] = cvs_of(doctor)
    assert cv.original_name == shown
    assert stored_files(uploads) == {cv.stored_name}
    assert list(uploads.iterdir()) == [uploads / cv.stored_name]
    assert not Path("/etc/passwd.pdf").exists()
    download = client.get(f"/me/cvs/{cv.id}/download")
    assert download.status_code == 200
    assert "/" not in download.headers["Content-Disposition"] and "\\" not in download.headers["Content-Disposition"]


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("C:\\Users\\miriam\\Documents\\cv.pdf", "cv.pdf"),  # what old browsers sent
        ("..\\..\\x.pdf", "x.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("cv\u200f\u2066.pdf", "cv.pdf"),
        ("cv\r\n\x00.pdf", "cv.pdf"),
        ("", "cv.pdf"),
        ("../", "cv.pdf"),
        ("cafe\u0301.pdf", "caf\u00e9.pdf"),  # NFC
    ],
)
def test_display_name_keeps_only_a_harmless_base_name(sent, shown):
    assert display_name(sent) == shown


def test_display_names_are_cut_to_120_characters_keeping_the_extension():
    name = display_name("a" * 300 + ".pdf")
    assert len(name) <= 120 and name.endswith(".pdf")


def test_a_hebrew_name_is_kept_and_sent_as_utf8_filename(client, doctor, uploads):
    upload(client, pdf_bytes(), "קורות חיים.pdf")
    [cv] = cvs_of(doctor)
    assert cv.original_name == "קורות חיים.pdf"

    response = client.get(f"/me/cvs/{cv.id}/download")

    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=UTF-8''%D7%A7%D7%95%D7%A8%D7%95%D7%AA%20%D7%97%D7%99%D7%99%D7%9D.pdf" in disposition
    assert "קורות חיים.pdf" in text_of(client.get("/me/cvs"))


def test_the_download_is_an_attachment_of_type_pdf(client, doctor, uploads):
    upload(client, pdf_bytes(marker="mine"), "cv.pdf")
    [cv] = cvs_of(doctor)

    response = client.get(f"/me/cvs/{cv.id}/download")

    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "filename=cv.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.data == (uploads / cv.stored_name).read_bytes()


def test_several_cvs_are_kept_with_one_default(client, doctor, uploads):
    for name in ("first.pdf", "second.pdf", "third.pdf"):
        assert upload(client, pdf_bytes(marker=name), name).status_code == 302
    first, second, third = cvs_of(doctor)
    assert [first.is_default, second.is_default, third.is_default] == [True, False, False]

    assert client.post(f"/me/cvs/{third.id}/default").status_code == 302
    db.session.expire_all()
    assert [cv.is_default for cv in cvs_of(doctor)] == [False, False, True]

    # Deleting the default makes another one the default; the file is gone.
    assert client.post(f"/me/cvs/{third.id}/delete").status_code == 302
    remaining = cvs_of(doctor)
    assert [cv.original_name for cv in remaining] == ["first.pdf", "second.pdf"]
    assert sum(cv.is_default for cv in remaining) == 1
    assert stored_files(uploads) == {cv.stored_name for cv in remaining}


def test_at_most_ten_cvs(client, doctor, uploads):
    for n in range(MAX_CVS):
        stored_cv(doctor, f"cv{n}.pdf", default=n == 0)
    db.session.commit()
    before = stored_files(uploads)

    response = upload(client, pdf_bytes(), "eleventh.pdf")

    assert response.status_code == 422
    assert f"at most {MAX_CVS} CVs" in text_of(response)
    assert count(CvDocument, CvDocument.owner_id == doctor.id) == MAX_CVS
    assert stored_files(uploads) == before


def test_the_upload_is_rate_limited(client, doctor, uploads):
    statuses = [upload(client, b"not a pdf").status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429


def test_in_object_storage_a_cv_is_stored_streamed_and_deleted_with_the_account(
    app, client, doctor, uploads, monkeypatch
):
    with empty_bucket(monkeypatch) as (endpoint, bucket):
        for name, value in {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": endpoint,
            "S3_REGION": REGION,
        }.items():
            monkeypatch.setitem(app.config, name, value)
        objects = s3_client(endpoint, REGION)

        def stored() -> dict[str, bytes]:
            listed = objects.list_objects_v2(Bucket=bucket).get("Contents", [])
            return {item["Key"]: objects.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}

        assert upload(client, pdf_bytes(marker="in the bucket"), "cv.pdf").status_code == 302
        [cv] = cvs_of(doctor)
        assert list(stored()) == [cv.stored_name]
        assert not stored_files(uploads)  # nothing on the local disk

        download = client.get(f"/me/cvs/{cv.id}/download")
        assert download.status_code == 200 and download.is_streamed
        assert download.data == stored()[cv.stored_name]

        personal_data.delete_account(doctor, PASSWORD)
        db.session.commit()
        assert stored() == {}
