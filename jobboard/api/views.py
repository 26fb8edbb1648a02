"""The organisation's API keys (its owners make and revoke them), and the API's document and
its reference page, both public."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.api import reference, services
from jobboard.api.forms import ApiKeyForm
from jobboard.api.operations import PREFIX
from jobboard.core.access import public
from jobboard.core.htmx import render_page
from jobboard.core.views import errors_on, or_404
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint

bp = Blueprint("api", __name__)
register_tenant_blueprint(bp)


def _keys_page(form: ApiKeyForm, *, new_key: services.NewKey | None = None, status: int = 200) -> Response:
    return render_page(
        "api/keys.html",
        org=current_org(),
        membership=current_membership(),
        keys=services.org_keys(current_org()),
        form=form,
        new_key=new_key,
        status=status,
    )


@bp.route("/org/<org_slug>/api-keys")
@member_required(Role.OWNER)
def keys() -> Response:
    return _keys_page(ApiKeyForm(formdata=None))


@bp.route("/org/<org_slug>/api-keys", methods=["POST"])
@member_required(Role.OWNER)
def create_key() -> Response:
    """The key is shown on the answer to this request only: it is not stored, and never put in the
    session (a signed cookie, not an encrypted one)."""
    form = ApiKeyForm()
    if form.validate_on_submit():
        with errors_on(form):
            new_key = services.create_key(current_org(), current_user, form.name.data or "", form.chosen_scopes())
            return _keys_page(ApiKeyForm(formdata=None), new_key=new_key)
    return _keys_page(form, status=422)


@bp.route("/org/<org_slug>/api-keys/<int:key_id>/revoke", methods=["POST"])
@member_required(Role.OWNER)
def revoke_key(key_id: int) -> Response:
    key = or_404(services.org_key(current_org(), key_id))
    services.revoke_key(key, current_user)
    flash(_("The key “%(name)s” is revoked: it no longer works.", name=key.name), "success")
    return redirect(url_for("api.keys"))


def _document() -> dict[str, Any]:
    return current_app.extensions["api_document"].spec.to_dict()


@bp.route(f"{PREFIX}/openapi.json")
@public
def openapi_document() -> Response:
    return jsonify(_document())


@bp.route(f"{PREFIX}/docs")
@public
def api_reference() -> Response:
    return render_page("api/reference.html", reference=reference.Reference.of(_document()))
