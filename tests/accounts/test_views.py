"""The account pages through the test client: sign-up, confirmation, sign-in and sessions, rate
limits, password reset and change, e-mail change.

Each request runs in its own application context (``client`` below), as in production: a fresh
``flask.g``, where Flask-Login caches the request's user, and a database session closed after
the request. Nothing one request loaded can then make the next one look signed in, so tests keep
only ids (``Account``) and read the database again (``stored``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from jobboard.accounts.models import User
from jobboard.accounts.passwords import verify_password
from jobboard.extensions import db
from tests.factories import PASSWORD, DoctorFactory
from tests.signing_in import sign_in_with_password

NEW_PASSWORD = "copper lantern meadow violin"


class RequestScopedClient(FlaskClient):
    """A test client that gives every request a fresh application context (and so a fresh ``g``)."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def new_client(app: Flask, **cookies: str) -> FlaskClient:
    """Another browser, holding only the given cookies."""
    browser = RequestScopedClient(app, app.response_class, use_cookies=True)
    for name, value in cookies.items():
        browser.set_cookie(name, value)
    return browser


@pytest.fixture
def client(app: Flask, db_session) -> FlaskClient:  # overrides tests/conftest.py's client (and so login's)
    return new_client(app)


@dataclass(frozen=True)
class Account:
    """What a test remembers of a user: ORM objects do not outlive the request that ends their session."""

    id: int
    email: str


def stored(account: Account) -> User:
    db.session.expire_all()
    return db.session.get(User, account.id)


def make_account(db_session, **fields) -> Account:
    user = DoctorFactory(**fields)
    db_session.commit()  # a 4xx response rolls back the session, factories' flushes included
    return Account(user.id, user.email)


@pytest.fixture
def doctor(db_session) -> Account:
    return make_account(db_session, email="dana@example.org", full_name="Dana Levi")


def users_with_email(address: str) -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email == address))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def signup(client: FlaskClient, **fields: str) -> TestResponse:
    data = {"full_name": "Noa Friedman", "email": "noa@example.org", "password": PASSWORD, "accept_privacy": "y"}
    data.update(fields)
    return client.post("/account/signup", data={k: v for k, v in data.items() if v is not None})


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/account/settings")
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/account/login")
    return response.status_code == 200


def cookie(client: FlaskClient, name: str) -> str | None:
    found = client.get_cookie(name)
    return found.value if found is not None else None


def comparable(body: bytes, *addresses: str) -> bytes:
    """A page body without what differs by design: the per-second CSRF token and the echoed address."""
    body = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", body)
    body = re.sub(rb'(name="csrf_token"[^>]*value=")[^"]*"', rb'\1"', body)
    for address in addresses:
        body = body.replace(address.encode(), b"ADDRESS")
    return body


def redirects_to(response: TestResponse, location: str) -> bool:
    return response.status_code == 302 and response.headers["Location"] == location


