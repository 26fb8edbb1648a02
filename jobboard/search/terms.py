"""A query that is exactly a vocabulary term, in any language or form ("педиатрии", "בבאר שבע",
"Pédiatrie"), offered as that term's filter: the visitor who typed a specialty, a profession, a
region or a city is one click from every position filed under it, where the text finds only those
that name it."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import NamedTuple

from flask_babel import gettext as _

from jobboard.extensions import db
from jobboard.search.params import RADII_KM, SearchState
from jobboard.search.text import words
from jobboard.vocab.models import City
from jobboard.vocab.seed import vocabulary_data
from jobboard.vocab.spellings import spellings

# Vocabulary file section → the search's parameter, and whether a profession's plural is written.
_KINDS = (
    ("specialties", "specialty", False),
    ("professions", "profession", True),
    ("regions", "region", False),
    ("cities", "city", False),
)
CITY_RADIUS_KM = RADII_KM[1]


class Term(NamedTuple):
    param: str  # "specialty", "profession", "region" or "city"
    slug: str


def _key(text: str) -> str:
    return " ".join(words(text))


@functools.cache
def _lexicon() -> dict[str, tuple[Term, ...]]:
    """Every spelling of every term, as the query's folded words → the terms written so."""
    data = vocabulary_data()
    found: dict[str, list[Term]] = defaultdict(list)
    for section, param, plural in _KINDS:
        for entry in data[section]:
            written = spellings(
                entry["name"], tuple(entry["names"].values()), tuple(entry.get("aliases", ())), plural=plural
            )
            for spelling in (entry["name"], *written):
                key, term = _key(spelling), Term(param, entry["slug"])
                if key and term not in found[key]:
                    found[key].append(term)
    return {key: tuple(terms) for key, terms in found.items()}


def terms_named(text: str) -> tuple[Term, ...]:
    """The vocabulary terms that ``text`` spells exactly, whatever its case, accents and form."""
    return _lexicon().get(_key(text), ())


def offered_filters(state: SearchState, labels: dict[str, dict[str, str]]) -> list[tuple[str, dict[str, object]]]:
    """For a query that names vocabulary terms: each term's filter not already chosen, as a link's
    text and query string (the filter in place of the text)."""
    offered = []
    for term in terms_named(state.text):
        if term.param == "city":
            if state.city == term.slug:
                continue
            city = db.session.get(City, term.slug)
            if city is None:
                continue
            text = _("Positions within %(km)s km of %(city)s", km=CITY_RADIUS_KM, city=city.local_name)
            offered.append((text, state.to_args(q=None, page=None, city=term.slug, km=CITY_RADIUS_KM)))
            continue
        chosen = state.selected.get(term.param, [])
        name = labels.get(term.param, {}).get(term.slug)
        if name is None or term.slug in chosen:
            continue
        text = {
            "specialty": _("Every position in the specialty %(name)s", name=name),
            "profession": _("Every position for the profession %(name)s", name=name),
            "region": _("Every position in the region %(name)s", name=name),
        }[term.param]
        offered.append((text, state.to_args(q=None, page=None, **{term.param: [*chosen, term.slug]})))
    return offered
