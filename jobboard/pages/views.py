from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.core.access import login_required, public
from jobboard.core.htmx import render_page
from jobboard.core.urls import safe_next
from jobboard.orgs.queries import memberships_of

bp = Blueprint("pages", __name__)

LANGUAGES = {"en": "English", "he": "עברית"}


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


@bp.route("/privacy")
@public
def privacy() -> Response:
    return render_page("pages/privacy.html")


@bp.route("/language", methods=["POST"])
@public
def language() -> Response:
    lang = request.form.get("lang", "en")
    response = redirect(safe_next(request.form.get("next"), url_for("pages.home")))
    if lang in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response
