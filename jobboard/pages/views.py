from __future__ import annotations

import json

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.accounts.services import save_language
from jobboard.core.access import login_required, public
from jobboard.core.htmx import render_page
from jobboard.core.urls import safe_next
from jobboard.i18n import COOKIE, known, site_root
from jobboard.orgs.queries import memberships_of
from jobboard.pages.readiness import readiness

bp = Blueprint("pages", __name__)


@bp.route("/")
@public
def home() -> Response:
    return render_page("pages/home.html")


@bp.route("/dashboard")
@login_required
def dashboard() -> Response:
    """Where a signed-in person starts: admins at the admin overview, employer staff at their
    (first) organisation, everyone else at the home page."""
    if current_user.is_admin:
        return redirect(url_for("moderation.overview"))
    memberships = memberships_of(current_user)
    if len(memberships) == 1:
        return redirect(url_for("orgs.dashboard", org_slug=memberships[0].org.slug))
    return render_page("pages/dashboard.html", memberships=memberships)


@bp.route("/healthz")
@public
def health() -> Response:
    """For load balancers and monitoring: the process answers."""
    return Response("ok\n", mimetype="text/plain")


@bp.route("/readyz")
@public
def ready() -> Response:
    """For orchestrators: 200 when this process can serve (database reachable, migrations
    current), 503 when not; the search engine and the outbox's backlog are reported beside."""
    report, is_ready = readiness()
    body = json.dumps({"ready": is_ready, **report})
    return Response(body, status=200 if is_ready else 503, mimetype="application/json")


@bp.route("/privacy")
@public
def privacy() -> Response:
    return render_page("pages/privacy.html")


@bp.route("/language", methods=["POST"])
@public
def language() -> Response:
    """The language switcher: the same page in the chosen language, remembered for the next visit
    (on the account too when signed in). ``next`` is the page's address without its language."""
    code = known(request.form.get("lang"))
    if code is None:
        abort(422, _("Choose one of the board's languages."))
    response = redirect(f"{site_root()}/{code}{safe_next(request.form.get('next'), '/')}")
    response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if current_user.is_authenticated:
        save_language(current_user, code)
    return response
