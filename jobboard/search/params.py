"""Reading the search page's query string into a typed ``SearchQuery``.

Whatever the query string holds, the result is a valid query: unknown parameters, unknown
values and malformed numbers are dropped with a notice for the page, never an error. The first
value of a single-valued parameter wins.
"""

from __future__ import annotations

import functools
from collections.abc import Container, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote_plus

from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import MultiDict

from jobboard.grants.eligibility import NO_KEY
from jobboard.i18n import lazy_gettext as _l
from jobboard.i18n import number
from jobboard.search.documents import LISTED_ATTRIBUTES
from jobboard.search.port import AnyOf, IsTrue, Near, Range, SearchQuery, Sort

# Query-string name → index attribute, for the multi-valued facet filters.
FACET_PARAMS = {
    "profession": "profession",
    "specialty": "specialty",
    "region": "region",
    "employer": "employer",
    "employment": "employment_type",
    "seniority": "seniority",
    "licence": "licence_requirements",
    "grant": "grant_programs",
}
SINGLE_PARAMS = ("q", "periphery", "eligible", "min_salary", "hebrew", "city", "km", "sort", "page")
OPENED_PARAM = "open"  # the filter groups shown closed at first that the visitor has opened
KNOWN_PARAMS = frozenset(FACET_PARAMS) | frozenset(SINGLE_PARAMS) | {OPENED_PARAM}
# Filter groups shown open at first. The others are counted only once opened (or once one of
# their values is chosen): most visitors never open them, and counting and writing them out cost
# about a seventh of every search.
SHOWN_OPEN = ("region", "profession")
SORTS = {sort.value: sort for sort in Sort}
RADII_KM = (10, 25, 50, 100, 200)
DEFAULT_KM = 50  # the distance the page picks when a city is chosen without one
MAX_TEXT = 200
MAX_SALARY = 1_000_000
PER_PAGE = 20
ALWAYS_COUNTED = ("hebrew_level_min",)  # the Hebrew list shows its counts
# Names and values recur from link to link and page to page (slugs, numbers, the same words), so
# their encodings are kept: ``urlencode`` costs more than the rest of building a link.
_encoded = functools.lru_cache(maxsize=4096)(quote_plus)
# What the page says of a value it ignored, by parameter.
_UNKNOWN_VALUE = {
    "profession": _l("Ignored an unknown profession “%(value)s”."),
    "specialty": _l("Ignored an unknown specialty “%(value)s”."),
    "region": _l("Ignored an unknown region “%(value)s”."),
    "employer": _l("Ignored an unknown employer “%(value)s”."),
    "employment": _l("Ignored an unknown employment “%(value)s”."),
    "seniority": _l("Ignored an unknown seniority “%(value)s”."),
    "licence": _l("Ignored an unknown licence “%(value)s”."),
    "grant": _l("Ignored an unknown grant “%(value)s”."),
}
_NOT_A_WHOLE_NUMBER = {
    "min_salary": _l("Ignored the minimum salary: “%(value)s” is not a whole number."),
    "hebrew": _l("Ignored the Hebrew level: “%(value)s” is not a whole number."),
    "km": _l("Ignored the distance: “%(value)s” is not a whole number."),
    "page": _l("Ignored the page number: “%(value)s” is not a whole number."),
}
_OUT_OF_RANGE = {
    "min_salary": _l("Ignored the minimum salary: it must be between %(low)s and %(high)s."),
    "hebrew": _l("Ignored the Hebrew level: it must be between %(low)s and %(high)s."),
    "km": _l("Ignored the distance: it must be between %(low)s and %(high)s."),
    "page": _l("Ignored the page number: it must be between %(low)s and %(high)s."),
}


