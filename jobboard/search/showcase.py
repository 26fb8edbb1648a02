"""Positions shown outside the search page: how many are open and the newest in the periphery (the
home page), those matching a doctor's profession and specialty (the doctor's start page), as
cards. Nothing when the engine cannot answer: the pages stand without them."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from markupsafe import Markup

from jobboard.search.cards import hit_cards
from jobboard.search.documents import LISTED_ATTRIBUTES
from jobboard.search.engine import breaker, get_engine
from jobboard.search.facets import catalogue
from jobboard.search.links import employer_path_prefix, posting_path_prefix
from jobboard.search.port import AnyOf, EngineUnavailable, Filter, IsTrue, SearchQuery, SearchResult, Sort

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Showcase:
    open_positions: int
    more_than: bool  # the count is the engine's cap (MAX_TOTAL_HITS): there are more
    periphery_cards: Markup


def _newest(filters: tuple[Filter, ...], count: int) -> SearchResult:
    return get_engine().search(
        SearchQuery(
            filters=filters,
            sort=Sort.NEWEST,
            facets=(),
            per_page=count,
            now=int(time.time()),
            attributes=LISTED_ATTRIBUTES,
        )
    )


def _unavailable(error: EngineUnavailable) -> None:
    log.warning("search engine unavailable: %s", error)
    breaker().trip()


def showcase(periphery_count: int = 3) -> Showcase | None:
    if breaker().is_open():
        return None
    try:
        everything = get_engine().search(
            SearchQuery(facets=(), per_page=1, now=int(time.time()), highlight=False, attributes=("id",))
        )
        periphery = _newest((IsTrue("is_periphery"),), periphery_count)
    except EngineUnavailable as error:
        _unavailable(error)
        return None
    cards = hit_cards(periphery.hits, posting_path_prefix(), catalogue(), employer_prefix=employer_path_prefix())
    return Showcase(everything.total, everything.total_capped, cards)


def matching(
    profession: str | None, specialty: str | None, count: int = 3, *, besides: frozenset[int] = frozenset()
) -> Markup | None:
    """The newest positions for this profession (and specialty, when given) as cards, but those
    ``besides`` (the ids of postings the doctor applied to); None without a profession, or when
    the engine cannot answer."""
    if profession is None or breaker().is_open():
        return None
    filters: tuple[Filter, ...] = (AnyOf("profession", (profession,)),)
    if specialty:
        filters += (AnyOf("specialty", (specialty,)),)
    try:
        found = _newest(filters, count + len(besides))
    except EngineUnavailable as error:
        _unavailable(error)
        return None
    hits = [hit for hit in found.hits if hit.id not in besides][:count]
    return hit_cards(hits, posting_path_prefix(), catalogue(), employer_prefix=employer_path_prefix())
