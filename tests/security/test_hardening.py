"""Hardening beyond the authorization matrix (issue 7): CSRF on every state-changing route, the
security headers on every kind of response, the htmx configuration, templates without inline
script or ``|safe``, inert user content, NUL / bidi / CR-LF handling, CSV cells, escaped search
highlights, sessions, two-factor sign-in and rate limits (in memory and in Redis).

The module shares the world of ``test_authorization`` (two tenants, every kind of visitor), built
once in this module's own database; each test runs in a rolled-back transaction.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import time

import html5lib
import pyotp
import pytest
from flask import Flask
from sqlalchemy import func, select

from jobboard import ROOT, create_app
from jobboard.accounts.models import User
from jobboard.applications.models import Application
from jobboard.applications.models import ApplicationNote as Note
from jobboard.core import outbox
from jobboard.extensions import db, limiter
from jobboard.jobs.lifecycle import SEARCH_SYNC
from jobboard.jobs.models import Posting
from jobboard.orgs.models import Organization
from tests.applications.conftest import deliver_held_mail
from tests.factories import PASSWORD, AdminFactory, DoctorFactory, StaffFactory
from tests.security import test_authorization as authz
from tests.signing_in import sign_in_with_password

HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def world(app: Flask) -> authz.World:
    with app.app_context():
        built = authz.build_world()
        db.session.remove()
        return built


def url_of(app: Flask, endpoint: str, rule: str, values: dict[str, object]) -> str:
    """The route's URL with the world's objects; an argument the world has no object for (a
    route added since) gets a placeholder: CSRF is checked before the view looks anything up."""
    names = re.findall(r"<(?:([\w(), ]+):)?(\w+)>", rule)
    filled = dict(values)
    for converter, name in names:
        options = re.findall(r"\w+", converter[4:]) if converter.startswith("any(") else []
        if options and filled.get(name) not in options:
            filled[name] = options[0]
        filled.setdefault(name, 1 if converter.startswith("int") else "x")
    return authz._url(app, endpoint, rule, filled)


def persona_for(access: str) -> str:
    if access.startswith("member:"):
        return "owner_a"
    if access.startswith("api:"):
        return "anonymous"  # the API's credential is a key, never a session
    return {"public": "anonymous", "user": "applicant", "doctor": "applicant", "admin": "admin"}[access]


def user(world: authz.World, persona: str) -> User:
    return db.session.get(User, world.users[persona].id)


def applicant_named(world: authz.World, name: str, *, posting_title: str) -> User:
    """Tenant A's applicant, renamed ``name``, and the posting they applied to, retitled: stored
    as they are (older data, an import) and committed. Returns the applicant."""
    applicant = user(world, "applicant")
    applicant.full_name = name
    db.session.get(Posting, world.values["posting_id"]).title = posting_title
    db.session.commit()
    return applicant


def parse(body: str):
    return html5lib.parse(body, namespaceHTMLElements=False)


def csp(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {response.request.path} ({response.status_code})"
    return {words[0].lower(): words[1:] for words in (part.split() for part in policy.split(";")) if words}


def assert_page_headers(response, *, signed_in: bool) -> None:
    directives = csp(response)
    sources = [s for values in directives.values() for s in values]
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Server" not in response.headers or "Werkzeug" not in response.headers.get("Server", "")
    if signed_in:
        assert response.headers.get("Cache-Control") == "no-store", response.request.path


# --- CSRF -----------------------------------------------------------------------------------


@pytest.fixture
def csrf_enabled(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


# Exempt on purpose, each authorised by a signed token in its URL instead: mail clients post
# RFC 8058 one-click unsubscribes without a form token.
CSRF_EXEMPT = {"alerts.unsubscribe"}


def post_routes(app: Flask) -> list[tuple[str, str, str]]:
    """The API's routes are not among them: no cookie authenticates there (``tests/api``), so
    there is no session for a forged request to ride on."""
    return [
        route
        for route in authz.routes(app)
        if route[2] in ("POST", "PUT", "PATCH", "DELETE")
        and route[0] not in CSRF_EXEMPT
        and not app.view_functions[route[0]].access_class.startswith("api:")
    ]


def test_csrf_exempt_routes_still_need_their_signed_token(app, client, db_session, world):
    for endpoint, rule, method in authz.routes(app):
        if endpoint in CSRF_EXEMPT and method == "POST":
            response = client.post(url_of(app, endpoint, rule, dict(world.values, token="forged")))
            assert response.status_code == 400, (endpoint, response.status_code)


def test_no_route_changes_state_on_get(app):
    """Logout, booking, applying and every other change are POST-only (GET on them is a 405)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        assert methods <= {"GET", "POST"}, rule
    for endpoint in ("accounts.logout", "fairs.book", "applications.withdraw", "orgs.remove_member", "jobs.delete"):
        rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
        assert rules and all("GET" not in r.methods for r in rules), endpoint


