from __future__ import annotations

import logging
import time

from flask import Blueprint, request
from flask.wrappers import Response
from sqlalchemy import select

from jobboard.core.access import public
from jobboard.core.htmx import render_page
from jobboard.extensions import db
from jobboard.jobs.models import EmploymentType, GrantProgram, LicenceRequirement, Seniority
from jobboard.jobs.queries import fallback_search
from jobboard.orgs.models import Organization
from jobboard.search.engine import breaker, get_engine
from jobboard.search.params import FACET_PARAMS, RADII_KM, SearchState, parse, to_query
from jobboard.search.port import EngineUnavailable, SearchResult, Sort
from jobboard.vocab.models import City, HebrewLevel, Profession, Region, Specialty

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)


_PARAM_NAMES = {"profession": "Profession", "specialty": "Specialty", "region": "Region", "employer": "Employer",
                "employment": "Employment", "seniority": "Seniority", "licence": "Licence", "grant": "Grant",
                "periphery": "Periphery only", "min_salary": "Minimum salary", "hebrew": "Hebrew", "km": "Distance"}


def _labels() -> dict[str, dict[str, str]]:
    """Display names of every facet value, by query-string parameter."""
    return {
        "profession": dict(db.session.execute(select(Profession.slug, Profession.name)).tuples().all()),
        "specialty": dict(db.session.execute(select(Specialty.slug, Specialty.name)).tuples().all()),
        "region": dict(db.session.execute(select(Region.slug, Region.name).order_by(Region.position)).tuples().all()),
        "employer": dict(db.session.execute(select(Organization.slug, Organization.name)).tuples().all()),
        "grant": dict(db.session.execute(select(GrantProgram.slug, GrantProgram.name)).tuples().all()),
        "employment": {e.value: e.label for e in EmploymentType},
        "seniority": {s.value: s.label for s in Seniority},
        "licence": {r.value: r.label for r in LicenceRequirement},
    }


def _cities() -> dict[str, tuple[float, float]]:
    return {slug: (lat, lon) for slug, lat, lon in db.session.execute(select(City.slug, City.lat, City.lon))}


def _suggestions(state: SearchState, cities: dict[str, tuple[float, float]], now: int,
                 labels: dict[str, dict[str, str]]) -> list[tuple[str, dict[str, object], int]]:
    """For an empty result: each active filter with how many positions its removal would show,
    the most rewarding first."""
    engine = get_engine()
    active = [(param, value) for param, values in state.selected.items() for value in values]
    active += [(name, str(value)) for name, value in
               (("periphery", "1" if state.periphery else None), ("min_salary", state.min_salary),
                ("hebrew", state.hebrew), ("km", state.km)) if value is not None]
    found = []
    for param, value in active[:8]:
        total = engine.search(to_query(state, cities, now, without=(param, value))).total
        if total:
            label = labels.get(param, {}).get(value, value)
            remaining = {p: [v for v in vs if (p, v) != (param, value)] for p, vs in state.selected.items()}
            args = state.to_args(**remaining, page=None, **{param: None} if param not in FACET_PARAMS else {})
            found.append((f"{_PARAM_NAMES.get(param, param)}: {label}", args, total))
    return sorted(found, key=lambda item: -item[2])


@bp.route("/jobs")
@public
def index() -> Response:
    labels = _labels()
    cities = _cities()
    known = {param: set(values) for param, values in labels.items()}
    state = parse(request.args, known, cities)
    now = int(time.time())
    result: SearchResult | None = None
    fallback = None
    suggestions: list[tuple[str, dict[str, object], int]] = []
    if not breaker().is_open():
        try:
            result = get_engine().search(to_query(state, cities, now))
            if result.total == 0:
                suggestions = _suggestions(state, cities, now, labels)
        except EngineUnavailable as error:
            log.warning("search engine unavailable: %s", error)
            breaker().trip()
            result = None
    if result is None:
        fallback = fallback_search(state.text, state.page)
    return render_page(
        "search/index.html", block="results", state=state, result=result, fallback=fallback, labels=labels,
        suggestions=suggestions, city_names=dict(db.session.execute(select(City.slug, City.name).order_by(City.name)).tuples().all()),
        radii=RADII_KM, hebrew_levels=list(HebrewLevel), sorts=list(Sort), facet_params=FACET_PARAMS,
    )
