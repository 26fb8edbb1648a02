"""What the search page's filter column shows: for each facet, its values with their display
names, live counts and whether they are chosen. The checkboxes and the options of the column's
lists are written here, not in the template: the column holds a few hundred of them and renders
on every keystroke, and a template expression per attribute cost more than the search itself.

Display names come from the vocabularies, the employers and the grant catalogue; they are kept
per process for a minute, so a search costs no database query for them.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.jobs.models import EmploymentType, GrantProgram, LicenceRequirement, Seniority
from jobboard.orgs.models import Organization
from jobboard.search.params import FACET_PARAMS, SearchState
from jobboard.search.port import SearchResult
from jobboard.vocab.models import City, HebrewLevel, Profession, Region, Specialty

LABELS_TTL_SECONDS = 60.0
GROUPS = (  # (query-string parameter, title, shown open)
    ("region", "Region", True), ("profession", "Profession", True), ("specialty", "Specialty", False),
    ("grant", "Grant program", False), ("employer", "Employer", False), ("employment", "Employment", False),
    ("seniority", "Seniority", False), ("licence", "Licence", False),
)


@dataclass(frozen=True)
class Catalogue:
    labels: dict[str, dict[str, str]]  # parameter → value → display name
    cities: dict[str, tuple[float, float]]  # slug → (lat, lon)
    city_names: dict[str, str]  # slug → name, alphabetical


class FacetValue(NamedTuple):  # a hundred a page: a tuple is built in a fraction of a dataclass's time
    value: str
    label: str
    count: int
    checked: bool


@dataclass(frozen=True)
class FacetGroup:
    param: str
    title: str
    open: bool
    values: list[FacetValue]

    def checkboxes(self) -> Markup:
        """One checkbox per value, inside its label."""
        param = escape(self.param)
        return Markup("\n".join(  # noqa: S704 - every value is escaped
            f'<label class="form-check"><input class="form-check-input" type="checkbox" name="{param}" '
            f'value="{escape(item.value)}"{" checked" if item.checked else ""}> {escape(item.label)} '
            f'<span class="text-body-secondary small">({item.count})</span></label>'
            for item in self.values
        ))


def select_options(choices: Iterable[tuple[object, str]], selected: object) -> Markup:
    """``<option>`` elements for (value, label) pairs, the one equal to ``selected`` chosen."""
    return Markup("".join(  # noqa: S704 - every value is escaped
        f'<option value="{escape(str(value))}"{" selected" if value == selected else ""}>{escape(label)}</option>'
        for value, label in choices
    ))


def _load_catalogue() -> Catalogue:
    def pairs(*columns: object) -> dict[str, str]:
        return dict(db.session.execute(select(*columns)).tuples().all())  # type: ignore[call-overload]

    cities = db.session.execute(select(City.slug, City.name, City.lat, City.lon).order_by(City.name)).all()
    return Catalogue(
        labels={
            "profession": pairs(Profession.slug, Profession.name),
            "specialty": pairs(Specialty.slug, Specialty.name),
            "region": pairs(Region.slug, Region.name),
            "employer": pairs(Organization.slug, Organization.name),
            "grant": pairs(GrantProgram.slug, GrantProgram.name),
            "employment": {e.value: e.label for e in EmploymentType},
            "seniority": {s.value: s.label for s in Seniority},
            "licence": {r.value: r.label for r in LicenceRequirement},
        },
        cities={slug: (lat, lon) for slug, _name, lat, lon in cities},
        city_names={slug: name for slug, name, _lat, _lon in cities},
    )


def catalogue() -> Catalogue:
    cached = current_app.extensions.get("search_catalogue")
    now = time.monotonic()
    if cached is None or now - cached[0] > LABELS_TTL_SECONDS:
        cached = (now, _load_catalogue())
        current_app.extensions["search_catalogue"] = cached
    return cached[1]


def facet_groups(state: SearchState, result: SearchResult | None, labels: dict[str, dict[str, str]]) -> list[FacetGroup]:
    groups = []
    for param, title, is_open in GROUPS:
        counts = result.facets.get(FACET_PARAMS[param], {}) if result else {}
        chosen = state.selected.get(param, [])
        names = labels.get(param, {})
        values = sorted(
            (FacetValue(value, names.get(value, value), counts.get(value, 0), value in chosen)
             for value in {*counts, *chosen}),
            key=lambda item: item.label.casefold(),
        )
        if values:
            groups.append(FacetGroup(param, title, is_open or bool(chosen), values))
    return groups


def hebrew_options(result: SearchResult | None) -> list[tuple[int, str]]:
    """Each level, labelled with how many positions ask for at most that level."""
    counts = result.facets.get("hebrew_level_min", {}) if result else {}
    options, running = [], 0
    for level in HebrewLevel:
        running += counts.get(str(int(level)), 0)
        options.append((int(level), f"{level.label} ({running})"))
    return options