def test_every_state_changing_route_refuses_a_post_without_the_token(
    app, client, login, db_session, world, csrf_enabled
):
    """As a visitor allowed to use the route: plain POST → the 400 page, htmx POST → a 400
    fragment retargeted at the alert area, a token of another session → 400; nothing changes."""
    routes = post_routes(app)
    assert len(routes) > 40
    other = app.test_client()
    other.get("/account/login")
    with app.test_request_context():
        from flask_wtf.csrf import generate_csrf

        foreign_token = generate_csrf()  # signed for a session that is not the client's
    for endpoint, rule, method in routes:
        access = app.view_functions[endpoint].access_class
        login(world.users[persona_for(access)])
        url = url_of(app, endpoint, rule, world.values)
        before = authz.fingerprint()
        plain = client.open(url, method=method, data={"reason": "x"})
        assert plain.status_code == 400, f"{method} {url}: {plain.status_code} without a CSRF token"
        assert "The form has expired" in plain.get_data(as_text=True), (
            f"{method} {url}: {plain.get_data(as_text=True)[-1500:]}"
        )
        assert "The form has expired or was not sent from this site." in plain.get_data(as_text=True)
        assert "<html" in plain.get_data(as_text=True).lower()
        fragment = client.open(url, method=method, data={"reason": "x"}, headers=HTMX)
        assert fragment.status_code == 400, f"htmx {method} {url}: {fragment.status_code}"
        body = fragment.get_data(as_text=True)
        assert "<html" not in body.lower() and "The form has expired" in body
        assert fragment.headers["HX-Retarget"] == "#flash-area"
        forged = client.open(
            url, method=method, data={"csrf_token": foreign_token}, headers={**HTMX, "X-CSRFToken": foreign_token}
        )
        assert forged.status_code == 400, f"{method} {url} with another session's token: {forged.status_code}"
        db.session.expire_all()
        assert authz.fingerprint() == before, f"{method} {url} without a token changed the database"


def test_the_token_from_the_page_is_accepted_for_htmx(app, client, login, db_session, world, csrf_enabled):
    """The control: the token the page puts in ``hx-headers`` lets the same htmx POST through."""
    login(world.users["owner_a"])
    page = client.get(f"/org/{world.values['org_slug']}/profile").get_data(as_text=True)
    headers = json.loads(parse(page).find(".//body").get("hx-headers"))
    response = client.post(
        f"/org/{world.values['org_slug']}/profile",
        data={"description": "Updated.", "website": ""},
        headers={**HTMX, **headers},
    )
    assert response.status_code in (200, 302), response.status_code


# --- headers --------------------------------------------------------------------------------


def test_pages_fragments_redirects_and_error_pages_carry_the_headers(app, client, login, db_session, world):
    login(world.users["owner_a"])
    slug = world.values["org_slug"]
    for path, headers, status in [
        (f"/org/{slug}/", {}, 200),
        (f"/org/{slug}/members", HTMX, 200),
        ("/jobs?q=pediatrics", HTMX, 200),
        ("/no-such-page", {}, 404),
        ("/no-such-page", HTMX, 404),
        ("/account/logout", {}, 405),
        (f"/org/{world.other_values['org_slug']}/", {}, 404),
        ("/admin/", {}, 403),
    ]:
        response = client.get(path, headers=headers)
        assert response.status_code == status, (path, response.status_code)
        assert_page_headers(response, signed_in=True)
    response = client.post(f"/org/{slug}/sites/new", data={"name": "\x00"})
    assert response.status_code == 422
    assert_page_headers(response, signed_in=True)
    anonymous = app.test_client()
    for path in ("/", "/jobs", "/no-such-page"):
        assert_page_headers(anonymous.get(path), signed_in=False)


