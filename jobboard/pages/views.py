from __future__ import annotations

import json

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.accounts.services import save_language
from jobboard.applications.cvs import cvs_of
from jobboard.applications.profiles import completeness, profile_of
from jobboard.applications.queries import my_applications
from jobboard.core.access import login_required, public
from jobboard.core.db import utcnow
from jobboard.core.htmx import render_page
from jobboard.core.urls import safe_next
from jobboard.core.views import or_404
from jobboard.fairs.queries import doctor_bookings, upcoming_fairs
from jobboard.i18n import COOKIE, known, site_root
from jobboard.jobs.queries import listed_postings_of
from jobboard.jobs.structured_data import logo_url
from jobboard.orgs import logos
from jobboard.orgs.queries import memberships_of, verified_org
from jobboard.pages import sitemap as sitemaps
from jobboard.pages.readiness import readiness
from jobboard.search.showcase import matching, showcase

bp = Blueprint("pages", __name__)


@bp.route("/")
@public
def home() -> Response:
    """The search box, how many positions are open, the next fair and the newest in the periphery."""
    return render_page(
        "pages/home.html",
        showcase=showcase(),
        next_fair=next((fair for fair in upcoming_fairs() if fair.is_published), None),
    )


@bp.route("/employers/<org_slug>")
@public
def employer(org_slug: str) -> Response:
    """A verified employer as doctors see it: who they are, their sites, their open positions and
    the fairs where they interview."""
    org = or_404(verified_org(org_slug))
    logo = logo_url(org) if org.logo_name else None
    return render_page("pages/employer.html", org=org, postings=listed_postings_of(org), logo=logo)


@bp.route("/employers/<org_slug>/logo/<logo_name>")
@public
def logo(org_slug: str, logo_name: str) -> Response:
    """An employer's logo, for everyone: cached for good, as a new upload has a new name."""
    org = or_404(verified_org(org_slug))
    data = or_404(logos.logo_bytes(org, logo_name))
    response = Response(data, mimetype=org.logo_mimetype)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


@bp.route("/dashboard")
@login_required
def dashboard() -> Response:
    """Where a signed-in person starts: admins at the admin overview, employer staff at their
    (first) organisation, everyone else at the home page."""
    if current_user.is_admin:
        return redirect(url_for("moderation.overview"))
    if current_user.is_doctor:
        return _doctors_start()
    memberships = memberships_of(current_user)
    if len(memberships) == 1:
        return redirect(url_for("orgs.dashboard", org_slug=memberships[0].org.slug))
    return render_page("pages/dashboard.html", memberships=memberships)


def _doctors_start() -> Response:
    """A doctor's start page: how ready the profile is, the applications with their stages, the
    interviews to come, and the newest positions for the profile's profession and specialty."""
    profile = profile_of(current_user)
    wanted = {"profession": profile.profession_slug, "specialty": profile.specialty_slug} if profile else {}
    applications = my_applications(current_user)
    applied_to = frozenset(application.posting_id for application in applications)
    now = utcnow()
    return render_page(
        "pages/dashboard.html",
        memberships=[],
        completeness=completeness(profile, len(cvs_of(current_user))),
        applications=applications,
        interviews=[b for b in doctor_bookings(current_user) if b.ends_at > now],
        matching=matching(wanted.get("profession"), wanted.get("specialty"), besides=applied_to),
        search_args={name: value for name, value in wanted.items() if value},
    )


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


@bp.route("/sitemap.xml")
@public
def sitemap() -> Response:
    response = Response(sitemaps.sitemap_xml(sitemaps.public_pages()), mimetype="application/xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/robots.txt")
@public
def robots() -> Response:
    response = Response(sitemaps.robots_txt(), mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


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
