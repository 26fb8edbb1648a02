"""Bad input at scale: hypothesis posts generated values to every form and every query string.

The routes come from the app's URL map; the field names each route reads come from its view's
source: the WTForms classes it instantiates (looked up in the view's module, following the
module's own ``_helper(...)`` calls) and the raw ``request.form.get("…")`` /
``request.args.get("…")`` names; the search page's parameters come from
``jobboard.search.params``. Each field gets either a plausible value (so the other fields pass
and the odd one reaches the service) or a hostile one: strings one past the longest field's limit
in a form (1,001 in a query string: a server refuses a longer request line before the app sees it),
control characters with NUL, lone surrogates (sent as the bytes a careless client would send),
bidi overrides and RTL text, wrong types, 1e309 / 10**30 / negative numbers, unknown choices,
impossible dates (2026-02-30, year 0), DST-gap local times, foreign offsets and made-up time
zones, duplicated parameters and tampered extra fields (``org_id``, ``status``, ``is_admin``).

The visitor is one allowed to use the route (the world of ``test_authorization``: tenant A's
owner for member routes, the applicant for doctor routes, the administrator for admin routes,
an anonymous visitor for public ones). For every request:

- the answer is never a 5xx;
- a 4xx shows a message (the error page's text, an alert, or a form field's error);
- after a 4xx the database is exactly as before (a digest of every row of every table).

Each example runs in its own rolled-back transaction, so the world is the same for each, and so
is its digest, taken once (``world_digest``); a refused request that sent no INSERT, UPDATE or
DELETE changed nothing, and only one that did is digested again.
Rate limits are reset before each example (otherwise most examples would be 429s; the limits
have their own tests in ``test_hardening``). The number of cases run is printed at the end of the
module (``bad input: N generated requests``).
"""

from __future__ import annotations

import functools
import hashlib
import inspect as pyinspect
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import quote_plus

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import scoped_session, sessionmaker
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TimeField,
)
from wtforms.validators import Length, NumberRange

from jobboard import create_app
from jobboard.accounts.models import User
from jobboard.accounts.services import CONFIRM_EMAIL, RESET_PASSWORD
from jobboard.accounts.views import PENDING_TWO_FACTOR
from jobboard.core.tokens import fingerprint as token_fingerprint
from jobboard.core.tokens import make_token
from jobboard.extensions import db, limiter
from jobboard.orgs.services import INVITATION
from jobboard.search.params import FACET_PARAMS, SINGLE_PARAMS
from tests.apps import app_on_own_database
from tests.factories import PASSWORD
from tests.security import test_authorization as authz
from tests.signing_in import sign_in
from tests.statements import Statements, recorded_statements

# --- the app, the world and the per-example transaction -------------------------------------


