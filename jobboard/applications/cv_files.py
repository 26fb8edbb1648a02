"""CV files: checked by content, rewritten to a clean copy, stored outside ``static/`` under
random names in the file store (``core.storage``).

Policy: PDF only (the name must end in .pdf and the content must be a PDF), at most 5 MB and
100 pages, not encrypted. Every upload is rewritten without scripts, actions, forms (XFA
included), attached files and multimedia, keeping text, fonts, images and web links
(``pdfcheck.py``); only that copy is stored, so employers never receive the bytes as uploaded.
A copy in which something active remains is refused. The original name is kept only for
display and downloads. This module knows files, not rows: the doctor's CVs are ``cvs``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import subprocess
import sys
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from jobboard.core.errors import DomainError
from jobboard.core.storage import file_store, read
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
CHECK_TIMEOUT_SECONDS = 15
REASONS = {
    "encrypted": _l("This PDF is protected by a password. Upload a version without protection."),
    "unreadable": _l("This file is not a readable PDF."),
    "too_many_pages": _l("A CV may have at most 100 pages."),
    "active_content": _l(
        "This PDF contains scripts, form fields or attached files that could not be removed. "
        "Save it again as a plain PDF (print to PDF) and upload that."
    ),
    "timeout": _l("This PDF could not be checked in time. Save it again as a plain PDF and upload that."),
}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class InvalidCv(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class CleanPdf:
    data: bytes
    pages: int
    sha256: str


@dataclass(frozen=True)
class CheckedPdf(CleanPdf):
    display_name: str


def display_name(filename: str) -> str:
    """The name as shown and offered for download: no folders, no control or direction
    characters, at most 120 characters, Hebrew and other scripts kept."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("", name).strip().lstrip(".") or "cv.pdf"
    if len(name) > 120:
        name = name[:116].rstrip() + ".pdf"
    return name


def check_pdf(filename: str, data: bytes) -> CheckedPdf:
    if not data:
        raise InvalidCv(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise InvalidCv(_("The file is larger than 5 MB."))
    name = display_name(filename or "")
    if not name.lower().endswith(".pdf") or not data.startswith(b"%PDF-"):
        raise InvalidCv(_("Upload your CV as a PDF file."))
    clean = clean_pdf(data)
    return CheckedPdf(data=clean.data, pages=clean.pages, sha256=clean.sha256, display_name=name)


def clean_pdf(data: bytes) -> CleanPdf:
    """The clean copy of a PDF, made and inspected by ``pdfcheck.py`` in a limited child process
    (which answers with a JSON line, then the copy)."""
    try:
        # Run as a plain script (-I: isolated), so the child loads pikepdf and nothing of the app.
        completed = subprocess.run(  # noqa: S603 - the app's own script, run by this interpreter
            [sys.executable, "-I", str(Path(__file__).with_name("pdfcheck.py"))],
            input=data,
            capture_output=True,
            timeout=CHECK_TIMEOUT_SECONDS,
            check=False,
        )
        header, _, copy = completed.stdout.partition(b"\n")
        verdict = json.loads(header.decode() or "{}") if completed.returncode == 0 else {}
    except subprocess.TimeoutExpired:
        verdict, copy = {"ok": False, "reason": "timeout"}, b""
    except ValueError:
        verdict, copy = {"ok": False, "reason": "unreadable"}, b""
    if not verdict.get("ok"):
        raise InvalidCv(str(REASONS.get(str(verdict.get("reason")), REASONS["unreadable"])))
    return CleanPdf(data=copy, pages=int(verdict["pages"]), sha256=hashlib.sha256(copy).hexdigest())


def write_file(data: bytes) -> str:
    """Store the bytes under a new random name; returns the name."""
    stored_name = uuid.uuid4().hex
    file_store().write(stored_name, data)
    return stored_name


def replace_file(stored_name: str, data: bytes) -> None:
    """Give a stored file new bytes, at once."""
    file_store().write(_checked(stored_name), data)


def _checked(stored_name: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise ValueError("not a stored file name")
    return stored_name


def open_file(stored_name: str) -> IO[bytes]:
    """The stored file as a stream (``FileNotFoundError`` when it is gone)."""
    return file_store().open(_checked(stored_name))


def read_file(stored_name: str) -> bytes:
    return read(file_store(), _checked(stored_name))


def remove_file(stored_name: str | None) -> None:
    """Delete the file once the transaction commits: if it rolls back, the row that names the
    file is back and so must the file be."""
    if stored_name:
        db.session.info.setdefault(_PENDING_REMOVALS, []).append(_checked(stored_name))


_PENDING_REMOVALS = "files_to_remove_after_commit"


@event.listens_for(Session, "after_commit")
def _remove_files(session: Session) -> None:
    for stored_name in session.info.pop(_PENDING_REMOVALS, []):
        try:
            file_store().delete(stored_name)
        except Exception:
            log.warning("could not delete the stored file %s", stored_name, exc_info=True)


@event.listens_for(Session, "after_rollback")
def _keep_files(session: Session) -> None:
    session.info.pop(_PENDING_REMOVALS, None)
