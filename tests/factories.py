"""factory-boy factories for the models; rows are flushed into the test's transaction."""

from __future__ import annotations

import functools

import factory
import pyotp
from factory.alchemy import SQLAlchemyModelFactory

from jobboard.accounts.models import AccountKind, User
from jobboard.accounts.passwords import hash_password
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.orgs.models import Membership, Organization, OrgKind, OrgStatus, Role, Site

PASSWORD = "violet tractor harbour spoon"


@functools.cache
def password_hash() -> str:
    """One hash of PASSWORD for every account a factory makes: hashing costs more than the rest
    of making a user."""
    return hash_password(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731 - the session changes per test
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password_hash = factory.LazyFunction(password_hash)
    kind = AccountKind.DOCTOR
    email_confirmed_at = factory.LazyFunction(utcnow)


class DoctorFactory(UserFactory):
    kind = AccountKind.DOCTOR


class StaffFactory(UserFactory):
    kind = AccountKind.STAFF


class AdminFactory(UserFactory):
    kind = AccountKind.STAFF
    is_admin = True
    totp_secret = factory.LazyFunction(pyotp.random_base32)  # admin pages require two factors


class OrganizationFactory(BaseFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Medical Center {n}")
    slug = factory.Sequence(lambda n: f"test-medical-center-{n}")
    kind = OrgKind.HOSPITAL
    description = "A hospital."
    status = OrgStatus.VERIFIED


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(StaffFactory)
    org = factory.SubFactory(OrganizationFactory)
    role = Role.RECRUITER


class SiteFactory(BaseFactory):
    class Meta:
        model = Site

    org = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Campus {n}")
    city_slug = "beersheba"
    lat = 31.2585
    lon = 34.8


# --- job postings (appended for tests/jobs) ---------------------------------------------------

from jobboard.jobs.models import (  # noqa: E402 - appended section
    EmploymentType,
    GrantProgram,
    LicenceRequirement,
    Posting,
    Seniority,
)
from jobboard.vocab.models import Region  # noqa: E402


class GrantProgramFactory(BaseFactory):
    """A grant program; ``regions=["negev", ...]`` takes region slugs (default: the Negev)."""

    class Meta:
        model = GrantProgram

    slug = factory.Sequence(lambda n: f"test-grant-{n}")
    name = factory.Sequence(lambda n: f"Test grant {n}")
    funder = "Ministry of Aliyah and Integration"
    summary = "For immigrant clinicians working in the periphery."
    amount_note = "ILS 50,000 over two years"
    amount_min_ils = 20_000
    amount_max_ils = 50_000
    commitment_years = 2
    valid_from = None
    valid_to = None

    @factory.post_generation
    def regions(self, create: bool, extracted: list[str] | None, **_kwargs: object) -> None:
        slugs = extracted if extracted is not None else ["negev"]
        self.regions = [db.session.get(Region, slug) for slug in slugs]
        if create:
            db.session.flush()


class PostingFactory(BaseFactory):
    """A draft posting (a physician in pediatrics at a Beersheba site of a verified org). Move it
    through the lifecycle with the services, not by setting ``status``, unless a test means to."""

    class Meta:
        model = Posting

    org = factory.SubFactory(OrganizationFactory)
    site = factory.SubFactory(SiteFactory, org=factory.SelfAttribute("..org"))
    title = factory.Sequence(lambda n: f"Pediatrician {n}")
    profession_slug = "physician"
    specialty_slug = "pediatrics"
    seniority = Seniority.SPECIALIST
    employment_type = EmploymentType.FULL_TIME
    licence_requirement = LicenceRequirement.ISRAELI_LICENCE
    hebrew_level = 3
    duration_days = 60
    # Random prose, so two factory postings at one site are not likely duplicates of each other.
    description_md = factory.Faker("paragraph", nb_sentences=8)