# --- sign-up ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/account/signup", "/account/login", "/account/forgot-password"])
def test_public_forms_render(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b'<form method="post"' in response.data


def test_signup_creates_an_unconfirmed_doctor_and_mails_a_link(client, mailbox):
    response = signup(client, email="Noa@Example.org")

    assert redirects_to(response, "/account/check-email?reason=signup")
    user = db.session.scalar(select(User).where(User.email == "noa@example.org"))
    assert user is not None
    assert user.full_name == "Noa Friedman" and user.is_doctor and not user.is_admin
    assert not user.is_confirmed
    assert verify_password(user.password_hash, PASSWORD)
    message = mailbox.last_to("noa@example.org")
    assert message["Subject"] == "Confirm your e-mail address"
    assert mailbox.link(message, "/account/confirm/")
    assert b"Follow its link to confirm your account" in client.get(response.headers["Location"]).data


def test_the_confirmation_mail_carries_no_name_a_stranger_typed(client, mailbox):
    """Anyone can sign up with someone else's address: the name they give stays out of the mail."""
    signup(client, email="victim@example.org", full_name="Account locked verify at http://evil.example")
    message = mailbox.last_to("victim@example.org")
    assert message["Subject"] == "Confirm your e-mail address"
    assert "evil" not in mailbox.text(message) and "locked" not in mailbox.text(message)


def test_confirmation_link_shows_a_button_and_confirms_on_post(client, mailbox):
    signup(client)
    link = mailbox.link(mailbox.last_to("noa@example.org"), "/account/confirm/")
    account = Account(db.session.scalar(select(User.id).where(User.email == "noa@example.org")), "noa@example.org")

    page = client.get(link)
    assert page.status_code == 200
    assert b"Confirm my address" in page.data and b"noa@example.org" in page.data
    assert not stored(account).is_confirmed  # following the link alone (mail scanners do) changes nothing

    assert redirects_to(client.post(link), "/account/login")
    assert stored(account).is_confirmed
    again = client.get(link)
    assert again.status_code == 200 and b"is already confirmed" in again.data


def test_confirmation_link_of_a_signed_in_user_leads_to_the_dashboard(client, db_session, login, mailbox):
    account = make_account(db_session, email_confirmed_at=None)
    login(stored(account))
    client.post("/account/confirm/resend")
    link = mailbox.link(mailbox.last_to(account.email), "/account/confirm/")
    assert redirects_to(client.post(link), "/dashboard")
    assert stored(account).is_confirmed


def test_where_the_visitor_was_going_survives_sign_up_confirmation_and_sign_in(client, mailbox):
    """Asked to sign in on the way to an application: the sign-up link, the confirmation link and
    the sign-in after it all lead on to it."""
    login_page = client.get("/account/login?next=/jobs/7/apply").get_data(as_text=True)
    assert 'href="/account/signup?next=/jobs/7/apply"' in login_page

    signup_page = client.get("/account/signup?next=/jobs/7/apply").get_data(as_text=True)
    assert 'href="/account/login?next=/jobs/7/apply"' in signup_page
    client.post(
        "/account/signup?next=/jobs/7/apply",
        data={"full_name": "Noa Friedman", "email": "noa@example.org", "password": PASSWORD, "accept_privacy": "y"},
    )
    link = mailbox.link(mailbox.last_to("noa@example.org"), "/account/confirm/")
    assert "next" not in link  # carried inside the signed token, not beside it
    assert redirects_to(client.post(link), "/account/login?next=/jobs/7/apply")
    signed_in = client.post(
        "/account/login?next=/jobs/7/apply", data={"email": "noa@example.org", "password": PASSWORD}
    )
    assert redirects_to(signed_in, "/jobs/7/apply")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_a_next_address_off_the_site_is_dropped_on_sign_up(client, mailbox, target):
    client.post(
        "/account/signup",
        query_string={"next": target},
        data={"full_name": "Noa Friedman", "email": "noa@example.org", "password": PASSWORD, "accept_privacy": "y"},
    )
    link = mailbox.link(mailbox.last_to("noa@example.org"), "/account/confirm/")
    assert redirects_to(client.post(link), "/account/login")


def test_tampered_or_expired_confirmation_link_is_refused(client, mailbox):
    signup(client)
    link = mailbox.link(mailbox.last_to("noa@example.org"), "/account/confirm/")
    tampered = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")
    for response in (client.get(tampered), client.post(tampered)):
        assert response.status_code == 400
        assert b"This link is not valid" in response.data
    with time_machine.travel(timedelta(days=7, hours=1)):
        response = client.post(link)
    assert response.status_code == 400 and b"This link has expired" in response.data
    assert db.session.scalar(select(User.email_confirmed_at).where(User.email == "noa@example.org")) is None


@pytest.mark.parametrize("address", ["dana@example.org", "DANA@Example.ORG", " Dana@example.org "])
def test_signup_with_a_taken_address_answers_like_a_new_one_and_tells_the_owner(client, mailbox, doctor, address):
    new_one = signup(client, email="someone.new@example.org")
    taken = signup(client, email=address, full_name="Impostor", password=NEW_PASSWORD)

    assert (taken.status_code, taken.headers["Location"]) == (new_one.status_code, new_one.headers["Location"])
    assert users_with_email("dana@example.org") == 1
    owner = stored(doctor)
    assert owner.full_name == "Dana Levi" and verify_password(owner.password_hash, PASSWORD)
    [notice] = mailbox.to("dana@example.org")
    assert notice["Subject"] == "Someone tried to sign up with your address"
    assert "/account/confirm/" not in mailbox.text(notice)
    assert mailbox.link(notice, "/account/forgot-password")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abcdefghijk", b"Use at least 12 characters."),
        ("password123456", b"Do not base the password on your name"),
        ("clalit12345678", b"Do not base the password on your name"),
        ("Clalit-2024-2025", b"Do not base the password on your name"),
        ("noafriedman1", b"This password is too weak."),
    ],
)
def test_signup_refuses_weak_passwords(client, mailbox, password, message):
    response = signup(client, password=password)
    assert response.status_code == 422
    assert message in response.data
    assert users_with_email("noa@example.org") == 0
    assert mailbox.messages() == []


