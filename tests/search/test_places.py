"""Recognising city names of several words in a query's text, whatever their spelling, and quoting
them as phrases (the contract suite checks what the engines then find)."""

from __future__ import annotations

import pytest

from jobboard.search.places import PlaceNames, prepared_query, quote_city_names


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Be'er Sheva", '"be er sheva"'),
        ("be er sheva", '"be er sheva"'),
        ("BEER-SHEVA", '"beer sheva"'),
        ("Be\u2019er Sheba", '"be er sheba"'),
        ("באר שבע", '"באר שבע"'),
        ("בְּאֵר שֶׁבַע", '"באר שבע"'),
        ("pediatrician Be'er Sheva nights", 'pediatrician "be er sheva" nights'),
        ("Be'er Ya'akov", '"be er ya akov"'),
        ("Tel Aviv-Yafo cardiology", '"tel aviv yafo" cardiology'),  # the longest name that is spelled
        ("tel hashomer", '"tel hashomer"'),  # an alias (Ramat Gan)
    ],
    ids=lambda value: value,
)
def test_a_vocabulary_city_name_of_several_words_is_quoted_as_a_phrase(text, quoted):
    assert quote_city_names(text) == quoted


@pytest.mark.parametrize(
    "text",
    [
        "Beersheba",
        "beersheva",
        "Haifa",
        "tel",
        "be er",
        "pediatrics",
        "",
        '"Be\'er Sheva" nurse',  # already a phrase
        "-Be'er Sheva",  # "-Be'er" excludes be and er
        "Be'er \"Sheva",  # a quotation mark between the words
    ],
)
def test_single_words_phrases_exclusions_and_names_cut_by_a_quotation_mark_stay_as_written(text):
    assert quote_city_names(text) == text


def test_a_run_spelling_a_name_differently_is_quoted_as_one_of_the_names_spellings():
    names = PlaceNames(["Be'er Sheva", "Beersheba"])
    assert names.quoted("Beer Sheva") == '"be er sheva"'  # the letters of "Be'er Sheva", in other words
    assert names.quoted("bee rsheva") == '"be er sheva"'
    assert names.quoted("Beer Sheba") == '"beersheba"'  # a name of one word, written in two
    assert names.quoted("(Be'er Sheva),Tel") == '( "be er sheva" ),Tel'  # kept apart from what surrounds it


@pytest.mark.parametrize(
    ("text", "prepared"),
    [
        ("в Беэр-Шеве", '"беэр шеве"'),
        ("работа в Негеве", "работа Негеве"),
        ("врач и медсестра", "врач медсестра"),
        ("в", "в"),  # nothing else to search for
        ('"в Негеве"', '"в Негеве"'),  # a phrase stays as written
        ("בבאר שבע", '"בבאר שבע"'),  # a Hebrew prefix letter is part of the word
    ],
)
def test_a_query_reaches_the_engines_with_city_names_quoted_and_stop_words_dropped(text, prepared):
    assert prepared_query(text) == prepared
