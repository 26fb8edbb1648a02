from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user

from jobboard.core.access import admin_required
from jobboard.core.errors import DomainError
from jobboard.core.forms import add_form_error
from jobboard.core.htmx import render_page
from jobboard.extensions import db
from jobboard.moderation import queries, services
from jobboard.moderation.forms import SuspendForm, VerifyForm
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Organization, OrgStatus

bp = Blueprint("moderation", __name__, url_prefix="/admin")


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


@bp.route("/")
@admin_required
def overview() -> Response:
    return render_page("moderation/overview.html", counts=queries.org_counts())


@bp.route("/orgs")
@admin_required
def orgs() -> Response:
    status_arg = request.args.get("status")
    status = OrgStatus(status_arg) if status_arg in {s.value for s in OrgStatus} else None
    return render_page(
        "moderation/orgs.html", orgs=org_queries.organizations(status), status=status, counts=queries.org_counts()
    )


def _org_or_404(org_id: int) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        abort(404)
    return org


def _org_page(org: Organization, verify_form: VerifyForm | None = None, suspend_form: SuspendForm | None = None,
              status: int = 200) -> Response:
    return render_page(
        "moderation/org_detail.html",
        org=org,
        members=org_queries.members(org),
        sites=org_queries.sites(org),
        history=queries.audit_page(1, org_id=org.id, per_page=20).items,
        verify_form=verify_form or VerifyForm(formdata=None),
        suspend_form=suspend_form or SuspendForm(formdata=None),
        status=status,
    )


@bp.route("/orgs/<int:org_id>")
@admin_required
def org_detail(org_id: int) -> Response:
    return _org_page(_org_or_404(org_id))


@bp.route("/orgs/<int:org_id>/verify", methods=["POST"])
@admin_required
def verify_org(org_id: int) -> Response:
    org = _org_or_404(org_id)
    form = VerifyForm()
    if form.validate_on_submit():
        services.verify_org(current_user, org, form.reason.data or None)
        flash(f"{org.name} is verified.", "success")
        return redirect(url_for("moderation.org_detail", org_id=org.id))
    return _org_page(org, verify_form=form, status=422)


@bp.route("/orgs/<int:org_id>/suspend", methods=["POST"])
@admin_required
def suspend_org(org_id: int) -> Response:
    org = _org_or_404(org_id)
    form = SuspendForm()
    if form.validate_on_submit():
        try:
            services.suspend_org(current_user, org, form.reason.data)
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash(f"{org.name} is suspended.", "success")
            return redirect(url_for("moderation.org_detail", org_id=org.id))
    return _org_page(org, suspend_form=form, status=422)


@bp.route("/audit")
@admin_required
def audit_log() -> Response:
    action = request.args.get("action") or None
    return render_page(
        "moderation/audit.html",
        page=queries.audit_page(_page_number(), action=action),
        actions=queries.audit_actions(),
        action=action,
        block="entries",
    )


@bp.route("/outbox")
@admin_required
def outbox_messages() -> Response:
    return render_page("moderation/outbox.html", messages=queries.undelivered())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@admin_required
def retry_outbox_message(message_id: int) -> Response:
    services.retry_outbox_message(current_user, message_id)
    flash("The message is queued again.", "success")
    return redirect(url_for("moderation.outbox_messages"))
