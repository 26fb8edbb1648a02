"""The fields of a postings index, opening and creating one, and a search document as the index
stores it and gives it back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
import tantivy

from jobboard.search.documents import LISTED_ATTRIBUTES, SEARCHABLE_ATTRIBUTES
from jobboard.search.embedded.distances import CityPoint, haversine_m
from jobboard.search.embedded.facet_columns import FACET_COLUMNS, LIST_FACETS, NO_VALUE, column_field, column_key
from jobboard.search.port import FILTER_ONLY_KEYWORDS, KEYWORD_FACETS
from jobboard.search.text import lead_end, normalise

INT = tantivy.FieldType.Integer

# Searchable fields of the Tantivy schema, each gathering document attributes, with boosts
# spaced widely so that the attribute order beats BM25 (contract C5 v). The versions in other
# languages rank with the description, the last attribute before them: a field of their own
# would add a field to every query's union for words that few postings hold.
TEXT_FIELDS: dict[str, tuple[tuple[str, ...], float]] = {
    "t_title": (("title",), 1e6),
    "t_specialty": (("specialty_label", "specialty_aliases"), 1e5),
    "t_profession": (("profession_label", "profession_aliases"), 1e4),
    "t_employer": (("employer_name",), 1e3),
    "t_place": (("city_name", "city_aliases", "region_label", "region_aliases"), 1e2),
    "t_description": (("description_text", "translations_text"), 1.0),
}
# Every searchable word once more, in one field indexed without frequencies or positions: which
# documents hold a word is read from it (the candidates that are counted, excluded words), as
# counting the same documents through a union over the six fields cost up to twice as much. The
# six fields serve the ranking.
MATCH_FIELD = "t_any"
INT_FIELDS = ("hebrew_level_min", "salary_top_ils", "grant_max_ils", "posted_at", "expires_at")
# An integer attribute without a value (no salary given) is stored as -1, below every value
# (none is negative): a column with gaps costs several times as much to filter on, and the
# descending sorts put -1 after every value, where Meilisearch puts documents without one.
MISSING_NUMBER = -1
ANALYZER = "folded"
STORED_ONLY = "stored_only"  # an analyzer matching nothing
# The document a hit shows is stored as ASCII JSON text, uncompressed, in small blocks (4 KB, not
# 16): a page reads twenty documents from all over the store, and unpacking a compressed block
# for each cost more than the rest of reading it. The store takes about twice the disk. The
# attributes a list of hits shows are stored apart from the rest, so a search asking for no more
# decodes half the JSON.
LISTED_FIELD, REST_FIELD = "listed", "rest"  # the stored document: what lists of hits show, the rest
LISTED = frozenset(LISTED_ATTRIBUTES)
DOCSTORE_BLOCK_BYTES = 4_096
SCHEMA_VERSION = 12
META_FILE = "jobboard-meta.json"
assert {a for attrs, _ in TEXT_FIELDS.values() for a in attrs} == set(SEARCHABLE_ATTRIBUTES)  # noqa: S101 - an invariant of the code, not input


def step_field(field: str) -> str:
    """The field holding a sort field's window steps (``sorting.SortWindows``)."""
    return field + "__step"