def test_signup_needs_the_privacy_consent(client, mailbox):
    response = signup(client, accept_privacy=None)
    assert response.status_code == 422
    assert b"You need to accept the privacy notice to open an account." in response.data
    assert users_with_email("noa@example.org") == 0
    assert mailbox.messages() == []


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", b"This field is required."),
        ("not-an-email", b"Enter a valid e-mail address."),
        ("two@@example.org", b"Enter a valid e-mail address."),
        ("noa@example", b"Enter a valid e-mail address."),
        ("noa@example.org\x00", b"Remove the control characters from this text."),
        ("a" * 250 + "@example.org", b"Field cannot be longer than 254 characters."),
    ],
    ids=["empty", "no-at", "two-ats", "no-tld", "nul", "too-long"],
)
def test_signup_refuses_bad_addresses(client, mailbox, email, message):
    before = user_count()
    response = signup(client, email=email)
    assert response.status_code == 422
    assert message in response.data
    assert user_count() == before
    assert mailbox.messages() == []


def test_signup_refuses_an_over_long_name_and_accepts_the_longest_allowed(client):
    too_long = signup(client, full_name="N" * 121)
    assert too_long.status_code == 422
    assert b"Field cannot be longer than 120 characters." in too_long.data
    assert users_with_email("noa@example.org") == 0

    assert redirects_to(signup(client, full_name="N" * 120), "/account/check-email?reason=signup")
    assert db.session.scalar(select(User.full_name).where(User.email == "noa@example.org")) == "N" * 120


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x08", "\x0a", "\x1b", "\x7f"], ids=repr)
def test_signup_refuses_control_characters_in_the_name(client, mailbox, character):
    response = signup(client, full_name=f"Noa{character}Friedman")
    assert response.status_code == 422
    assert b"Remove the control characters from this text." in response.data
    assert users_with_email("noa@example.org") == 0
    assert mailbox.messages() == []


@pytest.mark.parametrize(
    ("submitted", "kept"),
    [
        ("Noa \u202eFriedman\u202c", "Noa Friedman"),
        ("\u202eNoa\u2066 Fried\u200bman\u2069", "Noa Friedman"),
        ("\u202d\u202aNoa Friedman\ufeff", "Noa Friedman"),
    ],
)
def test_signup_strips_bidi_and_invisible_characters_from_the_name(client, mailbox, submitted, kept):
    assert redirects_to(signup(client, full_name=submitted), "/account/check-email?reason=signup")
    assert db.session.scalar(select(User.full_name).where(User.email == "noa@example.org")) == kept


# --- sign-in ------------------------------------------------------------------------------------


