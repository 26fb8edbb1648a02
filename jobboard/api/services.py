"""API keys: made and revoked by an organisation's owners, and checked on every API request.

A key reads ``jbk_<prefix>_<secret>``. The prefix finds the row; the SHA-256 of the whole key is
compared in constant time. A key acts for the owner who made it, through the same services as
the web pages: it works while that person still acts for the organisation (a recruiter or an
owner, account active), so a removed or demoted member's keys stop with their role.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.api.models import ApiKey, Scope
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError
from jobboard.extensions import db
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Organization

TOKEN_PREFIX = "jbk_"  # noqa: S105 - the fixed start of every key, not a secret
TOKEN = re.compile(r"^jbk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
MAX_KEYS = 20
MAX_NAME_CHARS = 80
# The last-used time is written at most this often: a busy integration does not write on every call.
LAST_USED_STEP = timedelta(minutes=1)


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    token: str  # shown once, never stored


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def prefix_of(token: str) -> str | None:
    """The lookup part of a well-formed key, without touching the database."""
    found = TOKEN.match(token)
    return found.group(1) if found else None


def create_key(org: Organization, owner: User, name: str, scopes: list[Scope]) -> NewKey:
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise DomainError(_("Name the key in at most %(max)d characters.", max=MAX_NAME_CHARS), field="name")
    if not scopes:
        raise DomainError(_("Choose at least one permission."), field="scopes")
    if len(active_keys(org)) >= MAX_KEYS:
        raise Conflict(_("An organisation may have at most %(max)d keys. Revoke one first.", max=MAX_KEYS))
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        org_id=org.id,
        created_by_id=owner.id,
        name=name,
        prefix=prefix,
        secret_hash=_digest(token),
        scopes=sorted({scope.value for scope in scopes}),
    )
    db.session.add(key)
    db.session.flush()
    audit.record(
        "api_key.created",
        actor_id=owner.id,
        subject_type="api_key",
        subject_id=key.id,
        org_id=org.id,
        key_name=name,
        scopes=key.scopes,
    )
    return NewKey(key, token)


def revoke_key(key: ApiKey, owner: User) -> None:
    if key.is_revoked:
        return
    key.revoked_at = utcnow()
    key.revoked_by_id = owner.id
    audit.record(
        "api_key.revoked",
        actor_id=owner.id,
        subject_type="api_key",
        subject_id=key.id,
        org_id=key.org_id,
        key_name=key.name,
    )


def active_keys(org: Organization) -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).where(ApiKey.org_id == org.id, ApiKey.revoked_at.is_(None))))


def org_keys(org: Organization) -> list[ApiKey]:
    """Every key of the organisation, the live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiKey)
            .where(ApiKey.org_id == org.id)
            .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
        )
    )


def org_key(org: Organization, key_id: int) -> ApiKey | None:
    return db.session.scalar(select(ApiKey).where(ApiKey.org_id == org.id, ApiKey.id == key_id))


def find_key(token: str) -> ApiKey | None:
    """The live key this token is, or None: unknown, malformed, revoked, or its maker no longer
    acts for the organisation."""
    prefix = prefix_of(token)
    if prefix is None:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not hmac.compare_digest(key.secret_hash, _digest(token)) or key.is_revoked:
        return None
    maker = key.created_by
    if maker is None or not org_queries.acts_for(maker, key.org_id):
        return None
    return key


def note_use(key: ApiKey) -> None:
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_STEP:
        key.last_used_at = now
