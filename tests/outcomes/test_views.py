"""The dashboards as pages and CSV files: the programme's for administrators (filters in the
address, the small-numbers rule, no one named) and each employer's (its own figures only; another
tenant's dashboard is not found)."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from tests.factories import AdminFactory
from tests.outcomes.conftest import SINCE, UNTIL

PERIOD = f"since={SINCE}&until={UNTIL}"


def cells(page: str, table: str) -> list[list[str]]:
    """The text of each row of a table of figures."""
    body = re.search(rf'<table[^>]*id="table-{table}".*?</table>', page, re.S).group(0)
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def names_and_addresses(history) -> list[str]:
    doctors = [*history.fr, history.rejected, *history.us, history.met_at_fair, *history.de]
    return [d.full_name for d in doctors] + [d.email for d in doctors]


@pytest.fixture
def admin(login):
    admin = AdminFactory()
    login(admin)
    return admin


def test_the_programme_dashboard_draws_and_tabulates_the_figures(client, history, admin):
    response = client.get(f"/admin/outcomes?{PERIOD}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert cells(page, "funnel") == [
        ["Step", "People", "Share of the step before", "Median days from the step before"],
        ["Signed up", "13", "", ""],
        ["Completed their profile", "11", "85%", "2"],
        ["Applied", "11", "100%", "10"],
        ["Interviewed", "11", "100%", "7"],
        ["Received an offer", "9", "82%", "5"],
        ["Hired", "8", "89%", "3"],
        ["Started work", "6", "75%", "30"],
    ]
    assert cells(page, "hires")[1:] == [["June 2026", "8", "197"]]
    assert "8 doctors hired through this board by 30 June 2026; the goal by then: 197" in html.unescape(
        re.sub(r"<[^>]+>", "", page)
    )
    # A chart beside each table, named and described, drawn without script or style.
    for chart in ("chart-hires", "chart-funnel", "chart-breakdown", "chart-fairs"):
        svg = re.search(rf'<svg[^>]*id="{chart}".*?</svg>', page, re.S).group(0)
        assert 'role="img"' in svg and f'aria-labelledby="{chart}-title {chart}-desc"' in svg
        assert "<title" in svg and "<desc" in svg and "style=" not in svg and "<script" not in svg
    for name in names_and_addresses(history):
        assert name not in page


def test_the_small_numbers_are_hidden_with_the_cell_that_would_give_them_away(client, history, admin):
    page = client.get(f"/admin/outcomes?{PERIOD}&by=grant").get_data(as_text=True)

    assert cells(page, "breakdown")[1:] == [
        ["Negev grant", "—", "—", "—", "—", "—"],
        ["No grant program", "<5", "<5", "<5", "<5", "<5"],
        ["Total", "11", "11", "9", "8", "6"],
    ]
    assert "fewer than 5 people" in page
    # The fair: two doctors booked there.
    assert cells(page, "fairs")[1] == ["MedEx Paris 2026", "<5", "<5", "<5", "<5", "<5"]
    # The periphery's share (7 of 8): the one hired elsewhere would show.
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert "In the periphery: — of the doctors hired in the period (<5)." in text


def test_the_filters_live_in_the_address_and_reach_the_csv_files(client, history, admin):
    page = client.get(f"/admin/outcomes?{PERIOD}&country=FR&by=country").get_data(as_text=True)

    assert cells(page, "funnel")[1][1] == "8"  # signed up from France
    assert cells(page, "breakdown")[1] == ["France", "8", "8", "7", "8", "7", "6", "6"]
    assert 'option selected value="FR"' in page or 'value="FR" selected' in page
    link = html.unescape(re.search(r'href="([^"]*breakdown\.csv[^"]*)"', page).group(1))
    assert "country=FR" in link and "by=country" in link

    response = client.get(link)

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "Country the doctor comes from"
    assert rows[1] == ["France", "8", "8", "7", "8", "7", "6", "6"]
    assert rows[-1] == ["Total", "8", "8", "7", "8", "7", "6", "6"]


def test_a_job_filter_starts_the_funnel_at_the_application(client, history, admin):
    page = client.get(f"/admin/outcomes?{PERIOD}&employer={history.org_a.id}").get_data(as_text=True)
    assert [row[:2] for row in cells(page, "funnel")[1:]] == [
        ["Applied", "8"],
        ["Interviewed", "9"],
        ["Received an offer", "8"],
        ["Hired", "7"],
        ["Started work", "6"],
    ]


def test_the_csv_of_the_hidden_cells_keeps_them_hidden(client, history, admin):
    response = client.get(f"/admin/outcomes/breakdown.csv?{PERIOD}&by=grant")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows == [
        ["Grant program", "Applied", "Interviewed", "Received an offer", "Hired", "Started work"],
        ["Negev grant", "—", "—", "—", "—", "—"],
        ["No grant program", "<5", "<5", "<5", "<5", "<5"],
        ["Total", "11", "11", "9", "8", "6"],
    ]


def test_what_cannot_be_read_from_the_address_is_said_and_the_rest_applies(client, history, admin):
    response = client.get(f"/admin/outcomes?since=soon&until={UNTIL}&country=ZZ&by=nothing")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "First day: Not a valid date value." in page
    assert "Country the doctor comes from: Not a valid choice." in page


def test_the_employer_dashboard_counts_the_tenants_own_figures(client, login, history):
    login(history.viewer_a)
    response = client.get(f"/org/{history.org_a.slug}/outcomes?{PERIOD}")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert [row[:2] for row in cells(page, "funnel")[1:]] == [
        ["Applied", "8"],
        ["Interviewed", "9"],  # the interview at the fair's table too
        ["Received an offer", "8"],
        ["Hired", "7"],
        ["Started work", "6"],
    ]
    assert cells(page, "postings")[1] == [history.posting_a.title, "10", "8", "8", "8", "7", "6", "88%", "22"]
    assert cells(page, "fairs")[1] == ["MedEx Paris 2026", "3", "2", "1", "1", "0"]
    assert history.posting_b.title not in page
    for name in names_and_addresses(history):
        assert name not in page
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/org/{history.org_a.slug}/outcomes/postings.csv?{PERIOD}").get_data(as_text=True))
        )
    )
    assert rows[1] == [history.posting_a.title, "10", "8", "8", "8", "7", "6", "87.5", "22"]


def test_another_tenants_dashboard_is_not_found(client, login, history):
    login(history.owner_b)
    assert client.get(f"/org/{history.org_a.slug}/outcomes").status_code == 404
    assert client.get(f"/org/{history.org_a.slug}/outcomes/funnel.csv").status_code == 404

    page = client.get(f"/org/{history.org_b.slug}/outcomes?{PERIOD}").get_data(as_text=True)

    assert [row[1] for row in cells(page, "funnel")[1:]] == ["3", "2", "1", "1", "0"]
    assert history.posting_a.title not in page and "MedEx Paris 2026" not in page


def test_a_right_to_left_page_mirrors_its_charts(client, history, admin):
    page = client.get(f"/he/admin/outcomes?{PERIOD}").get_data(as_text=True)
    assert page.count('direction="rtl"') == 4 and 'direction="ltr"' not in page
