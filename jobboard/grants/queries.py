"""The doctor's facts and the grant programs' criteria as the database holds them, for the
posting page's verdicts and the search filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from jobboard.accounts.models import User
from jobboard.applications.models import DoctorProfile
from jobboard.extensions import db
from jobboard.grants.eligibility import (
    DoctorFacts,
    Eligibility,
    doctor_facts,
    doctor_grant_keys,
    eligibility,
    grant_criteria,
    posting_facts,
)
from jobboard.jobs.models import GrantProgram, Posting


def facts_of(user: User) -> DoctorFacts:
    profile = db.session.scalar(
        select(DoctorProfile)
        .where(DoctorProfile.user_id == user.id)
        .options(selectinload(DoctorProfile.profession), selectinload(DoctorProfile.specialty))
    )
    return doctor_facts(profile)


@dataclass(frozen=True)
class GrantVerdict:
    grant: GrantProgram
    eligibility: Eligibility


def verdicts(user: User, posting: Posting, day: date) -> list[GrantVerdict]:
    """For each program the posting carries, whether the doctor may get it there on ``day``."""
    facts, place = facts_of(user), posting_facts(posting.site)
    return [GrantVerdict(grant, eligibility(facts, place, grant_criteria(grant), day)) for grant in posting.grants]


def all_criteria() -> list[GrantProgram]:
    return list(
        db.session.scalars(
            select(GrantProgram).options(
                selectinload(GrantProgram.regions),
                selectinload(GrantProgram.sites),
                selectinload(GrantProgram.professions),
                selectinload(GrantProgram.specialties),
            )
        )
    )


def eligible_grant_keys(user: User, day: date) -> tuple[str, ...]:
    """What the search filter "grants I'm eligible for" asks of postings' documents (``grant_fits``)."""
    return doctor_grant_keys(facts_of(user), [grant_criteria(g) for g in all_criteria()], day)
