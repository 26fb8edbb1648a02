"""``flask jobboard ...``: create-admin and seed-demo. The commands commit; the ``db_session``
fixture turns their commits into savepoints of the test's transaction, which is rolled back."""

from __future__ import annotations

import json
import re

import pytest
from flask import g
from sqlalchemy import func, select, update

from jobboard.accounts.models import AccountKind, User
from jobboard.accounts.passwords import verify_password
from jobboard.accounts.services import authenticate, find_user_by_email
from jobboard.demo.postings import GRANTS_FILE
from jobboard.demo.seed import DEMO_ACCOUNTS, DEMO_DOMAIN, EMPLOYERS_FILE
from jobboard.extensions import db
from jobboard.i18n import OTHER_LANGUAGES
from jobboard.jobs.models import GrantProgram
from jobboard.orgs.models import Membership, Organization, OrgStatus
from jobboard.vocab.models import City, Language
from jobboard.vocab.seed import vocabulary_data
from tests.factories import UserFactory
from tests.signing_in import sign_in_with_password

STRONG = "copper lantern orchard mosaic"
ACCOUNT_LINE = re.compile(r"^\s+(\S+@" + re.escape(DEMO_DOMAIN) + r")\s+(\S+)\s+(.+)$", re.MULTILINE)


@pytest.fixture
def runner(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_POSTINGS", 12)  # these tests look at accounts and employers
    return app.test_cli_runner()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def demo_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.email.like(f"%@{DEMO_DOMAIN}")))


def printed_accounts(output: str) -> dict[str, str]:
    """email -> what is printed in the password column."""
    return {email: shown for email, shown, _role in ACCOUNT_LINE.findall(output)}


# --- create-admin ------------------------------------------------------------------------------


def test_create_admin_with_the_password_on_stdin(runner, client, mailbox):
    result = runner.invoke(args=["jobboard", "create-admin", " Root@Example.ORG "], input=STRONG + "\n")

    assert result.exit_code == 0, result.output
    assert "Administrator root@example.org created." in result.output
    assert STRONG not in result.output
    db.session.expire_all()
    admin = find_user_by_email("root@example.org")
    assert admin is not None
    assert admin.is_admin is True
    assert admin.kind == AccountKind.STAFF
    assert admin.email_confirmed_at is not None
    assert admin.full_name == "Administrator"
    assert admin.password_hash != STRONG
    assert verify_password(admin.password_hash, STRONG)

    # The new administrator can sign in, and is sent to set up two-factor sign-in before the
    # admin area opens.
    response = sign_in_with_password(client, "root@example.org", STRONG)
    assert response.status_code == 302
    admin_page = client.get("/admin/")
    assert admin_page.status_code == 302
    assert admin_page.headers["Location"] == "/account/two-factor/setup"
    # ...from the link mailed to the address, never from the password alone.
    assert "E-mail me the set-up link" in client.get("/account/two-factor/setup").get_data(as_text=True)
    link = mailbox.link(mailbox.last_to("root@example.org"), "/account/two-factor/setup/")
    assert client.get(link).status_code == 200


def test_create_admin_takes_a_name(runner):
    result = runner.invoke(
        args=["jobboard", "create-admin", "ops@example.org", "--name", "Ops Person"], input=STRONG + "\n"
    )
    assert result.exit_code == 0, result.output
    assert find_user_by_email("ops@example.org").full_name == "Ops Person"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "Use at least 12 characters."),
        ("qwertyuiop12", "This password is too weak."),
        ("jobboard1234", "Do not base the password on your name, e-mail or the names of this site"),
        ("aaaaaaaaaaaaaaaa", "This password is too weak."),
    ],
)
def test_create_admin_refuses_a_weak_password(runner, password, message):
    users = count(User)
    result = runner.invoke(args=["jobboard", "create-admin", "weak@example.org"], input=password + "\n")

    assert result.exit_code != 0
    assert message in result.output
    assert "created" not in result.output
    db.session.expire_all()
    assert find_user_by_email("weak@example.org") is None
    assert count(User) == users


