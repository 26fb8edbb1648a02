from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.alerts import services
from jobboard.alerts.forms import AlertForm, AlertSettingsForm, VisitorAlertForm
from jobboard.alerts.models import Frequency
from jobboard.core.access import login_required, public
from jobboard.core.forms import filled
from jobboard.core.htmx import render_page
from jobboard.extensions import csrf, limiter

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.route("", methods=["POST"])
@limiter.limit("20/hour", methods=["POST"])
@public
def create() -> Response:
    form = AlertForm() if current_user.is_authenticated else VisitorAlertForm()
    if not form.validate_on_submit():
        abort(422, " ".join(str(error) for errors in form.errors.values() for error in errors))
    services.create_alert(
        user=current_user if current_user.is_authenticated else None,
        email=None if current_user.is_authenticated else form.email.data,
        name=filled(form.name.data),
        query_string=form.query.data or "",
        frequency=Frequency(form.frequency.data),
    )
    if current_user.is_authenticated:
        flash(_("Alert “%(name)s” saved.", name=form.name.data), "success")
        return redirect(url_for("alerts.index"))
    return render_page("alerts/check_email.html")


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm(token: str) -> Response:
    alert = services.alert_for_confirmation(token)
    if request.method == "POST":
        services.confirm(token)
        return render_page("alerts/confirmed.html", alert=alert)
    return render_page("alerts/confirm.html", alert=alert)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients post RFC 8058 one-click requests without a form token; the link is the authority
@public
def unsubscribe(token: str) -> Response:
    alert = services.alert_for_unsubscribe(token)
    if request.method == "POST":
        services.unsubscribe(token)
        return render_page("alerts/unsubscribed.html", alert=alert)
    return render_page("alerts/unsubscribe.html", alert=alert)


@bp.route("")
@login_required
def index() -> Response:
    alerts = services.alerts_of(current_user)
    forms = {
        a.id: AlertSettingsForm(formdata=None, data={"name": a.name, "frequency": a.frequency.value}) for a in alerts
    }
    return render_page("alerts/index.html", alerts=alerts, forms=forms)


@bp.route("/<int:alert_id>", methods=["POST"])
@login_required
def update(alert_id: int) -> Response:
    alert = services.own_alert(current_user, alert_id)
    form = AlertSettingsForm()
    if not form.validate_on_submit():
        abort(422, " ".join(str(error) for errors in form.errors.values() for error in errors))
    services.update(alert, name=filled(form.name.data), frequency=Frequency(form.frequency.data))
    flash(_("The alert is saved."), "success")
    return redirect(url_for("alerts.index"))


@bp.route("/<int:alert_id>/<any(pause, resume, delete):action>", methods=["POST"])
@login_required
def change(alert_id: int, action: str) -> Response:
    alert = services.own_alert(current_user, alert_id)
    {"pause": services.pause, "resume": services.resume, "delete": services.delete}[action](alert)
    messages = {
        "pause": _("The alert is paused."),
        "resume": _("The alert is on again."),
        "delete": _("The alert is deleted."),
    }
    flash(messages[action], "success")
    return redirect(url_for("alerts.index"))
