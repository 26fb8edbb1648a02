"""Browser journeys: the app served on a real port from a fresh SQLite file, driven by Debian's
chromium through Playwright.

- ``live_server`` (session): migrated database with the vocabularies, the grant catalogue, an
  administrator with two-factor sign-in and a published MedEx fair taking bookings; served by
  werkzeug in a daemon thread, with real CSRF and the development mail backend (.eml files).
- ``browser`` (module): chromium, or a skip when it is not installed (a failure under CI=true).
- ``page`` / ``open_page`` / ``open_sized``: a page per actor (each in its own browser context, so its own
  cookies); console errors, page errors, failed requests, 5xx responses, 4xx on static files
  and Content-Security-Policy violations are recorded, and any of them fails the test at teardown.
- ``shot``: full-page screenshots under test-results/e2e/<journey>/<nn-name>.png.
- ``check_accessibility``: axe-core in the page; no violation of impact serious or critical.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pyotp
import pytest
from playwright.sync_api import Page, expect

from tests.mailbox import Mailbox

# Signing in hashes passwords with Argon2 and each step may send mail: give the assertions room.
expect.set_options(timeout=10_000)

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results" / "e2e"
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

ADMIN_EMAIL = "admin.e2e@imap-jobs.example"
ADMIN_PASSWORD = "umbrella-Quartz-harbour-71"
FAIR_NAME = "MedEx London"
FAIR_ZONE = "Europe/London"


# --- the server --------------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: object
    mail: Mailbox
    fair_id: int
    fair_slug: str
    fair_day: str  # ISO date of the fair's (only) day
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD
    admin_totp_secret: str = ""
    admin_recovery_codes: list[str] = field(default_factory=list)
    _last_totp_step: int = -1

    def admin_code(self) -> str:
        """A fresh code: each step's is accepted once, and the next step's already (clock drift),
        so a sign-in soon after another takes the next step's code, and one after that a
        recovery code, rather than waiting half a minute."""
        step = max(int(time.time()) // 30, self._last_totp_step + 1)
        if step > int(time.time()) // 30 + 1:
            return self.admin_recovery_codes.pop()
        self._last_totp_step = step
        return pyotp.TOTP(self.admin_totp_secret).at(step * 30)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from jobboard.accounts import two_factor
    from jobboard.accounts.models import AccountKind
    from jobboard.accounts.services import create_user
    from jobboard.demo.postings import seed_grant_programs
    from jobboard.extensions import db
    from jobboard.fairs.organising import FairFields, publish_fair, save_fair
    from tests.apps import migrated_app, own_database
    from tests.serving import free_port, serve

    root = tmp_path_factory.mktemp("e2e")
    port = free_port()
    with own_database("sqlite", root) as database_url:
        # The rate limits stay on for the other test modules; ``_no_rate_limits`` turns them off
        # while a journey runs (see tests/apps.py).
        app = migrated_app(
            database_url,
            root,
            SECRET_KEY="e2e-secret-key-not-for-production",
            BASE_URL=f"http://127.0.0.1:{port}",
            RATELIMIT_ENABLED=False,
            WTF_CSRF_ENABLED=True,
        )
        secret = pyotp.random_base32()
        london = ZoneInfo(FAIR_ZONE)
        fair_day = (datetime.now(london) + timedelta(days=30)).date()
        with app.app_context():
            admin = create_user(
                email=ADMIN_EMAIL,
                full_name="Adina Admin",
                password=ADMIN_PASSWORD,
                kind=AccountKind.STAFF,
                confirmed=True,
                is_admin=True,
            )
            admin.totp_secret = secret
            recovery_codes = two_factor.regenerate_recovery_codes(admin)
            seed_grant_programs(admin)
            fair = save_fair(
                admin,
                FairFields(
                    name=FAIR_NAME,
                    city="London",
                    country="GB",
                    venue="North-west London venue",
                    address="1 High Road",
                    time_zone=FAIR_ZONE,
                    starts_on=fair_day,
                    ends_on=fair_day,
                    opens_at=clock(9, 0),
                    closes_at=clock(17, 0),
                    booking_opens_at=datetime.now(london) - timedelta(days=1),
                    booking_closes_at=datetime.combine(fair_day - timedelta(days=1), clock(18, 0), london),
                ),
            )
            publish_fair(admin, fair)
            db.session.commit()
            fair_id, fair_slug = fair.id, fair.slug
            db.session.remove()

        with serve(app, port) as url:
            yield LiveServer(
                url=url,
                app=app,
                mail=Mailbox(root / "mail"),
                fair_id=fair_id,
                fair_slug=fair_slug,
                fair_day=fair_day.isoformat(),
                admin_totp_secret=secret,
                admin_recovery_codes=recovery_codes,
            )
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_rate_limits() -> Iterator[None]:
    """The shared Limiter off while a journey runs (see live_server), back on afterwards."""
    from tests.serving import rate_limits_off

    with rate_limits_off():
        yield


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: Playwright's sync API runs its own event loop, which should not outlive
    the journeys into the rest of the suite."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian chromium is not installed (apt install chromium): CI must run the browser journeys")
        pytest.skip("Debian chromium is not installed (apt install chromium): browser journeys not run")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const violation = {directive: event.violatedDirective, blocked: event.blockedURI, source: event.sourceFile,
                     line: event.lineNumber, sample: event.sample, page: location.href};
  window.__cspViolations.push(violation);
  if (typeof window.__e2eReportCsp === "function") window.__e2eReportCsp(violation);
}, true);
"""

