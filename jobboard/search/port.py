"""The search port: what the application asks of a search engine, in types, never in an
engine's own query language. Two engines implement it (``meili.MeilisearchEngine`` and
``embedded.EmbeddedEngine``) and one contract test suite pins their shared behaviour, with
Meilisearch's documented defaults as the reference (typo tolerance 1 typo from 5 letters, 2
from 9; prefix on the last word; facet counts over the whole candidate set; at most 1000 hits).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask_babel import gettext as _
from markupsafe import Markup

MAX_TOTAL_HITS = 1000
MAX_QUERY_WORDS = 10

# Attributes a query may filter and count on, and their kind.
KEYWORD_FACETS = (
    "profession",
    "specialty",
    "region",
    "employer",
    "employment_type",
    "seniority",
    "licence_requirements",
    "grant_programs",
    "languages_required",
)
# Keyword attributes a query may filter on but not count: which of a posting's grant programs a
# doctor may get there (``grants.eligibility.posting_grant_keys``).
FILTER_ONLY_KEYWORDS = ("grant_fits",)
KEYWORD_FILTERS = (*KEYWORD_FACETS, *FILTER_ONLY_KEYWORDS)
NUMERIC_FILTERS = ("hebrew_level_min", "salary_top_ils", "grant_max_ils", "posted_at", "expires_at")


class Sort(enum.StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    SALARY = "salary"
    GRANT = "grant"
    DISTANCE = "distance"

    @property
    def label(self) -> str:
        return {
            "relevance": _("Best match"),
            "newest": _("Newest"),
            "salary": _("Highest salary"),
            "grant": _("Largest grant"),
            "distance": _("Nearest"),
        }[self.value]

    @property
    def needs_city(self) -> bool:
        return self == Sort.DISTANCE


@dataclass(frozen=True)
class AnyOf:
    """The attribute equals one of the values (for a list attribute: contains one of them)."""

    attribute: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Range:
    """Inclusive numeric bounds; either may be open."""

    attribute: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class IsTrue:
    attribute: str


@dataclass(frozen=True)
class Near:
    """Within ``radius_km`` of a vocabulary city (the embedded engine precomputes distances to
    those cities; Meilisearch uses the coordinates)."""

    city: str
    lat: float
    lon: float
    radius_km: float | None = None


Filter = AnyOf | Range | IsTrue


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    filters: tuple[Filter, ...] = ()
    near: Near | None = None
    sort: Sort = Sort.RELEVANCE
    facets: tuple[str, ...] = KEYWORD_FACETS
    page: int = 1
    per_page: int = 20
    # The scope every public search carries: only postings not yet expired at this instant
    # (UNIX seconds). Set by the caller, added by the engine as its own AND term.
    now: int = 0
    # Hits with highlighted, cropped text: the page shows it; feeds and alert digests do not.
    highlight: bool = True
    # The attributes each hit's document needs (None: all of them), as Meilisearch's
    # attributesToRetrieve; an engine may return more.
    attributes: tuple[str, ...] | None = None


@dataclass
class Hit:
    id: int
    document: dict[str, Any]
    highlights: dict[str, Markup] = field(default_factory=dict)
    distance_km: float | None = None


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    total_capped: bool
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    periphery_count: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-min(self.total, MAX_TOTAL_HITS) // self.per_page))


class SearchError(Exception):
    pass


class EngineUnavailable(SearchError):
    """The engine could not answer (down, slow, locked); reads degrade, writes are retried."""


class InvalidQuery(SearchError):
    """The query names something the index cannot filter, sort or count on."""


class SearchWriteFailed(SearchError):
    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


# ``before_swap(upsert, delete)`` of a rebuild: replays changes made while it ran.
LateChanges = Callable[[Callable[[list[dict[str, Any]]], None], Callable[[list[int]], None]], None]


class SearchEngine(Protocol):
    name: str

    def configure(self) -> None:
        """Create the index and apply its settings; safe to repeat."""

    def upsert(self, documents: list[dict[str, Any]]) -> None: ...

    def delete(self, ids: Iterable[int]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def refresh(self) -> None:
        """Block until earlier writes are searchable, or raise SearchWriteFailed."""

    def iter_ids(self) -> set[int]: ...

    def clear(self) -> None: ...

    def rebuild(self, batches: Iterable[list[dict[str, Any]]], before_swap: LateChanges | None = None) -> int:
        """Build a fresh index beside the live one from batches of documents, let
        ``before_swap`` replay changes made meanwhile, then make it live. Returns the count."""