def test_create_admin_refuses_an_existing_address(runner):
    existing = UserFactory(email="taken@example.org", is_admin=False)
    db.session.commit()
    hash_before = existing.password_hash
    users = count(User)

    result = runner.invoke(args=["jobboard", "create-admin", "TAKEN@example.org"], input=STRONG + "\n")

    assert result.exit_code != 0
    assert "taken@example.org exists already" in result.output
    db.session.expire_all()
    assert count(User) == users
    unchanged = find_user_by_email("taken@example.org")
    assert unchanged.is_admin is False
    assert unchanged.password_hash == hash_before


# --- seed-demo ---------------------------------------------------------------------------------


def test_seed_demo_loads_vocabularies_organisations_and_accounts(runner):
    # Spoil two vocabulary rows: the seed must load (refresh) the vocabularies.
    db.session.execute(update(City).where(City.slug == "beersheba").values(name="Spoilt"))
    db.session.execute(update(Language).values(name="Spoilt", names={}))
    db.session.commit()
    assert demo_users() == 0

    result = runner.invoke(args=["jobboard", "seed-demo"])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    vocab = vocabulary_data()
    assert db.session.get(City, "beersheba").name != "Spoilt"
    assert db.session.scalar(select(func.count()).select_from(Language).where(Language.name == "Spoilt")) == 0
    assert db.session.get(Language, "he").names == {"he": "עברית", "fr": "Hébreu", "es": "Hebreo", "ru": "Иврит"}
    assert f"{len(vocab['cities'])} cities" in result.output

    employers = json.loads(EMPLOYERS_FILE.read_text(encoding="utf-8"))["organizations"]
    names = set(db.session.scalars(select(Organization.name)))
    assert {row["name"] for row in employers} <= names
    assert (
        db.session.scalar(select(Organization.status).where(Organization.name == "Laniado Hospital"))
        == OrgStatus.PENDING
    )
    assert (
        db.session.scalar(select(Organization.status).where(Organization.name == "Soroka University Medical Center"))
        == OrgStatus.VERIFIED
    )

    printed = printed_accounts(result.output)
    assert set(printed) == {account.email for account in DEMO_ACCOUNTS}
    assert demo_users() == len(DEMO_ACCOUNTS)
    # The demo administrator's authenticator key is printed with its password: admin powers need both.
    [key] = re.findall(r"authenticator key for admin@\S+: ([A-Z2-7]+)$", result.output, re.MULTILINE)
    demo_admin = find_user_by_email(f"admin@{DEMO_DOMAIN}")
    assert demo_admin.totp_secret == key and demo_admin.can_administer
    for account in DEMO_ACCOUNTS:
        user = find_user_by_email(account.email)
        assert user.is_confirmed
        assert user.is_admin == account.is_admin
        assert authenticate(account.email, printed[account.email]) is not None, account.email
        if account.org:
            membership = db.session.scalar(
                select(Membership)
                .join(Organization)
                .where(Membership.user_id == user.id, Organization.name == account.org)
            )
            assert membership is not None and membership.role == account.role


def test_seed_demo_names_the_grant_programs_in_each_language_keeping_an_administrators_names(runner):
    assert runner.invoke(args=["jobboard", "seed-demo"]).exit_code == 0
    rows = json.loads(GRANTS_FILE.read_text(encoding="utf-8"))["grant_programs"]
    grants = {grant.name: grant for grant in db.session.scalars(select(GrantProgram))}
    for row in rows:
        assert set(row["names"]) == set(row["summaries"]) == set(OTHER_LANGUAGES), row["name"]
        assert (grants[row["name"]].names, grants[row["name"]].summaries) == (row["names"], row["summaries"])
    # A program seeded before the file named it in every language; an administrator has named it in French since.
    first = grants[rows[0]["name"]]
    first.names, first.summaries = {"fr": "Prime Tkuma"}, {}
    db.session.commit()

    assert runner.invoke(args=["jobboard", "seed-demo"]).exit_code == 0
    db.session.expire_all()
    assert first.names == {**rows[0]["names"], "fr": "Prime Tkuma"} and first.summaries == rows[0]["summaries"]


