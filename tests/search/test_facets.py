"""The search page's filter column, written in Python from a catalogue escaped once: values by
display name with their counts, chosen ones checked, values the catalogue does not know yet after
the others, and every label and value escaped."""

from __future__ import annotations

import re

from jobboard.search.facets import build_catalogue, facet_groups, hebrew_options, option_list, radius_options
from jobboard.search.params import SearchState
from jobboard.search.port import SearchResult

HOSTILE = '<b>Soroka</b> & "Partners"'


def catalogue():
    return build_catalogue(
        {"region": {"negev": "Negev", "center": "Center", "haifa": "Haifa and Hadera"},
         "employer": {"soroka": HOSTILE, "assuta": "assuta Ashdod"}},
        [("beersheba", "Beersheba", 31.25, 34.79), ("haifa", "Haifa", 32.79, 34.99)],
    )


def result(**facets: dict[str, int]) -> SearchResult:
    return SearchResult(hits=[], total=9, total_capped=False, page=1, per_page=20, facets=facets)


def rows(markup: str) -> list[tuple[str, bool, str, int]]:
    """(value, checked, label, count) of each checkbox."""
    return [(value, bool(checked), label, int(count)) for value, checked, label, count in re.findall(
        r'<label class="form-check"><input class="form-check-input" type="checkbox" name="\w+" '
        r'value="([^"]*)"( checked)?> (.*?) <span class="text-body-secondary small">\((\d+)\)</span></label>', markup)]


def test_values_come_by_display_name_with_their_counts_and_the_chosen_ones_checked():
    groups = facet_groups(SearchState(selected={"region": ["haifa"]}), result(region={"negev": 5, "center": 3}),
                          catalogue())
    [region] = groups
    assert (region.param, region.open) == ("region", True)
    assert rows(region.checkboxes) == [("center", False, "Center", 3), ("haifa", True, "Haifa and Hadera", 0),
                                       ("negev", False, "Negev", 5)]


def test_a_group_without_counted_or_chosen_values_is_left_out_and_a_chosen_closed_group_opens():
    groups = facet_groups(SearchState(selected={"employer": ["assuta"]}), result(employer={"assuta": 2}), catalogue())
    assert [(group.param, group.open) for group in groups] == [("employer", True)]
    assert rows(facet_groups(SearchState(), result(employer={"assuta": 2}), catalogue())[0].checkboxes) == [
        ("assuta", False, "assuta Ashdod", 2)]
    assert facet_groups(SearchState(), None, catalogue()) == []


def test_values_the_catalogue_does_not_know_follow_the_known_ones_labelled_as_themselves():
    groups = facet_groups(SearchState(selected={"employer": ['new"one']}),
                          result(employer={"soroka": 1, "brand-new": 4}), catalogue())
    assert rows(groups[0].checkboxes) == [
        ("soroka", False, "&lt;b&gt;Soroka&lt;/b&gt; &amp; &quot;Partners&quot;", 1),
        ("brand-new", False, "brand-new", 4), ("new&quot;one", True, "new&quot;one", 0)]


def test_options_mark_the_selected_value_and_escape_labels():
    known = catalogue()
    assert str(known.city_list("haifa")) == str(option_list(known.city_options, "haifa")) == (
        '<option value="beersheba">Beersheba</option><option value="haifa" selected>Haifa</option>')
    assert str(known.city_list(None)) == '<option value="beersheba">Beersheba</option><option value="haifa">Haifa</option>'
    assert known.city_list("haifa") is known.city_list("haifa")
    assert '<option value="25" selected>within 25 km of</option>' in str(radius_options(25))
    assert " selected" not in str(radius_options(None))


def test_each_hebrew_level_counts_the_positions_asking_for_at_most_it():
    result = SearchResult(hits=[], total=9, total_capped=False, page=1, per_page=20,
                          facets={"hebrew_level_min": {"0": 2, "3": 4, "5": 3}})
    options = str(hebrew_options(result, 3))
    assert options.isascii()
    assert re.findall(r'<option value="(\d)"( selected)?>[^<]* \((\d+)\)</option>', options) == [
        ("0", "", "2"), ("1", "", "2"), ("2", "", "2"), ("3", " selected", "6"), ("4", "", "6"), ("5", "", "9"),
        ("6", "", "9")]
    assert "A1 &#8211; beginner (2)" in options
    assert str(hebrew_options(None, None)).count("(0)</option>") == 7
