"""The embedded search engine, built on Tantivy, realising the contract in ``port.py`` with
Meilisearch's defaults as the reference (see ``research/search.md`` section b).

- Text is indexed folded by ``text.normalise``, the fold that queries, highlights and exclusions
  use too: Tantivy's analyzer only splits words (its ASCII folding disagreed with the Python fold
  on letters such as ł and ß).
- Typos are not Tantivy's fuzzy queries (their scores are flat, they count a first-letter edit
  as one typo and they yield no highlights): each query word is expanded against the index's
  own vocabulary with rapidfuzz (OSA distance on the letters after the first; a different
  first letter is allowed only for words of 9+ letters with the rest equal, as it costs two),
  and the concrete terms are queried. The last word also matches as a prefix, and two or three
  adjacent words may match as one term (at one typo's cost). A quoted phrase is required word
  for word, in order, within one field; with one, every other word may drop out, the first too,
  as Meilisearch makes a phrase mandatory and every other term optional (its query graph's
  removal order for the "last" strategy). Vocabulary city names of several words are quoted
  first (``places.py``).
- Ranking follows Meilisearch's buckets: documents with more of the query words (dropping
  words from the right) first, then fewer typos in total, then the requested sort or BM25 with
  field boosts spaced so the attribute order wins. A typo tier is the union of the per-word typo
  counts with that sum; for a long query whose words match at many typo counts (more than
  MAX_TYPO_COMBINATIONS combinations), tiers count the most typos of any one word instead.
- Distances: instead of search.md's ``near`` tokens, every document stores its distance in
  metres to each vocabulary city (a few dozen integer fast fields). A radius is then an exact
  range query, counted by the facet aggregation, and a distance sort is a native field sort.
  Free points are not needed (the page offers "within N km of a city"); changing the city
  vocabulary needs a reindex.
- One writer per index directory across processes (Tantivy's lock): the outbox worker, or the
  eager drain in development. Readers reload when the index's generation file changes.
- Facets are counted from a few single-valued columns (``FACET_COLUMNS``), each holding one key
  per document made of its values of several facets (a list facet's whole set as one part):
  Tantivy's terms aggregation costs per column and matching document, a multi-valued column
  several times a single-valued one, and these combinations are few, so the per-value counts are
  summed from the combination counts. The first column is counted on every search and also
  gives the total. Every part holds a value for every document (``NO_VALUE`` where it has none,
  left out of the counts): a column with gaps counts two to four times slower.
- A field sort of a broad search (newest first over the whole index, say) first sorts only the
  documents in a window at the sorting end of the field, sized from the field's histogram and
  the search's total to hold its page several times over; when the window holds too few, the
  search sorts all its documents. Sorting costs in proportion to what it looks at, so a broad
  search at 100,000 postings costs about what it does at 10,000. The window is a range of the
  field's steps, indexed apart from the field (``WINDOW_STEPS``).
- Which documents hold a word (for the counts, and for excluded words) is read from one field
  holding all the searchable text without frequencies (``MATCH_FIELD``); the six scored fields
  serve the ranking.
- The document a hit shows is stored as ASCII JSON text, uncompressed, in small blocks (4 KB,
  not 16): a page reads twenty documents from all over the store, and unpacking a compressed
  block for each cost more than the rest of reading it. The store takes about twice the disk.
  The attributes a list of hits shows (``LISTED_ATTRIBUTES``) are stored apart from the rest,
  so a search asking for no more decodes half the JSON.
- ``rebuild`` fills a new directory and switches the ``CURRENT`` pointer, so the site keeps
  serving from the old index meanwhile.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
import re
import shutil
import threading
import time
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TypeVar

import orjson
import tantivy
from rapidfuzz import process
from rapidfuzz.distance import OSA

from jobboard.search.documents import LISTED_ATTRIBUTES, SEARCHABLE_ATTRIBUTES
from jobboard.search.places import quote_city_names
from jobboard.search.port import (
    KEYWORD_FACETS,
    MAX_TOTAL_HITS,
    AnyOf,
    EngineUnavailable,
    Hit,
    InvalidQuery,
    IsTrue,
    LateChanges,
    Near,
    Range,
    SearchQuery,
    SearchResult,
    Sort,
)
from jobboard.search.text import Highlighter, lead_end, normalise, query_words, typo_budget, words

Occur = tantivy.Occur
INT = tantivy.FieldType.Integer

# Searchable fields of the Tantivy schema, each gathering document attributes, with boosts
# spaced widely so that the attribute order beats BM25 (contract C5 v).
TEXT_FIELDS: dict[str, tuple[tuple[str, ...], float]] = {
    "t_title": (("title",), 1e6),
    "t_specialty": (("specialty_label", "specialty_aliases"), 1e5),
    "t_profession": (("profession_label",), 1e4),
    "t_employer": (("employer_name",), 1e3),
    "t_place": (("city_name", "city_aliases", "region_label"), 1e2),
    "t_description": (("description_text",), 1.0),
}
# Every searchable word once more, in one field indexed without frequencies or positions: which
# documents hold a word is read from it (the candidates that are counted, excluded words), as
# counting the same documents through a union over the six fields cost up to twice as much.
MATCH_FIELD = "t_any"
INT_FIELDS = ("hebrew_level_min", "salary_top_ils", "grant_max_ils", "posted_at", "expires_at")
# An integer attribute without a value (no salary given) is stored as -1, below every value
# (none is negative): a column with gaps costs several times as much to filter on, and the
# descending sorts put -1 after every value, where Meilisearch puts documents without one.
MISSING_NUMBER = -1
SORT_FIELDS = {Sort.NEWEST: ("posted_at", True), Sort.SALARY: ("salary_top_ils", True), Sort.GRANT: ("grant_max_ils", True)}
MAX_EXPANDED_WORDS = 10_000  # query words whose expansions (and word queries) are kept
MAX_EXPANSION = {1: 150, 2: 50}  # Meilisearch's caps on terms per query word, by typo count
MAX_TYPO_COMBINATIONS = 81  # per-word typo counts combined into total-typo tiers (four words of three counts)
ANALYZER = "folded"
STORED_ONLY = "stored_only"  # an analyzer matching nothing
LISTED_FIELD, REST_FIELD = "listed", "rest"  # the stored document: what lists of hits show, the rest
LISTED = frozenset(LISTED_ATTRIBUTES)
LIST_FACETS = ("licence_requirements", "grant_programs", "languages_required")
# Facets counted together, each tuple from one column. The first is counted on every search: it
# holds every document's region, and the Hebrew level, whose counts the search page always shows.
# Facets with few values share a column: a column costs per matching document and the result per
# combination, so facets whose combinations stay few (a specialty implies its profession, a region
# its periphery) are cheaper together.
FACET_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("region", "is_periphery", "hebrew_level_min"),
    ("profession", "specialty"),
    ("employment_type", "seniority"),
    ("licence_requirements",),
    ("employer",),
    ("grant_programs",),
    ("languages_required",),
)
COUNTABLE = frozenset(part for column in FACET_COLUMNS for part in column) - {"is_periphery"}
PART_SEPARATOR = "\x1e"
SET_SEPARATOR = "\x1f"
NO_VALUE = ""
MAX_COMBINATION_BUCKETS = 10_000
MAX_FACET_VALUES = 100  # as Meilisearch's maxValuesPerFacet
SCHEMA_VERSION = 9
# Sorting a broad search looks first at a window of the index sized to hold this many times the
# documents a page needs (``EmbeddedEngine._window``), in steps of its sort field. Each sort field's
# steps are indexed once more (``_step_field``), not as a fast field: a range of them is read from
# the terms and knows how many documents it holds, so the window leads the search's intersection,
# where a range of the fast field is checked on every candidate of the other clauses.
WINDOW_SLACK = 4
WINDOW_STEPS = {"posted_at": 86_400, "salary_top_ils": 1_000, "grant_max_ils": 1_000}
DISTANCE_STEP_M = 2_000
WRITER_HEAP_BYTES = 15_000_000
# A rebuild writes the whole index in one go: a large heap leaves it in few segments, which
# every search then visits fewer times.
REBUILD_HEAP_BYTES = 256_000_000
DOCSTORE_BLOCK_BYTES = 4_096
assert {a for attrs, _ in TEXT_FIELDS.values() for a in attrs} == set(SEARCHABLE_ATTRIBUTES)
assert COUNTABLE == {*KEYWORD_FACETS, "hebrew_level_min"}


@dataclass(frozen=True)
class CityPoint:
    slug: str
    lat: float
    lon: float

    @property
    def field(self) -> str:
        return "dist_" + self.slug.replace("-", "_")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return int(round(2 * 6_371_008.8 * math.asin(math.sqrt(a))))


_NEGATED = re.compile(r"(?:^|(?<=\s))-(\S+)")
_PHRASE = re.compile(r'"([^"]*)"')


def split_negated(text: str) -> tuple[str, list[str]]:
    """The query without its "-word" exclusions, and the excluded words."""
    negated = [word for token in _NEGATED.findall(text) for word in words(token)]
    return _NEGATED.sub(" ", text), negated


def split_phrases(text: str) -> tuple[str, list[list[str]]]:
    """The query without its quoted phrases, and the words of each phrase."""
    phrases = [found for found in (words(phrase) for phrase in _PHRASE.findall(text)) if found]
    return _PHRASE.sub(" ", text), phrases


def _step_field(field: str) -> str:
    return field + "__step"


def _column_field(column: tuple[str, ...]) -> str:
    return "facets__" + "__".join(column)


def _facet_part(document: dict[str, Any], name: str) -> str:
    value = document.get(name)
    if name in LIST_FACETS:
        return SET_SEPARATOR.join(sorted({str(item) for item in value or ()}))
    if isinstance(value, bool):
        return "true" if value else "false"
    return NO_VALUE if value is None else str(value)


def _combination(column: tuple[str, ...], key: str) -> tuple[tuple[str, str], ...]:
    """A facet column's key as (facet, value) pairs, one per value of a list facet, leaving out
    the facets without a value."""
    return tuple((part, value)
                 for part, values in zip(column, key.split(PART_SEPARATOR)) if values != NO_VALUE
                 for value in (values.split(SET_SEPARATOR) if part in LIST_FACETS else (values,)))


Bucket = Callable[[], tantivy.Query]  # a ranking bucket's query, built when asked for
K = TypeVar("K")
V = TypeVar("V")


def _kept(cache: dict[K, V], key: K, limit: int, make: Callable[..., V], *args: Any) -> V:
    """``cache[key]``, made by ``make(*args)`` on first use; a cache that reaches ``limit``
    entries is emptied first, so it stays bounded."""
    found = cache.get(key)
    if found is None:
        if len(cache) >= limit:
            cache.clear()
        found = cache[key] = make(*args)
    return found


# Each column's keys as parsed so far, looked up per bucket of every search.
_COMBINATIONS: dict[tuple[str, ...], dict[str, tuple[tuple[str, str], ...]]] = {c: {} for c in FACET_COLUMNS}
MAX_PARSED_KEYS = 4096  # per column


@functools.lru_cache(maxsize=64)
def _facet_plan(names: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], ...], dict[str, Any]]:
    """The columns that count ``names`` (the first always: it gives the total) and the
    aggregation request for them."""
    unknown = set(names) - COUNTABLE
    if unknown:
        raise InvalidQuery(f"cannot count on {', '.join(sorted(unknown))}")
    columns = (FACET_COLUMNS[0], *(c for c in FACET_COLUMNS[1:] if set(c) & set(names)))
    return columns, {_column_field(column): {"terms": {"field": _column_field(column), "size": MAX_COMBINATION_BUCKETS}}
                     for column in columns}


def _json(value: Any) -> str:
    """ASCII JSON (other characters as \\u escapes): Python keeps an ASCII string as UTF-8 already,
    so decoding it reads the stored text as it is, where a Hebrew alias would cost a re-encoding."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