STATIC_TYPES = {"stylesheet", "script", "image", "font", "media"}


class BrowserProblems:
    """What went wrong in the browser during a journey, across every actor's page."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.pages: list[tuple[str, object]] = []
        self.contexts: list[object] = []
        self.failed_requests: list[tuple[str, str, str | None, bool, str]] = []
        self.downloads: set[str] = set()
        self.expected: list[re.Pattern[str]] = []

    def expect(self, pattern: str) -> None:
        """A problem the journey provokes on purpose (a refusal it checks the page for): console
        errors that match ``pattern`` are not reported."""
        self.expected.append(re.compile(pattern))

    def add(self, actor: str, text: str) -> None:
        if any(pattern.search(text) for pattern in self.expected):
            return
        self.items.append(f"[{actor}] {text}")

    def watch(self, actor: str, context: object) -> object:
        context.add_init_script(CSP_LISTENER)  # type: ignore[attr-defined]
        context.expose_binding(  # type: ignore[attr-defined]
            "__e2eReportCsp", lambda _source, violation: self.add(actor, f"CSP violation: {violation}")
        )
        page = context.new_page()  # type: ignore[attr-defined]

        def on_console(message: object) -> None:
            if message.type != "error":  # type: ignore[attr-defined]
                return
            url = message.location.get("url") or ""  # type: ignore[attr-defined]
            if urlsplit(url).path == "/favicon.ico":
                return  # the browser's own request for a site icon, which the app does not have
            self.add(actor, f"console error: {message.text} ({url})")  # type: ignore[attr-defined]

        def on_request_failed(request: object) -> None:
            self.failed_requests.append(
                (
                    actor,
                    request.url,
                    request.failure,
                    request.is_navigation_request(),  # type: ignore[attr-defined]
                    f"request failed: {request.method} {request.url}: {request.failure}",
                )
            )  # type: ignore[attr-defined]

        def on_response(response: object) -> None:
            status = response.status  # type: ignore[attr-defined]
            url = response.url  # type: ignore[attr-defined]
            is_static = urlsplit(url).path.startswith("/static/") or response.request.resource_type in STATIC_TYPES  # type: ignore[attr-defined]
            if status >= 500 or (400 <= status < 500 and is_static):
                self.add(actor, f"HTTP {status} for {response.request.method} {url}")  # type: ignore[attr-defined]

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.add(actor, f"page error: {error}"))
        page.on("requestfailed", on_request_failed)
        page.on("download", lambda download: self.downloads.add(download.url))
        page.on("response", on_response)
        self.pages.append((actor, page))
        self.contexts.append(context)
        return page

    def finish(self) -> list[str]:
        for actor, url, failure, is_navigation, text in self.failed_requests:
            # The browser aborts what it no longer needs: a page's pending subresources (the
            # site icon above all) when the next navigation starts, and a navigation that turns
            # into a download (Content-Disposition: attachment). Neither is a failure; a
            # subresource the server refused shows up as an HTTP error in on_response.
            aborted = failure == "net::ERR_ABORTED"
            if not (aborted and (not is_navigation or url in self.downloads)):
                self.add(actor, text)
        for actor, page in self.pages:
            try:
                if not page.is_closed():  # type: ignore[attr-defined]
                    for violation in page.evaluate("window.__cspViolations || []"):  # type: ignore[attr-defined]
                        text = f"CSP violation: {violation}"
                        if f"[{actor}] {text}" not in self.items:
                            self.add(actor, text)
            except Exception as error:  # noqa: BLE001 - a page that cannot be read is reported, not fatal
                self.add(actor, f"could not read the CSP violations: {error}")
        for context in self.contexts:
            context.close()  # type: ignore[attr-defined]
        return self.items


@pytest.fixture
def browser_problems(browser: object) -> Iterator[BrowserProblems]:
    problems = BrowserProblems()
    yield problems
    found = problems.finish()
    if found:
        pytest.fail("the browser reported problems during the journey:\n" + "\n".join(found), pytrace=False)


@pytest.fixture
def open_page(browser: object, browser_problems: BrowserProblems, live_server: LiveServer) -> Callable[[str], object]:
    """``open_page("recruiter")``: a new page in its own browser context (its own cookies),
    watched for problems."""

    def opener(actor: str) -> object:
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=live_server.url,
            viewport={"width": 1280, "height": 900},
            accept_downloads=True,
            locale="en-GB",
        )
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        return browser_problems.watch(actor, context)

    return opener


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def open_sized(browser: object, browser_problems: BrowserProblems, live_server: LiveServer) -> Callable[..., Page]:
    """``open_sized("doctor", PHONE)``: a page of that size in its own browser context, watched
    for problems like every journey's."""

    def opener(actor: str, viewport: dict[str, int]) -> Page:
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=live_server.url, viewport=viewport, locale="en-GB", is_mobile=viewport == PHONE
        )
        context.set_default_timeout(10_000)
        return browser_problems.watch(actor, context)  # type: ignore[return-value]

    return opener


