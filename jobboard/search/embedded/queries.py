"""The Tantivy queries a search is built of: its filters, its quoted phrases and excluded words,
and the query of each word's terms."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import tantivy

from jobboard.search.embedded.caches import kept
from jobboard.search.embedded.distances import CityPoint, city_point
from jobboard.search.embedded.schema import INT, INT_FIELDS, MATCH_FIELD, TEXT_FIELDS
from jobboard.search.embedded.vocabulary import MAX_EXPANDED_WORDS
from jobboard.search.port import KEYWORD_FILTERS, AnyOf, InvalidQuery, IsTrue, Range, SearchQuery
from jobboard.search.text import words

Occur = tantivy.Occur

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


def all_of(clauses: list[tantivy.Query], excluded: list[tantivy.Query] = ()) -> tantivy.Query:  # type: ignore[assignment]
    return tantivy.Query.boolean_query([(Occur.Must, c) for c in clauses] + [(Occur.MustNot, c) for c in excluded])


class QueryBuilder:
    """Builds the queries of searches over indexes of one schema. Word queries are kept for the
    loaded generation (``clear`` between generations)."""

    def __init__(self, schema: tantivy.Schema, cities: dict[str, CityPoint]):
        self._schema = schema
        self._cities = cities
        self._word_queries: dict[tuple[str, ...], tantivy.Query] = {}
        self._match_queries: dict[tuple[str, ...], tantivy.Query] = {}

    def clear(self) -> None:
        self._word_queries = {}
        self._match_queries = {}

    def filter_queries(self, query: SearchQuery) -> list[tantivy.Query]:
        schema = self._schema
        clauses = [tantivy.Query.range_query(schema, "expires_at", INT, lower_bound=query.now, include_lower=False)]
        for condition in query.filters:
            if isinstance(condition, AnyOf):
                if condition.attribute not in KEYWORD_FILTERS:
                    raise InvalidQuery(f"cannot filter on {condition.attribute}")
                clauses.append(self._any_term(condition.attribute, list(condition.values)))
            elif isinstance(condition, Range):
                if condition.attribute not in INT_FIELDS:
                    raise InvalidQuery(f"cannot filter on {condition.attribute}")
                clauses.append(
                    tantivy.Query.range_query(
                        schema,
                        condition.attribute,
                        INT,
                        lower_bound=max(0, math.ceil(condition.minimum or 0)),  # never MISSING_NUMBER
                        upper_bound=None if condition.maximum is None else math.floor(condition.maximum),
                    )
                )
            elif isinstance(condition, IsTrue):
                if condition.attribute != "is_periphery":
                    raise InvalidQuery(f"cannot filter on {condition.attribute}")
                clauses.append(tantivy.Query.term_query(schema, "is_periphery", True))
        if query.near is not None and query.near.radius_km is not None:
            clauses.append(
                tantivy.Query.range_query(
                    schema,
                    city_point(self._cities, query.near).field,
                    INT,
                    upper_bound=int(query.near.radius_km * 1000),
                )
            )
        return clauses

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

    def word_query(self, terms: dict[str, int], max_typos: int) -> tantivy.Query | None:
        """Any of the terms with at most ``max_typos`` in any searchable field; kept per set of
        terms, as building one costs a call per field and term."""
        chosen = tuple(t for t, d in terms.items() if d <= max_typos)
        if not chosen:
            return None
        return kept(self._word_queries, chosen, MAX_EXPANDED_WORDS, self._any_text_field, chosen)

    def word_match(self, terms: Iterable[str]) -> tantivy.Query:
        """Any of the terms in any searchable field, for matching only (``MATCH_FIELD``); kept
        like word queries."""
        chosen = tuple(terms)
        return kept(self._match_queries, chosen, MAX_EXPANDED_WORDS, self._any_term, MATCH_FIELD, list(chosen))

    def _any_text_field(self, terms: tuple[str, ...]) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [
                (Occur.Should, tantivy.Query.boost_query(self._any_term(name, list(terms)), boost))
                for name, (_attrs, boost) in TEXT_FIELDS.items()
            ]
        )

    def phrase_query(self, phrase: list[str]) -> tantivy.Query:
        """The words in this order, next to each other and without typos, in any searchable field."""

        def in_field(name: str) -> tantivy.Query:
            if len(phrase) == 1:
                return tantivy.Query.term_query(self._schema, name, phrase[0])
            terms: list[str | tuple[int, str]] = list(phrase)
            return tantivy.Query.phrase_query(self._schema, name, terms)

        return tantivy.Query.boolean_query([(Occur.Should, in_field(name)) for name in TEXT_FIELDS])
