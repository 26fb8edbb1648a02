"""Text handling shared by both engines: normalisation (case, accents, Hebrew niqqud), words,
the typo budget, and highlighting with cropping.

Highlights are always built the same way: the text is HTML-escaped first and the ``<mark>``
tags are added afterwards, so nothing a posting contains can become markup.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

from markupsafe import Markup, escape

from jobboard.search.port import MAX_QUERY_WORDS

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
CROP_WORDS = 24  # words of description shown around the first match


def normalise(text: str) -> str:
    """Lower case without accents or niqqud: what both the index and queries compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn").casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


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


def highlight(text: str, is_match: Callable[[str], bool], *, crop: bool = False) -> Markup:
    """Escape ``text`` and wrap each word whose normal form ``is_match`` in ``<mark>``; with
    ``crop``, keep a window of words around the first match, marking cuts with "…"."""
    spans = [(m.start(), m.end(), is_match(normalise(m.group()))) for m in _WORD.finditer(text)]
    start, end = 0, len(text)
    if crop and len(spans) > CROP_WORDS:
        first = next((i for i, span in enumerate(spans) if span[2]), 0)
        lo = max(0, first - CROP_WORDS // 3)
        hi = min(len(spans), lo + CROP_WORDS)
        lo = max(0, hi - CROP_WORDS)
        start = spans[lo][0] if lo > 0 else 0
        end = spans[hi - 1][1] if hi < len(spans) else len(text)
        spans = spans[lo:hi]
    parts: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for word_start, word_end, matched in spans:
        parts.append(str(escape(text[cursor:word_start])))
        word = str(escape(text[word_start:word_end]))
        parts.append(f"<mark>{word}</mark>" if matched else word)
        cursor = word_end
    parts.append(str(escape(text[cursor:end])))
    if end < len(text):
        parts.append("…")
    return Markup("".join(parts))  # noqa: S704 - every piece above was escaped