def page_width(page: Page) -> int:
    return int(page.evaluate("document.scrollingElement.scrollWidth"))


def assert_fits(page: Page, viewport: dict[str, int]) -> None:
    """The page does not scroll sideways."""
    width = page_width(page)
    assert width <= viewport["width"], f"{page.url} is {width} px wide on a {viewport['width']} px screen"


@pytest.fixture
def page(open_page: Callable[[str], object]) -> object:
    """The journey's first actor's page."""
    return open_page("main")


def needs(state: dict[str, object], *keys: str) -> None:
    """A step that builds on the data its module's earlier steps left in ``state`` is skipped, with
    the reason, when it runs alone."""
    missing = [key for key in keys if key not in state]
    if missing:
        pytest.skip(f"needs the earlier steps' data ({', '.join(missing)}): run the whole module")


# --- screenshots and accessibility ------------------------------------------------------------


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[object, str], Path]:
    """``shot(page, "search")`` saves test-results/e2e/<journey>/<nn>-search.png (full page)."""
    journey = re.sub(r"^test_", "", request.node.name)
    folder = RESULTS / journey
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def save(page: object, name: str) -> Path:
        path = folder / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path

    save.folder = folder  # type: ignore[attr-defined]
    return save


_AXE_SOURCE: str | None = None


def check_accessibility(page: object, where: str) -> None:
    """Run axe-core in the page (evaluate is not subject to the page's CSP) and fail on any
    violation of impact serious or critical."""
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        _AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
    if not page.evaluate("typeof window.axe === 'object'"):  # type: ignore[attr-defined]
        page.evaluate(f"{_AXE_SOURCE}\n;void 0")  # type: ignore[attr-defined]
    outcome = page.evaluate(  # type: ignore[attr-defined]
        """async () => {
          const results = await axe.run(document, {resultTypes: ["violations"]});
          return {
            passes: results.passes.length,
            violations: results.violations.map((v) => ({
              id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
              nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
            })),
          };
        }"""
    )
    assert outcome["passes"] > 0, f"axe ran no rule on {where}: is axe-core loaded?"
    violations = outcome["violations"]
    serious = [v for v in violations if v["impact"] in ("serious", "critical")]
    if serious:
        lines = [f"axe: {len(serious)} serious or critical violation(s) on {where} ({page.url}):"]  # type: ignore[attr-defined]
        for v in serious:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
            for node in v["nodes"][:10]:
                lines.append(f"    {node['target']}: {node['html'][:200]}")
                lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
        pytest.fail("\n".join(lines), pytrace=False)