def test_files_are_sandboxed_attachments_that_are_not_stored(app, client, login, db_session, world):
    """CV downloads (the doctor's own and the employer's copy), the doctor's calendar and data
    export, and the agenda export."""
    login(world.users["applicant"])
    own = client.get(f"/me/cvs/{world.values['cv_id']}/download")
    calendar = client.get("/me/fairs/schedule.ics")
    export = client.post("/me/privacy/export")
    login(world.users["viewer_a"])
    slug = world.values["org_slug"]
    employer = client.get(f"/org/{slug}/applications/{world.values['application_id']}/cv")
    agenda = client.get(f"/org/{slug}/fairs/{world.values['fair_id']}/agenda.csv")
    for response in (own, employer, calendar, export, agenda):
        assert response.status_code == 200, response.request.path
        directives = csp(response)
        assert "sandbox" in directives, response.request.path
        assert directives.get("default-src") == ["'none'"], response.request.path
        assert response.headers["Content-Disposition"].startswith("attachment"), response.request.path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]
    assert [r.mimetype for r in (calendar, export, agenda)] == ["text/calendar", "application/zip", "text/csv"]
    for response in (own, employer):
        assert response.mimetype == "application/pdf"
        assert response.get_data().startswith(b"%PDF-")


def test_htmx_config_meta_tag(client, db_session):
    document = parse(client.get("/en/").get_data(as_text=True))
    meta = [m for m in document.iter("meta") if m.get("name") == "htmx-config"]
    assert len(meta) == 1
    config = json.loads(meta[0].get("content"))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["historyCacheSize"] == 0
    assert config["allowScriptTags"] is False
    assert config["selfRequestsOnly"] is True
    swapped = [rule for rule in config["responseHandling"] if rule.get("swap") and re.fullmatch(rule["code"], "422")]
    assert swapped, "422 fragments (form errors) must be swapped in"


TEMPLATES = ROOT / "templates"


def test_no_inline_script_in_any_template():
    inline = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text, flags=re.IGNORECASE):
            if "src=" in tag or 'type="application/ld+json"' in tag:
                continue
            inline.append(f"{path.relative_to(ROOT)}: {tag}")
        for handler in re.findall(r"<[^>]*\s(on[a-z]+)\s*=", text):
            inline.append(f"{path.relative_to(ROOT)}: inline handler {handler}")
        assert "hx-on" not in text, f"{path}: hx-on needs eval"
    assert inline == []


def test_json_ld_is_serialised_with_tojson():
    for path in sorted(TEMPLATES.rglob("*.html")):
        for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', path.read_text(), re.S):
            assert re.fullmatch(r"\s*\{\{\s*[\w.]+\|tojson\s*\}\}\s*", block), f"{path}: {block}"


def test_safe_and_markup_only_on_sanitiser_output():
    """Templates never use ``|safe``, ``autoescape false`` or ``Markup``; in the code, Markup
    wraps only the Markdown sanitiser's and the highlighters' output (escaped before marking) and
    the search page's checkboxes, select options, group links and hit cards (built from escaped
    values), the Save toggle (likewise), the bdi filter's isolate (the value formatted into it, so escaped), a mail's HTML
    paragraphs (the plain text escaped before its addresses become links), and the outcome charts'
    SVG elements (every attribute and text escaped)."""
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            text = path.read_text()
            assert not re.search(r"\|\s*safe\b", text), f"{path} uses |safe"
            assert "autoescape false" not in text and "Markup" not in text, path
    allowed = {
        ("core/markdown.py", "render_markdown"),
        ("search/text.py", "_mark"),
        ("search/meili.py", "marked"),
        ("search/facets.py", "facet_groups"),
        ("search/facets.py", "option_list"),
        ("search/facets.py", "hebrew_options"),
        ("search/facets.py", "_opening"),
        ("search/cards.py", "hit_cards"),
        ("jobs/save_button.py", "save_button"),
        ("i18n/__init__.py", "bdi"),
        ("mail/compose.py", "paragraph"),
        ("outcomes/charts.py", "_element"),
    }
    found = set()
    for path in sorted((ROOT / "jobboard").rglob("*.py")):
        lines = path.read_text().splitlines()
        function = None
        for line in lines:
            match = re.match(r"\s*def (\w+)\(", line)
            if match:
                function = match.group(1)
            if re.search(r"\bMarkup\(", line) and not line.lstrip().startswith(("#", "def ", "class ")):
                found.add((str(path.relative_to(ROOT / "jobboard")), function))
            assert "|safe" not in line and "Markup.unescape" not in line, f"{path}: {line}"
    assert found <= allowed, f"Markup() outside the sanitisers: {found - allowed}"
    assert found, "the scan found no Markup at all; it is not looking at the right files"