def test_login_with_correct_credentials_goes_to_the_dashboard(client, doctor):
    assert stored(doctor).last_login_at is None
    response = sign_in_with_password(client, "  DANA@example.org ")
    assert redirects_to(response, "/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert signed_in(client)
    assert stored(doctor).last_login_at is not None
    assert cookie(client, "remember_token") is None


def test_wrong_password_unknown_address_and_deactivated_account_look_the_same(client, db_session, doctor):
    make_account(db_session, email="former@example.org", is_deactivated=True)
    attempts = {
        "dana@example.org": sign_in_with_password(client, "dana@example.org", "wrong but long passphrase"),
        "nobody@example.org": sign_in_with_password(client, "nobody@example.org", "wrong but long passphrase"),
        "former@example.org": sign_in_with_password(client, "former@example.org", PASSWORD),
    }
    bodies = set()
    for address, response in attempts.items():
        assert response.status_code == 422
        assert b"The e-mail address or the password is not correct." in response.data
        bodies.add(comparable(response.data, address))
    assert len(bodies) == 1
    assert not signed_in(client)
    assert stored(doctor).last_login_at is None


@pytest.mark.parametrize(
    "data",
    [{"email": "dana@example.org"}, {"password": PASSWORD}, {"email": "dana", "password": PASSWORD}],
    ids=["no-password", "no-email", "bad-email"],
)
def test_login_with_incomplete_form_is_refused(client, doctor, data):
    response = client.post("/account/login", data=data)
    assert response.status_code == 422
    assert not signed_in(client)


def test_remember_me_sets_a_cookie_that_signs_in_a_new_browser_session(app, client, doctor):
    sign_in_with_password(client, doctor.email, remember=True)
    remembered = cookie(client, "remember_token")
    assert remembered is not None
    assert signed_in(new_client(app, remember_token=remembered))


def test_login_starts_a_new_session(app, client, doctor):
    with client.session_transaction() as session:
        session["planted"] = "before sign-in"
    before = cookie(client, "session")

    sign_in_with_password(client, doctor.email)

    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{doctor.id}:1"
    assert cookie(client, "session") != before
    assert not signed_in(new_client(app, session=before))
    assert signed_in(client)


@pytest.mark.parametrize("target", ["/account/settings", "/dashboard?tab=2"])
def test_login_follows_a_local_next(client, doctor, target):
    assert redirects_to(sign_in_with_password(client, doctor.email, next=target), target)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.test",
        "//evil.test",
        "/\\evil.test",
        "javascript:alert(1)",
        "http:/evil.test",
        "/\tevil.test",
        "\\\\evil.test",
        "evil.test",
        "",
    ],
)
def test_login_ignores_a_foreign_next(client, doctor, target):
    assert redirects_to(sign_in_with_password(client, doctor.email, next=target), "/dashboard")


def test_a_protected_page_sends_to_login_and_back(client, doctor):
    response = client.get("/account/settings")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url == "/account/login?next=%2Faccount%2Fsettings"
    assert redirects_to(client.post(login_url, data={"email": doctor.email, "password": PASSWORD}), "/account/settings")


def test_a_deactivated_account_loses_its_live_session(client, db_session, doctor):
    sign_in_with_password(client, doctor.email)
    assert signed_in(client)
    stored(doctor).is_deactivated = True
    db_session.commit()
    assert not signed_in(client)


# --- sign-out -----------------------------------------------------------------------------------


