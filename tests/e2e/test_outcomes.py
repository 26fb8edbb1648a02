"""The outcome dashboards in the browser: the program's for an administrator (in English and in
Hebrew, right to left) and an employer's own, each rendered with its charts and tables, checked
with axe-core (no serious or critical violation) and saved as full-page screenshots under
test-results/e2e/<journey>/. The world is the hand-built history of ``tests/outcomes``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import LiveServer, check_accessibility
from tests.e2e.test_journeys import sign_in, sign_in_admin
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


@pytest.fixture(scope="module")
def outcomes_world(live_server: LiveServer) -> Iterator[SimpleNamespace]:
    from jobboard.extensions import db
    from tests.outcomes.conftest import build_history

    with live_server.app.app_context():  # type: ignore[attr-defined]
        history = build_history()
        world = SimpleNamespace(org_slug=history.org_a.slug, owner_email=history.owner_a.email)
        db.session.remove()
    yield world


def charts_beside_tables(page: Page, charts: int) -> None:
    expect(page.locator("main svg[role=img]")).to_have_count(charts)
    for chart in page.locator("main svg[role=img]").all():
        expect(chart.locator("title")).not_to_be_empty()
    expect(page.locator("main table").first).to_be_visible()


def test_the_program_dashboard(page: Page, live_server: LiveServer, outcomes_world: SimpleNamespace, shot) -> None:
    sign_in_admin(page, live_server)
    page.goto("/en/admin/outcomes?by=grant")
    expect(page.get_by_role("heading", name="Program outcomes")).to_be_visible()
    charts_beside_tables(page, 4)
    expect(page.locator("#table-funnel")).to_contain_text("Started work")
    expect(page.locator("#table-breakdown")).to_contain_text("<5")
    check_accessibility(page, "the program dashboard")
    shot(page, "program-dashboard")

    page.get_by_label("Country the doctor comes from").select_option("FR")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(lambda url: "country=FR" in url)
    # The browser journeys share this server's database and sign doctors up too: a count, not the
    # hand-counted 8 of tests/outcomes.
    expect(page.locator("#table-funnel tbody tr").first).to_have_text(re.compile(r"^\s*Signed up\s*\d+"))
    shot(page, "program-dashboard-france")

    page.goto("/he/admin/outcomes?by=region")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("main svg[direction=rtl]")).to_have_count(4)
    check_accessibility(page, "the program dashboard in Hebrew")
    shot(page, "program-dashboard-hebrew")


def test_the_employer_dashboard(page: Page, outcomes_world: SimpleNamespace, shot) -> None:
    sign_in(page, outcomes_world.owner_email, PASSWORD)
    page.goto(f"/en/org/{outcomes_world.org_slug}/outcomes")
    expect(page.get_by_role("heading", name="Outcomes", level=2)).to_be_visible()
    charts_beside_tables(page, 1)
    expect(page.locator("#table-postings")).to_contain_text("88%")
    expect(page.locator("#table-fairs")).to_contain_text("MedEx Paris 2026")
    check_accessibility(page, "the employer dashboard")
    shot(page, "employer-dashboard")
