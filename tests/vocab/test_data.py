"""The vocabulary file (``jobboard/vocab/data.json``): every region, city, profession, specialty and
language named in each of the board's languages, in that language's script, and the names
loaded into the database by the seed."""

from __future__ import annotations

import re

import pytest

from jobboard.i18n import OTHER_LANGUAGES
from jobboard.vocab.models import City, Language, Profession, Region, Specialty
from jobboard.vocab.seed import vocabulary_data

KINDS = {"regions": Region, "cities": City, "professions": Profession, "specialties": Specialty, "languages": Language}
SCRIPTS = {
    "he": re.compile(r"^[\u0590-\u05ff][\u0590-\u05ff \"'״׳()/,.-]*$"),
    "ru": re.compile(r"^[\u0400-\u04ff][\u0400-\u04ff \"'«»()/,.—-]*$"),
    "fr": re.compile(r"^[A-ZÀ-Ýa-zà-ÿœŒ][A-Za-zÀ-ÿœŒ '’()/,.-]*$"),
    "es": re.compile(r"^[A-ZÀ-Ýa-zà-ÿ][A-Za-zÀ-ÿ '’()/,.-]*$"),
}
WITH_ALIASES = {"cities", "specialties"}


def key_of(entry: dict) -> str:
    return entry.get("slug") or entry["code"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_entry_is_named_in_each_language_in_its_script(kind):
    entries = vocabulary_data()[kind]
    assert entries
    for entry in entries:
        assert set(entry["names"]) == set(OTHER_LANGUAGES), key_of(entry)
        for code, name in entry["names"].items():
            assert name.strip() == name and SCRIPTS[code].match(name), (key_of(entry), code, name)


@pytest.mark.parametrize("kind", KINDS)
def test_only_cities_and_specialties_have_aliases_and_none_twice(kind):
    for entry in vocabulary_data()[kind]:
        if kind not in WITH_ALIASES:
            assert "aliases" not in entry, key_of(entry)
            continue
        folded = [alias.casefold() for alias in entry["aliases"]]
        assert len(folded) == len(set(folded)) and all(alias.strip() for alias in folded), key_of(entry)


def test_names_of_the_same_kind_are_told_apart_in_every_language():
    """Two entries with one name would be two identical choices in a form or a facet."""
    data = vocabulary_data()
    for kind in KINDS:
        for code in OTHER_LANGUAGES:
            names = [entry["names"][code].casefold() for entry in data[kind]]
            assert len(names) == len(set(names)), (kind, code)


@pytest.mark.parametrize("kind", KINDS)
def test_the_seed_loads_every_name(db_session, kind):
    """The app's database is seeded from the file (``tests.apps``) as ``flask jobboard seed-vocab`` does."""
    for entry in vocabulary_data()[kind]:
        assert db_session.get(KINDS[kind], key_of(entry)).names == entry["names"], key_of(entry)