def test_logout_refuses_get(client, login, doctor):
    login(stored(doctor))
    response = client.get("/account/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert signed_in(client)


def test_logout_ends_the_session_and_copied_cookies(app, client, doctor):
    sign_in_with_password(client, doctor.email, remember=True)
    copied_session = cookie(client, "session")
    copied_remember = cookie(client, "remember_token")
    version = stored(doctor).session_version

    response = client.post("/account/logout")

    assert redirects_to(response, "/")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert stored(doctor).session_version == version + 1
    assert not signed_in(client)
    assert cookie(client, "remember_token") is None  # the browser is told to drop it
    assert not signed_in(new_client(app, session=copied_session))
    assert not signed_in(new_client(app, remember_token=copied_remember))
    assert not signed_in(new_client(app, session=copied_session, remember_token=copied_remember))


# --- rate limits --------------------------------------------------------------------------------


def test_sixth_login_for_one_address_within_a_minute_is_refused(client, doctor):
    for _ in range(5):
        assert sign_in_with_password(client, doctor.email, "wrong but long passphrase").status_code == 422

    refused = sign_in_with_password(client, doctor.email)  # even with the right password

    assert refused.status_code == 429
    assert b"Too many requests" in refused.data and b"Wait a little and try again." in refused.data
    assert int(refused.headers["Retry-After"]) > 0
    assert not signed_in(client)
    assert sign_in_with_password(client, "someone.else@example.org", "wrong but long passphrase").status_code == 422
    with time_machine.travel(timedelta(minutes=1, seconds=5)):
        assert redirects_to(sign_in_with_password(client, doctor.email), "/dashboard")


@pytest.mark.parametrize(
    "variant",
    ["DANA@EXAMPLE.ORG", " dana@example.org ", "dana@example.org\u200b", "\u2066dana@example.org", "dana@ｅxample.org"],
    ids=["upper-case", "spaces", "zero-width-space", "bidi-isolate", "full-width-domain"],
)
def test_spellings_of_one_address_share_the_login_limit(client, doctor, variant):
    for _ in range(5):
        sign_in_with_password(client, doctor.email, "wrong but long passphrase")
    assert sign_in_with_password(client, variant, "wrong but long passphrase").status_code == 429


def test_fourth_reset_request_for_one_address_within_an_hour_is_refused(client, mailbox, doctor):
    for _ in range(3):
        response = client.post("/account/forgot-password", data={"email": doctor.email})
        assert redirects_to(response, "/account/check-email?reason=reset")
    refused = client.post("/account/forgot-password", data={"email": doctor.email.upper()})
    assert refused.status_code == 429
    assert b"Too many requests" in refused.data
    assert int(refused.headers["Retry-After"]) > 0
    assert len(mailbox.to(doctor.email)) == 3


# --- password reset -----------------------------------------------------------------------------


def request_reset(client: FlaskClient, mailbox, email: str) -> str:
    client.post("/account/forgot-password", data={"email": email})
    return mailbox.link(mailbox.last_to(email), "/account/reset-password/")


def reset(client: FlaskClient, link: str, password: str = NEW_PASSWORD, confirm: str | None = None) -> TestResponse:
    return client.post(link, data={"password": password, "confirm": password if confirm is None else confirm})


def test_reset_request_answers_the_same_for_known_and_unknown_addresses(client, mailbox, doctor):
    known = client.post("/account/forgot-password", data={"email": doctor.email})
    unknown = client.post("/account/forgot-password", data={"email": "nobody@example.org"})
    assert redirects_to(known, "/account/check-email?reason=reset")
    assert redirects_to(unknown, "/account/check-email?reason=reset")
    assert [m["To"] for m in mailbox.messages()] == [doctor.email]
    assert mailbox.last_to(doctor.email)["Subject"] == "Reset your password"
    assert b"If an account uses that address" in client.get(known.headers["Location"]).data


@pytest.mark.parametrize("email", ["", "not-an-email"])
def test_reset_request_with_a_bad_address_is_refused(client, mailbox, email):
    assert client.post("/account/forgot-password", data={"email": email}).status_code == 422
    assert mailbox.messages() == []


def test_reset_link_sets_a_new_password_once(client, mailbox, doctor):
    link = request_reset(client, mailbox, doctor.email)
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"  # the token must not leak to other sites

    assert redirects_to(reset(client, link), "/account/login")
    assert verify_password(stored(doctor).password_hash, NEW_PASSWORD)

    for reused in (client.get(link), reset(client, link, "another fine passphrase here")):
        assert reused.status_code == 400
        assert b"This reset link has already been used or is no longer valid." in reused.data
    assert verify_password(stored(doctor).password_hash, NEW_PASSWORD)
    assert sign_in_with_password(client, doctor.email, PASSWORD).status_code == 422
    assert redirects_to(sign_in_with_password(client, doctor.email, NEW_PASSWORD), "/dashboard")


def test_expired_reset_link_is_refused(client, mailbox, doctor):
    link = request_reset(client, mailbox, doctor.email)
    with time_machine.travel(timedelta(hours=1, minutes=1)):
        assert client.get(link).status_code == 400
        response = reset(client, link)
    assert response.status_code == 400
    assert b"This link has expired. Ask for a new one." in response.data
    assert verify_password(stored(doctor).password_hash, PASSWORD)


def test_tampered_and_foreign_tokens_are_refused_at_the_reset_address(client, mailbox, db_session, doctor):
    link = request_reset(client, mailbox, doctor.email)
    tampered = link[:-3] + ("xyz" if not link.endswith("xyz") else "abc")

    unconfirmed = make_account(db_session, email="new.one@example.org", email_confirmed_at=None)
    sign_in_with_password(client, unconfirmed.email)
    client.post("/account/confirm/resend")
    confirm_token = mailbox.link(mailbox.last_to(unconfirmed.email), "/account/confirm/").rsplit("/", 1)[1]

    for bad in (tampered, f"/account/reset-password/{confirm_token}", "/account/reset-password/garbage"):
        response = reset(client, bad)
        assert response.status_code == 400, bad
        assert b"This link is not valid" in response.data
    assert verify_password(stored(doctor).password_hash, PASSWORD)
    assert verify_password(stored(unconfirmed).password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("password123456", None, b"Do not base the password on your name"),
        ("short", None, b"Use at least 12 characters."),
        (NEW_PASSWORD, NEW_PASSWORD + "!", b"The two passwords differ."),
        ("", "", b"This field is required."),
    ],
    ids=["weak", "short", "mismatch", "empty"],
)
def test_reset_refuses_a_bad_new_password_and_keeps_the_link(client, mailbox, doctor, password, confirm, message):
    link = request_reset(client, mailbox, doctor.email)
    response = reset(client, link, password, confirm)
    assert response.status_code == 422
    assert message in response.data
    assert verify_password(stored(doctor).password_hash, PASSWORD)
    assert redirects_to(reset(client, link), "/account/login")


