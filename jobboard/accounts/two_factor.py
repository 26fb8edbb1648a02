"""Two-factor sign-in: time-based one-time codes (RFC 6238, pyotp) from an authenticator app,
and ten single-use recovery codes for when the phone is lost.

Required for administrators (they are sent to set it up before any admin page), offered to
everyone else. A code is accepted once: the time step of the last accepted code is kept.

An administrator sets it up only from a link mailed to their address (``ADMIN_SETUP``): whoever
first signed in with a new administrator's password could otherwise enrol their own phone and
hold the admin powers. The link needs the account's session too, so a mailbox alone is not
enough either.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from flask_babel import gettext as _
from sqlalchemy import delete, select

from jobboard.accounts.models import RecoveryCode, User
from jobboard.accounts.passwords import verify_password
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, InvalidToken, NotPermitted
from jobboard.core.tokens import Purpose, fingerprint, make_token, read_token
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail

ISSUER = "IMAP Job Board"
RECOVERY_CODES = 10
STEP_SECONDS = 30
ADMIN_SETUP = Purpose("admin-two-factor-setup", 3 * 24 * 3600)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(uri: str) -> str:
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").lower().encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    return codes


def _accepted_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step the code belongs to (this one or a neighbour, for clock drift), if it is
    valid and newer than ``after``."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(time.time()) // STEP_SECONDS
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code) and (after is None or step > after):
            return step
    return None


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn two-factor sign-in on once the app shows a valid code; returns the recovery codes
    (shown once). Every other session of the account ends: it was begun with the password alone."""
    if user.has_two_factor:
        raise Conflict(_("Two-factor sign-in is already on."))
    step = _accepted_step(secret, code, None)
    if step is None:
        raise DomainError(
            _("That code is not right. Check the time on your phone and try the current code."), field="code"
        )
    user.totp_secret, user.totp_last_step = secret, step
    user.end_sessions()
    audit.record("two_factor.enabled", actor_id=user.id, subject_type="user", subject_id=user.id)
    return _new_recovery_codes(user)


def _admin_setup_binding(user: User) -> str:
    # Dies with a password change or once two-factor sign-in is on.
    return fingerprint(f"{user.password_hash}:{user.totp_secret}")


def send_admin_setup_link(user: User) -> None:
    if not user.is_admin or user.has_two_factor:
        raise Conflict(_("This account needs no set-up link."))
    token = make_token(ADMIN_SETUP, {"u": user.id, "f": _admin_setup_binding(user)})
    queue_mail(
        user.email,
        _l("Set up two-factor sign-in for your administrator account"),
        "accounts/admin_two_factor_setup",
        language=user.language,
        user=user,
        setup_url=external_url("accounts.admin_two_factor_setup", token=token),
    )


def admin_for_setup(token: str, user: User) -> User:
    """The signed-in administrator the set-up link was mailed to."""
    payload = read_token(ADMIN_SETUP, token)
    if payload.get("u") != user.id:
        raise NotPermitted(_("This link was sent to another account. Sign in as the administrator it was sent to."))
    if not user.is_admin or payload.get("f") != _admin_setup_binding(user):
        raise InvalidToken(_("This link has been used or is out of date. Ask for a new one."))
    return user


def verify(user: User, code: str) -> bool:
    """A code from the app (each accepted once), or an unused recovery code (then spent)."""
    secret = user.totp_secret
    if not user.has_two_factor or secret is None:
        return False
    step = _accepted_step(secret, code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return True
    recovery = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None)
        )
    )
    if recovery is not None:
        recovery.used_at = utcnow()
        audit.record("two_factor.recovery_code_used", actor_id=user.id, subject_type="user", subject_id=user.id)
        return True
    return False


def disable(user: User, password: str) -> None:
    if user.is_admin:
        raise Conflict(_("Administrators must keep two-factor sign-in on."))
    if not verify_password(user.password_hash, password):
        raise DomainError(_("Your password is not correct."), field="password")
    user.totp_secret = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.end_sessions()
    audit.record("two_factor.disabled", actor_id=user.id, subject_type="user", subject_id=user.id)


def regenerate_recovery_codes(user: User) -> list[str]:
    if not user.has_two_factor:
        raise Conflict(_("Turn two-factor sign-in on first."))
    return _new_recovery_codes(user)


def remaining_recovery_codes(user: User) -> int:
    return len(
        list(
            db.session.scalars(
                select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
            )
        )
    )
