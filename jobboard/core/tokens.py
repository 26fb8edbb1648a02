"""Signed, expiring links (itsdangerous). Each purpose has its own salt, so a link made for one
thing can never do another; each feature declares the purposes it uses.

Single use comes from what a payload binds: a password-reset link carries a fingerprint of the
current password hash, so it dies once the password changes.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from jobboard.core.errors import InvalidToken


class Purpose(NamedTuple):
    salt: str
    max_age_seconds: int


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose.salt)


def make_token(purpose: Purpose, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: Purpose, token: str) -> dict[str, Any]:
    try:
        payload = _serializer(purpose).loads(token, max_age=purpose.max_age_seconds)
    except SignatureExpired:
        raise InvalidToken(_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise InvalidToken(
            _("This link is not valid. Check that you copied all of it, or ask for a new one.")
        ) from None
    if not isinstance(payload, dict):
        raise InvalidToken(_("This link is not valid."))
    return payload


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]
