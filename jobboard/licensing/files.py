"""Licence document files: PDF, JPEG or PNG, checked by content and stored as a clean copy, like
CVs (``applications.cv_files``: same size limit, same store, same removal after the commit).

- A PDF goes through the CV's cleaning (``pdfcheck.py`` in a limited child process).
- An image is decoded and written again by Pillow, which keeps the pixels only: no EXIF (a
  phone's photo of a passport carries where and when it was taken), no text chunks, no trailing
  bytes. Its size is read from the header before anything is decoded, and refused beyond
  ``MAX_PIXELS`` (a small file can claim a huge image).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from jobboard.applications.cv_files import MAX_BYTES, InvalidCv, clean_pdf, display_name
from jobboard.core.errors import DomainError

MAX_PIXELS = 40_000_000
TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


class InvalidDocument(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(frozen=True)
class CheckedDocument:
    data: bytes
    content_type: str
    display_name: str
    sha256: str


def _content_type(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def check_document(filename: str, data: bytes) -> CheckedDocument:
    if not data:
        raise InvalidDocument(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise InvalidDocument(_("The file is larger than 5 MB."))
    name = display_name(filename or "")
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = _content_type(data)
    if content_type is None or TYPES.get(extension) != content_type:
        raise InvalidDocument(_("Upload the document as a PDF, JPEG or PNG file."))
    if content_type == "application/pdf":
        try:
            clean = clean_pdf(data).data
        except InvalidCv as error:
            raise InvalidDocument(error.message) from None
    else:
        clean = clean_image(data, IMAGE_FORMATS[content_type])
    return CheckedDocument(clean, content_type, name, hashlib.sha256(clean).hexdigest())


def clean_image(data: bytes, image_format: str) -> bytes:
    try:
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise InvalidDocument(_("This image is too large. Scan it at a lower resolution."))
            upright = ImageOps.exif_transpose(image)
            if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, format=image_format, **({"quality": 90} if image_format == "JPEG" else {}))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidDocument(_("This file is not a readable image.")) from None
    return out.getvalue()