# --- user content is inert ------------------------------------------------------------------

PAYLOAD = "\n\n".join(
    [
        "<script>alert('pwned-script')</script>",
        "<img src=x onerror=alert('pwned-img')>",
        "[click me](javascript:alert('pwned-link'))",
        "<svg onload=alert('pwned-svg')></svg>",
        '<a hx-get="/admin/pwned" hx-trigger="load">x</a>',
        '<iframe src="https://evil.test/pwned"></iframe>',
        "[data](data:text/html;base64,PHNjcmlwdD4=)",
        "**bold** survives",
    ]
)


def assert_inert(body: str, where: str) -> None:
    document = parse(body)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag not in ("iframe", "svg", "object", "embed"), f"{where}: <{element.tag}> from user content"
        if element.tag == "script" and element.get("type") == "application/ld+json":
            text = "".join(element.itertext())
            assert "<" not in text, f"{where}: markup inside JSON-LD"
            json.loads(text)  # data, and well-formed
        elif element.tag == "script":
            assert "pwned" not in "".join(element.itertext()), f"{where}: user script"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: {name}={value}"
            # A form's value and a page's meta description show the user's text as text.
            shown_as_text = name == "value" or (element.tag == "meta" and name == "content")
            assert "pwned" not in value or shown_as_text, f"{where}: {element.tag} {name}={value}"
            assert not value.strip().lower().startswith(("javascript:", "data:text")), f"{where}: {name}={value}"


def test_markdown_payloads_are_inert_in_a_listing(app, client, login, db_session, world):
    posting = db.session.get(Posting, world.values["posting_id"])
    posting.description_md = PAYLOAD
    db.session.commit()
    body = client.get(f"/jobs/{posting.id}", follow_redirects=True).get_data(as_text=True)
    assert "<strong>bold</strong>" in body  # the Markdown is rendered, not shown raw
    assert_inert(body, "posting")


def test_payloads_are_inert_in_a_cover_note_a_note_and_an_org_description(app, client, login, db_session, world):
    slug = world.values["org_slug"]
    application = db.session.get(Application, world.values["application_id"])
    application.cover_note = PAYLOAD
    db.session.commit()
    login(world.users["owner_a"])
    response = client.post(f"/org/{slug}/profile", data={"description": PAYLOAD, "website": ""})
    assert response.status_code == 302, response.status_code
    response = client.post(f"/org/{slug}/applications/{application.id}/notes", data={"body": PAYLOAD})
    assert response.status_code in (200, 302), response.status_code
    assert db.session.scalar(select(func.count()).select_from(Note).where(Note.body.contains("pwned-svg"))) == 1
    detail = client.get(f"/org/{slug}/applications/{application.id}").get_data(as_text=True)
    assert detail.count("alert(&#39;pwned-script&#39;)") >= 2 or detail.count("pwned-script") >= 2  # both shown as text
    assert_inert(detail, "application detail (cover note, note)")
    org = db.session.get(Organization, world.values["org_id"])
    assert "pwned-svg" in org.description
    for path in (f"/jobs/{world.values['posting_id']}", f"/org/{slug}/"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert_inert(page, path)
    login(world.users["admin"])
    admin_page = client.get(f"/admin/orgs/{org.id}").get_data(as_text=True)
    assert "pwned-svg" in admin_page
    assert_inert(admin_page, "admin org page")


# --- NUL, bidi overrides, CR/LF -------------------------------------------------------------


def test_nul_is_refused_with_a_message_and_nothing_is_stored(client, db_session):
    response = client.post(
        "/account/signup",
        data={"full_name": "Dana\x00Levi", "email": "nul@example.org", "password": PASSWORD, "accept_privacy": "y"},
    )
    assert response.status_code == 422
    assert "Remove the control characters" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "nul@example.org")) == 0


def test_right_to_left_override_is_stripped_from_names(client, db_session):
    response = client.post(
        "/account/signup",
        data={
            "full_name": "Dana \u202eiveL\u202c",
            "email": "rlo@example.org",
            "password": PASSWORD,
            "accept_privacy": "y",
        },
    )
    assert response.status_code == 302, response.status_code
    stored = db.session.scalar(select(User).where(User.email == "rlo@example.org"))
    assert stored.full_name == "Dana iveL"
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f]", stored.full_name)


