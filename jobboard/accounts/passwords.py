"""Password hashing (argon2id) and the password policy.

The policy follows OWASP ASVS: at least 12 characters, no upper bound that matters, no
composition rules, and no password that is easy to guess (zxcvbn's offline dictionaries, the
account's own e-mail and the names of the program and its employers).
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 1024
CONTEXT_WORDS = (
    "imap",
    "medex",
    "jobboard",
    "aliyah",
    "nefesh",
    "clalit",
    "maccabi",
    "meuhedet",
    "leumit",
    "hadassah",
    "ichilov",
    "sheba",
    "soroka",
    "rambam",
    "doctor",
    "password",
)


def _hasher() -> PasswordHasher:
    # Tests use the lowest argon2 cost so the suite stays fast; the algorithm is the same.
    if current_app.config["TESTING"]:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


_dummy_hashes: dict[bool, str] = {}


def dummy_verify(password: str) -> None:
    """Spend the time of a real verification when the e-mail is unknown, so a failed login
    takes as long whether or not the account exists."""
    testing = current_app.config["TESTING"]
    if testing not in _dummy_hashes:
        _dummy_hashes[testing] = _hasher().hash("not-a-real-password")
    verify_password(_dummy_hashes[testing], password)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why the password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_LENGTH)
    personal = [part for part in re.split(r"[^a-z0-9]+", f"{email} {name}".lower()) if len(part) > 2]
    letters_only = re.sub(r"[^a-z]", "", password.lower())
    if letters_only in (*CONTEXT_WORDS, *personal):
        return _("Do not base the password on your name, e-mail or the names of this site or its employers.")
    # The whole address and name too: zxcvbn matches user inputs as whole tokens, so the parts
    # alone let "<own e-mail address>" or "<first><last>2024!" through.
    whole = [value for value in (email.lower(), re.sub(r"\s+", "", name.lower())) if value]
    # zxcvbn raises ValueError beyond its max_length (72 by default): a 500 for a long password.
    result = zxcvbn(password[:100], user_inputs=[*CONTEXT_WORDS, *personal, *whole], max_length=100)
    if result["score"] < 3:
        warning = result["feedback"]["warning"] or _("It would be easy to guess.")
        return _(
            "This password is too weak. %(warning)s A few unrelated words make a strong password.", warning=warning
        )
    return None