@pytest.fixture(scope="module")
def app(database_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # Side effects are not the subject here: the outbox is left undrained (no mail files, no index writes).
    with app_on_own_database(database_kind, tmp_path_factory.mktemp("bad-input"), OUTBOX_EAGER=False) as application:
        yield application


@pytest.fixture(scope="module")
def world(app: Flask) -> authz.World:
    with app.app_context():
        built = authz.build_world()
        # Real signed links, so the token pages' forms are reached too (not only their 400).
        applicant = db.session.get(User, built.users["applicant"].id)
        built.values["tokens"] = {
            "accounts.reset_password": make_token(
                RESET_PASSWORD, {"u": applicant.id, "f": token_fingerprint(applicant.password_hash)}
            ),
            "accounts.confirm_email": make_token(
                CONFIRM_EMAIL, {"u": applicant.id, "e": token_fingerprint(applicant.email)}
            ),
            "orgs.accept_invitation": make_token(
                INVITATION, {"i": built.values["invitation_id"], "e": "newcomer@example.org"}
            ),
        }
        db.session.remove()
        return built


@contextmanager
def rolled_back(app: Flask) -> Iterator[None]:
    """What the ``db_session`` fixture does, per hypothesis example."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        session = scoped_session(sessionmaker(bind=connection, join_transaction_mode="create_savepoint"))
        original, db.session = db.session, session
        try:
            yield
        finally:
            session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(scope="module")
def world_digest(app: Flask, world: authz.World) -> dict[str, str]:
    """Every example starts from this state."""
    with rolled_back(app):
        return database_digest()


def database_digest() -> dict[str, str]:
    """A digest of every row of every table: any insert, update or delete changes it."""
    digests = {}
    for name in sorted(sa_inspect(db.session.get_bind()).get_table_names()):
        rows = db.session.execute(db.text(f'SELECT * FROM "{name}"')).all()
        digests[name] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return digests


# --- what each route reads ------------------------------------------------------------------

# Query parameters read indirectly (a form bound to request.args, the search parser).
INDIRECT_QUERY = {
    "search.index": [*SINGLE_PARAMS, *FACET_PARAMS],
    "applications.applicants": ["posting", "stage", "specialty", "licence", "hebrew", "move_before", "sort", "page"],
    "moderation.queue": ["page"],
    "moderation.audit_log": ["page", "action", "actor", "subject_type", "subject", "since", "until"],
}
# Always offered, to every route: parameters it does not read, and tampering with fields no
# form may bind (mass assignment).
STRAY = ["page", "next", "org_id", "status", "is_admin", "verified", "doctor_id", "kind", "lang"]


def _source_names(function: object, depth: int = 2) -> tuple[set[type], set[str], set[str]]:
    """(form classes, request.form names, request.args names) used by a view and its helpers."""
    function = pyinspect.unwrap(function)  # type: ignore[arg-type]
    source = pyinspect.getsource(function)
    module = function.__globals__  # type: ignore[attr-defined]
    forms = {
        module[name]
        for name in re.findall(r"\b([A-Z]\w*Form)\b", source)
        if isinstance(module.get(name), type) and issubclass(module[name], FlaskForm)
    }
    posted = set(re.findall(r"(?:request\.form\.get|posted_id)\(\"(\w+)\"", source))
    query = set(re.findall(r"request\.args\.get\(\"(\w+)\"", source))
    if depth:
        for helper in set(re.findall(r"\b(_\w+)\(", source)):
            target = module.get(helper)
            if pyinspect.isfunction(target) and target.__module__ == function.__module__:  # type: ignore[attr-defined]
                more = _source_names(target, depth - 1)
                forms |= more[0]
                posted |= more[1]
                query |= more[2]
    return forms, posted, query


def form_fields(app: Flask, forms: set[type]) -> dict[str, object]:
    """Field name → an unbound-to-data field instance (for its type, choices and limits)."""
    fields: dict[str, object] = {}
    with app.test_request_context():
        for form_class in sorted(forms, key=lambda c: c.__name__):
            form = form_class(formdata=None, meta={"csrf": False})
            for field in form:
                fields.setdefault(field.name, field)
    return fields


# --- values ---------------------------------------------------------------------------------

SOON = date.today() + timedelta(days=45)
HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "\r\nBcc: victim@evil.test",
    "\u202egnp.exe",
    "\u200f\u200e",
    "\u2066x\u2069",
    "\ufeff",
    "שלום עולם",
    "مرحبا",
    "' OR 1=1--",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}",
    "%00",
    "../../etc/passwd",
    "javascript:alert(1)",
    "\t",
    " ",
    "",
    "\x1b[31m",
    "\x7f",
    "\u0085",
]
HOSTILE_NUMBERS = [
    "1e309",
    "-1e309",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    str(10**30),
    "-" + str(10**30),
    "-1",
    "-0",
    "0",
    "2147483648",
    "9223372036854775808",
    "9" * 400,
    "1.5",
    "0x10",
    " 12 ",
    "١٢",
    "12abc",
    "1_000",
    "+5",
    "٣",
]
HOSTILE_DATES = [
    "2026-02-30",
    "2026-02-29",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-13-01",
    "2026-00-10",
    "2026-02",
    "2026-W05",
    "26-02-01",
    "2026-03-27T02:30",
    "2026-10-25T01:30",
    "2026-09-01T10:00+14:00",
    "2026-09-01T10:00Z",
    "2026-09-01T25:00",
    "-2026-01-01",
    "24:00",
    "23:60",
    "00:00",
    "25:00",
    "12:30-11:00",
    "2026-09-01T10:00:00.000000001",
    "1970-01-01T00:00",
]
HOSTILE_ZONES = [
    "Mars/Olympus",
    "UTC",
    "+14:00",
    "Etc/GMT+14",
    "Asia/Jerusalem ",
    "asia/jerusalem",
    "../../../etc/localtime",
    "Europe/London\x00",
    "EST5EDT",
    "Asia/Jerusalem/x",
]
HOSTILE_CHOICES = ["not-a-choice", "999", "OWNER", "admin", "published", "verified", "-1", "0", "None", "[]", "{}"]


# A query string's values stay within what a server passes on: gunicorn refuses a request line
# over 4,094 bytes, nginx over 8 KB, so a longer one never reaches the app. A form's go one past
# the longest any field takes (a posting's description, 20,000).
QUERY_VALUE_CHARACTERS = 1_001
BODY_VALUE_CHARACTERS = 20_001


def long_strings(longest: int) -> st.SearchStrategy[str]:
    return st.builds(
        lambda unit, n: (unit * n)[:n],
        st.sampled_from(["a", "א", "😀", "<", "\u202e", "é", "a\n"]),
        st.sampled_from([n for n in (121, 161, 201, 255, 256, 1001, 2001, 4001, 5001, 8001, 20001) if n <= longest]),
    )


def control_strings() -> st.SearchStrategy[str]:
    return st.text(st.characters(categories=("Cc", "Cf", "Zl", "Zp")), min_size=1, max_size=4).flatmap(
        lambda bad: st.sampled_from([bad, f"Dr. {bad}Cohen", f"{bad}x@example.org", f"1{bad}2"])
    )


def surrogate_strings() -> st.SearchStrategy[str]:
    return st.characters(categories=("Cs",)).map(lambda s: f"name{s}")


def hostile(longest: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        long_strings(longest),
        control_strings(),
        surrogate_strings(),
        st.sampled_from(HOSTILE_NUMBERS),
        st.sampled_from(HOSTILE_DATES),
        st.sampled_from(HOSTILE_ZONES),
        st.sampled_from(HOSTILE_CHOICES),
        st.text(max_size=30),
    )


def hostile_for(field: object | None, longest: int) -> st.SearchStrategy[str]:
    """Hostile values, weighted towards what breaks this kind of field."""
    if isinstance(field, (IntegerField, FloatField)):
        return st.one_of(st.sampled_from(HOSTILE_NUMBERS), hostile(longest))
    if isinstance(field, (DateField, DateTimeLocalField, TimeField)):
        return st.one_of(st.sampled_from(HOSTILE_DATES), hostile(longest))
    if isinstance(field, SelectField) and "zone" in getattr(field, "name", ""):
        return st.one_of(st.sampled_from(HOSTILE_ZONES), hostile(longest))
    if isinstance(field, (SelectField, SelectMultipleField)):
        return st.one_of(st.sampled_from(HOSTILE_CHOICES + HOSTILE_NUMBERS), hostile(longest))
    return hostile(longest)


# Plausible values for names whose choices the view fills in at request time.
def plausible_by_name(world: authz.World) -> dict[str, list[str]]:
    v = world.values
    return {
        "email": ["fresh.person@example.org"],
        "new_email": ["fresh.person@example.org"],
        "password": [PASSWORD, "correct horse battery staple 2026"],
        "current_password": [PASSWORD],
        "new_password": ["correct horse battery staple 2026"],
        "confirm": ["correct horse battery staple 2026", "y"],
        "full_name": ["Dr. Dana Levi"],
        "name": ["MedEx Test 2", "Negev campus"],
        "code": ["123456", "abc123-def456"],
        "profession_slug": ["physician", "nurse"],
        "specialty_slug": ["pediatrics", ""],
        "site_id": [str(v["site_id"])],
        "cv_id": [str(v["cv_id"])],
        "posting_id": [str(v["posting_id"]), ""],
        "posting": [str(v["posting_id"])],
        "application_id": [str(v["application_id"])],
        "slot_id": [str(v["slot_id"])],
        "fair_id": [str(v["fair_id"])],
        "table_id": ["1"],
        "day": [(SOON - timedelta(days=15)).isoformat()],
        "city": ["beersheba", "haifa"],
        "country": ["GB", "IL"],
        "training_country": ["FR"],
        "residence_country": ["FR"],
        "time_zone": ["Europe/London", "Asia/Jerusalem", ""],
        "region_slugs": ["negev"],
        "language_codes": ["en", "ru"],
        "grant_ids": [str(v["grant_id"])],
        "phone": ["+972 50 123 4567"],
        "website": ["https://example.org"],
        "url": ["https://example.org/grant"],
        "video_link": ["https://meet.example.org/x"],
        "breaks": ["12:30-12:50"],
        "tables": ["Table 1 | Dr. Levi\nTable 2"],
        "from": ["board", "schedule"],
        "lang": ["he", "en"],
        "next": ["/", "/jobs"],
        "q": ["pediatrician", "רופא"],
        "sort": ["newest", "relevance", "distance"],
        "km": ["25"],
        "min_salary": ["20000"],
        "hebrew": ["3"],
        "page": ["2"],
        "periphery": ["1"],
        "invitation": ["not-a-token"],
        "reason": ["signup", "reset", "Filled internally."],
        "action": ["posting.approved"],
        "move_before": [SOON.strftime("%Y-%m")],
        "status": ["pending", "verified"],
    }


def plausible_for(name: str, field: object | None, world: authz.World) -> st.SearchStrategy[str]:
    by_name = plausible_by_name(world)
    if name in by_name:
        return st.sampled_from(by_name[name])
    if isinstance(field, BooleanField):
        return st.sampled_from(["y", "on", ""])
    if isinstance(field, (SelectField, SelectMultipleField)) and field.choices:  # type: ignore[attr-defined]
        values = [str(choice[0]) for choice in field.choices if str(choice[0])]  # type: ignore[attr-defined]
        if values:
            return st.sampled_from(values)
    if isinstance(field, (IntegerField, FloatField)):
        ranges = [v for v in field.validators if isinstance(v, NumberRange)]  # type: ignore[attr-defined]
        low = ranges[0].min if ranges and ranges[0].min is not None else 0
        high = ranges[0].max if ranges and ranges[0].max is not None else low + 100
        return st.integers(int(low), int(high)).map(str)
    if isinstance(field, DateTimeLocalField):
        return st.sampled_from([f"{SOON.isoformat()}T09:00", f"{(SOON - timedelta(days=40)).isoformat()}T09:00"])
    if isinstance(field, DateField):
        fmt = field.format[0] if isinstance(field.format, list) else field.format  # type: ignore[attr-defined]
        return st.sampled_from([SOON.strftime(fmt), (SOON + timedelta(days=1)).strftime(fmt)])
    if isinstance(field, TimeField):
        return st.sampled_from(["09:00", "10:00", "17:00"])
    limit = next((v.max for v in getattr(field, "validators", []) if isinstance(v, Length) and v.max > 0), 200)
    return st.text(st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=min(limit, 40))


def parameters(
    names: dict[str, object | None], world: authz.World, longest: int = QUERY_VALUE_CHARACTERS
) -> st.SearchStrategy[list[tuple[str, str]]]:
    """A list of (name, value) pairs: each field absent, plausible, hostile or repeated."""

    def one(name: str, field: object | None) -> st.SearchStrategy[list[tuple[str, str]]]:
        value = st.one_of(plausible_for(name, field, world), hostile_for(field, longest))
        return st.one_of(
            st.just([]),
            value.map(lambda v: [(name, v)]),
            st.lists(value, min_size=2, max_size=3).map(lambda vs: [(name, v) for v in vs]),
        )

    per_field = [one(name, field) for name, field in sorted(names.items())]
    return (
        st.tuples(*per_field).map(lambda parts: [pair for part in parts for pair in part]) if per_field else st.just([])
    )


def encode(pairs: list[tuple[str, str]]) -> str:
    """application/x-www-form-urlencoded, with lone surrogates as the raw bytes a broken client
    would send (they are not valid UTF-8)."""
    return "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in pairs)


@functools.lru_cache(maxsize=1024)
def _quoted(text: str) -> str:
    # The long values recur from a few dozen; quoting 20,000 characters costs milliseconds.
    return quote_plus(text.encode("utf-8", "surrogatepass"))


# --- what an answer must look like ----------------------------------------------------------

MESSAGE_CLASSES = {"invalid-feedback", "text-danger", "alert", "alert-danger", "alert-warning", "lead"}


class _MessageFinder(HTMLParser):
    """The text of the first element whose class marks a message (``MESSAGE_CLASSES``)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # elements open inside the message being read; 0 while looking
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_ELEMENTS:
            return
        if self.depth:
            self.depth += 1
        elif MESSAGE_CLASSES & set((dict(attrs).get("class") or "").split()):
            self.depth = 1

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag not in VOID_ELEMENTS:
            self.depth -= 1
            if not self.depth and not "".join(self.parts).strip():
                self.parts.clear()  # an empty message element: look on

    def handle_data(self, data: str) -> None:
        if self.depth:
            self.parts.append(data)

    def message(self) -> str:
        return " ".join("".join(self.parts).split())


VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def visible_message(response: object) -> str:
    body = response.get_data(as_text=True)  # type: ignore[attr-defined]
    if not response.mimetype.startswith("text/html"):  # type: ignore[attr-defined]
        return body.strip()
    finder = _MessageFinder()
    finder.feed(body)
    return finder.message()


# --- the routes -----------------------------------------------------------------------------


def assert_answered_cleanly(response: object, before: dict[str, str], statements: Statements, shown: str) -> None:
    """Never a 5xx; a 4xx shows a message and leaves every row as it was (``before``)."""
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, f"{status} for {shown}"
    if status >= 400:
        assert visible_message(response), f"{status} without a visible message for {shown}"
        if statements.wrote:
            db.session.expire_all()
            after = database_digest()
            changed = [name for name in before if before[name] != after.get(name)]
            assert not changed, f"refused ({status}) {shown} changed {changed}"


def _probe_app() -> Flask:
    return create_app({"JOBBOARD_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})


def all_routes() -> list[tuple[str, str, str]]:
    return authz.routes(_probe_app())


PERSONA_OF = {"public": "anonymous", "user": "applicant", "doctor": "applicant", "admin": "admin"}
# Each example's request count, by route (printed at the end of the module).
CASES: Counter[str] = Counter()


def persona_for(access: str) -> str:
    """The API's routes are visited without a key here (a clean 401); Schemathesis fuzzes them
    with one (``tests/api/test_openapi.py``)."""
    if access.startswith("api:"):
        return "anonymous"
    return "owner_a" if access.startswith("member:") else PERSONA_OF[access]


def examples_for(method: str, names: dict[str, object | None], endpoint: str) -> int:
    """Most for the routes that read most: a route that reads nothing but the stray names needs
    only a few tries of them."""
    if endpoint == "search.index":
        return 40
    if method == "POST" and len(names) > len(STRAY):
        return 25
    if len(names) > len(STRAY):
        return 20
    return 4


@pytest.fixture(scope="module", autouse=True)
def report_cases(pytestconfig: pytest.Config, database_kind: str) -> Iterator[None]:
    CASES.clear()
    yield
    line = (
        f"bad input ({database_kind}): {sum(CASES.values())} generated requests over {len(CASES)} routes; "
        f"statuses {dict(sorted(STATUSES.items()))}"
    )
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if not REPORTED:  # repeated once more after the summary, where it cannot scroll away
        pytestconfig.add_cleanup(lambda: [reporter.write_line(done) for done in REPORTED] if reporter else None)
    REPORTED.append(line)
    if reporter is not None:
        reporter.write_line(line)
    else:  # pragma: no cover - without the terminal (xdist workers)
        print(line)
    STATUSES.clear()


REPORTED: list[str] = []


STATUSES: Counter[int] = Counter()


def test_every_post_route_and_every_read_parameter_is_covered():
    """The walk below finds a form or raw field for each route that takes input: a route whose
    view reads nothing is fine, but a form class the walk cannot see would be a blind spot."""
    app = _probe_app()
    found = {}
    for endpoint, _rule, _method in all_routes():
        forms, posted, query = _source_names(app.view_functions[endpoint])
        found[endpoint] = (forms, posted, query)
    # Spot checks that the walk sees through helpers and decorators.
    assert any(c.__name__ == "PostingForm" for c in found["jobs.new"][0])
    assert any(c.__name__ == "FairForm" for c in found["fairs.admin_new"][0])
    assert any(c.__name__ == "SiteForm" for c in found["orgs.new_site"][0])
    assert "slot_id" in found["fairs.move"][1]
    assert "day" in found["fairs.org_agenda"][2]
    assert "site_id" in found["jobs.grant_choices"][2]
    posts_with_input = [e for e, _r, m in all_routes() if m == "POST" and (found[e][0] or found[e][1])]
    assert len(posts_with_input) >= 35, posts_with_input


def _route_id(route: tuple[str, str, str]) -> str:
    endpoint, rule, method = route
    return f"{method} {endpoint}"


@pytest.mark.parametrize("route", all_routes(), ids=_route_id)
def test_generated_input_never_breaks_a_route(app, world, world_digest, route):
    endpoint, rule, method = route
    view = app.view_functions[endpoint]
    access = view.access_class
    forms, posted, query = _source_names(view)
    fields = form_fields(app, forms)
    read: dict[str, object | None] = {}
    if method == "POST":
        read.update(fields)
        read.update({name: None for name in posted})
    else:
        read.update({name: None for name in query})
        read.update({name: fields.get(name) for name in INDIRECT_QUERY.get(endpoint, [])})
    read.update({name: None for name in STRAY if name not in read})
    # Query strings of POST routes (login's next=…) are fuzzed too.
    query_read = {name: None for name in query} | {"next": None, "page": None}

    token = world.values["tokens"].get(endpoint, "not-a-valid-token")
    with app.test_request_context():
        values = dict(world.values, token=token)
        for converter, name in re.findall(r"<(?:([\w(), ]+):)?(\w+)>", rule):
            options = re.findall(r"\w+", converter[4:]) if converter.startswith("any(") else []
            if options and values.get(name) not in options:
                values[name] = options[0]
            values.setdefault(name, 1 if converter.startswith("int") else "x")  # a route added since the world
        needed = set(re.findall(r"<(?:[\w(), ]+:)?(\w+)>", rule))
        url = url_for(endpoint, **{name: values[name] for name in needed})
    persona = world.users[persona_for(access)]
    admin = world.users["admin"]

    # No shrinking: with 20,001-character values it takes minutes; the failure names the request.
    # A failing example is kept in Hypothesis's example database and tried first on the next run.
    @settings(
        max_examples=examples_for(method, read, endpoint),
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
    )
    @given(
        body=parameters(read, world, BODY_VALUE_CHARACTERS if method == "POST" else QUERY_VALUE_CHARACTERS),
        query_string=parameters(query_read, world) if method == "POST" else st.just([]),
        htmx=st.booleans(),
    )
    def check(body: list[tuple[str, str]], query_string: list[tuple[str, str]], htmx: bool) -> None:
        CASES[endpoint] += 1
        with rolled_back(app):
            limiter.reset()  # each example starts with no request counted
            client = app.test_client()
            sign_in(client, persona)
            if endpoint == "accounts.two_factor":  # the second step of the admin's sign-in
                with client.session_transaction() as session:
                    session[PENDING_TWO_FACTOR] = {"u": admin.id, "v": 1, "r": False, "n": "/"}
            headers = {"HX-Request": "true"} if htmx else {}
            with recorded_statements() as statements:
                if method == "POST":
                    response = client.post(
                        url,
                        data=encode(body),
                        query_string=encode(query_string),
                        headers=headers,
                        content_type="application/x-www-form-urlencoded",
                    )
                else:
                    response = client.get(url, query_string=encode(body), headers=headers)
            STATUSES[response.status_code] += 1
            shown = (
                f"{method} {url}?{encode(query_string if method == 'POST' else body)[:300]} body={encode(body)[:300]}"
            )
            assert_answered_cleanly(response, world_digest, statements, shown)

    check()


# --- the cases the generated suite found, pinned --------------------------------------------

FOUND = [
    # wtforms' NumberRange calls math.isnan(int): OverflowError for a number of 309+ digits
    ("owner_a", "jobs.new", {"title": "Pediatrician", "salary_min_ils": "9" * 400}, {}),
    ("admin", "moderation.new_grant", {"name": "Grant", "amount_min_ils": "-" + "9" * 400}, {}),
    # zxcvbn refuses passwords over 72 characters with a ValueError unless told its max length
    (
        "anonymous",
        "accounts.signup",
        {
            "full_name": "Dana Levi",
            "email": "long@example.org",
            "accept_privacy": "y",
            "password": "correct horse battery staple " * 3,
        },
        {},
    ),
    ("anonymous", "orgs.accept_invitation", {"full_name": "Dana Levi", "password": "a" * 100}, {}),
    # an htmx POST of the posting form got only the grant checkboxes back: no error shown
    ("owner_a", "jobs.new", {"title": ""}, {"HX-Request": "true"}),
    # verifying an already verified employer with a bad note: the form (and its error) was hidden
    ("admin", "moderation.verify_org", {"reason": "\x00"}, {}),
    # a posted id beyond 64 bits overflowed the SQLite driver (request.form.get(type=int))
    ("owner_a", "fairs.org_invite", {"fair_id": str(10**30)}, {}),
    ("owner_a", "fairs.org_book", {"application_id": str(10**30), "slot_id": "1"}, {}),
]


def client_of(app: Flask, user: User | None) -> FlaskClient:
    """A test client signed in as ``user`` (anonymous for None)."""
    client = app.test_client()
    sign_in(client, user)
    return client


def test_a_nul_in_the_audit_filter_is_ignored(app, world):
    """PostgreSQL refuses NUL in a bound text parameter: the filter drops it."""
    with rolled_back(app):
        response = client_of(app, world.users["admin"]).get("/admin/audit", query_string="action=%00")
        assert response.status_code == 200, response.status_code


@pytest.mark.parametrize(
    ("persona", "endpoint", "data", "headers"), FOUND, ids=[f"{e}-{i}" for i, (_p, e, _d, _h) in enumerate(FOUND)]
)
def test_found_cases_answer_with_a_message(app, world, world_digest, persona, endpoint, data, headers):
    rule = next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods)
    values = dict(world.values, token=world.values["tokens"].get(endpoint, "x"))
    url = authz._url(app, endpoint, rule, values)
    with rolled_back(app):
        limiter.reset()
        client = client_of(app, world.users[persona])
        with recorded_statements() as statements:
            response = client.post(
                url, data=encode(list(data.items())), headers=headers, content_type="application/x-www-form-urlencoded"
            )
        assert_answered_cleanly(response, world_digest, statements, f"POST {url} {data}")


@pytest.mark.parametrize("route", all_routes(), ids=_route_id)
def test_a_query_string_that_is_not_utf8_is_refused_with_a_message(app, world, world_digest, route):
    """Raw bytes that are not UTF-8 in the query string, as uWSGI passes them on (hypothesis sends
    them percent-encoded only)."""
    endpoint, rule, method = route
    values = dict(world.values, token=world.values["tokens"].get(endpoint, "x"))
    url = authz._url(app, endpoint, rule, values)
    persona = persona_for(app.view_functions[endpoint].access_class)
    with rolled_back(app):
        limiter.reset()
        raw = {"QUERY_STRING": "q=caf\xe9&page=\xff&next=\xff"}  # Latin-1 bytes, as WSGI carries them
        with recorded_statements() as statements:
            response = client_of(app, world.users[persona]).open(url, method=method, environ_overrides=raw)
        assert_answered_cleanly(response, world_digest, statements, f"{method} {url}?{raw['QUERY_STRING']!r}")
        if endpoint in ("search.index", "search.feed"):
            assert response.status_code == 400
            assert "not valid text" in visible_message(response)
