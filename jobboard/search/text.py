"""Text handling shared by both engines: folding (case, accents, Hebrew niqqud, and the Latin
letters that have no decomposition), words, the typo budget, and highlighting with cropping.

``normalise`` is the one analyzer of the search: what a document's text is indexed as, what a
query's words, phrases and exclusions are compared as, and what a highlighted word must fold to.
Neither engine folds on its own (the embedded engine's Tantivy analyzer only splits words;
Meilisearch is sent folded copies, see ``meili.py``): two folds that disagree on a letter (Tantivy's
ASCII folding turned "Łódź" into "lodz" where accent stripping kept "łodz") make a posting
unfindable as written and its ASCII spelling found without a highlight. Accent stripping
(compatibility decomposition, then dropping the marks) leaves letters that have no decomposition
(ł, ø, ß, æ, œ, đ, ð, þ, ı, ħ, ŧ), so those are spelled out in ASCII. Hebrew letters only lose their
niqqud, and a Cyrillic letter keeps the marks that make it a letter of its own (й is not и): both
scripts are to be searched as they are written.

Highlights are always built the same way: the text is HTML-escaped first and the ``<mark>``
tags are added afterwards, so nothing a posting contains can become markup.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from functools import lru_cache
from html import escape
from itertools import islice

from markupsafe import Markup

from jobboard.search.port import MAX_QUERY_WORDS

# Letters and digits, with the combining marks that decorate them (accents written apart, Hebrew
# niqqud and cantillation), so a word keeps its marks and its highlight covers all of it.
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7])+", re.UNICODE)
# The same words in ASCII text: the Unicode classes above cost four times as much to match.
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
CROP_WORDS = 24  # words of description shown around the first match
CROP_LEAD = CROP_WORDS // 3  # of which before it
# "…" at a crop's cut, as an entity: a page of ASCII text stays ASCII, where one other character
# makes Python widen every string the page is joined from, and encode it character by character.
CROP_MARKER = "&hellip;"
# A crop's ends in ASCII text, each found by one match instead of a match object per word: up to
# CROP_LEAD words read backwards (in the reversed text before the first match), and a word with
# the words that complete the crop after it.
_ASCII_WORDS_BACK = re.compile(rf"(?:[^A-Za-z0-9]*[A-Za-z0-9]+){{1,{CROP_LEAD}}}")
_ASCII_CROP = re.compile(rf"[A-Za-z0-9]++(?:[^A-Za-z0-9]++[A-Za-z0-9]++){{0,{CROP_WORDS - 1}}}")
MAX_PATTERN_TERMS = 200  # terms matched with one regular expression (compiling costs about 12 µs a term)


def ascii_html(text: str) -> str:
    """``text`` escaped, with every character beyond ASCII as a character reference (see CROP_MARKER)."""
    return escape(text).encode("ascii", "xmlcharrefreplace").decode("ascii")


def _mark_class() -> str:
    """The non-spacing marks of the Basic Multilingual Plane (where accents, niqqud and Cyrillic's
    marks are) as a character class body: matched by one regular expression, they are dropped at a
    fraction of the cost of looking up each character's category."""
    spans: list[list[int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)) == "Mn":
            if spans and spans[-1][1] == code - 1:
                spans[-1][1] = code
            else:
                spans.append([code, code])
    return "".join(re.escape(chr(low)) + (f"-{re.escape(chr(high))}" if high > low else "") for low, high in spans)


_MARKS = _mark_class()
_CYRILLIC = "\u0400-\u052f\u1c80-\u1c8f\ua640-\ua69f"
# Marks that do not follow a Cyrillic letter (nor one of its marks); and any mark.
_MARKS_OFF_CYRILLIC = re.compile(f"(?<![{_CYRILLIC}{_MARKS}])[{_MARKS}]+")
_ANY_MARKS = re.compile(f"[{_MARKS}]+")
# Lower-case letters that decompose into no base letter and mark, in ASCII.
_SPELLED_OUT = {
    "ł": "l",
    "ß": "ss",
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
}
_UNDECOMPOSED = re.compile(f"[{''.join(_SPELLED_OUT)}]")