def test_line_breaks_never_reach_a_mail_header(app, client, login, db_session, world, mailbox):
    """Through the form a name with CR/LF is refused; a name already stored with one (older data,
    an import) still cannot add a header to the rejection mail built from it."""
    response = client.post(
        "/account/signup",
        data={
            "full_name": "Dana\r\nBcc: victim@evil.test",
            "email": "crlf@example.org",
            "password": PASSWORD,
            "accept_privacy": "y",
        },
    )
    assert response.status_code == 422
    assert mailbox.messages() == []

    slug = world.values["org_slug"]
    applicant = applicant_named(world, "Dana\r\nBcc: victim@evil.test", posting_title="Pediatrician\nX-Injected: yes")
    login(world.users["owner_a"])
    response = client.post(
        f"/org/{slug}/rejection-template", data={"subject": "About {title}, {name}", "body": "Dear {name}, no."}
    )
    assert response.status_code == 302, response.status_code
    response = client.post(
        f"/org/{slug}/applications/{world.values['application_id']}/move",
        data={"stage": "rejected", "send_rejection": "y"},
    )
    assert response.status_code in (200, 302), response.status_code
    deliver_held_mail()
    sent = [m for m in mailbox.to(applicant.email) if m["Subject"].startswith("About")]
    assert sent, f"no rejection mail in {[m['Subject'] for m in mailbox.messages()]}"
    for message in sent:
        raw = message.as_bytes()
        head = raw.split(b"\n\n", 1)[0]
        names = [line.split(b":", 1)[0].lower() for line in head.splitlines() if line and not line[:1].isspace()]
        assert b"bcc" not in names and b"x-injected" not in names, head
        assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
        assert "Bcc: victim@evil.test" in message["Subject"]  # kept as text, on one line


# --- CSV export, search highlights ----------------------------------------------------------


