"""What the search page's filter column shows: for each facet, its values with their display
names, live counts and whether they are chosen. The checkboxes and the options of the column's
lists are written here, not in the template: the column holds a few hundred of them and renders
on every keystroke, and a template expression per attribute cost more than the search itself.

Display names come from the vocabularies, the employers and the grant catalogue, in the
reader's language; they are kept per process and language for a minute, with each value's
checkbox or option already escaped, so a search costs no database query for them and escapes
none of them. Labels are written in ASCII, other characters as references (see
``text.CROP_MARKER``).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any, NamedTuple, TypeVar

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from jobboard.extensions import db
from jobboard.i18n import alphabetical, current_language
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.models import EmploymentType, GrantProgram, LicenceRequirement, Seniority
from jobboard.orgs.models import Organization
from jobboard.search.params import FACET_PARAMS, OPENED_PARAM, RADII_KM, SearchState
from jobboard.search.port import SearchResult
from jobboard.search.text import ascii_html
from jobboard.vocab.models import City, HebrewLevel, Profession, Region, Specialty

LABELS_TTL_SECONDS = 60.0
Vocabulary = TypeVar("Vocabulary", Profession, Specialty, Region, GrantProgram)
GROUPS = (  # (query-string parameter, title), in the column's order
    ("region", _l("Region")),
    ("profession", _l("Profession")),
    ("specialty", _l("Specialty")),
    ("grant", _l("Grant program")),
    ("employer", _l("Employer")),
    ("employment", _l("Employment")),
    ("seniority", _l("Seniority")),
    ("licence", _l("Licence")),
)


class Choice(NamedTuple):
    """One value's form control, escaped, as written when not chosen and when chosen (with
    " checked" or " selected"); a checkbox's count follows either."""

    value: object
    plain: str
    chosen: str


def _choice(value: object, opening: str, marker: str, closing: str) -> Choice:
    return Choice(value, opening + closing, f"{opening} {marker}{closing}")


def _checkbox(param: str, value: str, label: str) -> Choice:
    """A checkbox inside its label, up to the opening bracket of its count."""
    # The id lets htmx give the focus back to the box once the list is swapped for the new counts.
    return _choice(
        value,
        f'<label class="form-check"><input class="form-check-input" type="checkbox" '
        f'id="f-{escape(param)}-{escape(value)}" name="{escape(param)}" value="{escape(value)}"',
        "checked",
        f'> {ascii_html(label)} <span class="text-body-secondary small">(',
    )


def _option(value: object, label: str) -> Choice:
    return _choice(value, f'<option value="{escape(str(value))}"', "selected", f">{ascii_html(label)}</option>")


@dataclass(frozen=True)
class Catalogue:
    labels: dict[str, dict[str, str]]  # parameter → value → display name
    cities: dict[str, tuple[float, float]]  # slug → (lat, lon)
    city_names: dict[str, str]  # slug → display name
    city_options: list[Choice]  # alphabetical
    checkboxes: dict[str, list[Choice]]  # parameter → one per value, by display name
    _city_lists: dict[str | None, Markup] = field(default_factory=dict, compare=False, repr=False)

    def city_list(self, selected: str | None) -> Markup:
        """The city options with ``selected`` chosen, written once per city."""
        found = self._city_lists.get(selected)
        if found is None:
            found = self._city_lists[selected] = option_list(self.city_options, selected)
        return found

    def localised(self, document: dict[str, Any]) -> dict[str, Any]:
        """A search document (of ``documents.LISTED_ATTRIBUTES`` at least) with its profession,
        specialty, city, region and grants named in the catalogue's language, found by their
        slugs; a value the catalogue does not know yet keeps the document's English name."""

        def named(param: str, value: str | None, english: str | None) -> str | None:
            return self.labels.get(param, {}).get(value or "", english)

        slugs, grant_names = document.get("grant_programs"), document["grant_names"]
        return {
            **document,
            "profession_label": named("profession", document.get("profession"), document["profession_label"]),
            "specialty_label": named("specialty", document.get("specialty"), document.get("specialty_label")),
            "city_name": self.city_names.get(document.get("city") or "", document["city_name"]),
            "region_label": named("region", document.get("region"), document["region_label"]),
            "grant_names": grant_names
            if slugs is None
            else [named("grant", slug, name) for slug, name in zip(slugs, grant_names, strict=True)],
        }


@dataclass(frozen=True)
class FacetGroup:
    """A group of the filter column: counted, with its checkboxes, or closed with ``opening``, a
    link to the same search with the group opened."""

    param: str
    title: str
    checkboxes: Markup | None = None
    opening: Markup | None = None

    @property
    def open(self) -> bool:
        return self.opening is None


class GroupTitle(NamedTuple):
    text: str
    escaped: str
    opening_label: str  # escaped


@functools.lru_cache(maxsize=8)
def _group_titles(_language: str) -> dict[str, GroupTitle]:
    """Each group's title, in the reader's language (the argument), and its opening link's label."""
    return {
        param: GroupTitle(str(title), escape(str(title)), escape(_("%(group)s: show the choices", group=title)))
        for param, title in GROUPS
    }


def _opening(title: GroupTitle, href: str) -> Markup:
    href = escape(href)
    return Markup(  # noqa: S704 - escaped
        f'<p class="mb-3"><a class="facet-opening fw-semibold link-body-emphasis text-decoration-none" href="{href}" '
        f'hx-get="{href}" hx-target="#search-results" hx-select="#search-results" hx-swap="outerHTML" '
        f'hx-select-oob="#search-filter-list" hx-push-url="true" aria-label="{title.opening_label}">'
        f"{title.escaped}</a></p>"
    )