def _fold(text: str) -> str:
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    spelled = _UNDECOMPOSED.sub(lambda match: _SPELLED_OUT[match.group()], decomposed)
    folded = _MARKS_OFF_CYRILLIC.sub("", spelled)
    if folded.isascii():
        return folded
    # A Cyrillic letter composed again with the marks that make it a letter of its own (й, ё, ї);
    # the marks left over (a stress accent) go too.
    return _ANY_MARKS.sub("", unicodedata.normalize("NFC", folded))


@lru_cache(maxsize=100_000)
def normalise(text: str) -> str:
    """``text`` folded as the search compares it (see the notes at the top): lower case, without
    accents or niqqud, with the Latin letters that have no decomposition in ASCII."""
    return _fold(text)


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def written_words(text: str) -> Iterator[re.Match[str]]:
    """The words of ``text`` as written (with their marks, not folded), each with its span."""
    return _WORD.finditer(text)


def words_at(text: str, offsets: Iterable[int]) -> set[str]:
    """The words of ``text`` that hold any of the character offsets."""
    spans = [(match.start(), match.end(), match.group()) for match in _WORD.finditer(text)]
    starts = [start for start, _end, _word in spans]
    found = set()
    for offset in offsets:
        position = bisect_right(starts, offset) - 1
        if position >= 0 and offset < spans[position][1]:
            found.add(spans[position][2])
    return found


def query_words(text: str) -> list[str]:
    """The words that count: Meilisearch reads only the first ten."""
    return words(text)[:MAX_QUERY_WORDS]


def typo_budget(word: str) -> int:
    """Meilisearch's defaults: no typo below 5 letters, one from 5, two from 9."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def lead_end(text: str) -> int:
    """Where a crop ends when no word matches: after the first CROP_WORDS words, or at the end."""
    spans = list(islice(_WORD.finditer(text), CROP_WORDS))
    if not spans or not _WORD.search(text, spans[-1].end()):
        return len(text)
    return spans[-1].end()


def _window(text: str, matched: AbstractSet[str]) -> list[re.Match[str]]:
    """About CROP_WORDS words around the first matched word (or the first words), scanning no
    further than needed."""
    words_iter = _WORD.finditer(text)
    before: deque[re.Match[str]] = deque(maxlen=CROP_LEAD)
    head: list[re.Match[str]] = []
    for match in words_iter:
        if normalise(match.group()) in matched:
            window = [*before, match]
            window.extend(islice(words_iter, CROP_WORDS - len(window)))
            return window
        before.append(match)
        if len(head) < CROP_WORDS:
            head.append(match)
    return head


@lru_cache(maxsize=512)
def _term_pattern(terms: frozenset[str]) -> re.Pattern[str]:
    """Any of the terms ending a word of lower-case ASCII text. That it also starts one is checked
    on each match (``_first_whole_word``): a look-behind at the front would stop the regular
    expression engine from skipping ahead to the terms' first letters, a sixth of the speed."""
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?![a-z0-9])")


def _first_whole_word(pattern: re.Pattern[str], folded: str) -> int | None:
    """Where the first match that starts a word starts, or None."""
    match = pattern.search(folded)
    while match is not None:
        start = match.start()
        if not start or not folded[start - 1].isalnum():
            return start
        match = pattern.search(folded, start + 1)
    return None


def _whole_word_spans(pattern: re.Pattern[str], folded: str, first: int, end: int) -> list[tuple[int, int]]:
    """The spans of the matches from ``first`` (where the first whole-word match starts) to
    ``end`` that start a word (terms are letters and digits only, so a match inside a word, which
    ``finditer`` steps over, hides no match that starts one)."""
    return [
        match.span()
        for match in pattern.finditer(folded, first, end)
        if match.start() == first or not folded[match.start() - 1].isalnum()
    ]


