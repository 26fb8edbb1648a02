"""The request life cycle shared by every blueprint: security headers, production settings,
friendly error pages and htmx fragments, CSRF, caching; plus the redirect-target and form-cleaning
helpers."""

from __future__ import annotations

import io
import re
import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from wtforms import Form

from jobboard import create_app
from jobboard.accounts.models import AccountKind, User
from jobboard.core import outbox
from jobboard.core.access import public
from jobboard.core.forms import text_field, textarea_field
from jobboard.core.outbox import OutboxMessage
from jobboard.core.text import clean_text, strip_header_breaks
from jobboard.core.urls import is_local_path, safe_next
from jobboard.extensions import db
from tests.apps import config_for_testing as make_testing_config
from tests.apps import own_database
from tests.factories import PASSWORD, DoctorFactory

HTMX = {"HX-Request": "true"}


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"no Content-Security-Policy on {response.request.path}"
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_security_headers(response) -> None:
    directives = csp_directives(response)
    sources = [source for values in directives.values() for source in values]
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    script_sources = directives.get("script-src", directives.get("default-src"))
    assert script_sources == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }


def signed_in_doctor(login) -> User:
    """A committed doctor, signed in: a request that fails rolls back what the test has not committed."""
    doctor = DoctorFactory()
    db.session.commit()
    login(doctor)
    return doctor


def signup_data(email: str = "new.doctor@example.org") -> dict[str, str]:
    return {"full_name": "New Doctor", "email": email, "password": PASSWORD, "accept_privacy": "y"}


def user_count(email: str | None = None) -> int:
    query = select(func.count()).select_from(User)
    if email is not None:
        query = query.where(User.email == email)
    return db.session.scalar(query)


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def is_full_page(body: str) -> bool:
    return "<html" in body.lower()


# --- security headers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 302),
        ("GET", "/he/", 200),
        ("GET", "/account/login", 200),
        ("GET", "/no-such-page", 404),
        ("GET", "/account/logout", 405),
        ("GET", "/static/css/app.css", 200),
        ("GET", "/static/vendor/htmx/htmx.min.js", 200),
        ("GET", "/static/no-such-file.js", 404),
    ],
)
def test_every_response_carries_the_security_headers(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert_security_headers(response)
    response.close()


def test_htmx_fragment_and_redirect_carry_the_security_headers(client):
    assert_security_headers(client.get("/no-such-page", headers=HTMX))
    response = client.post("/language", data={"lang": "he", "next": "/privacy"})
    assert response.status_code == 302
    assert_security_headers(response)


def test_no_hsts_and_plain_cookies_outside_production(app, client):
    response = client.get("/account/login")
    assert "Strict-Transport-Security" not in response.headers
    assert app.config["SESSION_COOKIE_SECURE"] is False
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "Secure" not in cookie
    assert "HttpOnly" in cookie


@pytest.fixture
def production_app(monkeypatch, tmp_path):
    """Production as the README deploys it (it refuses SQLite, so PostgreSQL); mail and rate limits
    point at servers that are never reached by these requests."""
    with own_database("postgresql", tmp_path) as database_url:
        for name, value in {
            "JOBBOARD_ENV": "production",
            "SECRET_KEY": "production-secret-key-that-is-long-enough-0123456789",
            "DATABASE_URL": database_url,
            "BASE_URL": "https://jobs.example.org",
            "MAIL_BACKEND": "smtp",
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "SEARCH_SINGLE_HOST": "true",
            "JOBBOARD_INSTANCE_PATH": str(tmp_path / "instance"),
        }.items():
            monkeypatch.setenv(name, value)
        application = create_app()
        yield application
        with application.app_context():
            db.engine.dispose()


def test_production_sends_hsts_and_secure_cookies(production_app):
    config = production_app.config
    assert config["TESTING"] is False
    assert config["SECRET_KEY"] == "production-secret-key-that-is-long-enough-0123456789"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["OUTBOX_EAGER"] is False

    client = production_app.test_client()
    response = client.get("/account/login")
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 180 * 24 * 3600
    assert_security_headers(response)

    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
    assert "secure" in attributes
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)  # the __Host- prefix forbids it

    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404
    assert "Strict-Transport-Security" in not_found.headers


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("JOBBOARD_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'production.db'}")
    monkeypatch.setenv("JOBBOARD_INSTANCE_PATH", str(tmp_path / "instance"))
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
    assert not (tmp_path / "instance" / "secret_key").exists()


