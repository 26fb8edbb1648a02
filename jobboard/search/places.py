"""The vocabulary's city names in a query's text, quoted as phrases: the first step of a search in
both engines.

A city name of several words is split into words like any text: "Be'er Sheva" is "be", "er" and
"sheva". A posting in Be'er Ya'akov holds the first two through its city's names, and when it also
holds the third anywhere (a doctor named Sheva; in Hebrew, שבע is "seven") it falls in the same
ranking bucket as the Beersheba postings (every word, no typo), where the order the visitor chose
(newest, salary, grant, distance) decides: such postings came before every Beersheba one. By
relevance they came after, by attribute weight alone. Those holding only "be" and "er" always
came after, one words tier down.

So each run of two or more query words that spells a name or alias of a vocabulary city,
whatever its case, accents, apostrophes, hyphens and spaces ("be er sheva", "Beer-Sheva", "BE'ER
SHEVA", "באר שבע"), is quoted as a phrase of that name's own words. Both engines require a phrase
word for word, in order, and let every other word of the query drop out (contract C5; Meilisearch
documents phrase search as the exact sequence, and its query graph makes a phrase mandatory).
Every posting of the city holds all the city's names (``city_name``, ``city_aliases``), so all of
them are found, in any order the visitor chooses, and a posting holding only some of the words is
left out: those are syllables of a transliteration or common words ("tel" is a hill), not the
place asked for. A posting holding the phrase elsewhere (a description naming the city) stays. A
single word is left as it is: it has no part to match on its own ("Beersheba" already finds only
Beersheba).

The names, in every language and with their inflected forms ("בבאר שבע", "в Беэр-Шеве"), are read
once from the vocabulary file the cities table is loaded from.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict

from jobboard.search.text import normalise, words, written_words
from jobboard.vocab.seed import vocabulary_data
from jobboard.vocab.spellings import spellings

# Russian prepositions and conjunctions standing alone in a query ("работа в Беэр-Шеве"): both
# engines require a query's first word, and no posting should have to hold one of these.
STOP_WORDS = frozenset({"в", "во", "на", "из", "для", "с", "со", "по", "к", "ко", "у", "от", "и", "при"})
# What a query keeps as written: a quoted phrase, and an excluded word (see ``embedded.queries.split_negated``).
_KEPT = re.compile(r'"[^"]*"|(?:^|(?<=\s))-\S+')


class PlaceNames:
    """Names of places, each recognised in a query as a run of words that spells it."""

    def __init__(self, names: list[str]):
        spellings: dict[str, list[tuple[str, ...]]] = defaultdict(list)
        for name in names:
            name_words = tuple(words(name))
            if name_words not in spellings["".join(name_words)]:
                spellings["".join(name_words)].append(name_words)
        # A name's folded letters run together → the word sequences that spell it.
        self.spellings = dict(spellings)
        self.longest = max((len(spelling) for found in spellings.values() for spelling in found), default=0)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - a few instances for the process's life; queries recur
    def quoted(self, text: str) -> str:
        """``text`` with each run of two or more words that spells a name quoted as a phrase of
        the name's words (the run's own, when they are one of its spellings). A run does not cross
        a quotation mark; quoted phrases and excluded words stay as written."""
        kept = [match.span() for match in _KEPT.finditer(text)]
        free = [match for match in written_words(text) if not any(start <= match.start() < end for start, end in kept)]
        parts, cursor, position = [], 0, 0
        while position < len(free):
            found = self._name_at(text, free, position)
            if found is None:
                position += 1
                continue
            length, phrase = found
            start, end = free[position].start(), free[position + length - 1].end()
            before = " " if start and not text[start - 1].isspace() else ""
            after = " " if end < len(text) and not text[end].isspace() else ""
            parts += [text[cursor:start], f'{before}"{" ".join(phrase)}"{after}']
            cursor, position = end, position + length
        return "".join([*parts, text[cursor:]]) if parts else text

    def _name_at(self, text: str, free: list[re.Match[str]], position: int) -> tuple[int, tuple[str, ...]] | None:
        """The longest run of the free words from ``position`` that spells a name: how many words
        it takes, and the phrase to quote."""
        run = [free[position]]
        for match in free[position + 1 : position + self.longest]:
            if '"' in text[run[-1].end() : match.start()]:
                break
            run.append(match)
        for length in range(len(run), 1, -1):
            spelled = tuple(word for match in run[:length] for word in words(match.group()))
            spellings = self.spellings.get("".join(spelled))
            if spellings:
                return length, spelled if spelled in spellings else spellings[0]
        return None


@functools.cache
def city_names() -> PlaceNames:
    """The vocabulary cities' names in every language, their aliases, and the forms a sentence
    gives them (``jobboard.vocab.spellings``)."""
    return PlaceNames(
        [
            spelling
            for city in vocabulary_data()["cities"]
            for spelling in (
                city["name"],
                *spellings(city["name"], tuple(city["names"].values()), tuple(city["aliases"])),
            )
        ]
    )


def quote_city_names(text: str) -> str:
    """``text`` with the vocabulary's city names of several words quoted (see the notes at the top)."""
    return city_names().quoted(text)


def without_stop_words(text: str) -> str:
    """``text`` without its free-standing stop words, unless nothing else would be left."""
    kept = [match.span() for match in _KEPT.finditer(text)]
    free = [match for match in written_words(text) if not any(start <= match.start() < end for start, end in kept)]
    stops = [match for match in free if normalise(match.group()) in STOP_WORDS]
    if not stops or (len(stops) == len(free) and not kept):
        return text
    parts, cursor = [], 0
    for match in stops:
        parts.append(text[cursor : match.start()])
        cursor = match.end()
    return " ".join("".join([*parts, text[cursor:]]).split())


def prepared_query(text: str) -> str:
    """A query's text as both engines take it: city names quoted as phrases, stop words dropped."""
    return without_stop_words(quote_city_names(text))
