"""Authorization over every route: each view carries one access class, and each route is
requested with real objects of tenant A by every kind of visitor.

Expected outcomes, by class:
- public: answered (a garbage signed-link token answers 400);
- user: anonymous visitors are sent to sign in, everyone signed in is answered;
- doctor: anonymous → sign in; staff and admins → 403; another doctor's object → 404;
- member:<role>: anonymous → sign in; anyone not in tenant A (a doctor, tenant B's owner, an
  administrator) → 404, as if A's pages did not exist; a member whose role is too low → 403 saying
  so; A's owner while A is suspended → the suspension page (403) on every route; A's owner while A
  waits for verification → answered, but for what needs a verified employer (``PENDING_REFUSED``);
- admin: anonymous → sign in; an administrator with a password only → sent to set up the second
  factor; everyone else → 403;
- api:<scope> (the employer API): a session is no credential, so every visitor above → 401; the
  API's own visitors carry keys (``KEY_VISITORS``): none or a revoked one → 401, one of A without
  the scope → 403, one of tenant B → 404 for A's objects and nothing of A in a list, A's key with
  the scope → answered.
Addresses that lead to none of A's objects are 404 too (``ELSEWHERE``): an organisation that does
not exist, for every member; A's object ids under tenant B's own address, for B's owner; ids that
exist nowhere, for whoever would be answered if they did.
A refused request sends no INSERT, UPDATE or DELETE and stores or removes no file; a 404 shows
nothing of tenant A to someone outside it. A route added without a class fails here.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pikepdf
import pytest
from flask import Flask
from sqlalchemy import func, inspect, select

from jobboard.alerts import services as alerts
from jobboard.alerts.models import Frequency
from jobboard.api import services as api_keys
from jobboard.api.models import Scope
from jobboard.applications import applying, cvs, pipeline
from jobboard.applications.models import Stage
from jobboard.core import outbox
from jobboard.core.db import utcnow
from jobboard.core.outbox import OutboxMessage, OutboxStatus
from jobboard.extensions import db
from jobboard.fairs import interviews, registrations
from jobboard.fairs.models import BookingMode, Slot
from jobboard.jobs import reviewing
from jobboard.jobs import services as jobs
from jobboard.licensing import documents, milestones, sharing
from jobboard.licensing.models import LicenceTrack
from jobboard.orgs import logos
from jobboard.orgs import services as orgs
from jobboard.orgs.models import Organization, OrgStatus, Role
from jobboard.webhooks import services as webhooks
from jobboard.webhooks.models import DeliveryStatus, WebhookDelivery
from tests.applications.conftest import complete_profile
from tests.factories import (
    AdminFactory,
    DoctorFactory,
    GrantProgramFactory,
    MembershipFactory,
    OrganizationFactory,
    PostingFactory,
    SiteFactory,
)
from tests.fairs.conftest import make_fair
from tests.orgs.test_logos import png_bytes
from tests.statements import recorded_statements

WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)  # a statement that changes rows
CLASSES = {"public", "user", "doctor", "admin", "member:viewer", "member:recruiter", "member:owner"} | {
    f"api:{scope.value}" for scope in Scope
}
PERSONAS = (
    "anonymous",
    "doctor",
    "applicant",
    "viewer_a",
    "recruiter_a",
    "owner_a",
    "owner_b",
    "admin_password_only",
    "admin",
)
ROLE_OF = {"viewer_a": Role.VIEWER, "recruiter_a": Role.RECRUITER, "owner_a": Role.OWNER}
# A's owner, visiting while tenant A has this standing (a test of their own: each acts alone).
TENANT_A_STATUS = {"owner_a_suspended": OrgStatus.SUSPENDED, "owner_a_pending": OrgStatus.PENDING}
# What a pending employer may not do yet (as the matrix asks it: without a form).
PENDING_REFUSED = {"jobs.submit": "forbidden"}
# Routes whose object belongs to one doctor: another doctor gets 404.
DOCTOR_OBJECT_ARGS = {"cv_id", "booking_id", "application_id", "document_id"}
# Answers with a redirect to the sign-in page when no sign-in is under way.
SIGN_IN_STEPS = {"accounts.two_factor"}
# Public pages a signed-in visitor of this kind may not use (403 names the reason).
REFUSED = {
    ("orgs.register", "doctor"),
    ("orgs.register", "applicant"),
    # booking needs a complete profile (or an invitation): a business rule, not a secret
    ("fairs.book", "doctor"),
}
# Arguments naming public objects: not tenant data, so not hidden from other tenants.
PUBLIC_OBJECT_ARGS = {"fair_id", "fair_slug", "action", "kind_id"}
TOKEN_ENDPOINTS = {
    "accounts.confirm_email",
    "accounts.confirm_email_change",
    "accounts.reset_password",
    "jobs.renew_from_mail",
    "orgs.accept_invitation",
    "alerts.confirm",
    "alerts.unsubscribe",
    "accounts.admin_two_factor_setup",
}
# Routes whose <action> takes other words than the default.
ACTIONS = {"alerts.change": "pause"}
# The answer of a member whose role is too low (a 403 of its own: not the suspension, not a rule).
ROLE_TOO_LOW = "Your role in this organisation does not allow this."
# The largest id a route takes (``core.web.IdConverter``): an object that exists nowhere.
NOWHERE = 2**31 - 1
# Addresses leading to none of tenant A's objects, and who gets 404 there:
# - an organisation that does not exist: every member, of A or of B, on every /org/ route;
# - A's object ids under B's own address: B's owner (an object is looked up within the URL's
#   organisation, never globally);
# - ids that exist nowhere: whoever would be answered if they did (``NOWHERE_VISITOR``).
ELSEWHERE = ("unknown_org", "ids_of_a_under_b", "ids_of_nothing")
NOWHERE_VISITOR = {
    "public": "anonymous",
    "user": "applicant",
    "doctor": "applicant",
    "admin": "admin",
    "member:viewer": "owner_a",
    "member:recruiter": "owner_a",
    "member:owner": "owner_a",
}


def routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every route but static files: reads first, then writes,
    deletions last (files on disk do not roll back with a test's transaction)."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, rule.rule, method))
    return sorted(found, key=lambda r: (r[2] == "POST", "delete" in r[0], r))


def test_every_route_has_an_access_class(app):
    unclassified = [
        endpoint
        for endpoint, _rule, _method in routes(app)
        if getattr(app.view_functions[endpoint], "access_class", None) not in CLASSES
    ]
    assert unclassified == [], f"routes without an access class: {sorted(set(unclassified))}"


def pdf_bytes() -> bytes:
    document = pikepdf.new()
    document.add_blank_page()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass
class World:
    users: dict[str, object]
    keys: dict[str, str]  # API keys, by visitor (``KEY_VISITORS``)
    values: dict[str, object]  # URL argument → value, all of tenant A
    other_values: dict[str, object]  # the same arguments pointing at tenant B
    # Tenant A's name and its applicant's → the one visitor outside A who may see it (their own name).
    private: dict[str, str | None]


@pytest.fixture(scope="module")
def world(app: Flask) -> World:
    """Built and committed once for the module's database."""
    with app.app_context():
        built = build_world()
        db.session.remove()
        return built


