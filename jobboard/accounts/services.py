"""Account rules: sign-up, e-mail confirmation, sign-in, password reset and change, e-mail change.

No answer reveals whether an address has an account: sign-up, reset and e-mail change behave
the same either way, and the owner of an existing address learns of the attempt by e-mail.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import AccountKind, User
from jobboard.accounts.passwords import dummy_verify, hash_password, needs_rehash, password_problem, verify_password
from jobboard.core.db import read_before_writing, utcnow
from jobboard.core.errors import Conflict, DomainError, InvalidToken
from jobboard.core.tokens import Purpose, fingerprint, make_token, read_token
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import current_language
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail

CONFIRM_EMAIL = Purpose("confirm-email", 7 * 24 * 3600)
RESET_PASSWORD = Purpose("reset-password", 3600)
CHANGE_EMAIL = Purpose("change-email", 24 * 3600)


class WeakPassword(DomainError):
    def __init__(self, message: str, field: str = "password"):
        super().__init__(message, field=field)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def check_password_policy(password: str, *, email: str, name: str = "", field: str = "password") -> None:
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise WeakPassword(problem, field=field)


def create_user(
    *, email: str, full_name: str, password: str, kind: AccountKind, confirmed: bool = False, is_admin: bool = False
) -> User:
    check_password_policy(password, email=email, name=full_name)
    return _add_user(
        email=email,
        full_name=full_name,
        password_hash=hash_password(password),
        kind=kind,
        confirmed=confirmed,
        is_admin=is_admin,
    )


def _add_user(
    *,
    email: str,
    full_name: str,
    password_hash: str,
    kind: AccountKind,
    confirmed: bool = False,
    is_admin: bool = False,
) -> User:
    user = User(
        email=email.lower(),
        full_name=full_name,
        password_hash=password_hash,
        kind=kind,
        is_admin=is_admin,
        email_confirmed_at=utcnow() if confirmed else None,
        language=current_language(),  # the language of the page signed up on, until they choose
    )
    db.session.add(user)
    db.session.flush()
    return user


def sign_up(
    *, email: str, full_name: str, password: str, kind: AccountKind, next_path: str | None = None
) -> User | None:
    """Create an unconfirmed account and mail the confirmation link, which leads on to
    ``next_path`` (a path on this site: where the visitor was going when asked to sign up). For an
    address that already has an account, nothing is created and its owner gets a notice instead.

    The password is hashed before the first query, whichever the answer: on SQLite that query
    takes the write lock for the rest of the request (``core.db``), and a known address takes as
    long to answer as a new one."""
    check_password_policy(password, email=email, name=full_name)
    password_hash = hash_password(password)
    existing = find_user_by_email(email)
    if existing is not None:
        queue_mail(
            existing.email,
            _l("Someone tried to sign up with your address"),
            "accounts/already_registered",
            language=existing.language,
            user=existing,
            login_url=external_url("accounts.login"),
            reset_url=external_url("accounts.forgot_password"),
        )
        return None
    user = _add_user(email=email, full_name=full_name, password_hash=password_hash, kind=kind)
    send_confirmation(user, next_path)
    return user


def send_confirmation(user: User, next_path: str | None = None) -> None:
    payload = {"u": user.id, "e": fingerprint(user.email)}
    if next_path:
        payload["n"] = next_path
    token = make_token(CONFIRM_EMAIL, payload)
    queue_mail(
        user.email,
        _l("Confirm your e-mail address"),
        "accounts/confirm_email",
        language=user.language,
        user=user,
        confirm_url=external_url("accounts.confirm_email", token=token),
    )


def user_for_confirmation(token: str) -> User:
    payload = read_token(CONFIRM_EMAIL, token)
    user = db.session.get(User, payload.get("u"))
    if user is None or payload.get("e") != fingerprint(user.email):
        raise InvalidToken(_("This confirmation link is no longer valid. Sign in to ask for a new one."))
    return user


def confirmation_next_path(token: str) -> str | None:
    """Where the confirmation link leads on to (``sign_up``'s ``next_path``), as it was signed."""
    target = read_token(CONFIRM_EMAIL, token).get("n")
    return target if isinstance(target, str) else None


def confirm_email(token: str) -> User:
    user = user_for_confirmation(token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None, in about the same time whether or not the
    address is known. The password is checked outside SQLite's write lock: the hash is read
    apart (``read_before_writing``), and the account read again with the lock to record the
    sign-in."""
    with read_before_writing():
        user = find_user_by_email(email)
        known = (user.id, user.password_hash) if user is not None else None
    if known is None:
        dummy_verify(password)
        return None
    user_id, password_hash = known
    if not verify_password(password_hash, password):
        return None
    new_hash = hash_password(password) if needs_rehash(password_hash) else None
    user = db.session.get(User, user_id)
    if user is None or user.password_hash != password_hash or not user.is_active:
        return None
    if new_hash is not None:
        user.password_hash = new_hash
    user.last_login_at = utcnow()
    return user


def request_password_reset(email: str) -> None:
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    token = make_token(RESET_PASSWORD, {"u": user.id, "f": fingerprint(user.password_hash)})
    queue_mail(
        user.email,
        _l("Reset your password"),
        "accounts/reset_password",
        language=user.language,
        user=user,
        reset_url=external_url("accounts.reset_password", token=token),
    )


def user_for_reset(token: str) -> User:
    payload = read_token(RESET_PASSWORD, token)
    user = db.session.get(User, payload.get("u"))
    if user is None or not user.is_active or payload.get("f") != fingerprint(user.password_hash):
        raise InvalidToken(_("This reset link has already been used or is no longer valid. Ask for a new one."))
    return user


def _set_password(user: User, new_password: str, *, field: str) -> None:
    check_password_policy(new_password, email=user.email, name=user.full_name, field=field)
    user.password_hash = hash_password(new_password)
    user.end_sessions()
    queue_mail(
        user.email,
        _l("Your password was changed"),
        "accounts/password_changed",
        language=user.language,
        user=user,
        reset_url=external_url("accounts.forgot_password"),
    )


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset(token)
    _set_password(user, new_password, field="password")
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise DomainError(_("Your current password is not correct."), field="current_password")
    _set_password(user, new_password, field="new_password")


def request_email_change(user: User, new_email: str, password: str) -> None:
    if not verify_password(user.password_hash, password):
        raise DomainError(_("Your password is not correct."), field="password")
    new_email = new_email.lower()
    if new_email == user.email:
        raise DomainError(_("That is already your address."), field="new_email")
    holder = find_user_by_email(new_email)
    if holder is not None:
        queue_mail(
            new_email,
            _l("Someone tried to move an account to your address"),
            "accounts/email_taken",
            language=holder.language,
        )
        return
    # Bound to the current address and password: a password reset (say, after the account was
    # taken over) kills every e-mail change asked for before it.
    token = make_token(CHANGE_EMAIL, {"u": user.id, "e": new_email, "f": fingerprint(user.email + user.password_hash)})
    queue_mail(
        new_email,
        _l("Confirm your new e-mail address"),
        "accounts/change_email",
        language=user.language,
        user=user,
        confirm_url=external_url("accounts.confirm_email_change", token=token),
    )


def pending_email_change(token: str) -> tuple[User, str]:
    payload = read_token(CHANGE_EMAIL, token)
    user = db.session.get(User, payload.get("u"))
    new_email = payload.get("e")
    if (
        user is None
        or not user.is_active
        or not isinstance(new_email, str)
        or payload.get("f") != fingerprint(user.email + user.password_hash)
    ):
        raise InvalidToken(_("This link has already been used or is no longer valid."))
    return user, new_email


def confirm_email_change(token: str) -> User:
    user, new_email = pending_email_change(token)
    if find_user_by_email(new_email) is not None:
        raise Conflict(_("Another account now uses that address."))
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    queue_mail(
        old_email,
        _l("Your e-mail address was changed"),
        "accounts/email_changed",
        language=user.language,
        user=user,
        new_email=new_email,
    )
    return user


def set_time_zone(user: User, time_zone: str | None) -> None:
    user.time_zone = time_zone or None


def save_language(user: User, code: str) -> None:
    """The language the person reads the board and its mail in (a code of ``i18n.LANGUAGES``)."""
    user.language = code


def sign_out(user: User) -> None:
    """Ends this and every other session of the user (copied cookies included)."""
    user.end_sessions()


def load_session_user(user_id: str) -> User | None:
    """Flask-Login's loader: the cookie carries ``<id>:<session_version>``."""
    id_part, _, version = user_id.partition(":")
    if not id_part.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(id_part))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user