@dataclass
class SearchState:
    """What the visitor asked for, as the page shows it back."""

    text: str = ""
    selected: dict[str, list[str]] = field(default_factory=dict)  # query-string name → values
    periphery: bool = False
    # "Grants I'm eligible for": postings with a grant program the signed-in doctor may get there.
    # ``grant_keys`` are the doctor's (``grants.queries.eligible_grant_keys``), set by the caller
    # who knows the doctor; without them the filter finds nothing rather than everything.
    eligible: bool = False
    grant_keys: tuple[str, ...] | None = None
    min_salary: int | None = None
    hebrew: int | None = None
    city: str | None = None
    km: int | None = None
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    opened: list[str] = field(default_factory=list)  # groups opened beyond SHOWN_OPEN, in FACET_PARAMS order
    notices: list[str] = field(default_factory=list)

    def counted_groups(self) -> list[str]:
        """The filter groups whose values are counted and shown: open at first, opened, or with a
        value chosen."""
        return [
            param for param in FACET_PARAMS if param in SHOWN_OPEN or param in self.opened or self.selected.get(param)
        ]

    def filters_chosen(self) -> int:
        """How many filters narrow the search: each value ticked, and each other filter set (a
        city with its distance counts once)."""
        others = (
            self.periphery,
            self.eligible,
            self.min_salary is not None,
            self.hebrew is not None,
            self.city is not None,
        )
        return sum(len(values) for values in self.selected.values()) + sum(others)

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this state (with changes), for links."""
        args: dict[str, Any] = {"q": self.text or None, **{k: v for k, v in self.selected.items() if v}}
        args.update(
            periphery="1" if self.periphery else None,
            eligible="1" if self.eligible else None,
            min_salary=self.min_salary,
            hebrew=self.hebrew,
            city=self.city,
            km=self.km if self.city else None,
            sort=None if self.sort == Sort.RELEVANCE else self.sort.value,
            page=self.page if self.page > 1 else None,
        )
        args[OPENED_PARAM] = self.opened
        args.update(changes)
        return {k: v for k, v in args.items() if v not in (None, "", [])}

    def text_only(self) -> SearchState:
        """This search without its filters, order and page."""
        return SearchState(text=self.text)

    def link(self, path: str, **changes: Any) -> str:
        """``path`` with the query string of this state (with changes): what ``url_for`` would
        build, for the page's own links, at a fraction of its cost."""
        pairs = [
            f"{_encoded(name)}={_encoded(str(value))}"
            for name, values in self.to_args(**changes).items()
            for value in (values if isinstance(values, list) else (values,))
        ]
        return f"{path}?{'&'.join(pairs)}" if pairs else path