def build_world() -> World:
    admin = AdminFactory()
    org_a = OrganizationFactory(slug="tenant-a")
    org_b = OrganizationFactory(slug="tenant-b")
    members = {name: MembershipFactory(org=org_a, role=role) for name, role in ROLE_OF.items()}
    owner_b = MembershipFactory(org=org_b, role=Role.OWNER)
    site_a, site_b = SiteFactory(org=org_a), SiteFactory(org=org_b)
    GrantProgramFactory()

    posting = PostingFactory(org=org_a, site=site_a)
    jobs.submit(posting, members["recruiter_a"].user)
    reviewing.approve(posting, admin)
    posting_b = PostingFactory(org=org_b, site=site_b)

    applicant = DoctorFactory()
    complete_profile(applicant)
    cv = cvs.upload_cv(applicant, "cv.pdf", pdf_bytes())
    application = applying.apply(applicant, posting, cv, "Hello")
    pipeline.move(application, members["recruiter_a"].user, Stage.INTERVIEW)
    # The applicant's licence file: one document shared with tenant A's application, one not.
    licence_track = db.session.scalar(select(LicenceTrack).order_by(LicenceTrack.id))
    milestones.choose_track(applicant, licence_track)
    shared_kind = licence_track.requirements[0].kind
    shared, _unshared = (
        documents.upload_document(
            applicant,
            r.kind,
            f"{r.kind.slug}.pdf",
            pdf_bytes(),
            issued_on=date(2024, 1, 1),
            expires_on=None,
            today=date.today(),
        )
        for r in licence_track.requirements[:2]
    )
    sharing.share(applicant, application, [shared])
    invitation = orgs.invite(org_a, members["owner_a"].user, email="newcomer@example.org", role=Role.VIEWER)

    now = utcnow()
    day = (now + timedelta(days=30)).date()
    fair = make_fair(
        admin,
        name="MedEx Test",
        venue="Hall",
        address="",
        starts_on=day,
        ends_on=day,
        booking_opens_at=now - timedelta(days=1),
        booking_closes_at=datetime.combine(day, time(8)).astimezone(),
    )
    registration = registrations.register(
        org_a, admin, fair, tables=[("Table 1", "")], mode=BookingMode.OPEN, profession_slug=None
    )
    registrations.generate_slots(
        registration.tables[0],
        admin,
        day=day,
        start=time(10),
        end=time(11),
        minutes=20,
        breaks=[],
        posting=None,
        video_link=None,
    )
    slots = list(db.session.scalars(select(Slot).where(Slot.fair_id == fair.id).order_by(Slot.starts_at)))
    booking = interviews.book(applicant, slots[0].id, members["recruiter_a"].user, application=application)
    alert = alerts.create_alert(
        user=applicant, email=None, name="Negev", query_string="region=negev", frequency=Frequency.DAILY
    )
    keys = {
        "key_a": api_keys.create_key(org_a, members["owner_a"].user, "A's ATS", list(Scope)).token,
        "key_b": api_keys.create_key(org_b, owner_b.user, "B's ATS", list(Scope)).token,
    }
    revoked = api_keys.create_key(org_a, members["owner_a"].user, "A's old ATS", list(Scope))
    api_keys.revoke_key(revoked.key, members["owner_a"].user)
    keys["revoked_key_a"] = revoked.token
    for scope in Scope:  # each scope's key "without the scope": every other scope
        keys[f"key_a_without:{scope.value}"] = api_keys.create_key(
            org_a, members["owner_a"].user, f"A without {scope.value}", [s for s in Scope if s != scope]
        ).token
    dead = OutboxMessage(kind="mail.send", payload={}, status=OutboxStatus.DEAD, attempts=10)
    db.session.add(dead)
    fields = webhooks.EndpointFields("http://127.0.0.1:9/hook", "ATS", ["application.created"])
    endpoint, _secret = webhooks.create_endpoint(org_a, members["owner_a"].user, fields)
    endpoint_b, _secret = webhooks.create_endpoint(org_b, owner_b.user, fields)
    failed = WebhookDelivery(
        org_id=org_a.id,
        endpoint_id=endpoint.id,
        message_id="msg_authorization",
        event="application.created",
        body="{}",
        status=DeliveryStatus.DEAD,
        attempts=12,
    )
    db.session.add(failed)
    logos.set_logo(org_a, members["owner_a"].user, "logo.png", png_bytes())
    db.session.commit()
    outbox.drain()  # what building queued is delivered: a visit that writes anything wrote it itself

    values = {
        "org_a_id": org_a.id,
        "org_slug": org_a.slug,
        "posting_id": posting.id,
        "slug": posting.slug,
        "site_id": site_a.id,
        "membership_id": members["viewer_a"].id,
        "invitation_id": invitation.id,
        "application_id": application.id,
        "cv_id": cv.id,
        "booking_id": booking.id,
        "slot_id": slots[1].id,
        "fair_id": fair.id,
        "fair_slug": fair.slug,
        "org_id": org_a.id,
        "grant_id": db.session.scalar(select(func.min(jobs.GrantProgram.id))),
        "message_id": dead.id,
        "token": "not-a-valid-token",
        "action": "block",
        "alert_id": alert.id,
        "table": "funnel",  # a dashboard's table, as a CSV file
        "key_id": revoked.key.id,
        "endpoint_id": endpoint.id,
        "delivery_id": failed.id,
        "logo_name": org_a.logo_name,
        "document_id": shared.id,
        "doctor_id": applicant.id,
        "kind_id": shared_kind.id,
        "track_id": licence_track.id,
        "requirement_id": licence_track.requirements[0].id,
    }
    other = dict(
        values,
        org_slug=org_b.slug,
        posting_id=posting_b.id,
        site_id=site_b.id,
        membership_id=owner_b.id,
        org_id=org_b.id,
        endpoint_id=endpoint_b.id,
    )
    users = {name: membership.user for name, membership in members.items()}
    users.update(
        anonymous=None,
        doctor=DoctorFactory(),
        applicant=applicant,
        owner_b=owner_b.user,
        admin=admin,
        admin_password_only=AdminFactory(totp_secret=None),
    )
    db.session.commit()
    return World(
        users={name: Persona(user.id, user.get_id()) if user else None for name, user in users.items()},
        keys=keys,
        values=values,
        other_values=other,
        private={org_a.name: None, applicant.full_name: "applicant"},
    )


