"""``Idempotency-Key``: a write sent again with the same key gets the first answer again instead
of acting twice (a client that lost the answer to a timeout may retry safely).

The answer is kept with a hash of the request (method, path, body) for ``KEPT``, per API key. The
same key with a different request is refused (422); a request still running when its retry
arrives makes the retry fail on the unique key (409), never act twice. Only successful answers
are kept: an error changed nothing, so retrying it is safe anyway.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import jsonify, request
from flask.wrappers import Response
from sqlalchemy import delete, select

from jobboard.api.models import IdempotentRequest
from jobboard.api.operations import blp, current_key
from jobboard.api.problems import problem
from jobboard.core.db import utcnow
from jobboard.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

HEADER = "Idempotency-Key"
KEPT = timedelta(hours=24)
MAX_KEY_CHARS = 255
PRINTABLE = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_CHARS}}}")


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data(cache=True)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _replay(kept: IdempotentRequest) -> Response:
    response = jsonify(kept.response_body)
    response.status_code = kept.status_code
    if kept.location:
        response.headers["Location"] = kept.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: F) -> F:
    """Under ``operations.operation`` (the key is known) and above the body's parsing."""

    @wraps(view)
    def kept_answer(*args: Any, **kwargs: Any) -> Any:
        value = request.headers.get(HEADER)
        if value is None:
            return view(*args, **kwargs)
        if not PRINTABLE.fullmatch(value):
            return problem(
                422,
                f"An {HEADER} is 1 to {MAX_KEY_CHARS} printable ASCII characters.",
                errors={HEADER: ["Invalid."]},
                kind="invalid-input",
            )
        key = current_key()
        fingerprint = _request_hash()
        kept = db.session.scalar(
            select(IdempotentRequest).where(
                IdempotentRequest.api_key_id == key.id,
                IdempotentRequest.idempotency_key == value,
                IdempotentRequest.created_at > utcnow() - KEPT,
            )
        )
        if kept is not None:
            if kept.request_hash != fingerprint:
                return problem(
                    422,
                    f"This {HEADER} was used for a different request. Use a new key for a new request.",
                    kind="idempotency-key-reused",
                )
            return _replay(kept)
        response = view(*args, **kwargs)
        if isinstance(response, Response) and 200 <= response.status_code < 300:
            db.session.execute(
                delete(IdempotentRequest).where(
                    IdempotentRequest.api_key_id == key.id, IdempotentRequest.idempotency_key == value
                )
            )
            db.session.add(
                IdempotentRequest(
                    api_key_id=key.id,
                    idempotency_key=value,
                    request_hash=fingerprint,
                    status_code=response.status_code,
                    response_body=response.get_json(silent=True) or {},
                    location=response.headers.get("Location"),
                )
            )
        return response

    return blp.doc(
        parameters=[
            {
                "in": "header",
                "name": HEADER,
                "required": False,
                "schema": {"type": "string", "pattern": f"^[\\x20-\\x7e]{{1,{MAX_KEY_CHARS}}}$"},
                "description": "Makes a retry safe: the same key and request within a day get the first answer again.",
            }
        ]
    )(kept_answer)


def purge_expired() -> int:
    """A periodic job: answers kept longer than ``KEPT`` go."""
    result = db.session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at <= utcnow() - KEPT))
    return int(getattr(result, "rowcount", 0) or 0)