# --- friendly error pages ----------------------------------------------------------------------


def assert_error_page(response, status: int, *texts: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert is_full_page(body)
    assert f">{status}<" in body
    for text in texts:
        assert text in body
    assert "Traceback" not in body
    assert_security_headers(response)
    return body


def test_404_page(client):
    assert_error_page(client.get("/no-such-page"), 404, "Not found", "There is nothing at this address.")


def test_405_page(client):
    response = client.get("/account/logout")
    assert_error_page(response, 405, "Method not allowed", "does not accept that kind of request")
    assert "POST" in response.headers["Allow"]


def test_403_page(client, login):
    signed_in_doctor(login)
    assert_error_page(client.get("/admin/"), 403, "Not allowed", "Your account may not do this.")


def test_413_page_for_an_upload_over_the_limit(app, client):
    too_big = app.config["MAX_CONTENT_LENGTH"] + 1
    response = client.post(
        "/language",
        data={"lang": "he", "file": (io.BytesIO(b"x" * too_big), "cv.pdf")},
        content_type="multipart/form-data",
    )
    assert_error_page(response, 413, "Too large", "The upload is larger than allowed (a CV may be at most 5 MB).")
    assert "lang=he" not in response.headers.get("Set-Cookie", "")


def test_429_page(client):
    data = {"email": "someone@example.org"}
    for _ in range(3):
        assert client.post("/account/forgot-password", data=data).status_code == 302
    response = client.post("/account/forgot-password", data=data)
    assert_error_page(response, 429, "Too many requests", "Wait a little and try again.")
    assert int(response.headers["Retry-After"]) > 0


@pytest.fixture
def csrf_enabled(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_400_page_for_a_missing_csrf_token(client, csrf_enabled):
    response = client.post("/account/signup", data=signup_data())
    assert_error_page(response, 400, "Bad request", "The form has expired or was not sent from this site.")


@pytest.fixture
def failing_app(database_url, tmp_path):
    """A second app instance (routes can only be added before the first request) with a route
    that writes to the database and then fails."""
    application = create_app(make_testing_config(database_url, tmp_path))

    @application.route("/test-only/boom", methods=["GET", "POST"])
    @public
    def boom():
        db.session.add(User(email="boom@example.org", full_name="Boom", password_hash="x", kind=AccountKind.DOCTOR))
        db.session.flush()
        assert user_count("boom@example.org") == 1  # really written in the transaction
        raise RuntimeError("something broke")

    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def writing_app(database_url, tmp_path):
    """A second app instance with a route that writes without committing and one that reads nothing."""
    application = create_app(make_testing_config(database_url, tmp_path))

    @application.route("/test-only/write", methods=["POST"])
    @public
    def write():
        db.session.add(User(email="kept@example.org", full_name="Kept", password_hash="x", kind=AccountKind.DOCTOR))
        return "written"

    @application.route("/test-only/nothing")
    @public
    def nothing():
        return "nothing"

    yield application
    with application.app_context():
        db.engine.dispose()


def test_a_request_commits_what_it_wrote_and_one_that_used_no_session_commits_nothing(
    writing_app, db_session, monkeypatch
):
    commits = []
    original = Session.commit
    monkeypatch.setattr(Session, "commit", lambda session: commits.append(session) or original(session))
    client = writing_app.test_client()
    assert client.get("/test-only/nothing").status_code == 200
    assert commits == []
    assert client.post("/test-only/write").status_code == 200
    assert commits and user_count("kept@example.org") == 1


def test_a_drain_the_database_is_too_busy_for_leaves_the_request_its_answer(
    writing_app, db_session, monkeypatch, caplog
):
    def busy_drain() -> None:
        raise OperationalError("UPDATE outbox ...", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(outbox, "drain", busy_drain)
    response = writing_app.test_client().post("/test-only/write")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "written")
    assert user_count("kept@example.org") == 1
    assert "outbox_drain_deferred path=/test-only/write error=database is locked" in caplog.text


def test_500_page_and_the_transaction_is_rolled_back(failing_app, db_session):
    client = failing_app.test_client()
    response = client.post("/test-only/boom")
    body = assert_error_page(response, 500, "Something went wrong", "An unexpected error occurred on our side.")
    assert "something broke" not in body
    assert user_count("boom@example.org") == 0


def test_500_for_htmx_is_a_fragment(failing_app, db_session):
    response = failing_app.test_client().post("/test-only/boom", headers=HTMX)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert not is_full_page(body)
    assert "Something went wrong" in body
    assert response.headers["HX-Retarget"] == "#flash-area"
    assert user_count("boom@example.org") == 0


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/no-such-page", 404, "There is nothing at this address."),
        ("/account/logout", 405, "does not accept that kind of request"),
    ],
)
def test_htmx_request_gets_the_error_as_a_fragment(client, path, status, text):
    response = client.get(path, headers=HTMX)
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert not is_full_page(body)
    assert f'data-status="{status}"' in body
    assert text in body
    assert response.headers["HX-Retarget"] == "#flash-area"
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_403_is_a_fragment(client, login):
    signed_in_doctor(login)
    response = client.get("/admin/", headers=HTMX)
    assert response.status_code == 403
    assert not is_full_page(response.get_data(as_text=True))
    assert response.headers["HX-Retarget"] == "#flash-area"