def _json(value: Any) -> str:
    """ASCII JSON (other characters as \\u escapes): Python keeps an ASCII string as UTF-8 already,
    so decoding it reads the stored text as it is, where a Hebrew alias would cost a re-encoding."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"))


class IndexSchema:
    """The index of search documents that store their distance to each of ``cities``, and the
    window step of each field in ``steps``."""

    def __init__(self, cities: Iterable[CityPoint], steps: dict[str, int]):
        self._cities = tuple(cities)
        self._steps = steps
        self._distance_cache: dict[tuple[float, float], dict[str, list[int]]] = {}
        self.tantivy_schema = self._build()

    def _build(self) -> tantivy.Schema:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        builder.add_integer_field("pk", indexed=True, fast=True)
        for name in TEXT_FIELDS:
            builder.add_text_field(name, tokenizer_name=ANALYZER)
        builder.add_text_field(MATCH_FIELD, tokenizer_name=ANALYZER, index_option="basic")
        for name in KEYWORD_FACETS:
            builder.add_text_field(name, fast=True, tokenizer_name="raw")
        for name in FILTER_ONLY_KEYWORDS:
            builder.add_text_field(name, tokenizer_name="raw")
        for column in FACET_COLUMNS:
            builder.add_text_field(column_field(column), fast=True, tokenizer_name="raw")
        builder.add_boolean_field("is_periphery", indexed=True, fast=True)
        for name in INT_FIELDS:
            builder.add_integer_field(name, indexed=True, fast=True)
        for city in self._cities:
            builder.add_integer_field(city.field, indexed=True, fast=True)
        for field in self._steps:
            builder.add_integer_field(step_field(field), indexed=True)
        # The document as stored JSON text, not bytes: Tantivy reads a stored string in one copy and
        # bytes one by one. Its analyzer yields no token, so the text is stored and not indexed.
        for name in (LISTED_FIELD, REST_FIELD):
            builder.add_text_field(name, stored=True, index_option="basic", tokenizer_name=STORED_ONLY)
        return builder.build()

    def open(self, directory: Path) -> tantivy.Index:
        index = tantivy.Index(self.tantivy_schema, path=str(directory), reuse=True)
        # Text arrives folded (``document``): the analyzer only splits words, so that what is
        # indexed and what queries, highlights and exclusions compare are folded by the one
        # function, ``text.normalise`` (Tantivy's ASCII folding disagreed with it on letters such
        # as ł and ß).
        analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.remove_long(40))
        index.register_tokenizer(ANALYZER, analyzer.build())
        index.register_tokenizer(STORED_ONLY, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.regex(r"[^\s\S]")).build())
        return index

    def create(self, directory: Path) -> None:
        """A new empty index in ``directory``, marked with this schema."""
        self.open(directory)
        # Tantivy keeps its index settings in meta.json, which the Python binding does not set:
        # stored documents go uncompressed in smaller blocks than the default 16 KB.
        tantivy_meta = directory / "meta.json"
        settings = json.loads(tantivy_meta.read_text())
        settings["index_settings"]["docstore_blocksize"] = DOCSTORE_BLOCK_BYTES
        settings["index_settings"]["docstore_compression"] = "none"
        tantivy_meta.write_text(json.dumps(settings))
        (directory / META_FILE).write_text(json.dumps(self._meta()))

    def matches(self, directory: Path) -> bool:
        """Whether the index in ``directory`` was built with this schema and city vocabulary."""
        meta_file = directory / META_FILE
        return meta_file.exists() and json.loads(meta_file.read_text()) == self._meta()

    def _meta(self) -> dict[str, Any]:
        return {"schema": SCHEMA_VERSION, "cities": sorted(city.slug for city in self._cities)}

    def document(self, document: dict[str, Any]) -> tantivy.Document:
        """The search document as the index holds it. Its values are gathered per field and handed
        to Tantivy in one call (a call per value cost more than Tantivy's own indexing)."""
        fields: dict[str, list[Any]] = {"id": [str(document["id"])], "pk": [document["id"]], MATCH_FIELD: []}
        matched = fields[MATCH_FIELD]
        for name, (attributes, _boost) in TEXT_FIELDS.items():
            texts = fields[name] = []
            for attribute in attributes:
                value = document.get(attribute)
                texts.extend(normalise(text) for text in (value if isinstance(value, list) else [value]) if text)
            matched.extend(texts)
        for name in KEYWORD_FACETS:
            value = document.get(name)
            if name in LIST_FACETS:
                fields[name] = [str(item) for item in value or ()]
            else:
                fields[name] = [NO_VALUE if value is None else str(value)]
        for name in FILTER_ONLY_KEYWORDS:
            fields[name] = [str(item) for item in document.get(name) or ()]
        for column in FACET_COLUMNS:
            fields[column_field(column)] = [column_key(document, column)]
        fields["is_periphery"] = [bool(document["is_periphery"])]
        for name in INT_FIELDS:
            value = document.get(name)
            self._add_number(fields, name, MISSING_NUMBER if value is None else int(value))
        geo = document["_geo"]
        fields.update(self._distances(geo["lat"], geo["lng"]))
        # The description's crop for hits where no word matches is worked out once, here.
        listed = {name: value for name, value in document.items() if name in LISTED}
        rest = {name: value for name, value in document.items() if name not in LISTED}
        fields[LISTED_FIELD] = [_json({"document": listed, "lead_end": lead_end(document["description_text"])})]
        fields[REST_FIELD] = [_json(rest)]
        return tantivy.Document.from_dict(
            {name: values for name, values in fields.items() if values}, self.tantivy_schema
        )

    def _distances(self, lat: float, lng: float) -> dict[str, list[int]]:
        """The point's distance to each city (and their window steps): the same few sites' points
        come back document after document, so each is worked out once."""
        found = self._distance_cache.get((lat, lng))
        if found is None:
            found = {}
            for city in self._cities:
                self._add_number(found, city.field, haversine_m(city.lat, city.lon, lat, lng))
            if len(self._distance_cache) > 100_000:
                self._distance_cache.clear()
            self._distance_cache[(lat, lng)] = found
        return found

    def _add_number(self, fields: dict[str, list[int]], field: str, number: int) -> None:
        """The number, and for a sort field also its window step."""
        fields[field] = [number]
        step = self._steps.get(field)
        if step is not None:
            fields[step_field(field)] = [number // step]


def _stored_text(found: tantivy.Document, field: str) -> str:
    text = found.get_first(field)
    if not isinstance(text, str):
        raise ValueError(f"A search document without its stored {field!r}: rebuild the index.")
    return text


def stored_document(found: tantivy.Document, listed_only: bool) -> tuple[dict[str, Any], int]:
    """A hit's search document as stored (only the attributes lists of hits show if
    ``listed_only``), and where its description's crop ends when no word matches."""
    stored = orjson.loads(_stored_text(found, LISTED_FIELD))
    document = stored["document"]
    if not listed_only:
        document.update(orjson.loads(_stored_text(found, REST_FIELD)))
    return document, stored["lead_end"]