def test_reset_ends_existing_sessions_and_sends_a_notice(app, client, mailbox, doctor):
    elsewhere = new_client(app)
    sign_in_with_password(elsewhere, doctor.email, remember=True)
    assert signed_in(elsewhere)

    reset(client, request_reset(client, mailbox, doctor.email))

    assert not signed_in(elsewhere)
    elsewhere.delete_cookie("session")
    assert not signed_in(elsewhere)  # the remember cookie is dead too
    notice = mailbox.last_to(doctor.email)
    assert notice["Subject"] == "Your password was changed"
    assert mailbox.link(notice, "/account/forgot-password")


# --- password change ----------------------------------------------------------------------------


def change_password(
    client: FlaskClient, current: str = PASSWORD, new: str = NEW_PASSWORD, confirm: str | None = None
) -> TestResponse:
    return client.post(
        "/account/settings/password",
        data={"current_password": current, "new_password": new, "confirm": new if confirm is None else confirm},
    )


def test_change_password_ends_other_sessions_and_keeps_this_one(app, client, mailbox, doctor):
    sign_in_with_password(client, doctor.email)
    copied = cookie(client, "session")
    other_device = new_client(app)
    sign_in_with_password(other_device, doctor.email)

    response = change_password(client)

    assert redirects_to(response, "/account/settings")
    assert verify_password(stored(doctor).password_hash, NEW_PASSWORD)
    settings = client.get("/account/settings")
    assert settings.status_code == 200  # this browser stays signed in
    assert b"Your password is changed. Other devices are signed out." in settings.data
    assert not signed_in(other_device)
    assert not signed_in(new_client(app, session=copied))
    assert mailbox.last_to(doctor.email)["Subject"] == "Your password was changed"


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("not my password at all", NEW_PASSWORD, None, b"Your current password is not correct."),
        (PASSWORD, "password123456", None, b"Do not base the password on your name"),
        (PASSWORD, "dana@example.org", None, b"This password is too weak."),
        (PASSWORD, "abcdefghijk", None, b"Use at least 12 characters."),
        (PASSWORD, NEW_PASSWORD, "something else entirely", b"The two passwords differ."),
    ],
    ids=["wrong-current", "weak", "own-address", "short", "mismatch"],
)
def test_change_password_refuses(client, mailbox, doctor, current, new, confirm, message):
    sign_in_with_password(client, doctor.email)
    response = change_password(client, current, new, confirm)
    assert response.status_code == 422
    assert message in response.data
    assert verify_password(stored(doctor).password_hash, PASSWORD)
    assert signed_in(client)
    assert mailbox.messages() == []


def test_change_password_needs_a_fresh_sign_in(client, doctor):
    sign_in_with_password(client, doctor.email, remember=True)
    client.delete_cookie("session")  # a new browser session: signed in by the remember cookie only
    assert signed_in(client)

    response = change_password(client)

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Faccount%2Fsettings%2Fpassword"
    assert verify_password(stored(doctor).password_hash, PASSWORD)
    sign_in_with_password(client, doctor.email)
    assert redirects_to(change_password(client), "/account/settings")


# --- e-mail change ------------------------------------------------------------------------------


def change_email(client: FlaskClient, new_email: str, password: str = PASSWORD) -> TestResponse:
    return client.post("/account/settings/email", data={"new_email": new_email, "password": password})