def option_list(choices: Iterable[Choice], selected: object) -> Markup:
    """The options, the one whose value equals ``selected`` chosen."""
    return Markup("".join(c.chosen if c.value == selected else c.plain for c in choices))  # noqa: S704 - escaped


# The options of the fixed lists, written once per language (the argument: the reader's).
@functools.lru_cache(maxsize=8)
def _radius_choices(_language: str) -> tuple[Choice, ...]:
    return tuple(_option(km, _("within %(km)d km of", km=km)) for km in RADII_KM)


@functools.lru_cache(maxsize=8)
def _hebrew_choices(_language: str) -> tuple[Choice, ...]:
    """Each Hebrew level's option, up to the opening bracket of its count of positions."""
    return tuple(
        _choice(int(level), f'<option value="{int(level)}"', "selected", f">{ascii_html(level.label)} (")
        for level in HebrewLevel
    )


def radius_options(selected: int | None) -> Markup:
    return option_list(_radius_choices(current_language()), selected)


def build_catalogue(labels: dict[str, dict[str, str]], cities: Iterable[tuple[str, str, float, float]]) -> Catalogue:
    """From each parameter's display names and the cities as (slug, name, lat, lon); values and
    cities in the alphabetical order of their names."""
    cities = sorted(cities, key=lambda city: alphabetical(city[1]))
    return Catalogue(
        labels=labels,
        cities={slug: (lat, lon) for slug, _name, lat, lon in cities},
        city_names={slug: name for slug, name, _lat, _lon in cities},
        city_options=[_option(slug, name) for slug, name, _lat, _lon in cities],
        checkboxes={
            param: [
                _checkbox(param, value, label)
                for value, label in sorted(names.items(), key=lambda item: alphabetical(item[1]))
            ]
            for param, names in labels.items()
        },
    )


def _load_catalogue() -> Catalogue:
    def local_names(model: type[Vocabulary]) -> dict[str, str]:
        return {entry.slug: entry.local_name for entry in db.session.scalars(select(model))}

    return build_catalogue(
        {
            "profession": local_names(Profession),
            "specialty": local_names(Specialty),
            "region": local_names(Region),
            "employer": dict(db.session.execute(select(Organization.slug, Organization.name)).tuples().all()),
            "grant": local_names(GrantProgram),
            "employment": {e.value: e.label for e in EmploymentType},
            "seniority": {s.value: s.label for s in Seniority},
            "licence": {r.value: r.label for r in LicenceRequirement},
        },
        ((city.slug, city.local_name, city.lat, city.lon) for city in db.session.scalars(select(City))),
    )


def catalogue() -> Catalogue:
    """The catalogue in the reader's language (kept per language): the vocabularies' and the fixed
    lists' display names are the reader's."""
    kept: dict[str, tuple[float, Catalogue]] = current_app.extensions.setdefault("search_catalogue", {})
    language, now = current_language(), time.monotonic()
    cached = kept.get(language)
    if cached is None or now - cached[0] > LABELS_TTL_SECONDS:
        cached = kept[language] = (now, _load_catalogue())
    return cached[1]


def facet_groups(state: SearchState, result: SearchResult | None, known: Catalogue, path: str) -> list[FacetGroup]:
    """The counted groups (``SearchState.counted_groups``) that have a value counted or chosen, or
    that the visitor opened, each value with its count; the other groups closed, each with a link
    to this search at ``path`` with it opened. Values the catalogue does not know yet (an
    employer verified within its minute) follow the others, by value."""
    groups = []
    counted = state.counted_groups()
    # The same search from its first page, encoded once for every link; group names need no encoding.
    unopened = state.link(path, page=None, **{OPENED_PARAM: None})
    joiner = "&" if "?" in unopened else "?"
    for param, title in _group_titles(current_language()).items():  # in the order of GROUPS
        if param not in counted:
            opened = "&".join(f"{OPENED_PARAM}={p}" for p in FACET_PARAMS if p in state.opened or p == param)
            groups.append(FacetGroup(param, title.text, opening=_opening(title, f"{unopened}{joiner}{opened}")))
            continue
        counts = result.facets.get(FACET_PARAMS[param], {}) if result else {}
        chosen = state.selected.get(param, [])
        shown = [c for c in known.checkboxes.get(param, ()) if c.value in counts or c.value in chosen]
        if len(shown) < len(counts) + len(chosen):  # else counts and chosen hold known values only, none twice
            unknown = {*counts, *chosen} - known.labels.get(param, {}).keys()
            shown += [_checkbox(param, value, value) for value in sorted(unknown)]
        if shown or param in state.opened:  # a group the visitor opened stays, if only to say it is empty
            checkboxes = Markup(  # noqa: S704 - choices are escaped, counts are ints
                "\n".join(
                    f"{c.chosen if c.value in chosen else c.plain}{counts.get(str(c.value), 0)})</span></label>"
                    for c in shown
                )
            )
            groups.append(FacetGroup(param, title.text, checkboxes=checkboxes))
    return groups


def hebrew_options(result: SearchResult | None, selected: int | None) -> Markup:
    """Each level's option, labelled with how many positions ask for at most that level."""
    counts = result.facets.get("hebrew_level_min", {}) if result else {}
    options, running = [], 0
    for choice in _hebrew_choices(current_language()):
        running += counts.get(str(choice.value), 0)
        options.append(f"{choice.chosen if choice.value == selected else choice.plain}{running})</option>")
    return Markup("".join(options))  # noqa: S704 - choices are escaped, counts are ints
