"""Administrators run the fairs: create and edit them, publish them, cancel them."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.core.access import admin_required
from jobboard.core.forms import filled
from jobboard.core.htmx import render_page
from jobboard.core.views import errors_on, form_page, or_404
from jobboard.extensions import db
from jobboard.fairs import organising, queries
from jobboard.fairs.forms import FairForm, ReasonForm
from jobboard.fairs.models import Fair
from jobboard.fairs.views import bp


@bp.route("/admin/fairs")
@admin_required
def admin_list() -> Response:
    return render_page("fairs/admin_list.html", fairs=queries.all_fairs(), cancel_form=ReasonForm(formdata=None))


def _save_fair(form: FairForm, fair: Fair | None) -> Response:
    if form.validate_on_submit():
        with errors_on(form):
            saved = organising.save_fair(current_user, form.to_fields(), fair)
            flash(_("%(fair)s is saved.", fair=saved.name), "success")
            return redirect(url_for("fairs.admin_list"))
    return form_page("fairs/admin_form.html", form, fair=fair)


@bp.route("/admin/fairs/new", methods=["GET", "POST"])
@admin_required
def admin_new() -> Response:
    return _save_fair(FairForm(), None)


@bp.route("/admin/fairs/<int:fair_id>/edit", methods=["GET", "POST"])
@admin_required
def admin_edit(fair_id: int) -> Response:
    fair = or_404(db.session.get(Fair, fair_id))
    return _save_fair(FairForm.of(organising.FairFields.of(fair)), fair)


@bp.route("/admin/fairs/<int:fair_id>/publish", methods=["POST"])
@admin_required
def admin_publish(fair_id: int) -> Response:
    fair = or_404(db.session.get(Fair, fair_id))
    organising.publish_fair(current_user, fair)
    flash(_("%(fair)s is published.", fair=fair.name), "success")
    return redirect(url_for("fairs.admin_list"))


@bp.route("/admin/fairs/<int:fair_id>/cancel", methods=["POST"])
@admin_required
def admin_cancel(fair_id: int) -> Response:
    fair = or_404(db.session.get(Fair, fair_id))
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(422, _("Give the reason for the cancellation."))
    count = organising.cancel_fair(current_user, fair, filled(form.reason.data))
    flash(
        ngettext(
            "%(fair)s is cancelled; %(num)d booking cancelled and everyone told.",
            "%(fair)s is cancelled; %(num)d bookings cancelled and everyone told.",
            count,
            fair=fair.name,
        ),
        "success",
    )
    return redirect(url_for("fairs.admin_list"))
