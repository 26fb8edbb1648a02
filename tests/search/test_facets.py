"""The search page's filter column, written in Python from a catalogue escaped once: values by
display name with their counts, chosen ones checked, values the catalogue does not know yet after
the others, and every label and value escaped."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from werkzeug.datastructures import MultiDict

from jobboard.search.facets import build_catalogue, facet_groups, hebrew_options, option_list, radius_options
from jobboard.search.params import SearchState, parse, to_query
from jobboard.search.port import SearchResult

HOSTILE = '<b>Soroka</b> & "Partners"'


def catalogue():
    return build_catalogue(
        {
            "region": {"negev": "Negev", "center": "Center", "haifa": "Haifa and Hadera"},
            "employer": {"soroka": HOSTILE, "assuta": "assuta Ashdod"},
        },
        [("beersheba", "Beersheba", 31.25, 34.79), ("haifa", "Haifa", 32.79, 34.99)],
    )


def result(**facets: dict[str, int]) -> SearchResult:
    return SearchResult(hits=[], total=9, total_capped=False, page=1, per_page=20, facets=facets)


def rows(markup: str) -> list[tuple[str, bool, str, int]]:
    """(value, checked, label, count) of each checkbox."""
    return [
        (value, bool(checked), label, int(count))
        for value, checked, label, count in re.findall(
            r'<label class="form-check"><input class="form-check-input" type="checkbox" id="f-\w+-[^"]*" name="\w+" '
            r'value="([^"]*)"( checked)?> (.*?) <span class="text-body-secondary small">\((\d+)\)</span></label>',
            markup,
        )
    ]


def counted(groups):
    return [group for group in groups if group.open]


def test_values_come_by_display_name_with_their_counts_and_the_chosen_ones_checked():
    groups = facet_groups(
        SearchState(selected={"region": ["haifa"]}), result(region={"negev": 5, "center": 3}), catalogue(), "/jobs"
    )
    [region] = counted(groups)
    assert region.param == "region"
    assert rows(region.checkboxes) == [
        ("center", False, "Center", 3),
        ("haifa", True, "Haifa and Hadera", 0),
        ("negev", False, "Negev", 5),
    ]


def test_a_counted_group_without_values_is_left_out_and_a_chosen_or_opened_group_is_counted():
    chosen = facet_groups(
        SearchState(selected={"employer": ["assuta"]}), result(employer={"assuta": 2}), catalogue(), "/jobs"
    )
    assert [group.param for group in counted(chosen)] == ["employer"]  # region and profession: nothing counted
    opened = facet_groups(SearchState(opened=["employer"]), result(employer={"assuta": 2}), catalogue(), "/jobs")
    assert rows(counted(opened)[0].checkboxes) == [("assuta", False, "assuta Ashdod", 2)]
    assert counted(facet_groups(SearchState(), None, catalogue(), "/jobs")) == []


def test_the_other_groups_are_closed_with_a_link_to_the_same_search_with_them_opened():
    state = SearchState(text="nurse", selected={"region": ["negev"]}, opened=["grant"], page=3)
    groups = facet_groups(state, result(region={"negev": 2}), catalogue(), "/jobs")
    assert [(group.param, group.open) for group in groups] == [
        ("region", True),
        ("specialty", False),
        ("grant", True),
        ("employer", False),
        ("employment", False),
        ("seniority", False),
        ("licence", False),
    ]  # profession: counted, with nothing to show
    assert next(group for group in groups if group.param == "grant").checkboxes == ""  # opened, none counted
    employer = next(group for group in groups if group.param == "employer")
    assert employer.checkboxes is None
    assert 'href="/jobs?q=nurse&amp;region=negev&amp;open=employer&amp;open=grant"' in employer.opening  # page 1
    first = facet_groups(SearchState(), None, catalogue(), "/jobs")
    assert 'href="/jobs?open=licence"' in next(group.opening for group in first if group.param == "licence")


def test_only_the_groups_shown_counted_and_the_hebrew_levels_are_counted():
    def facets(query_string: str) -> tuple[str, ...]:
        return to_query(parse(MultiDict(parse_qsl(query_string)), {"seniority": {"resident"}}, {}), {}, 0).facets

    assert facets("") == ("profession", "region", "hebrew_level_min")
    assert facets("open=employer&open=region&open=nonsense&seniority=resident") == (
        "profession",
        "region",
        "employer",
        "seniority",
        "hebrew_level_min",
    )
    state = parse(MultiDict(parse_qsl("open=licence&open=nonsense&open=licence")), {}, {})
    assert (state.opened, state.notices) == (["licence"], [])  # how the page looks: nothing to warn about
    assert state.to_args() == {"open": ["licence"]}


def test_a_link_encodes_every_value_and_reads_back_as_the_same_search():
    state = SearchState(
        text='cardiology & "ICU" / אשדוד+',
        selected={"region": ["negev", "haifa"]},
        min_salary=30000,
        page=2,
        opened=["employer"],
    )
    link = state.link("/jobs", page=3)
    assert link.startswith("/jobs?q=cardiology+%26+%22ICU%22+%2F+%D7%90")
    assert parse_qsl(link.split("?", 1)[1]) == [
        ("q", 'cardiology & "ICU" / אשדוד+'),
        ("region", "negev"),
        ("region", "haifa"),
        ("min_salary", "30000"),
        ("page", "3"),
        ("open", "employer"),
    ]
    assert SearchState().link("/jobs") == "/jobs"


def test_options_mark_the_selected_value_and_escape_labels():
    known = catalogue()
    assert (
        str(known.city_list("haifa"))
        == str(option_list(known.city_options, "haifa"))
        == ('<option value="beersheba">Beersheba</option><option value="haifa" selected>Haifa</option>')
    )
    assert (
        str(known.city_list(None)) == '<option value="beersheba">Beersheba</option><option value="haifa">Haifa</option>'
    )
    assert known.city_list("haifa") is known.city_list("haifa")
    assert '<option value="25" selected>within 25 km of</option>' in str(radius_options(25))
    assert " selected" not in str(radius_options(None))


def test_each_hebrew_level_counts_the_positions_asking_for_at_most_it():
    result = SearchResult(
        hits=[], total=9, total_capped=False, page=1, per_page=20, facets={"hebrew_level_min": {"0": 2, "3": 4, "5": 3}}
    )
    options = str(hebrew_options(result, 3))
    assert options.isascii()
    assert re.findall(r'<option value="(\d)"( selected)?>[^<]* \((\d+)\)</option>', options) == [
        ("0", "", "2"),
        ("1", "", "2"),
        ("2", "", "2"),
        ("3", " selected", "6"),
        ("4", "", "6"),
        ("5", "", "9"),
        ("6", "", "9"),
    ]
    assert "A1 &#8211; beginner (2)" in options
    assert str(hebrew_options(None, None)).count("(0)</option>") == 7
