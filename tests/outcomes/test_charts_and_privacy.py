"""The SVG charts (named, described, no script or style, mirrored right to left) and the
small-numbers rule on its own."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from jobboard.outcomes import charts, privacy
from jobboard.outcomes.tables import Cell

SVG = "{http://www.w3.org/2000/svg}"
ITEMS = [("Negev", Cell(40)), ("Galilee", Cell(20)), ("Haifa", Cell(hidden=True)), ("Center", Cell(withheld=True))]


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - a chart the app has just drawn


def test_a_bar_chart_is_a_named_described_image_with_a_bar_per_shown_value(request_context):
    svg = parsed(charts.bars("c", "Hires by region", "A bar per region.", ITEMS, rtl=False))

    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Hires by region" and svg.find(f"{SVG}desc").text == "A bar per region."
    bars = svg.findall(f"{SVG}rect")
    assert [float(bar.get("width")) for bar in bars] == [340.0, 170.0]  # Haifa's and Center's are not drawn
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts == ["Negev", "40", "Galilee", "20", "Haifa", "<5", "Center", "—"]
    assert all(element.get("style") is None for element in svg.iter())
    assert not list(svg.iter(f"{SVG}script"))


def test_a_right_to_left_chart_is_the_mirror_image(request_context):
    left = parsed(charts.bars("c", "t", "d", ITEMS, rtl=False))
    right = parsed(charts.bars("c", "t", "d", ITEMS, rtl=True))

    assert (left.get("direction"), right.get("direction")) == ("ltr", "rtl")
    for bar, mirrored in zip(left.iter(f"{SVG}rect"), right.iter(f"{SVG}rect"), strict=True):
        width = float(bar.get("width"))
        assert float(mirrored.get("x")) == charts.WIDTH - float(bar.get("x")) - width
    for text, mirrored in zip(left.iter(f"{SVG}text"), right.iter(f"{SVG}text"), strict=True):
        assert float(mirrored.get("x")) == charts.WIDTH - float(text.get("x"))
        assert mirrored.get("text-anchor") == text.get("text-anchor")


def test_the_running_total_draws_the_goal_and_the_hires(request_context):
    svg = parsed(
        charts.running_total(
            "h",
            "Hires",
            "Against the goal",
            start=date(2026, 1, 1),
            end=date(2031, 1, 1),
            points=[(date(2026, 6, 30), 8), (date(2026, 12, 31), 230)],
            goal=[(date(2026, 1, 1), 0), (date(2031, 1, 1), 2000)],
            legend=("Hired", "Goal"),
            rtl=False,
        )
    )
    goal, hires = [line for line in svg.iter(f"{SVG}polyline")]
    assert goal.get("class") == "chart-goal" and hires.get("class") == "chart-line"
    assert len(hires.get("points").split()) == 2 and len(list(svg.iter(f"{SVG}circle"))) == 2
    labels = {t.text for t in svg.iter(f"{SVG}text")}
    assert {"2027", "2031", "0", "2,000", "Hired", "Goal"} <= labels


def test_a_funnel_labels_each_step_with_its_people(request_context):
    svg = parsed(charts.funnel("f", "t", "d", [("Applied", Cell(100)), ("Hired", Cell(hidden=True))], rtl=False))
    assert [t.text for t in svg.iter(f"{SVG}text")] == ["Applied: 100", "Hired: <5"]
    assert [float(bar.get("width")) for bar in svg.iter(f"{SVG}rect")] == [charts.WIDTH]


@pytest.mark.parametrize(("people", "hidden"), [(0, True), (4, True), (5, False), (120, False)])
def test_fewer_than_five_people_are_hidden_and_their_number_is_not_kept(people, hidden):
    cell = privacy.count(people, protected=True)
    assert cell.hidden == hidden and (cell.value is None) == hidden
    assert privacy.count(people, protected=False) == Cell(people)


def test_a_lone_hidden_cell_takes_the_smallest_shown_one_with_it():
    column = [Cell(40), Cell(12), Cell(hidden=True), Cell(30)]
    assert privacy.with_total(column, Cell(85)) == [Cell(40), Cell(withheld=True), Cell(hidden=True), Cell(30)]
    two_hidden = [Cell(40), Cell(hidden=True), Cell(hidden=True)]
    assert privacy.with_total(two_hidden, Cell(46)) == two_hidden
    assert privacy.with_total([Cell(hidden=True)], Cell(hidden=True)) == [Cell(hidden=True)]


def test_a_rate_or_a_median_of_hidden_counts_is_hidden():
    assert privacy.derived(50.0, Cell(10), Cell(20)) == Cell(50.0)
    assert privacy.derived(50.0, Cell(10), Cell(withheld=True)).hidden
    assert privacy.median(3.0, pairs=4, protected=True).hidden
    assert privacy.median(3.0, pairs=4, protected=False) == Cell(3.0)
