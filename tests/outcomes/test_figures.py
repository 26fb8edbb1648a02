"""The figures of the hand-built history (``conftest``), counted by hand: the funnel with its
shares and medians, the rejected doctor at every step they reached, the interview at a fair,
the application of a deleted account, a breakdown, the hires against the goal, the fairs, and
each employer's own figures."""

from __future__ import annotations

from datetime import date

import pytest

from jobboard.outcomes import employer, programme
from jobboard.outcomes.funnel import median, reached
from jobboard.outcomes.scope import Dimension, Filters
from jobboard.outcomes.steps import APPLICATION_STEPS, FUNNEL
from tests.outcomes.conftest import SINCE, UNTIL

EVERYONE = Filters(since=SINCE, until=UNTIL)


def people_at(filters: Filters, steps=FUNNEL) -> dict[str, int]:
    return {step.value: figures.people for step, figures in reached(filters, steps).items()}


def test_the_funnel_counts_each_person_once_at_every_step_they_reached(app, history):
    assert people_at(EVERYONE) == {
        "signed_up": 13,  # 6 + the rejected + 3 + the one met at the fair + 2 (the deleted account is gone)
        "profile_complete": 11,  # the two from Germany did not complete theirs
        "applied": 11,  # 6 + the rejected + 3 + the deleted account's application
        "interviewed": 11,  # 6 + the rejected + 2 + the deleted (hired, so past it) + the fair's
        "offer": 9,  # 6 + the rejected + the one hired from the interview + the deleted
        "hired": 8,
        "started": 6,
    }


def test_a_doctor_rejected_after_the_offer_counts_at_the_interview_and_the_offer(app, history):
    from_france = Filters(since=SINCE, until=UNTIL, country="FR")
    assert people_at(from_france) == {
        "signed_up": 8,
        "profile_complete": 8,
        "applied": 7,
        "interviewed": 8,  # the fair's interview too
        "offer": 7,  # the rejected doctor among them
        "hired": 6,
        "started": 6,
    }


def test_the_days_from_the_step_before_are_the_medians_of_the_people(app, history):
    figures = reached(EVERYONE, FUNNEL)
    assert {step.value: figures[step].median_days for step in FUNNEL} == {
        "signed_up": None,
        "profile_complete": 2,  # 2 days for seven, 1 day for four
        "applied": 10,  # 10 days for seven, 8 for three (the deleted account has no profile)
        "interviewed": 7,  # 7 for seven, 10 for two, 19 for the deleted account's (the fair's has no application)
        "offer": 5,  # 0, 5 (six times), 7, 49
        "hired": 3,  # 0, 0, then 3 six times
        "started": 30,
    }


def test_the_period_counts_who_reached_a_step_in_it(app, history):
    february = Filters(since=date(2026, 2, 1), until=date(2026, 2, 28))
    assert people_at(february) == {
        "signed_up": 3,  # the three from the United States
        "profile_complete": 3,
        "applied": 5,  # the rejected, the three from the US, the deleted (France applied in January)
        "interviewed": 4,  # the rejected, two from the US, the deleted
        "offer": 5,  # three from France (29 January + i), the rejected, the deleted
        "hired": 7,  # six from France and the deleted account's
        "started": 0,
    }


@pytest.mark.parametrize(
    ("dimension", "value", "expected"),
    [
        (Dimension.EMPLOYER, "a", {"applied": 8, "interviewed": 9, "offer": 8, "hired": 7, "started": 6}),
        (Dimension.EMPLOYER, "b", {"applied": 3, "interviewed": 2, "offer": 1, "hired": 1, "started": 0}),
        (Dimension.PERIPHERY, False, {"applied": 3, "interviewed": 2, "offer": 1, "hired": 1, "started": 0}),
        (Dimension.REGION, "negev", {"applied": 8, "interviewed": 8, "offer": 8, "hired": 7, "started": 6}),
        (Dimension.GRANT, "grant", {"applied": 8, "interviewed": 8, "offer": 8, "hired": 7, "started": 6}),
        (Dimension.FAIR, "fair", {"applied": 1, "interviewed": 1, "offer": 0, "hired": 0, "started": 0}),
    ],
)
def test_a_job_or_fair_filter_starts_the_way_at_the_application(app, history, dimension, value, expected):
    """The interview at A's fair table counts for A, and for nothing tied to a posting."""
    value = {"a": history.org_a.id, "b": history.org_b.id, "grant": history.grant.id, "fair": history.fair.id}.get(
        value, value
    )
    filters = Filters(since=SINCE, until=UNTIL, **{dimension.value: value})
    assert not filters.only_the_doctors
    assert people_at(filters, APPLICATION_STEPS) == expected


