"""Request life cycle shared by every blueprint: one commit per request, SQLite's write lock for
every request that may change state, security headers, the eager outbox drain, friendly error
pages (or htmx fragments) for every error status, and a 400 for a query string that is not UTF-8.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, render_template, request, request_started, send_file
from flask.wrappers import Request, Response
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter, Map
from werkzeug.utils import cached_property

from jobboard.core import outbox
from jobboard.core.db import WRITE_LOCK
from jobboard.core.errors import DomainError
from jobboard.core.forms import invalid_fields
from jobboard.core.htmx import is_htmx
from jobboard.core.markdown import render_markdown, summary
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

ERROR_TEXTS: dict[int, tuple[str, str]] = {
    400: (_l("Bad request"), _l("The request could not be understood. Check the link or the form and try again.")),
    403: (_l("Not allowed"), _l("Your account may not do this.")),
    404: (_l("Not found"), _l("There is nothing at this address.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("This clashes with another change. Reload the page and try again.")),
    410: (_l("Gone"), _l("This is no longer available.")),
    413: (_l("Too large"), _l("The upload is larger than allowed (a CV may be at most 5 MB).")),
    422: (_l("Cannot be processed"), _l("Some of the information given is not valid.")),
    429: (_l("Too many requests"), _l("You have tried this too often. Wait a little and try again.")),
    500: (_l("Something went wrong"), _l("An unexpected error occurred on our side. It has been logged.")),
    503: (_l("Temporarily unavailable"), _l("The service is busy. Try again in a moment.")),
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


ErrorRenderer = Callable[[int, str | None], Response]


def register_error_renderer(app: Flask, path_prefix: str, renderer: ErrorRenderer) -> None:
    """Errors under ``path_prefix`` (an API answering in JSON) are answered by ``renderer``
    instead of the page: every error this module handles, routing's 404 and 405 included."""
    app.extensions.setdefault("error_renderers", []).append((path_prefix, renderer))


def error_response(status: int, message: str | None = None) -> Response:
    for prefix, renderer in current_app.extensions.get("error_renderers", ()):
        if request.path.startswith(prefix):
            return renderer(status, message)
    title, default_message = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    context = {"status": status, "title": title, "message": message or default_message}
    template = "errors/_fragment.html" if is_htmx() else "errors/error.html"
    response = current_app.make_response((render_template(template, **context), status))
    response.vary.add("HX-Request")
    if is_htmx():
        # Show the message in the page's alert area whatever element made the request.
        response.headers["HX-Retarget"] = "#flash-area"
        response.headers["HX-Reswap"] = "beforeend"
    return response


def _handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = exc.description if status in (400, 403, 404, 409, 410, 422) and _has_own_text(exc) else None
    response = error_response(status, message)
    if status == 429:
        retry_after = getattr(exc, "retry_after", None)
        response.headers["Retry-After"] = str(retry_after or 60)
    if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _has_own_text(exc: HTTPException) -> bool:
    return bool(exc.description) and exc.description != type(exc).description


def _handle_csrf(exc: CSRFError) -> Response:
    log.warning("csrf_failure path=%s reason=%s", request.path, exc.description)
    return error_response(400, _("The form has expired or was not sent from this site. Reload the page and try again."))


def _handle_domain_error(exc: DomainError) -> Response:
    return error_response(exc.status_code, exc.message)


def _handle_integrity_error(exc: IntegrityError) -> Response:
    db.session.rollback()
    log.info("integrity_conflict path=%s error=%s", request.path, exc.orig)
    return error_response(409)


def _handle_operational_error(exc: OperationalError) -> Response:
    db.session.rollback()
    # The request can no longer write: its error page reads (the signed-in user) without the lock.
    WRITE_LOCK.set(False)
    log.error("database_unavailable path=%s error=%s", request.path, exc.orig)
    response = error_response(503)
    response.headers["Retry-After"] = "5"
    return response