def _facet_key(key: Any) -> str:
    # Numeric buckets come back as floats; Meilisearch names them "2", not "2.0".
    return str(int(key)) if isinstance(key, float) else str(key)


class Vocabulary:
    """The index's terms, bucketed for typo and prefix expansion; rebuilt per reader generation."""

    def __init__(self, terms: set[str]):
        self.terms = terms
        self.by_first: dict[str, list[str]] = defaultdict(list)
        self.by_tail: dict[str, list[str]] = defaultdict(list)
        for term in sorted(terms):
            self.by_first[term[0]].append(term)
            if len(term) >= 9:
                self.by_tail[term[1:]].append(term)
        self._expanded: dict[tuple[str, bool], dict[str, int]] = {}

    def expand(self, word: str, *, prefix: bool) -> dict[str, int]:
        """Concrete terms the word may stand for, each with its typo count (a new dict: the caller
        may add to it). Kept per word, as searches repeat words while the vocabulary stays."""
        return dict(_kept(self._expanded, (word, prefix), MAX_EXPANDED_WORDS, self._expand, word, prefix))

    def _expand(self, word: str, prefix: bool) -> dict[str, int]:
        budget = typo_budget(word)
        found: dict[str, int] = {}
        if word in self.terms:
            found[word] = 0
        bucket = self.by_first.get(word[0], [])
        if prefix:
            for term in bucket:
                if term.startswith(word):
                    found.setdefault(term, 0)
        if budget:
            tail = word[1:]
            comparisons = [[t for t in bucket if abs(len(t) - len(word)) <= budget]]
            if prefix:  # the last word may also be the start of a longer term
                comparisons.append([t for t in bucket if len(t) > len(word)])
            for kind, candidates in enumerate(comparisons):
                texts = [t[1:len(word)] if kind else t[1:] for t in candidates]
                for _, distance, position in process.extract(
                    tail, texts, scorer=OSA.distance, score_cutoff=budget, limit=None
                ):
                    term = candidates[position]
                    found[term] = min(found.get(term, budget), int(distance))
            if budget >= 2:
                for term in self.by_tail.get(tail, []):
                    found.setdefault(term, 2)
        kept: dict[str, int] = {t: d for t, d in found.items() if d == 0}
        for typos in (1, 2):
            extra = [t for t, d in found.items() if d == typos][: MAX_EXPANSION[typos]]
            kept.update((t, typos) for t in extra)
        return kept

    def add_concatenations(self, words: list[str], expansions: list[dict[str, int]]) -> None:
        """Two or three adjacent query words written as one ("tele medicine" for telemedicine)
        stand for each of those words, at the cost of one typo in all: the first word bears it."""
        for start in range(len(words)):
            for length in (2, 3):
                joined = "".join(words[start:start + length])
                if start + length <= len(words) and joined in self.terms:
                    for position, expansion in enumerate(expansions[start:start + length]):
                        expansion.setdefault(joined, 0 if position else 1)