def test_htmx_history_restore_gets_the_full_page(client):
    response = client.get("/no-such-page", headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert response.status_code == 404
    assert is_full_page(response.get_data(as_text=True))
    assert "HX-Retarget" not in response.headers


# --- CSRF --------------------------------------------------------------------------------------


def test_post_without_csrf_token_changes_nothing(client, csrf_enabled, mailbox):
    before = (user_count(), outbox_count())
    response = client.post("/account/signup", data=signup_data())
    assert response.status_code == 400
    assert user_count("new.doctor@example.org") == 0
    assert (user_count(), outbox_count()) == before
    assert mailbox.messages() == []


def test_htmx_post_without_csrf_token_is_refused_as_a_fragment(client, csrf_enabled):
    before = (user_count(), outbox_count())
    response = client.post("/account/signup", data=signup_data(), headers=HTMX)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert not is_full_page(body)
    assert "The form has expired or was not sent from this site." in body
    assert response.headers["HX-Retarget"] == "#flash-area"
    assert (user_count(), outbox_count()) == before


def test_post_with_a_wrong_csrf_token_is_refused(client, csrf_enabled):
    client.get("/account/signup")
    response = client.post("/account/signup", data={**signup_data(), "csrf_token": "forged"})
    assert response.status_code == 400
    assert user_count("new.doctor@example.org") == 0


def test_post_with_the_csrf_token_is_accepted(client, csrf_enabled):
    """The control for the tests above: the same form with its token goes through."""
    page = client.get("/account/signup").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    assert token, "no csrf_token in the sign-up form"
    response = client.post("/account/signup", data={**signup_data(), "csrf_token": token.group(1) or token.group(2)})
    assert response.status_code == 302
    assert user_count("new.doctor@example.org") == 1

    htmx_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    response = client.post(
        "/account/signup", data=signup_data("second.doctor@example.org"), headers={**HTMX, "X-CSRFToken": htmx_token}
    )
    assert response.status_code == 302
    assert user_count("second.doctor@example.org") == 1


# --- caching -----------------------------------------------------------------------------------


def test_pages_for_a_signed_in_user_are_not_stored(client, login):
    signed_in_doctor(login)
    for path in ("/", "/account/settings", "/no-such-page"):
        response = client.get(path)
        assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_static_files_stay_cacheable_for_a_signed_in_user(client, login):
    signed_in_doctor(login)
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


# --- redirect targets --------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["/", "/dashboard", "/org/soroka/members?page=2", "/a/b#c", "/search?q=a%2Fb"])
def test_local_paths_are_accepted(target):
    assert is_local_path(target)
    assert safe_next(target, "/fallback") == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.test",
        "https://evil.test/path",
        "http:/evil.test",
        "//evil.test",
        "//evil.test/path",
        "///evil.test",
        "/\\evil.test",
        "\\\\evil.test",
        "/\\/evil.test",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " /dashboard",
        "/dashboard\r\nLocation: https://evil.test",
        "/dash\nboard",
        "/dash\rboard",
        "/\t/evil.test",
        "/\x00evil",
        "dashboard",
        "evil.test",
    ],
)
def test_foreign_or_malformed_targets_are_refused(target):
    assert not is_local_path(target)
    assert safe_next(target, "/fallback") == "/fallback"


