"""The employer API (``/api/v1``): JSON for employers' own systems, described by an OpenAPI 3.1
document generated from the code's schemas by flask-smorest (``/api/v1/openapi.json``, read as a
page at ``/api/v1/docs``), authenticated by the organisation's API keys, and acting through the
same services as the web pages.

flask-smorest works on the plain Flask app; its ``Api`` object only builds the document here.
Its app-wide JSON error handler is left out: the pages keep theirs, and the API answers its
errors as problem documents (``problems``).
"""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import Any

from flask import Flask, g, request, request_started
from flask_smorest import Api

from jobboard.core.db import WRITE_LOCK
from jobboard.core.personal_data import register_attribution
from jobboard.core.schedule import register_periodic

API_VERSION = "1.0.0"


class ApiDocument(Api):
    def _register_error_handlers(self) -> None:
        """None app-wide (see the module's docstring)."""

    def _register_responses(self) -> None:
        """The answers flask-smorest documents by itself (the default error, 422 from parsing)
        as what they are here: problem documents."""
        from flask_smorest.utils import prepare_response

        from jobboard.api.problems import MEDIA_TYPE
        from jobboard.api.schemas import ProblemSchema

        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = ProblemSchema
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error, as a problem document.", "schema": ProblemSchema}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_app(app: Flask) -> None:
    from jobboard.api.idempotency import purge_expired
    from jobboard.api.models import ApiKey

    register_attribution(app, "the owner who made or revoked an API key", ApiKey.created_by_id)
    register_attribution(app, "the owner who made or revoked an API key", ApiKey.revoked_by_id)
    register_periodic(app, "api-idempotency-purge", purge_expired, timedelta(hours=1))
    request_started.connect(_take_write_lock, app)
    app.teardown_request(_release_write_lock)


def register(app: Flask) -> None:
    """The API's routes and document; after the app's URL converters are set."""
    from jobboard.api import applications, fairs, postings  # noqa: F401 - their operations join the blueprint
    from jobboard.api.operations import PREFIX, SECURITY_SCHEME, blp
    from jobboard.api.problems import render
    from jobboard.api.views import bp
    from jobboard.core.web import IdConverter, register_error_renderer

    document = ApiDocument(
        app,
        spec_kwargs={
            "title": "IMAP Job Board employer API",
            "version": API_VERSION,
            "openapi_version": "3.1.0",
            "info": {
                "description": (
                    "Postings, applications and fairs of one organisation, for its own systems. "
                    "Authenticate with an API key made by an owner of the organisation: "
                    "`Authorization: Bearer <key>`. Errors are RFC 9457 problem documents."
                )
            },
            "servers": [{"url": app.config["BASE_URL"].rstrip("/")}],
        },
    )
    document.spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "description": "An API key of the organisation."}
    )
    document.register_converter(IdConverter, lambda _converter: {"type": "integer", "minimum": 0, "maximum": 2**31 - 1})
    document.register_blueprint(blp)
    app.extensions["api_document"] = document
    register_error_renderer(app, f"{PREFIX}/", render)
    app.register_blueprint(bp)


def _take_write_lock(_app: Flask, **_extra: Any) -> None:
    """On SQLite, an API request may write even on GET (the key's last-used time), so its
    transaction takes the write lock as it begins (``core.db.WRITE_LOCK``)."""
    if request.path.startswith("/api/v1/") and "Authorization" in request.headers:
        g.api_write_lock = WRITE_LOCK.set(True)


def _release_write_lock(_error: BaseException | None) -> None:
    token = g.pop("api_write_lock", None)
    if token is not None:
        WRITE_LOCK.reset(token)
