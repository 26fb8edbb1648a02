"""Standard Webhooks 1.0 signatures, and the endpoints' secrets.

- A secret is ``whsec_`` and 32 random bytes in base64, the form receivers' libraries take.
- A message is signed as ``v1,<base64 HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>`` in the
  ``webhook-signature`` header, beside ``webhook-id`` and ``webhook-timestamp`` (seconds since
  1970). During a rotation the header carries one signature per live secret, space-separated,
  so a receiver that still holds the old secret keeps accepting.
- Secrets are sealed at rest with Fernet (AES-128-CBC and HMAC-SHA256), under a key derived
  from ``SECRET_KEY`` (HKDF, its own purpose): a copy of the database alone does not give them
  away. Changing ``SECRET_KEY`` leaves the sealed secrets unreadable: their deliveries fail with
  that reason until the owner rotates the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

PREFIX = "whsec_"


class UnreadableSecret(Exception):
    """The secret was sealed under another ``SECRET_KEY``."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _key_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def _fernet() -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"jobboard webhook secrets").derive(
        current_app.config["SECRET_KEY"].encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def unseal(sealed: str) -> str:
    try:
        return _fernet().decrypt(sealed.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise UnreadableSecret("the signing secret cannot be read; rotate it") from None


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(live_secrets: list[str], message_id: str, sent_at: datetime, body: str) -> dict[str, str]:
    """The three headers of a message sent at ``sent_at``, signed with every live secret."""
    timestamp = int(sent_at.timestamp())
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message_id, timestamp, body) for s in live_secrets),
    }