@dataclass(frozen=True)
class Persona:
    """A signed-in visitor, as the session cookie names them."""

    id: int
    session_id: str

    def get_id(self) -> str:
        return self.session_id


def fingerprint() -> dict[str, int]:
    """Row counts of every table (for the modules sharing this world)."""
    names = [n for n in inspect(db.engine).get_table_names() if n not in ("alembic_version",)]
    return {name: db.session.execute(db.text(f'SELECT COUNT(*) FROM "{name}"')).scalar_one() for name in names}


def stored_files(app: Flask) -> set[Path]:
    folder = Path(app.config["UPLOAD_DIR"])
    return set(folder.rglob("*")) if folder.exists() else set()


def expected(access: str, persona: str, endpoint: str, rule: str, method: str) -> str:
    if (endpoint, persona) in REFUSED:
        return "forbidden"
    if access == "public":
        if endpoint in SIGN_IN_STEPS:
            return "login"
        return "bad_token" if endpoint in TOKEN_ENDPOINTS else "answered"
    if access.startswith("api:"):
        return "unauthorized"  # a session is no credential for the API
    if persona == "anonymous":
        return "login"
    if access == "user" and "alert_id" in rule:
        return "answered" if persona == "applicant" else "not_found"  # an alert is its owner's
    if access == "user" and endpoint in TOKEN_ENDPOINTS:
        return "bad_token"
    if (endpoint, method, persona) == ("accounts.two_factor_setup", "POST", "admin_password_only"):
        return "forbidden"  # an administrator enrols only from the mailed link
    if access == "user":
        return "answered"
    if access == "admin":
        return {"admin": "answered", "admin_password_only": "second_factor"}.get(persona, "forbidden")
    if persona == "owner_a_suspended" and access.startswith("member:"):
        return "suspended"
    if persona == "owner_a_pending" and access.startswith("member:"):
        return PENDING_REFUSED.get(endpoint, "answered")
    if access == "doctor":
        if persona not in ("doctor", "applicant"):
            return "forbidden"
        owned = {arg for arg in re.findall(r"<(?:\w+:)?(\w+)>", rule)} & DOCTOR_OBJECT_ARGS
        return "not_found" if owned and persona == "doctor" else "answered"
    role = Role(access.split(":")[1])
    if persona not in ROLE_OF:
        return "not_found"
    return "answered" if ROLE_OF[persona].includes(role) else "role_too_low"


