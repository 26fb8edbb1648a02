"""Who may call a view. Every view carries exactly one access class, set by these decorators
(``orgs.tenancy.member_required`` adds the organisation classes); a test walks the URL map and
fails on any endpoint without one.

Classes: ``public``, ``user`` (any signed-in account), ``doctor``, ``member:<role>``, ``admin``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_login import login_required as _login_required

F = TypeVar("F", bound=Callable[..., Any])


def classify(view: Callable[..., Any], access: str) -> None:
    view.access_class = access  # type: ignore[attr-defined]


def public(view: F) -> F:
    classify(view, "public")
    return view


def login_required(view: F) -> F:
    wrapped = _login_required(view)
    classify(wrapped, "user")
    return wrapped


def _require(predicate: Callable[[Any], bool], access: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped = _login_required(checked)
        classify(wrapped, access)
        return wrapped

    return decorator


doctor_required = _require(lambda user: user.is_doctor, "doctor")
_admin_only = _require(lambda user: user.is_admin, "admin")


def admin_required(view: F) -> F:
    """Administrators only, and only once they have two-factor sign-in (``User.can_administer``):
    until then every admin page sends them to set it up."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not current_user.can_administer:
            flash(_("Administrators sign in with two factors. Set it up to continue."), "warning")
            return redirect(url_for("accounts.two_factor_setup"))
        return view(*args, **kwargs)

    return _admin_only(cast(F, checked))