def _handle_unexpected(exc: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled error on %s", request.path)
    return error_response(500)


def _finish_transaction(response: Response) -> Response:
    """Commit what a successful request changed, roll back everything else, then deliver side
    effects when the outbox drains eagerly."""
    if response.status_code >= 400:
        db.session.rollback()
        return response
    # A request that used no session, or only read outside a transaction, has nothing to commit.
    if db.session.registry.has() and db.session().in_transaction():
        try:
            db.session.commit()
        except IntegrityError as exc:
            return _handle_integrity_error(exc)
        except OperationalError as exc:
            return _handle_operational_error(exc)
    if current_app.config["OUTBOX_EAGER"] and request.method not in SAFE_METHODS:
        _drain_outbox()
    return response


def _drain_outbox() -> None:
    """Deliver what the request queued. It has committed by now, so its answer stands: if the
    database stays busy past the timeout, the messages wait for the next drain or the worker."""
    try:
        outbox.drain()
    except OperationalError as exc:
        db.session.rollback()
        log.warning("outbox_drain_deferred path=%s error=%s", request.path, exc.orig)


def _security_headers(response: Response, signed_in: bool) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["JOBBOARD_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if signed_in and not request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-store"
    return response


DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def private_download(content: IO[bytes] | bytes, mimetype: str, filename: str) -> Response:
    """A private file to save, never to show: an attachment, sandboxed should a browser render it
    anyway, and never cached. A stream is sent as it is read."""
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    response = send_file(source, mimetype=mimetype, as_attachment=True, download_name=filename)
    response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    response.headers["Cache-Control"] = "no-store"
    return response


def _after_request(response: Response) -> Response:
    # Asked before the commit, which expires the user's attributes: after it, the answer would
    # cost a fresh transaction reading the user's row again.
    signed_in = current_user.is_authenticated
    response = _finish_transaction(response)
    return _security_headers(response, signed_in)


def _start_request(_app: Flask, **_extra: object) -> None:
    """A request that may change state takes SQLite's write lock as its transaction begins (see
    ``core.db.WRITE_LOCK``). Set when the request starts, before any ``before_request`` hook,
    and the signed-in user loaded at once, which begins the transaction: a lock that does not
    come within the busy timeout is then answered 503 here, not inside a rate limit's key
    function (Flask-Limiter takes an error there for its storage failing, and tries again)."""
    if request.method not in SAFE_METHODS:
        g.write_lock_token = WRITE_LOCK.set(True)
        current_user._get_current_object()


def _end_request(_error: BaseException | None) -> None:
    token = g.pop("write_lock_token", None)
    if token is not None:
        WRITE_LOCK.reset(token)


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ids are 32-bit, so a larger number is a 404 before it
    reaches the database (SQLite cannot even bind one above 2**63)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class StrictRequest(Request):
    """A query string whose raw bytes are not UTF-8 is a 400. Werkzeug decodes it strictly.
    gunicorn and waitress refuse such a request themselves, but uWSGI passes the bytes on, and
    every route that reads a parameter answered them with a 500."""

    @cached_property
    def args(self) -> MultiDict[str, str]:
        try:
            return super().args
        except UnicodeDecodeError:
            raise BadRequest(_("The address holds characters that are not valid text. Check the link.")) from None


def init_app(app: Flask) -> None:
    app.request_class = StrictRequest
    request_started.connect(_start_request, app)
    app.teardown_request(_end_request)
    app.after_request(_after_request)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(DomainError, _handle_domain_error)
    app.register_error_handler(IntegrityError, _handle_integrity_error)
    app.register_error_handler(OperationalError, _handle_operational_error)
    if not app.debug:
        app.register_error_handler(Exception, _handle_unexpected)

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["summary"] = summary
    app.jinja_env.globals["tz"] = ZoneInfo  # templates show instants in a named zone
    app.jinja_env.globals["invalid_fields"] = invalid_fields
