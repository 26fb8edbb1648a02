"""The search document of a posting, and the index settings both engines follow.

A document carries public fields only (it is what anyone can find) and everything a hit card
shows, so the search page needs no database query per hit. Dates are UNIX seconds, the form
Meilisearch filters and sorts on.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from jobboard.grants.eligibility import grant_criteria, posting_facts, posting_grant_keys
from jobboard.jobs.models import Posting
from jobboard.vocab.models import Named
from jobboard.vocab.spellings import spellings

if TYPE_CHECKING:
    from jobboard.search.stream import StreamedPosting

DESCRIPTION_CHARS = 2000

# In order of importance: a match in the title outranks one in the description.
SEARCHABLE_ATTRIBUTES = (
    "title",
    "specialty_label",
    "specialty_aliases",
    "profession_label",
    "profession_aliases",
    "employer_name",
    "city_name",
    "city_aliases",
    "region_label",
    "region_aliases",
    "description_text",
    "translations_text",
)
FILTERABLE_ATTRIBUTES = (
    "profession",
    "specialty",
    "region",
    "is_periphery",
    "grant_programs",
    "grant_fits",
    "employer",
    "employment_type",
    "seniority",
    "hebrew_level_min",
    "licence_requirements",
    "languages_required",
    "salary_top_ils",
    "grant_max_ils",
    "posted_at",
    "expires_at",
    "_geo",
)
SORTABLE_ATTRIBUTES = ("posted_at", "salary_top_ils", "grant_max_ils", "_geo")
RANKING_RULES = ("words", "typo", "sort", "proximity", "attribute", "exactness")
# What a list of hits shows of each (the search page's cards, the Atom feed): a search for these
# only (``SearchQuery.attributes``) reads less of each document. The labels are English; a list
# shows the vocabulary's names in the reader's language, found by the slugs (``Catalogue.localised``).
LISTED_ATTRIBUTES = (
    "id",
    "slug",
    "title",
    "titles",
    "description_text",
    "profession",
    "profession_label",
    "specialty",
    "specialty_label",
    "employer",
    "employer_name",
    "city",
    "city_name",
    "region",
    "region_label",
    "is_periphery",
    "_geo",
    "grant_programs",
    "grant_names",
    "salary_min_ils",
    "salary_max_ils",
    "salary_top_ils",
    "grant_max_ils",
    "posted_at",
)


_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_BLOCKS = re.compile(r"(^|\n)[ \t]*(#{1,6}|[-*+]|\d+[.)]|>)[ \t]+")
_MARKDOWN_INLINE = re.compile(r"[*_`~]+|<[^>]*>")
# A heading or a list item ends where its line does: a snippet joins lines, so one without a
# stop of its own gets one ("The position. Day-to-day care…", not "The position Day-to-day care…").
_BLOCK_WITHOUT_STOP = re.compile(r"(?m)^([ \t]*(?:#{1,6}|[-*+]|\d+[.)])[ \t]+.*?[^\s.!?:;…,])[ \t]*$")


def description_text(markdown: str) -> str:
    """The description as plain words for matching and snippets: Markdown's marks and any raw
    HTML dropped, link texts kept, headings and list items ended as sentences. (Rendering the
    Markdown only to strip it again costs a hundred times more, for every posting of a reindex.)"""
    text = _BLOCK_WITHOUT_STOP.sub(r"\1.", _MARKDOWN_LINK.sub(r"\1", markdown))
    text = _MARKDOWN_INLINE.sub("", _MARKDOWN_BLOCKS.sub(r"\1", text))
    return html.unescape(re.sub(r"[ \t]+", " ", text)).strip()[:DESCRIPTION_CHARS]


def _timestamp(value: Any) -> int | None:
    return int(value.timestamp()) if value is not None else None


def term_spellings(term: Named, aliases: list[str] | None = None, *, plural: bool = False) -> list[str]:
    """The term's names in the other languages and its aliases, with the forms a query in Russian or
    Hebrew gives them (``jobboard.vocab.spellings``): a search in any language finds the posting."""
    return list(spellings(term.name, tuple(term.names.values()), tuple(aliases or ()), plural=plural))


def posting_document(posting: Posting | StreamedPosting) -> dict[str, Any]:
    site, city = posting.site, posting.site.city
    grant_amounts = [g.amount_max_ils for g in posting.grants if g.amount_max_ils is not None]
    salary_top = posting.salary_max_ils if posting.salary_max_ils is not None else posting.salary_min_ils
    document: dict[str, Any] = {
        "id": posting.id,
        "slug": posting.slug,
        "title": posting.title,
        "description_text": description_text(posting.description_md),
        # The versions in other languages: found in any of them, each card titled in its reader's.
        "translations_text": [
            text for t in posting.translations for text in (t.title, description_text(t.description_md))
        ],
        "titles": {t.language: t.title for t in posting.translations},
        "profession": posting.profession_slug,
        "profession_label": posting.profession.name,
        "profession_aliases": term_spellings(posting.profession, plural=True),
        "specialty": posting.specialty_slug,
        "specialty_label": posting.specialty.name if posting.specialty else None,
        "specialty_aliases": term_spellings(posting.specialty, posting.specialty.aliases) if posting.specialty else [],
        "employer": posting.org.slug,
        "employer_name": posting.org.name,
        "site_name": site.name,
        "region": city.region_slug,
        "region_label": city.region.name,
        "region_aliases": term_spellings(city.region),
        "is_periphery": city.is_periphery,
        "city": city.slug,
        "city_name": city.name,
        "city_aliases": term_spellings(city, city.aliases),
        "_geo": {"lat": site.lat, "lng": site.lon},
        "grant_programs": [g.slug for g in posting.grants],
        "grant_names": [g.name for g in posting.grants],
        "grant_fits": posting_grant_keys(posting_facts(posting.site), [grant_criteria(g) for g in posting.grants]),
        "grant_max_ils": max(grant_amounts) if grant_amounts else None,
        "languages_required": [lang.code for lang in posting.languages],
        "hebrew_level_min": posting.hebrew_level,
        "licence_requirements": [posting.licence_requirement.value],
        "salary_min_ils": posting.salary_min_ils,
        "salary_max_ils": posting.salary_max_ils,
        "salary_top_ils": salary_top,
        "employment_type": posting.employment_type.value,
        "seniority": posting.seniority.value,
        "posted_at": _timestamp(posting.first_published_at),
        "expires_at": _timestamp(posting.expires_at),
    }
    return document
