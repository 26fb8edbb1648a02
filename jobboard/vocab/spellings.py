"""Every way a vocabulary term is written: its name in each language, its aliases, and the forms
a sentence gives them in the languages that inflect or prefix a word.

A doctor searching in Russian writes "педиатрия" but also "вакансии педиатрии" or "работа в
Беэр-Шеве"; one searching in Hebrew writes "בבאר שבע" (in Beersheba) or "לרפואת ילדים" (for
pediatrics). The search engines match words as written, so a posting carries these forms of its
specialty, profession, city and region (``spellings``), and the search recognises them in a query
(``jobboard.search.terms``). The forms are made by rule, not taken from a dictionary: a rule that
makes a form nobody writes costs a few words in a document; a form missed leaves a posting
unfound.

Russian: nouns and adjectives are declined in the singular (genitive, dative, accusative,
instrumental, prepositional), and in the plural where the name is a plural or a profession (the
nominative and genitive: "врачи", "врачей"). In a hyphenated name only the last part declines
("Беэр-Шева" → "Беэр-Шеве"); names ending in -о, -е, -и, -у (Акко) and words of two letters do not.

Hebrew: the one-letter prefixes that attach to the first word (ב in, ה the, ו and, כ as, ל to,
מ from, ש that) and their common combinations (וב, ול, ומ, וה, שב, של, מה, כש…). After ב, כ and
ל a definite article ה drops ("הנגב" → "בנגב"), so a name written with the article also gets
its prefixed forms without it, and its bare form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

_HEBREW = re.compile(r"[\u0590-\u05ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
HEBREW_PREFIXES = (
    "ב",
    "ה",
    "ו",
    "כ",
    "ל",
    "מ",
    "ש",
    "וב",
    "וה",
    "וכ",
    "ול",
    "ומ",
    "וש",
    "שב",
    "שה",
    "של",
    "שמ",
    "מה",
    "כש",
    "לכ",
)
# Prefixes that swallow a following definite article (ב + ה → ב).
_ARTICLE_SWALLOWING = ("ב", "כ", "ל", "וב", "וכ", "ול", "שב", "של")
_SIBILANT_OR_VELAR = "гкхжшщч"
_HUSHING = "жшщчц"
# A word's forms by case: genitive, dative, accusative, instrumental, prepositional, then the
# nominative and genitive plural. None: as written (an inanimate accusative, an indeclinable word).
Cases = list[str | None]
_PLURAL = slice(5, 7)


def _noun_cases(word: str) -> Cases:
    stem, last = word[:-1], word[-1]
    if word.endswith("ия"):
        return [stem + "и", stem + "и", stem + "ю", stem + "ей", stem + "и", stem + "и", word[:-2] + "ий"]
    if last == "я":
        return [stem + "и", stem + "е", stem + "ю", stem + "ей", stem + "е", stem + "и", None]
    if last == "а":
        ending = "и" if stem[-1:] in _SIBILANT_OR_VELAR else "ы"
        return [stem + ending, stem + "е", stem + "у", stem + "ой", stem + "е", stem + ending, None]
    if last == "ь":  # masculine; the feminine's own forms are the same letters (и) or ью, added apart
        return [stem + "я", stem + "ю", None, stem + "ем", stem + "е", stem + "и", stem + "ей"]
    if last == "й":
        return [stem + "я", stem + "ю", None, stem + "ем", stem + "е", stem + "и", stem + "ев"]
    if last in "иы":  # a plural (болезни): its oblique plural cases
        soft = last == "и" and stem[-1:] not in _SIBILANT_OR_VELAR
        a = "я" if soft else "а"
        return [stem + ("ей" if soft else "ов"), stem + a + "м", None, stem + a + "ми", stem + a + "х", None, None]
    if last in "аеёиоуыэюя":
        return [None] * 7  # -о, -е, -у: borrowed names (Акко) do not decline
    plural = "и" if last in _SIBILANT_OR_VELAR else "ы"
    return [
        word + "а",
        word + "у",
        None,
        word + "ом",
        word + "е",
        word + plural,
        word + ("ей" if last in _HUSHING else "ов"),
    ]


def _adjective_cases(word: str) -> Cases | None:
    """A Russian adjective's forms by case, or None when ``word`` does not end as one."""
    ending, stem = word[-2:], word[:-2]
    # ы is written и after г, к, х and the hushing letters (медицинский → медицинским).
    y = "и" if stem[-1:] in _SIBILANT_OR_VELAR or ending[0] in "ия" else "ы"
    plural = [stem + y + "е", stem + y + "х"]
    if ending == "ая":
        return [stem + "ой", stem + "ой", stem + "ую", stem + "ой", stem + "ой", *plural]
    if ending == "яя":
        return [stem + "ей", stem + "ей", stem + "юю", stem + "ей", stem + "ей", *plural]
    if ending in ("ый", "ой", "ий", "ое", "ее"):
        o = "е" if ending in ("ий", "ее") and stem[-1:] not in _SIBILANT_OR_VELAR else "о"
        return [stem + o + "го", stem + o + "му", None, stem + y + "м", stem + o + "м", *plural]
    if ending in ("ые", "ие"):
        return [stem + y + "х", stem + y + "м", None, stem + y + "ми", stem + y + "х", None, None]
    return None


