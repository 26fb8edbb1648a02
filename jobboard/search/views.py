from __future__ import annotations

import json
import logging
import time
from dataclasses import replace
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.core.access import public
from jobboard.core.db import utcnow
from jobboard.core.htmx import render_page
from jobboard.core.urls import external_url
from jobboard.grants.queries import eligible_grant_keys
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs import aggregators
from jobboard.jobs.queries import fallback_search
from jobboard.search.documents import LISTED_ATTRIBUTES, posting_document
from jobboard.search.engine import breaker, get_engine
from jobboard.search.facets import catalogue, facet_groups, hebrew_options, radius_options
from jobboard.search.links import employer_path_prefix, posting_path_prefix
from jobboard.search.params import DEFAULT_KM, FACET_PARAMS, SearchState, other_values_queries, parse, to_query
from jobboard.search.port import EngineUnavailable, InvalidQuery, SearchQuery, SearchResult, Sort
from jobboard.search.terms import offered_filters

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)


_PARAM_NAMES = {
    "profession": _l("Profession"),
    "specialty": _l("Specialty"),
    "region": _l("Region"),
    "employer": _l("Employer"),
    "employment": _l("Employment"),
    "seniority": _l("Seniority"),
    "licence": _l("Licence"),
    "grant": _l("Grant"),
    "periphery": _l("Periphery only"),
    "eligible": _l("Grants I'm eligible for"),
    "min_salary": _l("Minimum salary"),
    "hebrew": _l("Hebrew"),
    "km": _l("Distance"),
}


def _suggestions(
    state: SearchState, cities: dict[str, tuple[float, float]], now: int, labels: dict[str, dict[str, str]]
) -> list[tuple[str, dict[str, object], int]]:
    """For an empty result: each active filter with how many positions its removal would show,
    the most rewarding first."""
    engine = get_engine()
    active = [(param, value) for param, values in state.selected.items() for value in values]
    active += [
        (name, str(value))
        for name, value in (
            ("periphery", "1" if state.periphery else None),
            ("eligible", "1" if state.eligible else None),
            ("min_salary", state.min_salary),
            ("hebrew", state.hebrew),
            ("km", state.km),
        )
        if value is not None
    ]
    found = []
    for param, value in active[:8]:
        query = replace(to_query(state, cities, now, without=(param, value)), facets=(), per_page=1, highlight=False)
        total = engine.search(query).total
        if total:
            label = labels.get(param, {}).get(value, value)
            remaining = {p: [v for v in vs if (p, v) != (param, value)] for p, vs in state.selected.items()}
            args = state.to_args(**remaining, page=None, **{param: None} if param not in FACET_PARAMS else {})
            found.append((_("%(filter)s: %(value)s", filter=_PARAM_NAMES.get(param, param), value=label), args, total))
    return sorted(found, key=lambda item: -item[2])


def _search(state: SearchState, cities: dict[str, tuple[float, float]], now: int) -> SearchResult:
    """The page's search, each group with a value chosen counted as if none of its values were."""
    engine = get_engine()
    result = engine.search(to_query(state, cities, now))
    for attribute, query in other_values_queries(state, cities, now).items():
        result.facets[attribute] = engine.search(query).facets.get(attribute, {})
    return result


def _is_doctor() -> bool:
    return bool(current_user.is_authenticated and current_user.is_doctor)


def _with_grant_keys(state: SearchState) -> SearchState:
    """The filter "grants I'm eligible for" with the signed-in doctor's keys; dropped with a
    notice for anyone else."""
    if state.eligible:
        if _is_doctor():
            state.grant_keys = eligible_grant_keys(current_user, utcnow().date())
        else:
            state.eligible = False
            state.notices.append(_("Sign in with a doctor's account to find the grants you are eligible for."))
    return state


