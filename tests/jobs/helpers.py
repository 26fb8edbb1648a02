"""Shared helpers for the posting tests: a two-tenant world, posting content, and moving a
posting through its lifecycle with the real services."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from types import SimpleNamespace

import html5lib
from sqlalchemy import func, select

from jobboard.core.audit import AuditEntry
from jobboard.extensions import db
from jobboard.jobs import reviewing, services
from jobboard.jobs.models import (
    EmploymentType,
    LicenceRequirement,
    Posting,
    PostingTransition,
    Seniority,
)
from jobboard.jobs.services import PostingContent
from jobboard.orgs.models import Role
from jobboard.vocab.models import HebrewLevel
from tests.factories import (
    AdminFactory,
    DoctorFactory,
    MembershipFactory,
    OrganizationFactory,
    SiteFactory,
    StaffFactory,
)

HTML_NS = "{http://www.w3.org/1999/xhtml}"


def make_world(db_session) -> SimpleNamespace:
    org = OrganizationFactory(
        name="Negev Test Medical Center", slug="negev-test-mc", website="https://negev.example.org"
    )
    other = OrganizationFactory(name="Other Test Hospital", slug="other-test-hospital")
    w = SimpleNamespace(
        org=org,
        owner=MembershipFactory(org=org, role=Role.OWNER, user=StaffFactory(email="owner@negev.example.org")).user,
        recruiter=MembershipFactory(
            org=org, role=Role.RECRUITER, user=StaffFactory(email="recruiter@negev.example.org")
        ).user,
        viewer=MembershipFactory(org=org, role=Role.VIEWER, user=StaffFactory(email="viewer@negev.example.org")).user,
        site=SiteFactory(org=org, name="Beersheba Campus", city_slug="beersheba", address="Rager Blvd 151"),
        tlv_site=SiteFactory(org=org, name="Tel Aviv Clinic", city_slug="tel-aviv", lat=32.08, lon=34.78),
        other=other,
        other_recruiter=MembershipFactory(
            org=other, role=Role.RECRUITER, user=StaffFactory(email="recruiter@other.example.org")
        ).user,
        other_owner=MembershipFactory(
            org=other, role=Role.OWNER, user=StaffFactory(email="owner@other.example.org")
        ).user,
        other_site=SiteFactory(org=other, name="Other Campus", city_slug="beersheba"),
        doctor=DoctorFactory(email="doctor@example.org"),
        admin=AdminFactory(email="admin@example.org"),
    )
    db_session.commit()
    return w


def content(site, **overrides) -> PostingContent:
    base = PostingContent(
        title="Senior pediatrician, children's ward",
        profession_slug="physician",
        specialty_slug="pediatrics",
        seniority=Seniority.SENIOR_SPECIALIST,
        employment_type=EmploymentType.FULL_TIME,
        site_id=site.id,
        licence_requirement=LicenceRequirement.ISRAELI_LICENCE,
        hebrew_level=HebrewLevel.B1,
        description_md="We are looking for a **pediatrician** to join a busy ward in the Negev.\n\n- night shifts\n- teaching",
        salary_min_ils=30_000,
        salary_max_ils=45_000,
        duration_days=60,
        language_codes=["en", "ru"],
    )
    return replace(base, **overrides)


def create(w, **overrides) -> Posting:
    site = overrides.pop("site", w.site)
    return services.create_posting(w.org, w.recruiter, content(site, **overrides))


def submitted(w, **overrides) -> Posting:
    posting = create(w, **overrides)
    services.submit(posting, w.recruiter)
    db.session.flush()
    return posting


def published(w, **overrides) -> Posting:
    posting = submitted(w, **overrides)
    reviewing.approve(posting, w.admin)
    db.session.flush()
    return posting


def transitions_of(posting: Posting) -> list[PostingTransition]:
    return list(
        db.session.scalars(
            select(PostingTransition).where(PostingTransition.posting_id == posting.id).order_by(PostingTransition.id)
        )
    )


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audit_rows(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def page_text(response) -> str:
    """The page's HTML unescaped, without the ``<bdi>`` isolating user-written values."""
    return html.unescape(re.sub(r"</?bdi>", "", response.get_data(as_text=True)))


def shown_text(response) -> str:
    """``page_text`` without the scripts (the structured data for search engines among them)."""
    return re.sub(r"<script\b.*?</script>", "", page_text(response), flags=re.S)


def parse(response):
    return html5lib.parse(response.get_data(as_text=True))


def json_ld(response) -> dict:
    scripts = [el for el in parse(response).iter(f"{HTML_NS}script") if el.get("type") == "application/ld+json"]
    assert len(scripts) == 1, f"expected one JSON-LD script, found {len(scripts)}"
    return json.loads(scripts[0].text)


def form_data(site, **overrides) -> dict:
    """What the posting form sends for a valid posting."""
    data = {
        "text_language": "en",
        "title": "Senior pediatrician, children's ward",
        "profession_slug": "physician",
        "specialty_slug": "pediatrics",
        "seniority": "senior_specialist",
        "employment_type": "full_time",
        "site_id": str(site.id),
        "licence_requirement": "israeli_licence",
        "hebrew_level": "3",
        "language_codes": ["en", "ru"],
        "salary_min_ils": "30000",
        "salary_max_ils": "45000",
        "start_date": "",
        "duration_days": "60",
        "description_md": "We are looking for a **pediatrician** to join a busy ward in the Negev.",
    }
    return changed(data, overrides)


def changed(data: dict, overrides: dict) -> dict:
    """The form ``data`` with ``overrides``: a value replaces the field's, None leaves the field out."""
    return {key: value for key, value in (data | overrides).items() if value is not None}


def error_message(response) -> str:
    return re.sub(r"\s+", " ", page_text(response))


def text_of(response) -> str:
    """The page's text as a reader sees it: tags removed, whitespace collapsed."""
    return " ".join("".join(parse(response).itertext()).split())
