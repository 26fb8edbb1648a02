"""An organisation's webhooks, for its owners: endpoints, their secrets and the delivery log."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.core.htmx import render_page
from jobboard.core.views import errors_on, form_page, or_404
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint
from jobboard.webhooks import queries, services
from jobboard.webhooks.forms import EVENT_LABELS, EndpointForm
from jobboard.webhooks.models import WebhookEndpoint

bp = Blueprint("webhooks", __name__, url_prefix="/org/<org_slug>/webhooks")
register_tenant_blueprint(bp)


def _secret_page(endpoint: WebhookEndpoint, secret: str, status: int = 200) -> Response:
    return render_page(
        "webhooks/secret.html",
        org=current_org(),
        membership=current_membership(),
        endpoint=endpoint,
        secret=secret,
        status=status,
    )


@bp.route("", methods=["GET", "POST"])
@member_required(Role.OWNER)
def index() -> Response:
    form = EndpointForm()
    if form.validate_on_submit():
        with errors_on(form):
            endpoint, secret = services.create_endpoint(current_org(), current_user, form.to_fields())
            return _secret_page(endpoint, secret, status=201)
    return form_page(
        "webhooks/index.html",
        form,
        org=current_org(),
        membership=current_membership(),
        endpoints=queries.endpoints(current_org()),
        event_labels=EVENT_LABELS,
    )


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
@member_required(Role.OWNER)
def endpoint(endpoint_id: int) -> Response:
    found = or_404(queries.endpoint(current_org(), endpoint_id))
    form = EndpointForm(obj=found)
    if form.validate_on_submit():
        with errors_on(form):
            services.update_endpoint(current_user, found, form.to_fields())
            flash(_("The endpoint is saved."), "success")
            return redirect(url_for("webhooks.endpoint", endpoint_id=found.id))
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    return form_page(
        "webhooks/endpoint.html",
        form,
        org=current_org(),
        membership=current_membership(),
        endpoint=found,
        deliveries=queries.deliveries(current_org(), found, page),
        event_labels=EVENT_LABELS,
    )


@bp.route("/<int:endpoint_id>/rotate", methods=["POST"])
@member_required(Role.OWNER)
def rotate(endpoint_id: int) -> Response:
    found = or_404(queries.endpoint(current_org(), endpoint_id))
    return _secret_page(found, services.rotate_secret(current_user, found))


@bp.route("/<int:endpoint_id>/delete", methods=["POST"])
@member_required(Role.OWNER)
def delete(endpoint_id: int) -> Response:
    found = or_404(queries.endpoint(current_org(), endpoint_id))
    services.delete_endpoint(current_user, found)
    flash(_("The endpoint is deleted."), "success")
    return redirect(url_for("webhooks.index"))


@bp.route("/deliveries/<int:delivery_id>")
@member_required(Role.OWNER)
def delivery(delivery_id: int) -> Response:
    found = or_404(queries.delivery(current_org(), delivery_id))
    return render_page("webhooks/delivery.html", org=current_org(), membership=current_membership(), delivery=found)


@bp.route("/deliveries/<int:delivery_id>/replay", methods=["POST"])
@member_required(Role.OWNER)
def replay(delivery_id: int) -> Response:
    found = or_404(queries.delivery(current_org(), delivery_id))
    services.replay(current_user, found)
    flash(_("The message will be sent again shortly."), "success")
    return redirect(url_for("webhooks.delivery", delivery_id=found.id))