@bp.route("/jobs")
@public
def index() -> Response:
    known = catalogue()
    state = _with_grant_keys(parse(request.args, known.labels, known.cities))
    now = int(time.time())
    result: SearchResult | None = None
    suggestions: list[tuple[str, dict[str, object], int]] = []
    if not breaker().is_open():
        try:
            result = _search(state, known.cities, now)
            if result.total == 0:
                suggestions = _suggestions(state, known.cities, now, known.labels)
        except EngineUnavailable as error:
            log.warning("search engine unavailable: %s", error)
            breaker().trip()
            result = None
        except InvalidQuery as error:  # the engine refuses what it cannot filter on (contract C6): not a 500
            abort(400, description=_("This search cannot be run: %(error)s.", error=error))
    search_path = request.script_root + request.path
    # The address bar gets the search as its own links write it, not the form as sent (every empty
    # field, the default order, a value the page ignored): a shorter link to share.
    return render_page(
        "search/index.html",
        block="results",
        plain_block=True,
        push_url=state.link(search_path),
        state=state,
        result=result,
        fallback=fallback_search(state.text, state.page) if result is None else None,
        groups=facet_groups(state, result, known, search_path),
        hebrew_options=hebrew_options(result, state.hebrew),
        radius_options=radius_options(state.km),
        default_km=DEFAULT_KM,
        filters_chosen=state.filters_chosen(),
        eligibility_filter=_is_doctor(),
        grant_amounts=state.sort == Sort.GRANT,
        city_options=known.city_list(state.city),
        names=known,
        suggestions=suggestions,
        offered_filters=offered_filters(state, known.labels) if state.text else [],
        sorts=list(Sort),
        posting_path_prefix=posting_path_prefix(),
        employer_path_prefix=employer_path_prefix(),
        search_path=search_path,
    )


FEED_SIZE = 50


def _feed(state: SearchState, title: str) -> Response:
    known = catalogue()
    now = int(time.time())
    base = to_query(state, known.cities, now)
    query = SearchQuery(
        text=base.text,
        filters=base.filters,
        near=base.near,
        sort=Sort.NEWEST,
        facets=(),
        per_page=FEED_SIZE,
        now=now,
        highlight=False,
        attributes=LISTED_ATTRIBUTES,
    )
    try:
        documents = [hit.document for hit in get_engine().search(query).hits]
    except EngineUnavailable:
        if base.filters or base.near:
            # The fallback matches titles only: a filtered feed would list positions outside its
            # search, which feed readers keep. Ask them to come back instead.
            abort(503)
        documents = [posting_document(p) for p in fallback_search(state.text, 1, FEED_SIZE).items]
    # Links come from BASE_URL, not the Host header: the feed is cached publicly.
    body = render_template(
        "search/feed.xml",
        title=title,
        documents=documents,
        self_url=external_url(request.endpoint or "search.site_feed", **state.to_args()),
        page_url=external_url("search.index", **state.to_args()),
        posting_url=lambda d: external_url("jobs.detail", posting_id=d["id"], slug=d["slug"]),
        updated=max((d["posted_at"] for d in documents), default=now),
        host=urlsplit(current_app.config["BASE_URL"]).hostname,
        summary=lambda d: str(d["description_text"])[:600],
    )
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/jobs/feed.atom")
@public
def feed() -> Response:
    """The search page's results (the same filters) as an Atom feed, newest first."""
    known = catalogue()
    state = parse(request.args, known.labels, known.cities)
    title = _("IMAP Job Board: %(search)s", search=state.text) if state.text else _("IMAP Job Board: positions")
    return _feed(state, title)


@bp.route("/feed.atom")
@public
def site_feed() -> Response:
    """Every new posting, newest first."""
    return _feed(SearchState(), _("IMAP Job Board: new positions"))


def _aggregator_response(body: bytes | str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = f"public, max-age={aggregators.max_age()}"
    return response


@bp.route("/jobs/feed.xml")
@public
def aggregator_feed() -> Response:
    """Every open position in the XML format Indeed and other aggregators read."""
    return _aggregator_response(aggregators.indeed_xml(aggregators.feed_jobs()), "application/xml")


@bp.route("/jobs/feed.json")
@public
def aggregator_feed_json() -> Response:
    """The aggregators' feed as JSON: the same jobs and fields."""
    return _aggregator_response(json.dumps(aggregators.feed_json(aggregators.feed_jobs())), "application/json")
