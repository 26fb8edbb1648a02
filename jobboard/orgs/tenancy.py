"""Resolving the organisation of an ``/org/<slug>/...`` URL and checking the signed-in user's
role in it. Someone who is not a member gets 404, as if the organisation's pages did not exist;
a member whose role is too low gets 403.

A suspended organisation's members get one page (403) saying so and whom to contact, on every
one of its addresses: a suspension stops every read of applicant data and every write at once.

The membership is read from the database on every request, so a role change, a removal or a
suspension applies at once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, g
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required as _login_required
from werkzeug.wrappers import Response

from jobboard.core.access import classify
from jobboard.core.htmx import is_htmx, render_page
from jobboard.core.web import error_response
from jobboard.orgs.models import Membership, Organization, OrgStatus, Role
from jobboard.orgs.queries import membership_in

F = TypeVar("F", bound=Callable[..., Any])


def register_tenant_blueprint(bp: Blueprint) -> None:
    """For a blueprint mounted at ``/org/<org_slug>``: views receive no slug argument; the
    decorator below loads the organisation into ``g.org``, and url_for fills the slug in."""

    @bp.url_value_preprocessor
    def _pop_slug(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.org_slug = values.pop("org_slug", None) if values else None

    @bp.url_defaults
    def _add_slug(_endpoint: str, values: dict[str, Any]) -> None:
        if "org_slug" not in values and getattr(g, "org", None) is not None:
            values["org_slug"] = g.org.slug


def member_required(min_role: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            membership = membership_in(current_user.id, g.org_slug or "")
            if membership is None:
                abort(404)
            if membership.org.status == OrgStatus.SUSPENDED:
                return _suspended(membership.org)
            if not membership.role.includes(min_role):
                abort(403, _("Your role in this organisation does not allow this."))
            g.org, g.membership = membership.org, membership
            return view(*args, **kwargs)

        wrapped = _login_required(checked)
        classify(wrapped, f"member:{min_role.value}")
        return wrapped

    return decorator


def _suspended(org: Organization) -> Response:
    message = _(
        "%(org)s is suspended on the job board. Write to %(contact)s.",
        org=org.name,
        contact=current_app.config["CONTACT_EMAIL"],
    )
    if is_htmx():
        return error_response(403, message)
    return render_page("orgs/suspended.html", org=org, contact=current_app.config["CONTACT_EMAIL"], status=403)


def current_org() -> Organization:
    return g.org


def current_membership() -> Membership:
    return g.membership