def test_change_email_takes_effect_only_when_confirmed(client, mailbox, doctor):
    sign_in_with_password(client, doctor.email)

    assert redirects_to(change_email(client, "Dana.New@Example.org"), "/account/settings")
    assert stored(doctor).email == "dana@example.org"
    request_mail = mailbox.last_to("dana.new@example.org")
    assert request_mail["Subject"] == "Confirm your new e-mail address"
    link = mailbox.link(request_mail, "/account/email/confirm/")
    assert mailbox.to("dana@example.org") == []

    page = client.get(link)
    assert page.status_code == 200 and b"Your account will use dana.new@example.org" in page.data
    assert stored(doctor).email == "dana@example.org"

    assert redirects_to(client.post(link), "/dashboard")
    assert stored(doctor).email == "dana.new@example.org"
    notice = mailbox.last_to("dana@example.org")
    assert notice["Subject"] == "Your e-mail address was changed"
    assert "dana.new@example.org" in mailbox.text(notice)

    for reused in (client.get(link), client.post(link)):
        assert reused.status_code == 400
        assert b"This link has already been used or is no longer valid." in reused.data
    assert sign_in_with_password(client, "dana@example.org").status_code == 422
    assert redirects_to(sign_in_with_password(client, "dana.new@example.org"), "/dashboard")


@pytest.mark.parametrize(
    ("new_email", "password", "message"),
    [
        ("dana.new@example.org", "not my password at all", b"Your password is not correct."),
        ("DANA@example.org", PASSWORD, b"That is already your address."),
        ("not-an-email", PASSWORD, b"Enter a valid e-mail address."),
        ("", PASSWORD, b"This field is required."),
    ],
    ids=["wrong-password", "same-address", "bad-address", "empty"],
)
def test_change_email_refuses(client, mailbox, doctor, new_email, password, message):
    sign_in_with_password(client, doctor.email)
    response = change_email(client, new_email, password)
    assert response.status_code == 422
    assert message in response.data
    assert stored(doctor).email == "dana@example.org"
    assert mailbox.messages() == []


def test_change_email_to_a_taken_address_reveals_nothing(client, mailbox, db_session, doctor):
    other = make_account(db_session, email="taken@example.org")
    sign_in_with_password(client, doctor.email)

    free = change_email(client, "free@example.org")
    free_page = comparable(client.get("/account/settings").data)
    taken = change_email(client, "TAKEN@example.org")
    taken_page = comparable(client.get("/account/settings").data)

    assert (taken.status_code, taken.headers["Location"]) == (free.status_code, free.headers["Location"])
    assert taken_page == free_page
    assert stored(doctor).email == "dana@example.org" and stored(other).email == "taken@example.org"
    assert users_with_email("taken@example.org") == 1
    [warning] = mailbox.to("taken@example.org")
    assert warning["Subject"] == "Someone tried to move an account to your address"
    assert "/account/email/confirm/" not in mailbox.text(warning)


def test_change_email_link_refused_when_the_address_was_taken_meanwhile(client, mailbox, db_session, doctor):
    sign_in_with_password(client, doctor.email)
    change_email(client, "wanted@example.org")
    link = mailbox.link(mailbox.last_to("wanted@example.org"), "/account/email/confirm/")
    make_account(db_session, email="wanted@example.org")

    response = client.post(link)

    assert response.status_code == 409
    assert b"Another account now uses that address." in response.data
    assert stored(doctor).email == "dana@example.org"


def test_change_email_needs_a_fresh_sign_in(client, mailbox, doctor):
    sign_in_with_password(client, doctor.email, remember=True)
    client.delete_cookie("session")
    response = change_email(client, "dana.new@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login?next=%2Faccount%2Fsettings%2Femail"
    assert mailbox.messages() == []


# --- resending the confirmation -----------------------------------------------------------------


def test_resend_confirmation_mails_a_working_link(client, mailbox, db_session):
    account = make_account(db_session, email="late@example.org", email_confirmed_at=None)
    sign_in_with_password(client, account.email)
    settings = client.get("/account/settings")
    assert b"not confirmed" in settings.data and b"Send the link again" in settings.data

    assert redirects_to(client.post("/account/confirm/resend"), "/account/settings")

    message = mailbox.last_to(account.email)
    assert message["Subject"] == "Confirm your e-mail address"
    client.post(mailbox.link(message, "/account/confirm/"))
    assert stored(account).is_confirmed
    assert b"Send the link again" not in client.get("/account/settings").data


def test_resend_confirmation_does_nothing_for_a_confirmed_account(client, mailbox, doctor):
    sign_in_with_password(client, doctor.email)
    assert redirects_to(client.post("/account/confirm/resend"), "/account/settings")
    assert mailbox.messages() == []