def outcome(response: object, access: str) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    location = response.headers.get("Location", "")  # type: ignore[attr-defined]
    if status == 302 and location.startswith("/account/login"):
        return "login"
    if status == 302 and location == "/account/two-factor/setup" and access == "admin":
        return "second_factor"
    if status == 403:
        text = response.get_data(as_text=True)  # type: ignore[attr-defined]
        if " is suspended" in text:
            return "suspended"
        if ROLE_TOO_LOW in text:
            return "role_too_low"
    return {401: "unauthorized", 403: "forbidden", 404: "not_found", 400: "bad_token"}.get(
        status, "answered" if status < 500 else "error"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name in ("route", "member_route"):
        if name in metafunc.fixturenames:
            from jobboard import create_app

            probe = create_app({"JOBBOARD_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
            chosen = [
                r
                for r in routes(probe)
                if name == "route" or probe.view_functions[r[0]].access_class.startswith("member:")
            ]
            metafunc.parametrize(name, chosen, ids=[f"{m} {e}:{r}" for e, r, m in chosen])


def _url(app: Flask, endpoint: str, rule: str, values: dict[str, object]) -> str:
    needed = set(re.findall(r"<(?:[\w(), ]+:)?(\w+)>", rule))
    with app.test_request_context():
        from flask import url_for

        values = dict(values, action=ACTIONS.get(endpoint, values["action"]))
        return url_for(endpoint, **{name: values[name] for name in needed})


# --- the employer API's visitors: keys, not sessions ----------------------------------------
# Before the visits below: their deletions remove files for good, among them the licence document
# tenant A's application shares, which a key downloads here.

KEY_VISITORS = ("no_key", "revoked_key_a", "key_a_without_scope", "key_b", "key_a_ids_of_nothing", "key_a")


def expected_with_key(visitor: str, rule: str) -> str:
    if visitor in ("no_key", "revoked_key_a"):
        return "unauthorized"
    if visitor == "key_a_without_scope":
        return "forbidden"
    names_an_object = bool(re.search(r"<int:\w+>", rule))
    if visitor in ("key_b", "key_a_ids_of_nothing"):
        return "not_found" if names_an_object else "answered"
    return "answered"


def api_routes() -> list[tuple[str, str, str]]:
    from jobboard import create_app

    probe = create_app({"JOBBOARD_ENV": "testing", "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    return [r for r in routes(probe) if probe.view_functions[r[0]].access_class.startswith("api:")]


@pytest.mark.parametrize("api_route", api_routes(), ids=lambda r: f"{r[2]} {r[0]}")
def test_each_api_key_visitor_gets_the_expected_answer(app, client, db_session, world, api_route):
    """Refusals write nothing and are problem documents; tenant B's key sees nothing of A."""
    endpoint, rule, method = api_route
    scope = app.view_functions[endpoint].access_class.removeprefix("api:")
    for visitor in KEY_VISITORS:  # A's key with the scope last: its write may change what others see
        values = dict(world.values, **dict.fromkeys(re.findall(r"<int:(\w+)>", rule), NOWHERE))
        url = _url(app, endpoint, rule, values if visitor == "key_a_ids_of_nothing" else world.values)
        token = {
            "no_key": None,
            "key_a_without_scope": world.keys[f"key_a_without:{scope}"],
            "key_a_ids_of_nothing": world.keys["key_a"],
        }.get(visitor, world.keys.get(visitor))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        want = expected_with_key(visitor, rule)
        with recorded_statements() as statements:
            response = client.open(url, method=method, headers=headers, json={} if method == "POST" else None)
        where = f"{method} {url} with {visitor}"
        got = outcome(response, "api")
        assert got == want, f"{where}: {response.status_code} {response.get_data(as_text=True)[:300]}, expected {want}"
        if want != "answered":
            assert response.mimetype == "application/problem+json", where
            assert not statements.wrote, f"refused {where} wrote: {[s for s in statements if WRITE.match(s)]}"
        if visitor == "key_b":
            body = response.get_data(as_text=True)
            shown = [text for text in world.private if text in body]
            assert not shown, f"{where} shows tenant A's data: {shown}"


@pytest.mark.parametrize("persona", TENANT_A_STATUS)
def test_a_suspended_or_pending_tenants_owner_gets_the_expected_answer(
    app, client, login, db_session, world, member_route, persona
):
    """Before the test below: its deletions remove files for good (a licence document shared
    with tenant A among them), and these visits read them."""
    org = db.session.get(Organization, world.values["org_a_id"])
    org.status = TENANT_A_STATUS[persona]
    db.session.commit()
    check_visit(app, client, login, world, member_route, persona, as_user=world.users["owner_a"])


def test_each_visitor_gets_the_expected_answer(app, client, login, db_session, world, route):
    endpoint, rule, method = route
    access = app.view_functions[endpoint].access_class
    # Authorised visitors last: their POST may change what the others would see, while a refusal
    # changes nothing, so every refusal meets the state the world was built in.
    order = sorted(PERSONAS, key=lambda p: expected(access, p, endpoint, rule, method) == "answered")
    for persona in order:
        check_visit(app, client, login, world, route, persona)


def check_visit(
    app: Flask,
    client: object,
    login: object,
    world: World,
    route: tuple[str, str, str],
    persona: str,
    *,
    as_user: Persona | None = None,
) -> None:
    """The persona's answer on the route, a GET also as htmx."""
    endpoint, rule, method = route
    access = app.view_functions[endpoint].access_class
    url = _url(app, endpoint, rule, world.values)
    login(as_user or world.users[persona])  # type: ignore[operator] - None signs out
    want = expected(access, persona, endpoint, rule, method)
    for headers in ({}, {"HX-Request": "true"}) if method == "GET" else ({},):
        check_answer(app, client, world, method, url, headers, access, persona, want)


def check_answer(
    app: Flask,
    client: object,
    world: World,
    method: str,
    url: str,
    headers: dict[str, str],
    access: str,
    persona: str,
    want: str,
) -> None:
    """One request's answer; a refusal writes nothing, stores or removes no file, and when it is a
    404 for someone outside tenant A, shows nothing of A."""
    files = stored_files(app) if want != "answered" else set()
    with recorded_statements() as statements:
        response = client.open(url, method=method, headers=headers)  # type: ignore[attr-defined]
    got = outcome(response, access)
    where = f"{method} {url} as {persona} ({access}, htmx={bool(headers)})"
    assert got == want, f"{where}: {response.status_code}, expected {want}"
    if want == "answered":
        return
    assert not statements.wrote, f"refused {where} wrote: {[s for s in statements if WRITE.match(s)]}"
    assert stored_files(app) == files, f"refused {where} stored or removed a file"
    if want == "not_found" and persona not in ROLE_OF:
        body = response.get_data(as_text=True)  # type: ignore[attr-defined]
        shown = [text for text, own in world.private.items() if text in body and persona != own]
        assert not shown, f"{where} shows tenant A's data: {shown}"


def elsewhere(app: Flask, world: World, case: str) -> list[tuple[str, str, str, dict[str, object], tuple[str, ...]]]:
    """(endpoint, rule, method, URL values, visitors) of the ``ELSEWHERE`` case."""
    found = []
    for endpoint, rule, method in routes(app):
        access = app.view_functions[endpoint].access_class
        if access.startswith("api:"):
            continue  # visited with keys (``test_each_api_key_visitor_gets_the_expected_answer``)
        ids = set(re.findall(r"<int:(\w+)>", rule))
        tenant_ids = ids - PUBLIC_OBJECT_ARGS
        if case == "unknown_org" and access.startswith("member:"):
            found.append(
                (
                    endpoint,
                    rule,
                    method,
                    dict(world.values, org_slug="no-such-org"),
                    ("viewer_a", "recruiter_a", "owner_a", "owner_b"),
                )
            )
        elif case == "ids_of_a_under_b" and access.startswith("member:") and tenant_ids:
            found.append(
                (endpoint, rule, method, dict(world.values, org_slug=world.other_values["org_slug"]), ("owner_b",))
            )
        elif case == "ids_of_nothing" and ids:
            found.append(
                (endpoint, rule, method, dict(world.values, **dict.fromkeys(ids, NOWHERE)), (NOWHERE_VISITOR[access],))
            )
    return found


@pytest.mark.parametrize("case", ELSEWHERE)
def test_an_address_leading_to_none_of_the_tenants_objects_is_not_found(app, client, login, db_session, world, case):
    visits = elsewhere(app, world, case)
    for persona in sorted({persona for *_route, visitors in visits for persona in visitors}):
        login(world.users[persona])
        for endpoint, rule, method, values, visitors in visits:
            if persona in visitors:
                check_answer(
                    app,
                    client,
                    world,
                    method,
                    _url(app, endpoint, rule, values),
                    {},
                    app.view_functions[endpoint].access_class,
                    persona,
                    "not_found",
                )
    assert len(visits) > {"unknown_org": 40, "ids_of_a_under_b": 20, "ids_of_nothing": 50}[case]