def test_csv_export_neutralises_formula_cells(app, client, login, db_session, world):
    applicant_named(world, '=HYPERLINK("http://evil.test","x")', posting_title="@SUM(A1:A9)")
    login(world.users["viewer_a"])
    slug = world.values["org_slug"]
    response = client.get(f"/org/{slug}/fairs/{world.values['fair_id']}/agenda.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) >= 2
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.test","x")' in cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    for hostile in ("+1", "-2", "@x", "=1", "\t=1", "\r=1"):
        from jobboard.core.spreadsheets import csv_cell

        assert csv_cell(hostile).startswith("'"), hostile


def test_search_highlights_are_escaped_before_the_mark(app, client, db_session, world, search_engine):
    posting = db.session.get(Posting, world.values["posting_id"])
    posting.title = '<em>"x"</em> Pediatrician <script>alert(1)</script>'
    posting.description_md = "Pediatrician <img src=x onerror=alert(2)>"
    db.session.flush()
    outbox.enqueue(SEARCH_SYNC, {"posting_id": posting.id})
    db.session.commit()
    outbox.drain()
    search_engine.refresh()
    response = client.get("/jobs?q=pediatrician")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    document = parse(body)
    marks = [m for m in document.iter("mark")]
    assert marks, "no highlight at all"
    assert all("".join(m.itertext()).lower() == "pediatrician" for m in marks)
    assert not [e for e in document.iter("em") if "x" in "".join(e.itertext())]
    assert "&lt;em&gt;" in body or "&lt;em>" in body
    assert_inert(body, "search results")


# --- sessions -------------------------------------------------------------------------------


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def is_signed_in(app: Flask, cookie: str | None) -> bool:
    other = app.test_client()
    if cookie:
        other.set_cookie("session", cookie)
    response = other.get("/dashboard")
    return response.status_code == 200


def test_session_rotates_on_login(app, client, db_session):
    doctor = DoctorFactory()
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = session_cookie(client)
    assert before and not is_signed_in(app, before)
    assert sign_in_with_password(client, doctor.email).status_code == 302
    after = session_cookie(client)
    assert after and after != before
    assert is_signed_in(app, after)
    assert not is_signed_in(app, before)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_invalidates_a_copied_cookie(app, client, db_session):
    doctor = DoctorFactory()
    db.session.commit()
    sign_in_with_password(client, doctor.email)
    copied = session_cookie(client)
    assert is_signed_in(app, copied)
    assert client.post("/account/logout").status_code == 302
    assert not is_signed_in(app, copied)


def test_a_deactivated_users_session_stops_at_the_next_request(app, client, db_session):
    doctor = DoctorFactory()
    db.session.commit()
    sign_in_with_password(client, doctor.email)
    assert client.get("/dashboard").status_code == 200
    doctor.is_deactivated = True
    db.session.commit()
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/login")


def test_removing_a_member_ends_their_session(app, client, login, db_session, world):
    slug = world.values["org_slug"]
    member = app.test_client()
    viewer = user(world, "viewer_a")
    sign_in_with_password(member, viewer.email)
    assert member.get(f"/org/{slug}/").status_code == 200
    copied = session_cookie(member)
    login(world.users["owner_a"])
    response = client.post(f"/org/{slug}/members/{world.values['membership_id']}/remove")
    assert response.status_code == 302, response.status_code
    after = member.get(f"/org/{slug}/")
    assert after.status_code == 302 and after.headers["Location"].startswith("/account/login")
    assert not is_signed_in(app, copied)


# --- two-factor sign-in ---------------------------------------------------------------------


def test_an_admin_without_two_factor_is_sent_to_set_it_up_before_any_admin_page(app, client, login, db_session, world):
    admin = AdminFactory(totp_secret=None)
    db.session.commit()
    login(admin)
    checked = 0
    for endpoint, rule, method in authz.routes(app):
        if app.view_functions[endpoint].access_class != "admin":
            continue
        response = client.open(url_of(app, endpoint, rule, world.values), method=method)
        assert response.status_code == 302, (endpoint, response.status_code)
        assert response.headers["Location"] == "/account/two-factor/setup", endpoint
        checked += 1
    assert checked >= 15
    assert client.get("/account/two-factor/setup").status_code == 200


def test_an_admin_with_a_password_only_has_no_admin_power_anywhere(app, client, login, db_session, world):
    """Previews of tenants' drafts included: every admin power needs the second factor."""
    draft = db.session.get(Posting, world.values["posting_id"])
    draft.status = draft.status.DRAFT
    draft.first_published_at = None
    password_only = AdminFactory(totp_secret=None)
    db.session.commit()

    login(password_only)
    assert client.get(f"/jobs/{draft.id}").status_code == 404
    login(world.users["admin"])
    preview = client.get(f"/jobs/{draft.id}")
    assert preview.status_code == 200 and draft.title in preview.get_data(as_text=True)


def test_turning_two_factor_on_ends_the_sessions_begun_without_it(app, client, db_session):
    staff = StaffFactory()
    db.session.commit()
    earlier = app.test_client()
    sign_in_with_password(earlier, staff.email)
    sign_in_with_password(client, staff.email)
    assert is_signed_in(app, session_cookie(earlier))

    _set_up_two_factor(client)

    assert not is_signed_in(app, session_cookie(earlier))
    assert is_signed_in(app, session_cookie(client))


def _admin_setup_link(client, mailbox, email: str) -> str:
    assert client.post("/account/two-factor/setup/link").status_code == 302
    return mailbox.link(mailbox.last_to(email), "/account/two-factor/setup/")


def test_an_admin_enrols_only_from_the_link_mailed_to_them(app, client, db_session, mailbox):
    """Whoever has a new administrator's password cannot enrol their own phone."""
    admin = AdminFactory(totp_secret=None)
    other_admin = AdminFactory(totp_secret=None)
    db.session.commit()
    sign_in_with_password(client, admin.email)

    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200 and "E-mail me the set-up link" in page.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "two_factor_setup_secret" not in session  # no key is made without the link
    assert client.post("/account/two-factor/setup", data={"code": "123456"}).status_code == 403
    link = _admin_setup_link(client, mailbox, admin.email)

    # The link alone is not enough: another administrator's session cannot use it.
    intruder = app.test_client()
    sign_in_with_password(intruder, other_admin.email)
    refused = intruder.get(link)
    assert refused.status_code == 403 and "This link was sent to another account." in refused.get_data(as_text=True)

    assert client.get(link).status_code == 200
    with client.session_transaction() as session:
        totp = pyotp.TOTP(session["two_factor_setup_secret"])
    assert client.post(link, data={"code": totp.now()}).status_code == 200
    db.session.expire_all()
    assert db.session.get(User, admin.id).can_administer
    assert client.get("/admin/").status_code == 200
    # Used once: the link is dead now.
    assert client.get(link).status_code == 400
    fresh = AdminFactory(totp_secret=None)
    db.session.commit()
    sign_in_with_password(client, fresh.email)
    assert client.get(link).status_code == 403


def test_an_admin_setup_link_dies_with_a_password_change(app, client, db_session, mailbox):
    admin = AdminFactory(totp_secret=None)
    db.session.commit()
    sign_in_with_password(client, admin.email)
    link = _admin_setup_link(client, mailbox, admin.email)
    admin.password_hash = admin.password_hash + "x"  # a new password, the session kept
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 400 and "This link has been used or is out of date." in response.get_data(
        as_text=True
    )


def _set_up_two_factor(client) -> tuple[pyotp.TOTP, list[str], int]:
    page = client.get("/account/two-factor/setup")
    assert page.status_code == 200
    with client.session_transaction() as session:
        secret = session["two_factor_setup_secret"]
    assert secret in page.get_data(as_text=True)  # shown for typing in, beside the QR code
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    response = client.post("/account/two-factor/setup", data={"code": totp.at(step * 30)})
    assert response.status_code == 200, response.status_code
    codes = re.findall(r"\b[0-9a-f]{6}-[0-9a-f]{6}\b", response.get_data(as_text=True))
    assert len(codes) == 10
    return totp, codes, step


@pytest.mark.parametrize("kind", ["staff", "doctor"])
def test_two_factor_is_offered_and_then_asked_for(app, client, db_session, kind):
    account = StaffFactory() if kind == "staff" else DoctorFactory()
    db.session.commit()
    sign_in_with_password(client, account.email)
    settings_page = client.get("/account/settings").get_data(as_text=True)
    assert "/account/two-factor/setup" in settings_page
    totp, codes, step = _set_up_two_factor(client)
    db.session.expire_all()
    assert db.session.get(User, account.id).totp_secret == totp.secret

    # The code the set-up used is spent; the next one works once.
    fresh = app.test_client()
    response = sign_in_with_password(fresh, account.email)
    assert response.headers["Location"] == "/account/two-factor"
    assert not is_signed_in(app, session_cookie(fresh))
    assert fresh.post("/account/two-factor", data={"code": totp.at(step * 30)}).status_code == 422
    wrong = fresh.post("/account/two-factor", data={"code": "000000" if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 422
    assert "That code is not right" in wrong.get_data(as_text=True)
    next_code = totp.at((step + 1) * 30)
    assert fresh.post("/account/two-factor", data={"code": next_code}).status_code == 302
    assert is_signed_in(app, session_cookie(fresh))

    again = app.test_client()
    sign_in_with_password(again, account.email)
    assert again.post("/account/two-factor", data={"code": next_code}).status_code == 422
    # A recovery code works once.
    assert again.post("/account/two-factor", data={"code": codes[0]}).status_code == 302
    assert is_signed_in(app, session_cookie(again))
    limiter.reset()  # five tries a minute per account: the next ones are not about the limit
    third = app.test_client()
    sign_in_with_password(third, account.email)
    assert third.post("/account/two-factor", data={"code": codes[0]}).status_code == 422
    assert third.post("/account/two-factor", data={"code": codes[1].upper()}).status_code == 302


# --- rate limits ----------------------------------------------------------------------------


def from_address(app: Flask, address: str):
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    return other


def assert_limited(response) -> None:
    assert response.status_code == 429, response.status_code
    assert int(response.headers["Retry-After"]) > 0
    assert "You have tried this too often" in response.get_data(as_text=True)


def test_login_is_limited_per_account_and_per_address(app, db_session):
    target = "victim@example.org"
    for n in range(5):
        assert sign_in_with_password(from_address(app, f"10.1.0.{n}"), target, "wrong").status_code == 422
    assert_limited(sign_in_with_password(from_address(app, "10.1.0.99"), target, "wrong"))
    assert sign_in_with_password(from_address(app, "10.1.0.99"), "someone.else@example.org", "wrong").status_code == 422
    limiter.reset()
    one = from_address(app, "10.2.0.1")
    for n in range(30):
        assert sign_in_with_password(one, f"person{n}@example.org", "wrong").status_code == 422, n
    assert_limited(sign_in_with_password(one, "person-last@example.org", "wrong"))
    assert sign_in_with_password(from_address(app, "10.2.0.2"), "person-last@example.org", "wrong").status_code == 422


def test_failed_codes_from_elsewhere_do_not_lock_the_owner_out_of_the_second_step(app, db_session):
    """Whoever has the password can fail codes at will; the owner's correct code still passes."""
    totp = pyotp.TOTP(pyotp.random_base32())
    account = AdminFactory(totp_secret=totp.secret)
    db.session.commit()
    wrong = "000000" if totp.now() != "000000" else "111111"
    attacker = from_address(app, "10.9.0.1")
    sign_in_with_password(attacker, account.email)
    for _ in range(5):
        assert attacker.post("/account/two-factor", data={"code": wrong}).status_code == 422
    assert_limited(attacker.post("/account/two-factor", data={"code": wrong}))

    owner = from_address(app, "10.9.0.2")
    sign_in_with_password(owner, account.email)
    assert owner.post("/account/two-factor", data={"code": totp.now()}).status_code == 302
    assert owner.get("/admin/").status_code == 200


def test_signup_is_limited_per_address(app, db_session):
    one = from_address(app, "10.3.0.1")
    for n in range(5):
        response = one.post("/account/signup", data={"email": f"not-an-address-{n}"})
        assert response.status_code == 422
    assert_limited(one.post("/account/signup", data={"email": "x"}))
    assert from_address(app, "10.3.0.2").post("/account/signup", data={"email": "x"}).status_code == 422


def test_password_reset_is_limited_per_address_and_per_account(app, db_session):
    for n in range(3):
        assert (
            from_address(app, f"10.4.0.{n}")
            .post("/account/forgot-password", data={"email": "target@example.org"})
            .status_code
            == 302
        )
    assert_limited(
        from_address(app, "10.4.0.50").post("/account/forgot-password", data={"email": "target@example.org"})
    )
    limiter.reset()
    one = from_address(app, "10.4.1.1")
    for n in range(10):
        assert one.post("/account/forgot-password", data={"email": f"p{n}@example.org"}).status_code == 302
    assert_limited(one.post("/account/forgot-password", data={"email": "p-last@example.org"}))


def test_reporting_a_posting_is_limited_per_address(app, db_session, world):
    url = f"/jobs/{world.values['posting_id']}/report"
    one = from_address(app, "10.5.0.1")
    for _ in range(10):
        assert one.post(url, data={"reason": "not-a-reason"}).status_code < 429
    assert_limited(one.post(url, data={"reason": "not-a-reason"}))
    assert from_address(app, "10.5.0.2").post(url, data={"reason": "not-a-reason"}).status_code < 429


def test_applying_is_limited_per_account(app, client, login, db_session, world):
    url = f"/jobs/{world.values['posting_id']}/apply"
    login(world.users["doctor"])
    for n in range(20):
        client.environ_base["REMOTE_ADDR"] = f"10.6.0.{n}"
        assert client.post(url, data={"cv_id": "not-a-cv"}).status_code < 429, n
    assert_limited(client.post(url, data={"cv_id": "not-a-cv"}))
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = client.environ_base["REMOTE_ADDR"]
    login_other = DoctorFactory()
    db.session.commit()
    sign_in_with_password(other, login_other.email)
    assert other.post(url, data={"cv_id": "not-a-cv"}).status_code < 429


def test_booking_is_limited_per_account(app, client, login, db_session, world):
    url = f"/fairs/{world.values['fair_slug']}/slots/{2**31 - 1}/book"
    login(world.users["doctor"])
    for n in range(30):
        assert client.post(url).status_code < 429, n
    assert_limited(client.post(url))
    other = app.test_client()
    second = DoctorFactory()
    db.session.commit()
    sign_in_with_password(other, second.email)
    assert other.post(url).status_code < 429


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def test_rate_limits_count_in_redis(app, redis_db, monkeypatch):
    """A second app using the Redis storage (the shared Limiter is bound to it for the test and
    given back its in-memory storage after)."""
    for attribute in ("_storage", "_limiter", "_storage_uri", "_storage_options"):
        monkeypatch.setattr(limiter, attribute, getattr(limiter, attribute))
    config = {
        "JOBBOARD_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_DIR": app.config["MAIL_FILE_DIR"],
    }
    monkeypatch.setattr(limiter, "_storage_uri", None)
    redis_app = create_app(config)
    try:
        assert "redis" in type(limiter._storage).__name__.lower(), type(limiter._storage)
        client = redis_app.test_client()
        for _ in range(5):
            assert sign_in_with_password(client, "redis.victim@example.org", "wrong").status_code == 422
        assert redis_db.dbsize() > 0, "nothing was counted in Redis"
        assert_limited(sign_in_with_password(client, "redis.victim@example.org", "wrong"))
    finally:
        with redis_app.app_context():
            db.engine.dispose()