class Highlighter:
    """Marks one query's matched terms in the texts of its hits.

    ASCII text (most postings) is folded by lower-casing alone, so one regular expression of the
    terms finds the matches in it without a pass over every word; other text, and any text when
    the terms are too many for one expression (a short prefix stands for hundreds), is compared
    word by word. Short texts (titles, specialties) recur across a page's hits and are marked
    once per query."""

    def __init__(self, matched: AbstractSet[str]):
        self.matched = frozenset(matched)
        self._pattern = _term_pattern(self.matched) if 0 < len(self.matched) <= MAX_PATTERN_TERMS else None
        self._marked: dict[str, Markup] = {}

    def __call__(self, text: str, *, crop: bool = False, lead_end_at: int | None = None) -> Markup:
        """``text`` escaped, with each word whose normal form is matched wrapped in ``<mark>``;
        with ``crop``, only CROP_WORDS words from a little before the first match, with
        CROP_MARKER at each cut. ``lead_end_at`` is ``lead_end(text)`` when the caller has it."""
        if crop:
            return self._mark(text, True, lead_end_at)
        marked = self._marked.get(text)
        if marked is None:
            marked = self._marked[text] = self._mark(text, False, None)
        return marked

    def _mark(self, text: str, crop: bool, lead_end_at: int | None) -> Markup:
        found = self._find(text, crop) if self.matched else None
        if found is None:
            if not crop:
                return Markup(escape(text))  # noqa: S704 - escaped
            end = lead_end(text) if lead_end_at is None else lead_end_at
            return Markup(escape(text[:end]) + (CROP_MARKER if end < len(text) else ""))  # noqa: S704 - escaped
        start, end, marks = found
        parts: list[str] = [CROP_MARKER if start > 0 else ""]
        cursor = start
        for mark_start, mark_end in marks:
            parts.append(escape(text[cursor:mark_start]))
            parts.append(f"<mark>{text[mark_start:mark_end]}</mark>")  # letters and digits: nothing to escape
            cursor = mark_end
        parts.append(escape(text[cursor:end]))
        if end < len(text):
            parts.append(CROP_MARKER)
        return Markup("".join(parts))  # noqa: S704 - every piece above was escaped

    def _find(self, text: str, crop: bool) -> tuple[int, int, list[tuple[int, int]]] | None:
        """The part of ``text`` to show and the spans to mark in it, or None when no word matches."""
        if self._pattern is None or not text.isascii():
            spans = _window(text, self.matched) if crop else list(_WORD.finditer(text))
            marks = [match.span() for match in spans if normalise(match.group()) in self.matched]
            if not marks:
                return None
            return self._bounds(text, spans[0].start(), spans[-1].end(), crop, _WORD) + (marks,)
        folded = text.lower()
        first = _first_whole_word(self._pattern, folded)
        if first is None:
            return None
        if not crop:
            return 0, len(text), _whole_word_spans(self._pattern, folded, first, len(text))
        before = _ASCII_WORDS_BACK.match(text[first - 1 :: -1]) if first else None
        first_word = first - before.end() if before else first
        crop_match = _ASCII_CROP.match(text, first_word)
        assert crop_match is not None  # noqa: S101 - first_word starts a word
        start, end = self._bounds(text, first_word, crop_match.end(), crop, _ASCII_WORD)
        # The window ends at the end of a word, so the pattern's look-ahead is not cut short there.
        return start, end, _whole_word_spans(self._pattern, folded, first, end)

    @staticmethod
    def _bounds(text: str, first_word: int, last_word: int, crop: bool, word: re.Pattern[str]) -> tuple[int, int]:
        """Where the shown part starts and ends: a crop begins at its first word when words come
        before it and ends at its last word when words follow."""
        if not crop:
            return 0, len(text)
        start = first_word if word.search(text, 0, first_word) else 0
        end = last_word if word.search(text, last_word) else len(text)
        return start, end
