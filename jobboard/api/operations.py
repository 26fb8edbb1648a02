"""The ``/api/v1`` blueprint and what every operation shares: the key (``Authorization: Bearer``),
its scope, the organisation it acts for, the audit of every write, and the documented answers.

A key acts for its organisation through the owner who made it (``services.find_key``); what it
finds is always looked up within that organisation, so another tenant's object is a 404 like one
that does not exist. No cookie and no CSRF token: the key is the only credential.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask.wrappers import Response
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from jobboard.accounts.models import User
from jobboard.api.models import ApiKey, Scope
from jobboard.api.problems import MEDIA_TYPE, handle_domain_error, handle_http_exception, problem
from jobboard.api.schemas import ProblemSchema
from jobboard.api.services import find_key, note_use, prefix_of
from jobboard.core import audit
from jobboard.core.access import classify
from jobboard.core.errors import DomainError
from jobboard.core.web import SAFE_METHODS
from jobboard.extensions import csrf, limiter
from jobboard.orgs.models import Organization, OrgStatus

F = TypeVar("F", bound=Callable[..., Any])

PREFIX = "/api/v1"
SECURITY_SCHEME = "ApiKey"

blp = Blueprint("api_v1", __name__, url_prefix=PREFIX, description="The employer API")

ERRORS = {
    401: "No key, or a key that is unknown or revoked.",
    403: "The key lacks the scope this operation needs, or the organisation is suspended.",
    429: "Too many requests with this key: wait as long as `Retry-After` says.",
}


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def rate_limit_key() -> str:
    """Per key (by its public prefix, read without the database), else per address."""
    token = bearer_token()
    prefix = prefix_of(token) if token else None
    return f"api-key:{prefix}" if prefix else f"api-address:{get_remote_address()}"


def rate_limit() -> str:
    return str(current_app.config["API_RATE_LIMIT"])


def current_key() -> ApiKey:
    return g.api_key


def current_org() -> Organization:
    return g.api_key.org


def actor() -> User:
    """Who the key acts for: the owner who made it (``services.find_key`` checked they still act)."""
    maker = g.api_key.created_by
    assert maker is not None  # noqa: S101 - a key without its maker is refused before any operation
    return maker


def operation(
    scope: Scope,
    *,
    subject: str,
    errors: tuple[int, ...] = (),
    lookup: Callable[[Organization, int], Any] | None = None,
) -> Callable[[F], F]:
    """An operation of the API needing ``scope``. ``subject`` names what it acts on (``posting``,
    ``application``) for the audit row each successful write leaves with the key's name;
    ``errors``: the statuses it answers besides those every operation may (401, 403, 429).

    With ``lookup``, the route's ``<subject>_id`` is looked up within the key's organisation
    before anything else is read (the body included) and the view gets the object as
    ``<subject>``: another tenant's id is a 404 whatever else the request holds."""

    def decorator(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            token = bearer_token()
            if token is None:
                return problem(401, "Send an API key: 'Authorization: Bearer <key>'.", kind="missing-key")
            key = find_key(token)
            if key is None:
                return problem(401, "The API key is unknown or has been revoked.", kind="invalid-key")
            if key.org.status == OrgStatus.SUSPENDED:
                return problem(403, f"{key.org.name} is suspended on the job board.", kind="suspended")
            if not key.allows(scope):
                return problem(403, f"This key does not have the {scope.value} scope.", kind="missing-scope")
            g.api_key = key
            subject_id = None
            if lookup is not None:
                subject_id = kwargs.pop(f"{subject}_id")
                found = lookup(key.org, subject_id)
                if found is None:
                    return problem(404, f"There is no such {subject} in your organisation.")
                kwargs[subject] = found
            with audit.context(api_key_id=key.id, api_key_name=key.name):
                response = view(*args, **kwargs)
                if isinstance(response, Response) and response.status_code < 400:
                    note_use(key)
                    if request.method not in SAFE_METHODS:
                        _audit_write(key, subject, subject_id, response)
            return response

        documented: Any = checked
        for status in sorted({*ERRORS, *errors, *((404,) if lookup else ())}):
            documented = blp.alt_response(
                status,
                schema=ProblemSchema,
                content_type=MEDIA_TYPE,
                description=ERRORS.get(status, _DESCRIPTIONS.get(status, "")),
            )(documented)
        documented = blp.doc(security=[{SECURITY_SCHEME: [scope.value]}])(documented)
        classify(documented, f"api:{scope.value}")
        return documented

    return decorator


_DESCRIPTIONS = {
    404: "Not found: no such object in your organisation.",
    409: "The object's state does not allow this now (the message says why).",
    422: "The request is not valid: `errors` names the fields.",
}


def _audit_write(key: ApiKey, subject: str, subject_id: int | None, response: Response) -> None:
    if subject_id is None:
        body = response.get_json(silent=True)
        subject_id = body.get("id") if isinstance(body, dict) else None
    audit.record(
        f"api.{request.endpoint.rsplit('.', 1)[-1] if request.endpoint else 'write'}",
        actor_id=key.created_by_id,
        subject_type=subject,
        subject_id=subject_id,
        org_id=key.org_id,
    )


def _not_cached(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


# Set up once, when the blueprint is made (an app may be created more than once in a process).
blp.register_error_handler(HTTPException, handle_http_exception)
blp.register_error_handler(DomainError, handle_domain_error)
blp.after_request(_not_cached)
csrf.exempt(blp)
limiter.limit(rate_limit, key_func=rate_limit_key)(blp)
