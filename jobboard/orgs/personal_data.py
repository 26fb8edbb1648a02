"""Memberships: the organisations a staff account works for, and the role in each. An
invitation's sender is the organisation's record of who invited whom."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import joinedload

from jobboard.accounts.models import User
from jobboard.core.personal_data import Exported, iso, register_attribution, register_section
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.orgs.models import Invitation, Membership


def _export(user: User) -> Exported:
    memberships = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.org))
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    )
    return Exported(
        [{"organisation": m.org.name, "role": m.role.value, "since": iso(m.created_at)} for m in memberships]
    )


def _erase(user: User) -> None:
    db.session.execute(delete(Membership).where(Membership.user_id == user.id))


def register(app: Flask) -> None:
    register_section(
        app,
        "memberships",
        _l("The organisations you work for, if any, and your role in each."),
        covers=(Membership.user_id,),
        export=_export,
        erase=_erase,
    )
    register_attribution(app, "the staff member who sent the invitation", Invitation.invited_by_id)