def test_login_next_parameter_does_not_redirect_off_site(client):
    DoctorFactory(email="next.test@example.org")
    response = client.post(
        "/account/login?next=//evil.test/steal", data={"email": "next.test@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert "evil.test" not in response.headers["Location"]


# --- form cleaning -----------------------------------------------------------------------------


class SampleForm(Form):
    name = text_field("Name", max_length=200)
    notes = textarea_field("Notes", max_length=2000)


def sample_form(**data: str) -> SampleForm:
    return SampleForm(formdata=MultiDict({"name": "Dana", **data}))


def test_clean_text_normalises_to_nfc():
    decomposed = "Jose\u0301 Mu\u0308ller"
    assert clean_text(decomposed) == "Jos\u00e9 M\u00fcller"
    assert clean_text("  padded  ") == "padded"
    assert clean_text(None) is None


@pytest.mark.parametrize(
    "invisible",
    [
        "\u200b",
        "\u200c",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\ufeff",
    ],
)
def test_clean_text_strips_bidi_controls_and_zero_width_characters(invisible):
    assert clean_text(f"Soro{invisible}ka") == "Soroka"
    assert clean_text(f"{invisible} Soroka {invisible}") == "Soroka"


def test_clean_text_result_is_nfc_even_when_an_invisible_character_split_a_letter():
    # "e", zero-width space, combining acute: once the invisible character is gone the letter
    # must still come out composed, or two spellings of one name would differ.
    assert clean_text("Jose\u200b\u0301") == "Jos\u00e9"


def test_form_fields_apply_the_cleaning():
    form = sample_form(name="\u202eDr Cohen\u200b", notes="line one\r\nline\u0301 two")
    assert form.validate(), form.errors
    assert form.name.data == "Dr Cohen"
    assert form.notes.data == "line one\r\nlin\u00e9 two"


@pytest.mark.parametrize("value", ["Dr\x00Cohen", "Dr\x07Cohen", "Dr\x1bCohen", "Dr\x7fCohen"])
def test_control_characters_are_refused(value):
    form = sample_form(name=value, notes=value)
    assert not form.validate()
    assert form.name.errors == ["Remove the control characters from this text."]
    assert form.notes.errors == ["Remove the control characters from this text."]


def test_line_breaks_are_refused_in_single_line_fields_only():
    form = sample_form(name="Dr\nCohen", notes="first\nsecond\ttabbed")
    assert not form.validate()
    assert form.name.errors == ["Remove the control characters from this text."]
    assert form.notes.errors == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Hello", "Hello"),
        ("Hello\r\nBcc: evil@evil.test", "Hello Bcc: evil@evil.test"),
        ("a\nb", "a b"),
        ("a\rb", "a b"),
        ("a\r\n\r\nb", "a b"),
        ("\r\nstart", " start"),
    ],
)
def test_strip_header_breaks(value, expected):
    cleaned = strip_header_breaks(value)
    assert cleaned == expected
    assert "\r" not in cleaned and "\n" not in cleaned