def test_the_fair_filter_follows_the_doctors_who_booked_there(app, history):
    """The one met at the fair (interviewed there) and the US doctor who booked but did not come
    (applied to B1)."""
    at_the_fair = Filters(since=SINCE, until=UNTIL, fair=history.fair.id)
    assert people_at(at_the_fair, APPLICATION_STEPS)["applied"] == 1
    assert people_at(at_the_fair, APPLICATION_STEPS)["interviewed"] == 1


def test_hires_against_the_goal_show_totals_at_least_five_apart(app, history):
    hires = programme.hires(EVERYONE, SINCE)
    # 7 by February, 8 from April: February's total gives way to June's, the last, so that no
    # difference between two totals shown counts fewer than five people.
    assert hires.points == [(date(2026, 6, 30), 8)]
    assert hires.total.value == 8
    assert hires.goal_to_date == round(400 * 180 / 365.25) == 197
    assert [(row[0].value, row[2].value) for row in hires.table.rows] == [(date(2026, 6, 30), 197)]


@pytest.mark.parametrize(
    ("totals", "shown"),
    [
        ([0, 3, 7, 9, 15, 16], [2, 5]),
        ([0, 5, 10, 15], [1, 2, 3]),
        ([0, 2, 4], []),
        ([6, 6, 6], [0]),
        ([5, 7], [1]),
    ],
)
def test_the_months_shown_are_five_people_apart(totals, shown):
    assert programme._shown_months(totals) == shown


def test_a_breakdown_by_grant_withholds_the_cell_that_gives_a_hidden_one_away(app, history):
    """Each column holds one hidden cell (B1 and the fair, tied to no grant): the grant's cell,
    the only other one, would give it away against the total, so it is withheld too."""
    _steps, overall = programme.funnel(EVERYONE)
    table = programme.breakdown(EVERYONE, Dimension.GRANT, overall)
    rows = {row[0].value: row[1:] for row in table.rows}
    assert set(rows) == {"Negev grant", "No grant program"}
    assert all(cell.withheld and cell.value is None for cell in rows["Negev grant"])
    assert all(cell.hidden and cell.value is None for cell in rows["No grant program"])
    assert [cell.value for cell in table.total[1:]] == [11, 11, 9, 8, 6]


def test_a_breakdown_by_country_shows_what_is_five_or_more(app, history):
    _steps, overall = programme.funnel(EVERYONE)
    table = programme.breakdown(EVERYONE, Dimension.COUNTRY, overall)
    rows = {row[0].value: row[1:] for row in table.rows}
    assert set(rows) == {"France", "United States", "Germany", "Not given"}
    assert [cell.value for cell in rows["France"]] == [8, 8, 7, 8, 7, 6, 6]
    for name in ("United States", "Germany", "Not given"):
        assert all(cell.hidden for cell in rows[name])


def test_the_periphery_share_is_hidden_when_the_rest_is_under_five(app, history):
    periphery = programme.periphery(EVERYONE, hired=8)
    assert periphery.hired_there.withheld and periphery.share.hidden  # 7 of 8, but 1 elsewhere


def test_the_fairs_count_the_doctors_who_booked_came_and_did_not(app, history):
    table = programme.fairs(EVERYONE)
    assert [row[0].value for row in table.rows] == ["MedEx Paris 2026"]
    assert all(cell.hidden for cell in table.rows[0][1:])  # two booked: under five


def test_an_employer_counts_its_own_applicants_and_interviews_only(app, history):
    funnel_a = employer.funnel(history.org_a, SINCE, UNTIL)
    assert [cell.value for cell in funnel_a.values("people")] == [8, 9, 8, 7, 6]
    funnel_b = employer.funnel(history.org_b, SINCE, UNTIL)
    assert [cell.value for cell in funnel_b.values("people")] == [3, 2, 1, 1, 0]
    assert [cell.value for cell in funnel_b.values("share")] == [None, pytest.approx(200 / 3), 50, 100, 0]


def test_an_employer_sees_each_postings_views_steps_and_time_to_fill(app, history):
    table = employer.postings(history.org_a, SINCE, UNTIL)
    [row] = table.rows
    assert [cell.value for cell in row] == [history.posting_a.title, 10, 8, 8, 8, 7, 6, 87.5, 22]
    [row_b] = employer.postings(history.org_b, SINCE, UNTIL).rows
    assert [cell.value for cell in row_b] == [history.posting_b.title, 0, 3, 2, 1, 1, 0, pytest.approx(100 / 3), 90]


def test_an_employer_sees_each_fair_it_took_part_in(app, history):
    table = employer.fairs(history.org_a, SINCE, UNTIL)
    assert [[cell.value for cell in row] for row in table.rows] == [["MedEx Paris 2026", 3, 2, 1, 1, 0]]
    assert employer.fairs(history.org_b, SINCE, UNTIL).rows == ()


def test_the_median_of_a_distribution():
    assert median({}) is None
    assert median({4: 1}) == 4
    assert median({1: 1, 3: 1}) == 2
    assert median({0: 2, 3: 6}) == 3
    assert median({7: 7, 10: 2, 19: 1}) == 7
