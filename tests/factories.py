"""factory-boy factories for the models; rows are flushed into the test's transaction."""

from __future__ import annotations

import factory
from factory.alchemy import SQLAlchemyModelFactory

from jobboard.accounts.models import AccountKind, User
from jobboard.accounts.passwords import hash_password
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.orgs.models import Membership, Organization, OrgKind, OrgStatus, Role, Site

PASSWORD = "violet tractor harbour spoon"


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
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    kind = AccountKind.DOCTOR
    email_confirmed_at = factory.LazyFunction(utcnow)


class DoctorFactory(UserFactory):
    kind = AccountKind.DOCTOR


class StaffFactory(UserFactory):
    kind = AccountKind.STAFF


class AdminFactory(UserFactory):
    kind = AccountKind.STAFF
    is_admin = True


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
