"""Errors of the API as RFC 9457 problem documents (``application/problem+json``).

Every error under ``/api/v1/`` is one: a service's ``DomainError`` (with the field it names),
invalid input (422 with messages by field), a missing or revoked key (401), a missing scope
(403), another tenant's object (404, the same as one that does not exist), a rate limit (429
with ``Retry-After``), and, through ``core.web``'s renderer hook, routing's 404 and 405, a
conflict with a concurrent write (409), a busy database (503) and any unexpected error (500).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import jsonify
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException

from jobboard.core.errors import DomainError

MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPES = "https://jobs.imap.example.org/api/v1/docs#problem-"


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: dict[str, list[str]] | None = None,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """``kind`` names a problem more precisely than its status (``invalid-key``)."""
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPES}{kind}" if kind else "about:blank",
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = MEDIA_TYPE
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jobboard-api"'
    return response


def render(status: int, message: str | None) -> Response:
    """``core.web``'s renderer for the API's path: the message only where it is the app's own."""
    return problem(status, message if status < 500 else None)


def flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages ({"json": {"translations": {0: {"title": [...]}}}}) as
    dotted names ({"translations.0.title": [...]}); the request part (json, query) is dropped."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {prefix or "body": messages}
    if not isinstance(messages, dict):
        return {prefix or "body": [str(messages)]}
    found: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = str(key)
        if not prefix and name in ("json", "query", "querystring", "headers", "form"):
            found.update(flatten(value))
            continue
        found.update(flatten(value, f"{prefix}.{name}" if prefix else name))
    return found


def handle_http_exception(exc: HTTPException) -> Response:
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    if status == 422 and "messages" in data:
        return problem(422, "The request is not valid.", errors=flatten(data["messages"]), kind="invalid-input")
    headers = {}
    if status == 429:
        headers["Retry-After"] = str(getattr(exc, "retry_after", None) or 60)
    if status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    own = exc.description if exc.description != type(exc).description else None
    return problem(status, own if status < 500 else None, headers=headers)


def handle_domain_error(exc: DomainError) -> Response:
    errors = {exc.field: [exc.message]} if exc.field else None
    return problem(exc.status_code, exc.message, errors=errors)
