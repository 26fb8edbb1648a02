"""``flask jobboard seed-demo``: idempotent. Organisations and sites are created once (matched by
name); demo accounts are created once with random passwords that are printed, never stored in
a file. ``reset_passwords`` gives the existing demo accounts new ones.

The demo administrator gets its authenticator key the same way (printed once, new with the
passwords): admin powers need the second factor, and the demo postings are approved by it."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from jobboard.accounts import two_factor
from jobboard.accounts.models import AccountKind
from jobboard.accounts.passwords import hash_password
from jobboard.accounts.services import create_user, find_user_by_email
from jobboard.core.db import utcnow
from jobboard.demo.doctor import seed_demo_doctor
from jobboard.demo.fairs import seed_fairs
from jobboard.demo.postings import seed_grant_programs, seed_postings
from jobboard.extensions import db
from jobboard.licensing.catalogue import load_catalogue
from jobboard.orgs.models import Membership, Organization, OrgKind, OrgStatus, Role, Site
from jobboard.orgs.services import unique_org_slug
from jobboard.vocab.models import City
from jobboard.vocab.seed import load_vocabularies

EMPLOYERS_FILE = Path(__file__).with_name("employers.json")
DEMO_DOMAIN = "demo.imap-jobs.example"
PENDING_EMPLOYER = "Laniado Hospital"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    kind: AccountKind
    is_admin: bool = False
    org: str | None = None
    role: Role | None = None


DEMO_ACCOUNTS = (
    DemoAccount(f"admin@{DEMO_DOMAIN}", "Noa Admin", AccountKind.STAFF, is_admin=True),
    DemoAccount(f"doctor@{DEMO_DOMAIN}", "Dr. Rachel Cohen", AccountKind.DOCTOR),
    DemoAccount(
        f"owner.soroka@{DEMO_DOMAIN}",
        "Yael Owner",
        AccountKind.STAFF,
        org="Soroka University Medical Center",
        role=Role.OWNER,
    ),
    DemoAccount(
        f"recruiter.soroka@{DEMO_DOMAIN}",
        "Avi Recruiter",
        AccountKind.STAFF,
        org="Soroka University Medical Center",
        role=Role.RECRUITER,
    ),
    DemoAccount(
        f"viewer.soroka@{DEMO_DOMAIN}",
        "Dana Viewer",
        AccountKind.STAFF,
        org="Soroka University Medical Center",
        role=Role.VIEWER,
    ),
    DemoAccount(
        f"recruiter.clalit@{DEMO_DOMAIN}",
        "Moshe Recruiter",
        AccountKind.STAFF,
        org="Clalit Health Services",
        role=Role.RECRUITER,
    ),
    DemoAccount(f"owner.laniado@{DEMO_DOMAIN}", "Eli Owner", AccountKind.STAFF, org=PENDING_EMPLOYER, role=Role.OWNER),
)


def _seed_organizations() -> dict[str, Organization]:
    data = json.loads(EMPLOYERS_FILE.read_text(encoding="utf-8"))
    existing = {org.name: org for org in db.session.scalars(select(Organization))}
    for row in data["organizations"]:
        if row["name"] in existing:
            continue
        pending = row["name"] == PENDING_EMPLOYER
        org = Organization(
            slug=unique_org_slug(row["name"]),
            name=row["name"],
            kind=OrgKind(row["kind"]),
            description=row["description"],
            status=OrgStatus.PENDING if pending else OrgStatus.VERIFIED,
            status_changed_at=None if pending else utcnow(),
        )
        db.session.add(org)
        db.session.flush()
        for site in row["sites"]:
            city = db.session.get_one(City, site["city"])
            db.session.add(
                Site(
                    org_id=org.id,
                    name=site["name"],
                    city_slug=city.slug,
                    lat=site.get("lat", city.lat),
                    lon=site.get("lon", city.lon),
                )
            )
        existing[org.name] = org
    db.session.flush()
    return existing


@dataclass(frozen=True)
class Credentials:
    """What to print for a demo account: nothing for one that existed and keeps its secrets."""

    password: str | None = None
    authenticator_key: str | None = None


def _seed_account(account: DemoAccount, orgs: dict[str, Organization], reset_password: bool) -> Credentials:
    user = find_user_by_email(account.email)
    password = secrets.token_urlsafe(12)
    if user is None:
        user = create_user(
            email=account.email,
            full_name=account.full_name,
            password=password,
            kind=account.kind,
            confirmed=True,
            is_admin=account.is_admin,
        )
    elif reset_password:
        user.password_hash = hash_password(password)
        user.end_sessions()
    else:
        return Credentials()
    if account.org:
        org = orgs[account.org]
        member = select(Membership.id).where(Membership.org_id == org.id, Membership.user_id == user.id)
        if not db.session.scalar(member):
            db.session.add(Membership(org_id=org.id, user_id=user.id, role=account.role))
    key = None
    if account.is_admin:
        key = user.totp_secret = two_factor.new_secret()
        user.totp_last_step = None
    return Credentials(password, key)


def seed_demo(*, reset_passwords: bool = False) -> tuple[dict[str, int], list[tuple[DemoAccount, Credentials]]]:
    counts = load_vocabularies() | load_catalogue()
    orgs = _seed_organizations()
    counts["organizations"] = len(orgs)
    accounts = [(account, _seed_account(account, orgs, reset_passwords)) for account in DEMO_ACCOUNTS]
    db.session.flush()
    admin = find_user_by_email(DEMO_ACCOUNTS[0].email)
    if admin is None:
        raise LookupError("the demo administrator's account is missing")
    counts["grant programs"] = len(seed_grant_programs(admin))
    counts["new postings"] = seed_postings(admin, current_app.config["DEMO_POSTINGS"])
    counts["new fairs"] = seed_fairs(admin)
    doctor = find_user_by_email(f"doctor@{DEMO_DOMAIN}")
    if doctor is not None:
        counts["demo doctor's applications"] = seed_demo_doctor(doctor, admin)
    return counts, accounts