def test_seed_demo_a_second_time_creates_nothing_and_prints_no_password(runner):
    first = runner.invoke(args=["jobboard", "seed-demo"])
    assert first.exit_code == 0, first.output
    passwords = printed_accounts(first.output)
    db.session.expire_all()
    counts = (count(User), count(Organization), count(Membership))

    second = runner.invoke(args=["jobboard", "seed-demo"])

    assert second.exit_code == 0, second.output
    db.session.expire_all()
    assert (count(User), count(Organization), count(Membership)) == counts
    for email, password in passwords.items():
        assert password not in second.output
        assert authenticate(email, password) is not None  # unchanged
    assert second.output.count("(unchanged; --reset-passwords prints new ones)") == len(DEMO_ACCOUNTS)


def test_seed_demo_reset_passwords_prints_new_ones_and_ends_sessions(runner, client, login):
    first = runner.invoke(args=["jobboard", "seed-demo"])
    old = printed_accounts(first.output)
    doctor_email = f"doctor@{DEMO_DOMAIN}"
    db.session.expire_all()
    login(find_user_by_email(doctor_email))
    assert client.get("/dashboard").status_code == 200

    result = runner.invoke(args=["jobboard", "seed-demo", "--reset-passwords"])

    assert result.exit_code == 0, result.output
    new = printed_accounts(result.output)
    assert set(new) == set(old)
    assert "(unchanged" not in result.output
    db.session.expire_all()
    for email in new:
        assert new[email] != old[email]
        assert authenticate(email, new[email]) is not None
        assert authenticate(email, old[email]) is None
    assert demo_users() == len(DEMO_ACCOUNTS)

    # The session the doctor had before is over. (The test's app context outlives requests, so
    # drop Flask-Login's per-request cache of the user, as a new request in production would.)
    g.pop("_login_user", None)
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_seed_demo_is_refused_in_production(app, runner, monkeypatch):
    monkeypatch.setitem(app.config, "JOBBOARD_ENV", "production")
    result = runner.invoke(args=["jobboard", "seed-demo"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert demo_users() == 0
    assert "@" not in result.output


def test_factory_password_still_signs_in_after_cli_commits(runner, client):
    """The commands' commits stay inside the test's transaction and do not disturb the session
    that requests use."""
    user = UserFactory(email="neighbour@example.org")
    db.session.commit()
    runner.invoke(args=["jobboard", "create-admin", "another@example.org"], input=STRONG + "\n")
    response = sign_in_with_password(client, user.email)
    assert response.status_code == 302


def test_a_worker_limited_to_kinds_of_work_does_only_those(app, runner, monkeypatch):
    from jobboard.core import outbox
    from jobboard.core.outbox import OutboxMessage, OutboxStatus
    from jobboard.jobs.lifecycle import SEARCH_SYNC
    from jobboard.mail.compose import MAIL_KIND

    monkeypatch.setitem(app.config, "OUTBOX_EAGER", False)
    ran = []
    monkeypatch.setattr("jobboard.cli.run_due_jobs", lambda: ran.append(True))
    mail_id = outbox.enqueue(MAIL_KIND, {"to": "doctor@example.org", "subject": "Hello", "text": "Hello."}).id
    sync_id = outbox.enqueue(SEARCH_SYNC, {"posting_id": 999_999}).id
    db.session.commit()

    result = runner.invoke(args=["jobboard", "worker", "--once", "--interval", "0", "--only", "mail"])

    assert result.exit_code == 0, result.output
    assert "Worker started for mail." in result.output
    assert db.session.get(OutboxMessage, mail_id).status == OutboxStatus.DONE
    assert db.session.get(OutboxMessage, sync_id).status == OutboxStatus.PENDING
    assert ran == []  # no periodic jobs unless "periodic" is named


def test_a_worker_refuses_an_unknown_kind_of_work_and_lists_the_known(runner):
    result = runner.invoke(args=["jobboard", "worker", "--once", "--only", "mail,faxes"])
    assert result.exit_code == 2
    assert "faxes is not a kind of work; choose from fairs, mail, periodic, search" in result.output
