"""Signing a visitor in on a Flask test client.

- ``sign_in(client, user)``: the session a real sign-in leaves (Flask-Login's user id, fresh, and
  the identifier of this client's address and user agent, without which the session counts as
  not fresh), written straight into the client's cookie: fast, for tests about what a signed-in
  visitor may do. ``None`` signs the client out; ``fresh=False`` is a remembered session, as a
  browser has it the next day. ``user`` is anything with Flask-Login's ``get_id()``.
- ``sign_in_with_password(client, email, password)``: the sign-in form, for tests about signing
  in itself (the password, the session it starts, the second step, the limits); returns the
  answer.

The ``login`` fixture (tests/conftest.py) is ``sign_in`` on the test's ``client``.
"""

from __future__ import annotations

from urllib.parse import quote

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from jobboard.extensions import login_manager
from tests.factories import PASSWORD


def sign_in(client: FlaskClient, user: object | None, *, fresh: bool = True) -> None:
    if user is None:
        with client.session_transaction() as session:
            session.clear()
        return
    with client.application.test_request_context(environ_base=client.environ_base):
        identifier = login_manager._session_identifier_generator()
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = user.get_id()  # type: ignore[attr-defined]
        session["_fresh"] = fresh
        session["_id"] = identifier


def sign_in_with_password(
    client: FlaskClient, email: str, password: str = PASSWORD, *, remember: bool = False, next: str | None = None
) -> TestResponse:
    url = "/account/login" + (f"?next={quote(next, safe='')}" if next is not None else "")
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data)
