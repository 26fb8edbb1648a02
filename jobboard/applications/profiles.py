"""The doctor's profile: what they tell employers about themselves, and how complete it is.

Only doctors' accounts have a profile. Professions, specialties, languages and regions come from
the vocabularies; anything else is refused on its field. ``completeness`` decides whether the
profile is enough to apply for a job or to book interviews at a fair; the first time it is
(``note_completion``, after each change of the profile or the CVs) is kept for the programme's
figures, as is the day of the doctor's arrival in Israel, once they give it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from jobboard.accounts.models import User
from jobboard.applications.models import CvDocument, DoctorProfile
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError, NotPermitted
from jobboard.extensions import db
from jobboard.jobs.models import Seniority
from jobboard.vocab.models import HebrewLevel, Language, Region
from jobboard.vocab.rules import check_profession_and_specialty

PHYSICIAN = "physician"


@dataclass
class ProfileFields:
    profession_slug: str | None
    specialty_slug: str | None
    seniority: Seniority | None
    years_experience: int | None
    training_country: str | None
    residence_country: str | None
    hebrew_level: HebrewLevel
    move_month: date | None
    open_to_periphery: bool
    summary: str
    phone: str | None
    arrived_on: date | None = None
    language_codes: list[str] = field(default_factory=list)
    region_slugs: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, profile: DoctorProfile) -> ProfileFields:
        return cls(
            profession_slug=profile.profession_slug,
            specialty_slug=profile.specialty_slug,
            seniority=profile.seniority,
            years_experience=profile.years_experience,
            training_country=profile.training_country,
            residence_country=profile.residence_country,
            hebrew_level=HebrewLevel(profile.hebrew_level),
            move_month=profile.move_month,
            arrived_on=profile.arrived_on,
            open_to_periphery=profile.open_to_periphery,
            summary=profile.summary,
            phone=profile.phone,
            language_codes=[lang.code for lang in profile.languages],
            region_slugs=[r.slug for r in profile.preferred_regions],
        )


def profile_of(user: User) -> DoctorProfile | None:
    return db.session.scalar(select(DoctorProfile).where(DoctorProfile.user_id == user.id))


def save_profile(user: User, fields: ProfileFields) -> DoctorProfile:
    if not user.is_doctor:
        raise NotPermitted(_("Only doctors' accounts have a profile."))
    check_profession_and_specialty(fields.profession_slug, fields.specialty_slug)
    # Today anywhere: east of UTC the day may already have begun.
    if fields.arrived_on is not None and fields.arrived_on > (utcnow() + timedelta(hours=14)).date():
        raise DomainError(_("Give the day once you have arrived."), field="arrived_on")
    languages = list(db.session.scalars(select(Language).where(Language.code.in_(fields.language_codes))))
    if len(languages) != len(set(fields.language_codes)):
        raise DomainError(_("Choose languages from the list."), field="language_codes")
    regions = list(db.session.scalars(select(Region).where(Region.slug.in_(fields.region_slugs))))
    if len(regions) != len(set(fields.region_slugs)):
        raise DomainError(_("Choose regions from the list."), field="region_slugs")
    profile = profile_of(user) or DoctorProfile(user_id=user.id)
    for name in (
        "profession_slug",
        "specialty_slug",
        "seniority",
        "years_experience",
        "training_country",
        "residence_country",
        "move_month",
        "arrived_on",
        "open_to_periphery",
        "summary",
        "phone",
    ):
        setattr(profile, name, getattr(fields, name))
    profile.hebrew_level = int(fields.hebrew_level)
    profile.languages = languages
    profile.preferred_regions = regions
    db.session.add(profile)
    db.session.flush()
    note_completion(user)
    return profile


def note_completion(user: User) -> None:
    """Keep the first moment the doctor's profile is complete enough to apply."""
    profile = profile_of(user)
    if profile is None or profile.completed_at is not None:
        return
    cv_count = db.session.scalar(select(func.count()).select_from(CvDocument).where(CvDocument.owner_id == user.id))
    if can_apply(profile, cv_count or 0):
        profile.completed_at = utcnow()


@dataclass(frozen=True)
class Completeness:
    percent: int
    missing: list[str]  # what is still needed, in words
    can_apply: bool
    has_cv: bool


def _required(profile: DoctorProfile | None, cv_count: int) -> list[tuple[str, bool]]:
    return [
        (_("your profession"), bool(profile and profile.profession_slug)),
        (_("your specialty"), bool(profile and (profile.specialty_slug or profile.profession_slug != PHYSICIAN))),
        (_("the country where you trained"), bool(profile and profile.training_country)),
        (_("when you plan to move"), bool(profile and profile.move_month)),
        (_("a CV"), cv_count > 0),
    ]


def can_apply(profile: DoctorProfile | None, cv_count: int) -> bool:
    """``completeness(...).can_apply`` without reading what is optional (the languages)."""
    return all(ok for _name, ok in _required(profile, cv_count))


def completeness(profile: DoctorProfile | None, cv_count: int) -> Completeness:
    """How complete the profile is; applying needs a profession (and a specialty for
    physicians), the country of training, the move date and a CV."""
    required = _required(profile, cv_count)
    optional = [
        (_("your seniority"), bool(profile and profile.seniority)),
        (_("years of experience"), bool(profile and profile.years_experience is not None)),
        (_("your country of residence"), bool(profile and profile.residence_country)),
        (_("the languages you speak"), bool(profile and profile.languages)),
        (_("a short summary"), bool(profile and profile.summary)),
    ]
    items = required + optional
    return Completeness(
        percent=round(100 * sum(ok for _name, ok in items) / len(items)),
        missing=[name for name, ok in items if not ok],
        can_apply=all(ok for _name, ok in required),
        has_cv=cv_count > 0,
    )