class EmbeddedEngine:
    name = "embedded"

    def __init__(self, root: Path | str, cities: Iterable[CityPoint]):
        self.root = Path(root)
        self.cities = {city.slug: city for city in cities}
        self._window_steps = {**WINDOW_STEPS, **{city.field: DISTANCE_STEP_M for city in self.cities.values()}}
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._index: tantivy.Index | None = None
        self._schema: tantivy.Schema | None = None
        self._loaded: tuple[str, str] | None = None  # (directory, generation) the reader shows
        self._vocabulary: Vocabulary | None = None
        self._histograms: dict[str, tuple[int, list[tuple[int, int]]]] = {}  # for the loaded generation
        self._word_queries: dict[tuple[str, ...], tantivy.Query] = {}  # for the loaded generation
        self._match_queries: dict[tuple[str, ...], tantivy.Query] = {}  # likewise
        self._checked_at = 0.0

    # --- files and schema ----------------------------------------------------------------

    def _build_schema(self) -> tantivy.Schema:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_integer_field("pk", indexed=True, fast=True)
        for name in TEXT_FIELDS:
            builder.add_text_field(name, tokenizer_name=ANALYZER)
        builder.add_text_field(MATCH_FIELD, tokenizer_name=ANALYZER, index_option="basic")
        for name in KEYWORD_FACETS:
            builder.add_text_field(name, fast=True, tokenizer_name="raw")
        for column in FACET_COLUMNS:
            builder.add_text_field(_column_field(column), fast=True, tokenizer_name="raw")
        builder.add_boolean_field("is_periphery", indexed=True, fast=True)
        for name in INT_FIELDS:
            builder.add_integer_field(name, indexed=True, fast=True)
        for city in self.cities.values():
            builder.add_integer_field(city.field, indexed=True, fast=True)
        for field in self._window_steps:
            builder.add_integer_field(_step_field(field), indexed=True)
        # The document as stored JSON text, not bytes: Tantivy reads a stored string in one copy and
        # bytes one by one. Its analyzer yields no token, so the text is stored and not indexed.
        for name in (LISTED_FIELD, REST_FIELD):
            builder.add_text_field(name, stored=True, index_option="basic", tokenizer_name=STORED_ONLY)
        return builder.build()

    def _open(self, directory: Path) -> tantivy.Index:
        schema = self._build_schema()
        index = tantivy.Index(schema, path=str(directory), reuse=True)
        # Text arrives folded (``_tantivy_document``): the analyzer only splits words, so that what
        # is indexed and what a query compares are folded by the one function, ``text.normalise``.
        analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
        index.register_tokenizer(ANALYZER, analyzer.build())
        index.register_tokenizer(STORED_ONLY, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"[^\s\S]")).build())
        self._schema = schema
        return index

    def _meta(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "cities": sorted(self.cities)}

    def _current_directory(self) -> Path | None:
        pointer = self.root / "CURRENT"
        if not pointer.exists():
            return None
        directory = self.root / pointer.read_text().strip()
        meta_file = directory / "jobboard-meta.json"
        if not meta_file.exists() or json.loads(meta_file.read_text()) != self._meta():
            return None  # built for another schema or city vocabulary: a reindex replaces it
        return directory

    def _new_directory(self) -> Path:
        directory = self.root / f"index-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
        directory.mkdir(parents=True)
        self._open(directory)
        # Tantivy keeps its index settings in meta.json, which the Python binding does not set:
        # stored documents go uncompressed in smaller blocks than the default 16 KB (see the notes at the top).
        tantivy_meta = directory / "meta.json"
        settings = json.loads(tantivy_meta.read_text())
        settings["index_settings"]["docstore_blocksize"] = DOCSTORE_BLOCK_BYTES
        settings["index_settings"]["docstore_compression"] = "none"
        tantivy_meta.write_text(json.dumps(settings))
        (directory / "jobboard-meta.json").write_text(json.dumps(self._meta()))
        (directory / "GENERATION").write_text("0")
        return directory

    def _make_current(self, directory: Path) -> None:
        temporary = self.root / f"CURRENT.{uuid.uuid4().hex}"
        temporary.write_text(directory.name)
        os.replace(temporary, self.root / "CURRENT")
        for old in self.root.glob("index-*"):
            if old != directory:
                shutil.rmtree(old, ignore_errors=True)

    def configure(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self._current_directory() is None:
            self._make_current(self._new_directory())
        self._loaded = None

    # --- reading -------------------------------------------------------------------------

    def _reader(self) -> tuple[tantivy.Index, Vocabulary]:
        """The index as of its latest commit (checked at most every 50 ms) and its vocabulary."""
        with self._read_lock:
            now = time.monotonic()
            if self._loaded is None or now - self._checked_at > 0.05:
                self._checked_at = now
                directory = self._current_directory()
                if directory is None:
                    self.configure()
                    directory = self._current_directory()
                assert directory is not None
                generation = (directory / "GENERATION").read_text()
                if self._loaded != (str(directory), generation):
                    if self._index is None or self._loaded is None or self._loaded[0] != str(directory):
                        self._index = self._open(directory)
                    self._index.reload()
                    self._vocabulary = self._read_vocabulary(self._index.searcher())
                    self._histograms = {}
                    self._word_queries = {}
                    self._match_queries = {}
                    self._loaded = (str(directory), generation)
            assert self._index is not None and self._vocabulary is not None
            return self._index, self._vocabulary

    @staticmethod
    def _read_vocabulary(searcher: tantivy.Searcher) -> Vocabulary:
        return Vocabulary({term for term, _count in searcher.terms_with_prefix(MATCH_FIELD, "")})

    def _filter_queries(self, query: SearchQuery) -> list[tantivy.Query]:
        schema = self._schema
        clauses = [tantivy.Query.range_query(schema, "expires_at", INT, lower_bound=query.now, include_lower=False)]
        for condition in query.filters:
            if isinstance(condition, AnyOf):
                if condition.attribute not in KEYWORD_FACETS:
                    raise InvalidQuery(f"cannot filter on {condition.attribute}")
                clauses.append(self._any_term(condition.attribute, list(condition.values)))
            elif isinstance(condition, Range):
                if condition.attribute not in INT_FIELDS:
                    raise InvalidQuery(f"cannot filter on {condition.attribute}")
                clauses.append(tantivy.Query.range_query(
                    schema, condition.attribute, INT,
                    lower_bound=max(0, math.ceil(condition.minimum or 0)),  # never MISSING_NUMBER
                    upper_bound=None if condition.maximum is None else math.floor(condition.maximum),
                ))
            elif isinstance(condition, IsTrue):
                if condition.attribute != "is_periphery":
                    raise InvalidQuery(f"cannot filter on {condition.attribute}")
                clauses.append(tantivy.Query.term_query(schema, "is_periphery", True))
        if query.near is not None and query.near.radius_km is not None:
            clauses.append(tantivy.Query.range_query(
                schema, self._city(query.near).field, INT, upper_bound=int(query.near.radius_km * 1000)
            ))
        return clauses

    def _city(self, near: Near) -> CityPoint:
        city = self.cities.get(near.city)
        if city is None:
            raise InvalidQuery(f"unknown city {near.city}")
        return city

    def _any_term(self, field: str, values: list[Any]) -> tantivy.Query:
        # A term-set query compiles an automaton (about 1 ms each); a few plain term queries
        # in a Should clause are far cheaper, so sets are used only for long lists.
        if len(values) > 16:
            return tantivy.Query.term_set_query(self._schema, field, values)
        if len(values) == 1:
            return tantivy.Query.term_query(self._schema, field, values[0])
        return tantivy.Query.boolean_query(
            [(Occur.Should, tantivy.Query.term_query(self._schema, field, value)) for value in values]
        )

    def _word_query(self, terms: dict[str, int], max_typos: int) -> tantivy.Query | None:
        """Any of the terms with at most ``max_typos`` in any searchable field; kept per set of
        terms for the loaded generation, as building one costs a call per field and term."""
        chosen = tuple(t for t, d in terms.items() if d <= max_typos)
        if not chosen:
            return None
        return _kept(self._word_queries, chosen, MAX_EXPANDED_WORDS, self._any_text_field, chosen)

    def _word_match(self, terms: Iterable[str]) -> tantivy.Query:
        """Any of the terms in any searchable field, for matching only (``MATCH_FIELD``); kept
        like word queries."""
        chosen = tuple(terms)
        return _kept(self._match_queries, chosen, MAX_EXPANDED_WORDS, self._any_term, MATCH_FIELD, list(chosen))

    def _any_text_field(self, terms: tuple[str, ...]) -> tantivy.Query:
        return tantivy.Query.boolean_query([
            (Occur.Should, tantivy.Query.boost_query(self._any_term(name, list(terms)), boost))
            for name, (_attrs, boost) in TEXT_FIELDS.items()
        ])

    def _phrase_query(self, phrase: list[str]) -> tantivy.Query:
        """The words in this order, next to each other and without typos, in any searchable field."""
        def in_field(name: str) -> tantivy.Query:
            if len(phrase) == 1:
                return tantivy.Query.term_query(self._schema, name, phrase[0])
            return tantivy.Query.phrase_query(self._schema, name, phrase)

        return tantivy.Query.boolean_query([(Occur.Should, in_field(name)) for name in TEXT_FIELDS])

    @staticmethod
    def _all(clauses: list[tantivy.Query], excluded: list[tantivy.Query] = ()) -> tantivy.Query:  # type: ignore[assignment]
        return tantivy.Query.boolean_query(
            [(Occur.Must, c) for c in clauses] + [(Occur.MustNot, c) for c in excluded]
        )

    def search(self, query: SearchQuery) -> SearchResult:
        index, vocabulary = self._reader()
        searcher = index.searcher()
        text, phrases = split_phrases(quote_city_names(query.text))
        text, negated = split_negated(text)
        # A quoted phrase is required as written; "-word" excludes the word exactly (contract C5).
        filters = [*self._filter_queries(query), *(self._phrase_query(phrase) for phrase in phrases)]
        words = query_words(text)
        excluded_words = [self._word_match([w]) for w in negated]
        expansions = [vocabulary.expand(w, prefix=i == len(words) - 1) for i, w in enumerate(words)]
        vocabulary.add_concatenations(words, expansions)
        matched_terms = {t for terms in expansions for t in terms} | {w for phrase in phrases for w in phrase}

        buckets: Iterable[Bucket]
        if not words:
            candidates = self._all([tantivy.Query.all_query(), *filters], excluded_words) \
                if filters or excluded_words else tantivy.Query.all_query()
            buckets = [lambda: candidates]
        elif not expansions[0] and not phrases:
            candidates = None
        else:
            word_queries = [{t: self._word_query(terms, t) for t in (0, 1, 2)} for terms in expansions]
            buckets = self._ranking_buckets(word_queries, expansions, filters, excluded_words, bool(phrases))
            # With a phrase, the phrase alone is required (as in Meilisearch, see the notes at the top).
            candidates = self._all(filters, excluded_words) if phrases else \
                self._all([self._word_match(expansions[0]), *filters], excluded_words)

        if candidates is None:
            return SearchResult(hits=[], total=0, total_capped=False, page=query.page, per_page=query.per_page)
        facets, total, periphery = self._facets(searcher, candidates, query.facets)
        hits = self._page(searcher, buckets, query, matched_terms, total) if total else []
        return SearchResult(
            hits=hits, total=min(total, MAX_TOTAL_HITS), total_capped=total > MAX_TOTAL_HITS,
            page=query.page, per_page=query.per_page, facets=facets, periphery_count=periphery,
        )

    def _ranking_buckets(self, word_queries: list[dict[int, tantivy.Query | None]], expansions: list[dict[str, int]],
                         filters: list[tantivy.Query], excluded: list[tantivy.Query],
                         phrased: bool) -> Iterator[Bucket]:
        """The ranking buckets in rank order: k words matched, then fewer typos in total, and when
        the query has a phrase (among the filters), the phrase without any of the words. Each comes
        as a function that builds it, called when the page reaches it: a bucket copies every word
        query it holds, and most pages are filled from the first."""
        usable = len(word_queries)
        while usable and word_queries[usable - 1][2] is None:
            usable -= 1  # a word with no match at all only drops out, as in Meilisearch
        higher: list[tantivy.Query] = []
        for k in range(usable, 0, -1):
            if any(word_queries[i][2] is None for i in range(k)):
                continue
            earlier_tiers: list[tantivy.Query] = []
            for tier_query in self._typo_tiers(word_queries[:k], expansions[:k]):
                yield functools.partial(self._all, [tier_query, *filters], higher + earlier_tiers + excluded)
                earlier_tiers.append(tier_query)
            higher = higher + [self._all([word_queries[i][2] for i in range(k)])]
        if phrased:  # the last of ``higher`` holds every document with the first word
            yield functools.partial(self._all, filters, higher[-1:] + excluded)

    def _typo_tiers(self, word_queries: list[dict[int, tantivy.Query | None]],
                    expansions: list[dict[str, int]]) -> Iterator[tantivy.Query]:
        """Queries matching all the words, one per total of typos, fewest first: a document's total
        is the sum over the words of the fewest typos at which it matches each. A tier is any
        combination of per-word typo counts with that sum; with more than MAX_TYPO_COMBINATIONS
        combinations, tiers count the most typos of any one word instead."""
        def every_word(parts: list[tantivy.Query | None]) -> tantivy.Query | None:
            present = [part for part in parts if part is not None]
            return self._all(present) if len(present) == len(parts) else None

        levels = [sorted(set(terms.values())) for terms in expansions]  # the typo counts each word has
        combinations = list(itertools.product(*levels))
        if len(combinations) > MAX_TYPO_COMBINATIONS:
            by_most = (every_word([word[t] for word in word_queries]) for t in (0, 1, 2))
            yield from (tier for tier in by_most if tier is not None)
            return
        by_total: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for combination in combinations:
            by_total[sum(combination)].append(combination)
        for _total, alike in sorted(by_total.items()):
            alternatives = [query for query in (every_word([word[t] for word, t in zip(word_queries, combination)])
                                                for combination in alike) if query is not None]
            if alternatives:
                yield alternatives[0] if len(alternatives) == 1 else \
                    tantivy.Query.boolean_query([(Occur.Should, query) for query in alternatives])

    def _facets(self, searcher: tantivy.Searcher, candidates: tantivy.Query,
                names: tuple[str, ...]) -> tuple[dict[str, dict[str, int]], int, int]:
        columns, request = _facet_plan(names)
        result = searcher.aggregate(candidates, request)
        tallies: dict[str, dict[str, int]] = {part: {} for column in columns for part in column}
        for column, field in zip(columns, request):
            found = result[field]
            if found.get("sum_other_doc_count"):  # more combinations than buckets: count part by part
                self._count_parts(searcher, candidates, list(column), tallies)
                continue
            parsed = _COMBINATIONS[column]
            for bucket in found["buckets"]:
                key = bucket["key"]
                pairs = parsed.get(key)  # looked up inline first: this loop runs per bucket
                if pairs is None:
                    pairs = _kept(parsed, key, MAX_PARSED_KEYS, _combination, column, key)
                count = bucket["doc_count"]
                for part, value in pairs:
                    tally = tallies[part]
                    tally[value] = tally.get(value, 0) + count
        periphery = tallies["is_periphery"]
        facets = {name: tallies[name] if len(tallies[name]) <= MAX_FACET_VALUES else
                  dict(sorted(tallies[name].items(), key=lambda item: (-item[1], item[0]))[:MAX_FACET_VALUES])
                  for name in names}
        return facets, sum(periphery.values()), periphery.get("true", 0)

    @staticmethod
    def _count_parts(searcher: tantivy.Searcher, candidates: tantivy.Query, parts: list[str],
                     tallies: dict[str, dict[str, int]]) -> None:
        """Counts from each facet's own field (multi-valued for a list facet)."""
        result = searcher.aggregate(candidates, {
            part: {"terms": {"field": part, "size": MAX_FACET_VALUES}} for part in parts
        })
        for part in parts:
            for bucket in result[part]["buckets"]:
                key = bucket.get("key_as_string") if part == "is_periphery" else _facet_key(bucket["key"])
                if key != NO_VALUE:
                    tallies[part][key] = tallies[part].get(key, 0) + bucket["doc_count"]

    def _order(self, query: SearchQuery) -> tuple[str | None, bool]:
        if query.sort == Sort.DISTANCE:
            if query.near is None:
                raise InvalidQuery("sorting by distance needs a city")
            return self._city(query.near).field, False
        if query.sort in SORT_FIELDS:
            return SORT_FIELDS[query.sort]
        if query.sort == Sort.RELEVANCE and not query.text.strip():
            return SORT_FIELDS[Sort.NEWEST]
        return None, False

    def _page(self, searcher: tantivy.Searcher, buckets: Iterable[Bucket],
              query: SearchQuery, matched: set[str], total: int) -> list[Hit]:
        start = (query.page - 1) * query.per_page
        stop = min(start + query.per_page, MAX_TOTAL_HITS)
        if start >= stop:
            return []
        field, descending = self._order(query)
        addresses: list[Any] = []
        pending = iter(buckets)
        build, following = next(pending, None), next(pending, None)
        lone = following is None  # then it holds all the candidates, so how many match it is known
        while build is not None:
            bucket, needed = build(), stop - len(addresses)
            if field is None:
                addresses.extend(address for _score, address in searcher.search(bucket, limit=needed, count=False).hits)
            else:
                addresses.extend(self._sorted(searcher, bucket, field, descending, needed, total if lone else None))
            if len(addresses) >= stop:
                break
            build, following = following, next(pending, None)
        highlight = Highlighter(matched) if query.highlight else None
        listed_only = query.attributes is not None and LISTED.issuperset(query.attributes)
        return [self._hit(searcher.doc(address), listed_only, query, highlight) for address in addresses[start:stop]]

    def _sorted(self, searcher: tantivy.Searcher, query: tantivy.Query, field: str, descending: bool,
                needed: int, matching: int | None) -> list[Any]:
        """The first ``needed`` documents of ``query`` by ``field``. Documents without a value
        come after those with one: they hold MISSING_NUMBER, and the one field sorted ascending, a
        distance, is never missing."""
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        window = self._window(searcher, field, descending, needed, matching) if matching else None
        if window is not None:
            found = searcher.search(self._all([query, window]), limit=needed, count=False,
                                    order_by_field=field, order=order).hits
            if len(found) == needed:  # every candidate outside the window comes after these
                return [address for _value, address in found]
        return [address for _value, address in searcher.search(
            query, limit=needed, count=False, order_by_field=field, order=order).hits]

    def _window(self, searcher: tantivy.Searcher, field: str, descending: bool, needed: int,
                matching: int) -> tantivy.Query | None:
        """The steps of ``field`` at its sorting end that should hold ``needed`` of the ``matching``
        candidates WINDOW_SLACK times over, if they are spread over the index like all documents:
        sorting within them costs a fraction of sorting all the candidates of a broad search. None
        when the window would cover half the index."""
        wanted = needed * WINDOW_SLACK * searcher.num_docs / matching
        if wanted >= searcher.num_docs / 2:
            return None
        step, counts = self._histogram(searcher, field)
        seen = 0
        for key, count in reversed(counts) if descending else counts:
            seen += count
            if seen >= wanted:
                bounds = {"lower_bound" if descending else "upper_bound": key // step}
                return tantivy.Query.range_query(self._schema, _step_field(field), INT, **bounds)
        return None

    def _histogram(self, searcher: tantivy.Searcher, field: str) -> tuple[int, list[tuple[int, int]]]:
        """How the index's values of a sort field are spread over its steps: (step, [(step start,
        count)]) in ascending order, worked out once per reader generation."""
        found = self._histograms.get(field)
        if found is None:
            step = self._window_steps[field]
            result = searcher.aggregate(tantivy.Query.all_query(),
                                        {field: {"histogram": {"field": field, "interval": step}}})
            found = step, [(int(b["key"]), b["doc_count"]) for b in result[field]["buckets"]]
            self._histograms[field] = found
        return found

    def _hit(self, found: tantivy.Document, listed_only: bool, query: SearchQuery,
             highlight: Highlighter | None) -> Hit:
        stored = orjson.loads(found.get_first(LISTED_FIELD))
        document = stored["document"]
        if not listed_only:
            document.update(orjson.loads(found.get_first(REST_FIELD)))
        highlights = {
            "title": highlight(document["title"]),
            "specialty_label": highlight(document.get("specialty_label") or ""),
            "description_text": highlight(document["description_text"], crop=True, lead_end_at=stored["lead_end"]),
        } if highlight is not None else {}
        distance = None
        if query.near is not None:
            geo = document["_geo"]
            distance = haversine_m(query.near.lat, query.near.lon, geo["lat"], geo["lng"]) / 1000
        return Hit(id=document["id"], document=document, highlights=highlights, distance_km=distance)

    # --- writing -------------------------------------------------------------------------

    def _tantivy_document(self, document: dict[str, Any]) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_text("id", str(document["id"]))
        doc.add_integer("pk", document["id"])
        for name, (attributes, _boost) in TEXT_FIELDS.items():
            for attribute in attributes:
                value = document.get(attribute)
                for text in value if isinstance(value, list) else [value]:
                    if text:
                        folded = normalise(text)
                        doc.add_text(name, folded)
                        doc.add_text(MATCH_FIELD, folded)
        for name in KEYWORD_FACETS:
            value = document.get(name)
            if name in LIST_FACETS:
                for item in value or ():
                    doc.add_text(name, str(item))
            else:
                doc.add_text(name, NO_VALUE if value is None else str(value))
        for column in FACET_COLUMNS:
            doc.add_text(_column_field(column), PART_SEPARATOR.join(_facet_part(document, part) for part in column))
        doc.add_boolean("is_periphery", bool(document["is_periphery"]))
        for name in INT_FIELDS:
            value = document.get(name)
            self._add_number(doc, name, MISSING_NUMBER if value is None else int(value))
        geo = document["_geo"]
        for city in self.cities.values():
            self._add_number(doc, city.field, haversine_m(city.lat, city.lon, geo["lat"], geo["lng"]))
        # The description's crop for hits where no word matches is worked out once, here.
        listed = {name: value for name, value in document.items() if name in LISTED}
        rest = {name: value for name, value in document.items() if name not in LISTED}
        doc.add_text(LISTED_FIELD, _json({"document": listed, "lead_end": lead_end(document["description_text"])}))
        doc.add_text(REST_FIELD, _json(rest))
        return doc

    def _add_number(self, doc: tantivy.Document, field: str, number: int) -> None:
        """The number, and for a sort field also its window step."""
        doc.add_integer(field, number)
        step = self._window_steps.get(field)
        if step is not None:
            doc.add_integer(_step_field(field), number // step)

    @contextmanager
    def _writer(self, directory: Path | None = None, heap_size: int = WRITER_HEAP_BYTES) -> Iterator[tantivy.IndexWriter]:
        with self._write_lock:
            target = directory or self._current_directory()
            if target is None:
                self.configure()
                target = self._current_directory()
            assert target is not None
            index = self._open(target) if directory is not None or self._index is None \
                or self._loaded is None or self._loaded[0] != str(target) else self._index
            try:
                writer = index.writer(heap_size=heap_size, num_threads=1)
            except ValueError as error:  # another process holds the index's write lock
                raise EngineUnavailable(f"the search index is being written by another process: {error}") from error
            yield writer
            writer.commit()
            writer.wait_merging_threads()
            generation_file = target / "GENERATION"
            generation_file.write_text(str(int(generation_file.read_text() or 0) + 1))

    def _write(self, writer: tantivy.IndexWriter, documents: list[dict[str, Any]]) -> None:
        for document in documents:
            writer.delete_documents_by_term("id", str(document["id"]))
            writer.add_document(self._tantivy_document(document))

    def upsert(self, documents: list[dict[str, Any]]) -> None:
        if documents:
            with self._writer() as writer:
                self._write(writer, documents)

    def delete(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with self._writer() as writer:
                for posting_id in ids:
                    writer.delete_documents_by_term("id", str(posting_id))

    def refresh(self) -> None:
        self._checked_at = 0.0  # commits are synchronous; the next read reloads at once

    def clear(self) -> None:
        with self._writer() as writer:
            writer.delete_all_documents()

    def iter_ids(self) -> set[int]:
        index, _ = self._reader()
        searcher = index.searcher()
        if not searcher.num_docs:
            return set()
        found = searcher.search(tantivy.Query.all_query(), limit=searcher.num_docs, count=False)
        return set(searcher.fast_field_values("pk", [address for _score, address in found.hits]))

    def rebuild(self, batches: Iterable[list[dict[str, Any]]], before_swap: LateChanges | None = None) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        directory = self._new_directory()
        count = 0
        with self._writer(directory, REBUILD_HEAP_BYTES) as writer:
            for batch in batches:
                self._write(writer, batch)
                count += len(batch)

        def upsert_late(documents: list[dict[str, Any]]) -> None:
            with self._writer(directory) as late_writer:
                self._write(late_writer, documents)

        def delete_late(ids: list[int]) -> None:
            with self._writer(directory) as late_writer:
                for posting_id in ids:
                    late_writer.delete_documents_by_term("id", str(posting_id))

        if before_swap is not None:
            before_swap(upsert_late, delete_late)
        with self._write_lock:
            self._make_current(directory)
            self._loaded = None
        return count
