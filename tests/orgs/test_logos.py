"""Employers' logos: PNG checked and rewritten with Pillow, SVG rebuilt from an allowlist, kept in
the file store, served publicly with long caching, and removed by the sweeper once replaced."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from lxml import etree
from PIL import Image

from jobboard.applications.cvs import sweep_uploads
from jobboard.core.storage import file_store
from jobboard.extensions import db
from jobboard.orgs import logos
from jobboard.orgs.models import Role
from tests.factories import MembershipFactory, OrganizationFactory
from tests.jobs.helpers import make_world


def png_bytes(size: tuple[int, int] = (40, 20), extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue() + extra


HOSTILE_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)">
  <script>alert(1)</script>
  <style>rect { fill: url(https://evil.example/x) }</style>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <a href="javascript:alert(1)"><rect width="5" height="5"/></a>
  <rect width="10" height="10" fill="url(https://evil.example/track)" style="fill:red" onclick="x()"/>
  <image href="https://evil.example/pixel.png" width="1" height="1"/>
  <use xlink:href="https://evil.example/sprite.svg#a"/>
  <use href="#shape"/>
  <circle id="shape" cx="5" cy="5" r="4" fill="#0a0"/>
  <animate attributeName="href" to="javascript:alert(1)"/>
</svg>"""


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def test_a_png_is_rewritten_without_what_follows_the_image(app, db_session):
    clean, mimetype = logos.check_logo("Logo.PNG", png_bytes(extra=b"<script>alert(1)</script>"))
    assert mimetype == "image/png" and b"script" not in clean
    with Image.open(io.BytesIO(clean)) as image:
        assert image.size == (40, 20)


def test_an_svg_keeps_its_drawing_and_loses_everything_active(app, db_session):
    clean, mimetype = logos.check_logo("logo.svg", HOSTILE_SVG)
    assert mimetype == "image/svg+xml"
    text = clean.decode()
    for banned in (
        "script",
        "onload",
        "onclick",
        "style",
        "foreignObject",
        "javascript",
        "evil.example",
        "animate",
        "<a ",
        "<image",
    ):
        assert banned not in text, banned
    root = etree.fromstring(clean)
    assert [etree.QName(el).localname for el in root] == ["rect", "use", "use", "circle"]
    assert root[1].attrib == {} and root[2].get("href") == "#shape" and root.get("viewBox") == "0 0 10 10"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.png", b"", "empty"),
        ("logo.gif", b"GIF89a...", "PNG or SVG"),
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "PNG or SVG"),
        ("logo.svg", png_bytes(), "PNG or SVG"),
        ("logo.png", png_bytes()[:30], "not a readable PNG"),
        ("logo.png", png_bytes((3000, 10)), "2,000 pixels"),
        ("logo.svg", b"<svg", "not a readable SVG"),
        ("logo.svg", b"<html xmlns='http://www.w3.org/1999/xhtml'/>", "not a readable SVG"),
        (
            "logo.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
            "not a readable SVG",
        ),
        ("logo.png", png_bytes() + b"0" * logos.MAX_BYTES, "512 KB"),
    ],
)
def test_a_wrong_file_is_refused_with_a_reason(app, db_session, name, data, message):
    with app.test_request_context(), pytest.raises(logos.InvalidLogo, match=message):
        logos.check_logo(name, data)


def test_the_owner_uploads_a_logo_served_to_everyone_with_long_caching(app, client, login, db_session, uploads):
    w = make_world(db_session)
    login(w.owner)
    response = client.post(
        "/org/negev-test-mc/logo",
        data={"logo": (io.BytesIO(HOSTILE_SVG), "logo.svg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    name = w.org.logo_name
    assert name and name.endswith(".svg")
    login(None)
    served = client.get(f"/employers/negev-test-mc/logo/{name}")
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert b"script" not in served.data
    assert client.get("/employers/negev-test-mc/logo/logo-00000000000000000000000000000000.svg").status_code == 404
    page = client.get("/employers/negev-test-mc").get_data(as_text=True)
    assert f"/employers/negev-test-mc/logo/{name}" in page


def test_a_recruiter_cannot_change_the_logo_and_a_bad_file_gets_a_reason(client, login, db_session, uploads):
    w = make_world(db_session)
    login(w.recruiter)
    assert client.post("/org/negev-test-mc/logo", data={"logo": (io.BytesIO(png_bytes()), "a.png")}).status_code == 403
    login(w.owner)
    response = client.post("/org/negev-test-mc/logo", data={"logo": (io.BytesIO(b"GIF89a"), "a.gif")})
    assert response.status_code == 422
    assert "A logo must be a PNG or SVG image." in response.get_data(as_text=True)
    assert w.org.logo_name is None


def test_a_replaced_logo_is_swept_and_the_current_one_kept(app, db_session, uploads):
    org = OrganizationFactory()
    owner = MembershipFactory(org=org, role=Role.OWNER).user
    logos.set_logo(org, owner, "a.png", png_bytes())
    first = org.logo_name
    logos.set_logo(org, owner, "b.png", png_bytes((20, 20)))
    db.session.commit()
    sweep_uploads(older_than=timedelta(0))
    names = {name for name, _written in file_store().listing()}
    assert names == {org.logo_name} and first not in names
