"""Employers' logos: checked by content, rewritten, kept in the file store (``core.storage``)
under a new random name per upload, and served publicly from that name, so a browser may cache a
logo for good and a new upload is a new address.

Policy: PNG or SVG, at most 512 KB.
- PNG: opened with Pillow (the size in pixels read first: at most 2,000 on a side) and saved
  again, so only the pixels are kept (no text chunks, no trailing data).
- SVG: parsed without a DTD, entities or network, then rebuilt from a strict allowlist of
  drawing elements and presentation attributes: no scripts, event handlers, styles, foreign
  objects, animations or links other than to the drawing's own parts (``#id``). The served file
  is also sandboxed by its Content-Security-Policy, should a browser open it on its own.
The old file is left to the uploads' sweeper once no row names it.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator

from flask_babel import gettext as _
from lxml import etree
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.errors import DomainError
from jobboard.core.storage import file_store, read
from jobboard.extensions import db
from jobboard.orgs.models import Organization

MAX_BYTES = 512 * 1024
MAX_SIDE = 2000
PNG = "image/png"
SVG = "image/svg+xml"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_NAME = re.compile(r"logo-[0-9a-f]{32}\.(png|svg)")

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
        "text", "tspan", "linearGradient", "radialGradient", "stop", "clipPath", "mask", "use", "symbol",
    }
)  # fmt: skip
_ATTRIBUTES = frozenset(
    {
        "id", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "d",
        "points", "transform", "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
        "opacity", "clip-path", "clip-rule", "mask", "offset", "stop-color", "stop-opacity", "gradientUnits",
        "gradientTransform", "spreadMethod", "fx", "fy", "preserveAspectRatio", "font-family", "font-size",
        "font-weight", "font-style", "text-anchor", "dominant-baseline", "letter-spacing", "dx", "dy",
        "clipPathUnits", "maskUnits", "maskContentUnits", "version", "visibility", "display",
    }
)  # fmt: skip
# A paint or shape reference may only point inside the drawing: url(#id).
_URL_VALUE = re.compile(r"url\(\s*['\"]?(?!#)", re.IGNORECASE)


class InvalidLogo(DomainError):
    def __init__(self, message: str):
        super().__init__(message, field="logo")


def _clean_png(data: bytes) -> bytes:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "PNG" or max(image.size) > MAX_SIDE or min(image.size) < 1:
                raise InvalidLogo(_("A logo may be at most 2,000 pixels on a side."))
            image.load()
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidLogo(_("This file is not a readable PNG image.")) from None
    return out.getvalue()


def _local(tag: object) -> str | None:
    """An element's name in the SVG namespace, or None for anything else (comments included)."""
    if not isinstance(tag, str):
        return None
    qname = etree.QName(tag)
    return qname.localname if qname.namespace == SVG_NS else None


def _clean_element(element: etree._Element) -> None:
    for child in list(element):
        if _local(child.tag) in _ELEMENTS:
            _clean_element(child)
        else:
            element.remove(child)
    for name, value in list(element.attrib.items()):
        qname = etree.QName(name)
        if qname.namespace in (None, "") and qname.localname in _ATTRIBUTES and not _URL_VALUE.search(value):
            continue
        if qname.localname == "href" and qname.namespace in (None, "", XLINK_NS) and value.startswith("#"):
            continue
        del element.attrib[name]


def _clean_svg(data: bytes) -> bytes:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        raise InvalidLogo(_("This file is not a readable SVG image.")) from None
    tree = root.getroottree()
    if tree.docinfo.doctype or _local(root.tag) != "svg":
        raise InvalidLogo(_("This file is not a readable SVG image."))
    _clean_element(root)
    etree.cleanup_namespaces(root, top_nsmap={None: SVG_NS, "xlink": XLINK_NS})
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def check_logo(filename: str, data: bytes) -> tuple[bytes, str]:
    """The clean file and its media type, or ``InvalidLogo`` saying why not."""
    if not data:
        raise InvalidLogo(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise InvalidLogo(_("A logo may be at most 512 KB."))
    name = filename.lower()
    if name.endswith(".png") and data.startswith(_PNG_MAGIC):
        return _clean_png(data), PNG
    if name.endswith(".svg") and not data.startswith(_PNG_MAGIC):
        return _clean_svg(data), SVG
    raise InvalidLogo(_("A logo must be a PNG or SVG image."))


def set_logo(org: Organization, actor: User, filename: str, data: bytes) -> None:
    clean, mimetype = check_logo(filename, data)
    name = f"logo-{uuid.uuid4().hex}.{'png' if mimetype == PNG else 'svg'}"
    file_store().write(name, clean)
    org.logo_name, org.logo_mimetype = name, mimetype
    audit.record("org.logo_changed", actor_id=actor.id, subject_type="organization", subject_id=org.id, org_id=org.id)


def remove_logo(org: Organization, actor: User) -> None:
    org.logo_name = org.logo_mimetype = None
    audit.record("org.logo_removed", actor_id=actor.id, subject_type="organization", subject_id=org.id, org_id=org.id)


def logo_bytes(org: Organization, name: str) -> bytes | None:
    """The organisation's logo file when ``name`` is its current one."""
    if org.logo_name != name or not _NAME.fullmatch(name):
        return None
    try:
        return read(file_store(), name)
    except FileNotFoundError:
        return None


def stored_names() -> Iterator[str]:
    yield from (name for name in db.session.scalars(select(Organization.logo_name)) if name)
