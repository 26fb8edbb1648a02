"""Demo grant programs and a realistic spread of postings across the real employers' sites:
mostly published, some waiting for review, some expired, a few drafts and closed ones, each with
its moderation history (``demo.moderation``).

Generated from a fixed seed, so every fresh database gets the same postings. Created once: an
organisation that already has postings gets none."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from jobboard.accounts.models import User
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.demo import moderation
from jobboard.extensions import db
from jobboard.jobs.grants import GrantFields, save_grant
from jobboard.jobs.models import (
    CloseReason,
    EmploymentType,
    GrantProgram,
    LicenceLevel,
    LicenceRequirement,
    Posting,
    PostingStatus,
    PostingTransition,
    PostingVersion,
    Seniority,
)
from jobboard.jobs.queries import grants_offerable
from jobboard.jobs.reviewing import snapshot
from jobboard.jobs.services import PostingContent, create_posting
from jobboard.orgs.models import Organization, OrgKind, OrgStatus, Site
from jobboard.vocab.models import HebrewLevel, Specialty

GRANTS_FILE = Path(__file__).with_name("grants.json")

HOSPITAL_SPECIALTIES = [
    "internal-medicine",
    "pediatrics",
    "anesthesiology",
    "general-surgery",
    "emergency-medicine",
    "psychiatry",
    "obstetrics-and-gynecology",
    "cardiology",
    "neurology",
    "orthopedic-surgery",
    "diagnostic-radiology",
    "geriatrics",
    "oncology",
    "intensive-care-medicine",
    "neonatology",
    "otorhinolaryngology",
    "urology",
    "ophthalmology",
    "nephrology",
    "gastroenterology",
    "infectious-diseases",
    "pathology",
    "hematology",
    "pulmonology",
    "endocrinology",
    "rheumatology",
    "vascular-surgery",
    "pediatric-emergency-medicine",
    "child-and-adolescent-psychiatry",
    "physical-medicine-and-rehabilitation",
    "thoracic-surgery",
    "plastic-surgery",
]
FUND_SPECIALTIES = [
    "family-medicine",
    "pediatrics",
    "psychiatry",
    "obstetrics-and-gynecology",
    "internal-medicine",
    "dermatology-and-venereology",
    "otorhinolaryngology",
    "ophthalmology",
    "geriatrics",
]
# The professions hired, about in the proportions the board's employers post them.
PROFESSION_WEIGHTS = {
    "physician": 52,
    "nurse": 20,
    "pharmacist": 4,
    "physiotherapist": 4,
    "psychologist": 3,
    "midwife": 3,
    "dentist": 3,
    "occupational-therapist": 3,
    "speech-therapist": 2,
    "dietitian-nutritionist": 2,
    "medical-laboratory-professional": 2,
    "dental-hygienist": 2,
}
# Each profession's positions as employers title them, with the department or team they are in
# (the description's "our {dept} team") and who the description asks for ("experience as ...").
OTHER_POSITIONS = {
    "nurse": [
        ("Registered nurse, internal medicine ward", "internal medicine"),
        ("Nurse, emergency department", "emergency"),
        ("Community nurse", "community nursing"),
        ("Operating-room nurse", "operating theatre"),
        ("Nurse, neonatal intensive care", "neonatal intensive care"),
        ("Nurse, oncology day unit", "oncology"),
    ],
    "pharmacist": [("Clinical pharmacist", "pharmacy"), ("Hospital pharmacist, oncology", "pharmacy")],
    "physiotherapist": [
        ("Physiotherapist, rehabilitation ward", "rehabilitation"),
        ("Physiotherapist, outpatients", "physiotherapy"),
    ],
    "psychologist": [
        ("Clinical psychologist, adult outpatients", "mental health"),
        ("Psychologist, child development centre", "child development"),
    ],
    "midwife": [("Midwife, delivery room", "obstetrics"), ("Midwife, maternity ward", "maternity")],
    "dentist": [("Dentist, community dental clinic", "dental"), ("Paediatric dentist", "dental")],
    "occupational-therapist": [
        ("Occupational therapist, rehabilitation", "rehabilitation"),
        ("Occupational therapist, child development centre", "child development"),
    ],
    "speech-therapist": [
        ("Speech and language therapist, stroke unit", "neurology"),
        ("Speech therapist, child development centre", "child development"),
    ],
    "dietitian-nutritionist": [("Clinical dietitian", "nutrition"), ("Dietitian, diabetes clinic", "diabetes")],
    "medical-laboratory-professional": [
        ("Laboratory scientist, microbiology", "microbiology laboratory"),
        ("Laboratory scientist, blood bank", "blood bank"),
    ],
    "dental-hygienist": [("Dental hygienist, community clinic", "dental")],
}
PRACTITIONERS = {
    "nurse": "a registered nurse",
    "pharmacist": "a pharmacist",
    "physiotherapist": "a physiotherapist",
    "psychologist": "a clinical psychologist",
    "midwife": "a midwife",
    "dentist": "a dentist",
    "occupational-therapist": "an occupational therapist",
    "speech-therapist": "a speech therapist",
    "dietitian-nutritionist": "a dietitian",
    "medical-laboratory-professional": "a laboratory scientist",
    "dental-hygienist": "a dental hygienist",
}
SALARY_BANDS = {  # monthly ILS, by seniority, for physicians
    Seniority.INTERN: (14_000, 19_000),
    Seniority.RESIDENT: (21_000, 32_000),
    Seniority.SPECIALIST: (36_000, 55_000),
    Seniority.SENIOR_SPECIALIST: (48_000, 70_000),
    Seniority.HEAD_OF_DEPARTMENT: (65_000, 95_000),
}
TITLES = {
    Seniority.INTERN: "Intern",
    Seniority.RESIDENT: "Resident",
    Seniority.SPECIALIST: "Specialist",
    Seniority.SENIOR_SPECIALIST: "Senior physician",
    Seniority.HEAD_OF_DEPARTMENT: "Head of department",
}
# Health funds hire qualified doctors for their clinics: no interns or residents there.
FUND_SENIORITY_WEIGHTS = [0, 0, 6, 3, 1]
HOSPITAL_SENIORITY_WEIGHTS = [1, 5, 6, 3, 1]
OPENINGS = [
    "Our {dept} department serves a growing population in {city} and the surrounding communities.",
    "The {dept} team at {site} is looking for a colleague who wants to make a difference in {city}.",
    "{site} is expanding its {dept} service, with new beds and a new outpatient clinic.",
    "Join a friendly, international {dept} team in {city}; several of our doctors made aliyah in recent years.",
]
DUTIES = [
    "Inpatient and outpatient care, with on-call duty shared fairly across the team.",
    "Clinical work in the department and the clinic, teaching of residents and students.",
    "Day-to-day care of patients, participation in multidisciplinary meetings and quality projects.",
    "Work in the ward, the emergency department consultations and the day unit.",
]
OFFERS = [
    "Help with the licence conversion file and with the specialty recognition process.",
    "A Hebrew course (ulpan) during working hours for the first months.",
    "Relocation support: temporary housing, help finding schools and a buddy from the team.",
    "Protected time for research and a budget for conferences.",
]


def _grant_rows() -> list[dict[str, Any]]:
    return list(json.loads(GRANTS_FILE.read_text(encoding="utf-8"))["grant_programs"])


def grant_professions() -> dict[str, set[str]]:
    """Grant program name → the professions it is for, where the file restricts it (the demo's
    reading of the programs: the board itself tags postings with any program of the region)."""
    return {row["name"]: set(row["profession_slugs"]) for row in _grant_rows() if row["profession_slugs"]}


def seed_grant_programs(admin: User) -> dict[str, GrantProgram]:
    """The demo grant programs, each created once (found by its English name); one created
    before the file named it in every language gets the names and summaries it lacks."""
    existing = {grant.name: grant for grant in db.session.scalars(select(GrantProgram))}
    for row in _grant_rows():
        if row["name"] in existing:
            grant = existing[row["name"]]
            grant.names = {**row["names"], **grant.names}
            grant.summaries = {**row["summaries"], **grant.summaries}
            continue
        fields = GrantFields(
            **{
                **row,
                "valid_from": date.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
                "valid_to": date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
                "verified_on": date.fromisoformat(row["verified_on"]) if row["verified_on"] else None,
                "licence_level": LicenceLevel(row["licence_level"]) if row["licence_level"] else None,
            }
        )
        existing[row["name"]] = save_grant(admin, fields)
    return existing


def _description(rng: random.Random, site: Site, dept: str, experience: str) -> str:
    context = {"dept": dept.lower(), "site": site.name, "city": site.city.name, "region": site.city.region.name}
    offers = rng.sample(OFFERS, 2)
    return (
        f"{rng.choice(OPENINGS).format(**context)}\n\n"
        f"## The position\n\n{rng.choice(DUTIES)}\n\n"
        "## What we look for\n\n"
        "- A recognised degree and the wish to practise in Israel\n"
        f"- {experience}\n"
        "- Willingness to learn Hebrew; English is spoken in the team\n\n"
        "## What we offer\n\n" + "\n".join(f"- {offer}" for offer in offers) + "\n"
    )


def generate_content(
    rng: random.Random,
    org: Organization,
    site: Site,
    specialties: dict[str, Specialty],
) -> PostingContent:
    is_fund = org.kind == OrgKind.HEALTH_FUND
    profession = rng.choices(list(PROFESSION_WEIGHTS), weights=list(PROFESSION_WEIGHTS.values()))[0]
    if profession == "physician":
        specialty = specialties[rng.choice(FUND_SPECIALTIES if is_fund else HOSPITAL_SPECIALTIES)]
        weights = FUND_SENIORITY_WEIGHTS if is_fund else HOSPITAL_SENIORITY_WEIGHTS
        seniority = rng.choices(list(SALARY_BANDS), weights=weights)[0]
        low, high = SALARY_BANDS[seniority]
        title = f"{TITLES[seniority]}, {specialty.name}"
        dept, experience = specialty.name, f"Experience in {specialty.name.lower()} or a strong interest in it"
    else:
        specialty, seniority = None, rng.choices([Seniority.SPECIALIST, Seniority.SENIOR_SPECIALIST], [3, 1])[0]
        low, high = (12_000, 24_000)
        title, dept = rng.choice(OTHER_POSITIONS[profession])
        experience = f"Experience as {PRACTITIONERS[profession]}, and a licence or the wish to convert it"
    salary_min = rng.randrange(low, high, 500) if rng.random() < 0.7 else None
    restricted = grant_professions()
    grants = [
        g
        for g in grants_offerable(site.city.region_slug, utcnow().date())
        if profession in restricted.get(g.name, {profession})
    ]
    chosen = [g.id for g in grants if rng.random() < 0.55]
    return PostingContent(
        title=title,
        profession_slug=profession,
        specialty_slug=specialty.slug if specialty else None,
        seniority=seniority,
        employment_type=rng.choices(list(EmploymentType), weights=[7, 2, 1])[0],
        site_id=site.id,
        licence_requirement=rng.choice(list(LicenceRequirement)),
        hebrew_level=rng.choice([HebrewLevel.NONE, HebrewLevel.A2, HebrewLevel.B1, HebrewLevel.B2]),
        description_md=_description(rng, site, dept, experience),
        salary_min_ils=salary_min,
        salary_max_ils=(salary_min + rng.randrange(3_000, 15_000, 500)) if salary_min else None,
        start_date=utcnow().date() + timedelta(days=rng.randrange(30, 240)) if rng.random() < 0.6 else None,
        duration_days=rng.choice([60, 60, 90, 120, 180]),
        grant_ids=chosen,
        language_codes=rng.sample(["en", "ru", "fr", "es", "ar"], rng.randrange(0, 3)),
    )


def _set_state(posting: Posting, state: PostingStatus, at: datetime, admin: User) -> None:
    posting.submitted_at = at - timedelta(days=1)
    if state == PostingStatus.PENDING_REVIEW:
        posting.submitted_at = at
    if state in (PostingStatus.PUBLISHED, PostingStatus.EXPIRED, PostingStatus.CLOSED):
        posting.approved_at = posting.first_published_at = at
        posting.expires_at = at + timedelta(days=posting.duration_days)
        db.session.flush()
        db.session.add(
            PostingVersion(posting_id=posting.id, content=snapshot(posting), approved_at=at, approved_by_id=admin.id)
        )
        approval = audit.record(
            "posting.approved", actor_id=admin.id, subject_type="posting", subject_id=posting.id, org_id=posting.org_id
        )
        approval.created_at = at
        db.session.add(
            PostingTransition(
                posting_id=posting.id,
                actor_id=admin.id,
                action="approve",
                from_status=PostingStatus.PENDING_REVIEW,
                to_status=PostingStatus.PUBLISHED,
                created_at=at,
            )
        )
    if state == PostingStatus.CLOSED:
        posting.closed_reason = CloseReason.FILLED
    if state == PostingStatus.EXPIRED:
        posting.expires_at = utcnow() - timedelta(days=1 + at.day % 20)
    posting.status = state


def seed_postings(admin: User, target: int = 240) -> int:
    """About ``target`` postings, spread over the verified employers' sites."""
    rng = random.Random(2026)  # noqa: S311 - demo data, repeatable
    stories = random.Random(2027)  # noqa: S311 - the moderation histories, apart: the postings stay as they were
    # In a fixed order, so that every database gets the same postings and stories from the seeds.
    specialties = {s.slug: s for s in db.session.scalars(select(Specialty).order_by(Specialty.slug))}
    sites = [
        site
        for site in db.session.scalars(
            select(Site).join(Organization).where(Organization.status == OrgStatus.VERIFIED).order_by(Site.id)
        )
        if not db.session.scalar(select(func.count()).select_from(Posting).where(Posting.org_id == site.org_id))
    ]
    if not sites:
        return 0
    now = utcnow()
    created = 0
    for n in range(target):
        site = sites[n % len(sites)] if n < len(sites) else rng.choice(sites)
        posting = create_posting(site.org, admin, generate_content(rng, site.org, site, specialties))
        roll = rng.random()
        state = (
            PostingStatus.PUBLISHED
            if roll < 0.86
            else PostingStatus.PENDING_REVIEW
            if roll < 0.92
            else PostingStatus.EXPIRED
            if roll < 0.96
            else PostingStatus.CLOSED
            if roll < 0.98
            else PostingStatus.DRAFT
        )
        if state != PostingStatus.DRAFT:
            published_at = now - timedelta(days=rng.randrange(0, 50), hours=rng.randrange(0, 24))
            state = moderation.tell(posting, state, published_at, admin, stories)
            _set_state(posting, state, published_at, admin)
        created += 1
    db.session.flush()
    return created