def _integer(first: dict[str, str], name: str, low: int, high: int, state: SearchState) -> int | None:
    raw = (first.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        state.notices.append(_NOT_A_WHOLE_NUMBER[name] % {"value": raw[:20]})
        return None
    if not low <= value <= high:
        state.notices.append(_OUT_OF_RANGE[name] % {"low": number(low), "high": number(high)})
        return None
    return value


def parse(
    args: MultiDict[str, str], known: Mapping[str, Container[str]], cities: dict[str, tuple[float, float]]
) -> SearchState:
    """``known`` maps each facet parameter to its valid values (a set, or a dict keyed by them);
    ``cities`` maps city slugs to coordinates."""
    state = SearchState()
    # Each parameter's first value, read from a plain dict: a MultiDict raises (and builds) an
    # HTTP error for every absent key that ``get`` is asked for, most of them on every search.
    first = args.to_dict()
    for name in sorted(set(first) - KNOWN_PARAMS):
        state.notices.append(_("Ignored an unknown filter “%(name)s”.", name=name[:30]))
    text = (first.get("q") or "").replace("\x00", "").strip()
    if len(text) > MAX_TEXT:
        state.notices.append(
            ngettext(
                "The search text was cut to %(num)d character.",
                "The search text was cut to %(num)d characters.",
                MAX_TEXT,
            )
        )
        text = text[:MAX_TEXT]
    state.text = text
    for param in FACET_PARAMS:
        values = []
        for value in args.getlist(param):
            if value in known.get(param, ()):
                if value not in values:
                    values.append(value)
            elif value:
                state.notices.append(_UNKNOWN_VALUE[param] % {"value": value[:40]})
        if values:
            state.selected[param] = values
    state.periphery = first.get("periphery") in ("1", "on", "true")
    state.eligible = first.get("eligible") in ("1", "on", "true")
    state.min_salary = _integer(first, "min_salary", 0, MAX_SALARY, state)
    state.hebrew = _integer(first, "hebrew", 0, 6, state)
    city = first.get("city") or None
    if city and city not in cities:
        state.notices.append(_("Ignored an unknown city “%(value)s”.", value=city[:40]))
        city = None
    state.city = city
    km = _integer(first, "km", 1, 500, state)
    state.km = km if city else None
    sort = first.get("sort") or Sort.RELEVANCE.value
    if sort not in SORTS:
        state.notices.append(_("Ignored an unknown order “%(value)s”.", value=sort[:20]))
        sort = Sort.RELEVANCE.value
    state.sort = SORTS[sort]
    if state.sort == Sort.DISTANCE and not city:
        state.notices.append(_("Choose a city to sort by distance."))
        state.sort = Sort.RELEVANCE
    state.page = _integer(first, "page", 1, 50, state) or 1
    # What the visitor opened is how the page looks, not what it finds: an unknown group is
    # dropped without a notice.
    opened = set(args.getlist(OPENED_PARAM))
    state.opened = [param for param in FACET_PARAMS if param in opened and param not in SHOWN_OPEN]
    return state


def to_query(
    state: SearchState, cities: dict[str, tuple[float, float]], now: int, without: tuple[str, str] | None = None
) -> SearchQuery:
    """The engine query for this state; ``without`` leaves out one (parameter, value)."""
    filters: list[Any] = []
    for param, values in state.selected.items():
        kept = tuple(v for v in values if (param, v) != without)
        if kept:
            filters.append(AnyOf(FACET_PARAMS[param], kept))
    if state.periphery and without != ("periphery", "1"):
        filters.append(IsTrue("is_periphery"))
    if state.eligible and without != ("eligible", "1"):
        filters.append(AnyOf("grant_fits", state.grant_keys or (NO_KEY,)))
    if state.min_salary is not None and without != ("min_salary", str(state.min_salary)):
        filters.append(Range("salary_top_ils", minimum=state.min_salary))
    if state.hebrew is not None and without != ("hebrew", str(state.hebrew)):
        filters.append(Range("hebrew_level_min", maximum=state.hebrew))
    near = None
    if state.city:
        lat, lon = cities[state.city]
        radius = state.km if without != ("km", str(state.km)) else None
        near = Near(state.city, lat, lon, radius)
    return SearchQuery(
        text=state.text,
        filters=tuple(filters),
        near=near,
        sort=state.sort,
        facets=(*(FACET_PARAMS[param] for param in state.counted_groups()), *ALWAYS_COUNTED),
        page=state.page,
        per_page=PER_PAGE,
        now=now,
        attributes=LISTED_ATTRIBUTES,
    )


def other_values_queries(
    state: SearchState, cities: dict[str, tuple[float, float]], now: int
) -> dict[str, SearchQuery]:
    """For each filter group with values chosen, the search without that group's filter, counting
    that group alone (by index attribute): the group's other values keep their counts beside the
    chosen ones, since choosing one more widens the search (values of a group are alternatives)."""
    base = to_query(state, cities, now)
    queries = {}
    for param in state.selected:
        attribute = FACET_PARAMS[param]
        queries[attribute] = replace(
            base,
            filters=tuple(f for f in base.filters if not (isinstance(f, AnyOf) and f.attribute == attribute)),
            sort=Sort.RELEVANCE,
            facets=(attribute,),
            page=1,
            per_page=1,
            highlight=False,
            attributes=("id",),
        )
    return queries