def _declined_word(word: str) -> tuple[str, Cases]:
    """A written word and its forms by case; a hyphenated word declines in its last part."""
    head, _, last = word.rpartition("-")
    lower = last.lower()
    if len(lower) < 3 or not _CYRILLIC.search(lower):
        return word, [None] * 7
    cases = (_adjective_cases(lower) if len(lower) > 4 else None) or _noun_cases(lower)
    capital = last[:1].isupper()
    prefix = f"{head}-" if head else ""
    return word, [
        None if form is None else prefix + (form[:1].upper() + form[1:] if capital else form) for form in cases
    ]


def russian_forms(name: str, *, plural: bool = False) -> list[str]:
    """``name`` and its forms by case (with ``plural``, also in the plural: a profession's
    "врачи"). A name of several words is declined as a whole ("Семейная медицина" → "Семейной
    медицины"), giving phrases as a sentence writes them; each word's forms are added on their
    own too, for a query that holds one word of the name."""
    declined = [_declined_word(word) for word in name.split()]
    slots = range(7) if plural else range(_PLURAL.start)
    phrases = [" ".join(cases[slot] or word for word, cases in declined) for slot in slots]
    words = [form for _word, cases in declined for form in cases if form] if len(declined) > 1 else []
    return _unique([name, *phrases, *words])


def hebrew_forms(name: str) -> list[str]:
    """``name`` and its first word with each prefix letter (see the notes at the top)."""
    first, _, rest = name.partition(" ")
    tail = f" {rest}" if rest else ""
    forms = [name, *(prefix + first + tail for prefix in HEBREW_PREFIXES)]
    if first.startswith("ה") and len(first) > 2:
        bare = first[1:]
        forms += [bare + tail, *(prefix + bare + tail for prefix in _ARTICLE_SWALLOWING)]
    return _unique(forms)


# A name written for both genders, "רופא/ה", "אח/ות", "Médico/a": the word and its ending after a slash.
_BOTH_GENDERS = re.compile(r"(\w+)/(\w{1,3})\b")


def gendered_forms(name: str) -> list[str]:
    """``name`` as each gender writes it: "רופא/ה" → "רופא", "רופאה"; "Médico/a" → "Médico",
    "Médica" (a Latin ending replaces a final o); a name without such a slash, as it is."""
    if not _BOTH_GENDERS.search(name):
        return [name]

    def feminine(match: re.Match[str]) -> str:
        word, ending = match.groups()
        if not _HEBREW.search(word) and word.endswith("o"):
            word = word[:-1]
        return word + ending

    return [_BOTH_GENDERS.sub(r"\1", name), _BOTH_GENDERS.sub(feminine, name)]


def _unique(forms: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(forms))


def forms_of(name: str, *, plural: bool = False) -> list[str]:
    """``name`` and the forms its script inflects or prefixes it to."""
    if _HEBREW.search(name):
        return hebrew_forms(name)
    if _CYRILLIC.search(name):
        return russian_forms(name, plural=plural)
    return [name]


@functools.lru_cache(maxsize=4096)
def spellings(name: str, names: tuple[str, ...], aliases: tuple[str, ...], *, plural: bool = False) -> tuple[str, ...]:
    """Every way a term is written, the English ``name`` excepted (a document holds it apart):
    its ``names`` in the other languages and its ``aliases``, each as written, in each gender
    where it names both, and with its inflected forms."""
    written = _unique(
        form
        for spelling in (*names, *aliases)
        for gendered in gendered_forms(spelling)
        for form in forms_of(gendered, plural=plural)
    )
    return tuple(form for form in written if form != name)
