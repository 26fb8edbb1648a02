"""The account's own data: the address, the name and the sign-in settings. Recovery codes are
kept only as hashes (secrets of the sign-in, saying nothing of the person): they are erased,
not exported. The account row itself is deleted by the caller, after every section."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete

from jobboard.accounts.models import RecoveryCode, User
from jobboard.core.personal_data import Exported, iso, register_section
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l


def _export(user: User) -> Exported:
    return Exported(
        {
            "email": user.email,
            "full_name": user.full_name,
            "kind": user.kind.value,
            "created_at": iso(user.created_at),
            "email_confirmed_at": iso(user.email_confirmed_at),
            "last_login_at": iso(user.last_login_at),
            "time_zone": user.time_zone,
            "language": user.language,
            "two_factor": user.has_two_factor,
        }
    )


def _erase(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def register(app: Flask) -> None:
    register_section(
        app,
        "account",
        _l(
            "Your account: address, name, time zone, when it was made and last used, and whether "
            "two-factor sign-in is on."
        ),
        covers=(RecoveryCode.user_id,),
        export=_export,
        erase=_erase,
    )
