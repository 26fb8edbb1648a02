"""The account rules (jobboard.accounts.services), called directly inside the test's transaction.

Mail is not delivered here (the outbox drains after requests only), so these tests read the
queued outbox rows: a queued message is what the request would have sent.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from argon2 import PasswordHasher
from sqlalchemy import func, select

from jobboard.accounts import services
from jobboard.accounts.models import AccountKind, User
from jobboard.accounts.passwords import password_problem, verify_password
from jobboard.core.errors import Conflict, DomainError, InvalidToken
from jobboard.core.outbox import OutboxMessage
from jobboard.core.tokens import make_token
from jobboard.extensions import db
from tests.factories import PASSWORD, DoctorFactory, StaffFactory

NEW_PASSWORD = "copper lantern meadow violin"


def queued_mail(to: str | None = None) -> list[dict]:
    """Payloads of the mails queued in this test, oldest first (optionally only those to ``to``)."""
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "mail.send").order_by(OutboxMessage.id))
    return [row.payload for row in rows if to is None or row.payload["to"] == to]


def token_in(mail: dict, path_start: str) -> str:
    """The token at the end of the mail's link whose path starts with ``path_start``."""
    match = re.search(rf"https?://[^/\s]+{re.escape(path_start)}(\S+)", mail["text"])
    assert match, f"no link to {path_start} in:\n{mail['text']}"
    return match.group(1)


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# --- password policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("eleven char", "at least 12 characters"),
        ("password123456", "Do not base the password"),
        ("clalit2024123456", "Do not base the password"),
        ("Clalit-0000-1111", "Do not base the password"),
        ("aaaaaaaaaaaaaaaa", "too weak"),
        ("qwertyuiop123", "too weak"),
        ("x" * 1025, "at most 1024"),
    ],
)
def test_password_policy_refuses(db_session, password, fragment):
    problem = password_problem(password, email="miriam@example.org", name="Miriam Cohen")
    assert problem is not None and fragment in problem


@pytest.mark.parametrize(
    "password", ["miriam20242025", "Cohen-12345678", "miriam@example.org", "Miriam@Example.org1", "miriamcohen2024!"]
)
def test_password_policy_refuses_the_accounts_own_name_and_address(db_session, password):
    assert password_problem(password, email="miriam@example.org", name="Miriam Cohen") is not None


@pytest.mark.parametrize("password", [PASSWORD, NEW_PASSWORD, "Twelve chars but random: q8#Lz!"])
def test_password_policy_accepts_passphrases(db_session, password):
    assert password_problem(password, email="miriam@example.org", name="Miriam Cohen") is None


def test_weak_password_error_names_the_field(db_session):
    with pytest.raises(services.WeakPassword) as caught:
        services.check_password_policy("short", email="a@example.org", field="new_password")
    assert caught.value.field == "new_password"
    assert caught.value.status_code == 422


# --- creating accounts and signing up ---------------------------------------------------------


def test_create_user_stores_a_lower_case_address_and_a_hash(db_session):
    user = services.create_user(
        email="Miriam.Cohen@Example.ORG", full_name="Miriam Cohen", password=PASSWORD, kind=AccountKind.DOCTOR
    )
    stored = db_session.get(User, user.id)
    assert stored.email == "miriam.cohen@example.org"
    assert stored.password_hash != PASSWORD and stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored.password_hash, PASSWORD)
    assert not stored.is_confirmed and not stored.is_admin
    assert stored.session_version == 1


def test_create_user_can_create_a_confirmed_admin(db_session):
    user = services.create_user(
        email="boss@example.org",
        full_name="The Boss",
        password=PASSWORD,
        kind=AccountKind.STAFF,
        confirmed=True,
        is_admin=True,
    )
    assert user.is_confirmed and user.is_admin and not user.is_doctor


def test_create_user_refuses_a_weak_password(db_session):
    before = user_count()
    with pytest.raises(services.WeakPassword):
        services.create_user(
            email="weak@example.org", full_name="Weak", password="password123456", kind=AccountKind.DOCTOR
        )
    assert user_count() == before


def test_sign_up_creates_an_unconfirmed_account_and_queues_the_confirmation(db_session):
    user = services.sign_up(email="new@example.org", full_name="New Doctor", password=PASSWORD, kind=AccountKind.DOCTOR)
    assert user is not None and not user.is_confirmed and user.is_doctor
    [mail] = queued_mail()
    assert mail["to"] == "new@example.org"
    assert mail["subject"] == "Confirm your e-mail address"
    assert mail["text"].startswith("Hello,")  # no name: whoever signs up may type any
    token = token_in(mail, "/account/confirm/")
    assert services.user_for_confirmation(token).id == user.id


@pytest.mark.parametrize("address", ["taken@example.org", "TAKEN@Example.org", "  taken@example.org "])
def test_sign_up_with_a_known_address_creates_nothing_and_notifies_the_owner(db_session, address):
    owner = DoctorFactory(email="taken@example.org", full_name="Original Owner")
    original_hash = owner.password_hash
    before = user_count()

    result = services.sign_up(email=address, full_name="Intruder", password=NEW_PASSWORD, kind=AccountKind.DOCTOR)

    assert result is None
    assert user_count() == before
    assert owner.full_name == "Original Owner" and owner.password_hash == original_hash
    [mail] = queued_mail()
    assert mail["to"] == "taken@example.org"
    assert mail["subject"] == "Someone tried to sign up with your address"
    assert "http://jobboard.test/account/login" in mail["text"]
    assert "http://jobboard.test/account/forgot-password" in mail["text"]
    assert "/account/confirm/" not in mail["text"]


def test_sign_up_checks_the_password_before_looking_up_the_address(db_session):
    """A weak password is refused the same way whether or not the address is taken."""
    DoctorFactory(email="taken@example.org")
    for address in ("taken@example.org", "free@example.org"):
        with pytest.raises(services.WeakPassword):
            services.sign_up(email=address, full_name="X Y", password="password123456", kind=AccountKind.DOCTOR)
    assert queued_mail() == []


# --- e-mail confirmation ----------------------------------------------------------------------


def confirmation_token(user: User) -> str:
    services.send_confirmation(user)
    return token_in(queued_mail(user.email)[-1], "/account/confirm/")


def test_confirm_email_sets_the_timestamp_and_is_idempotent(db_session):
    user = DoctorFactory(email_confirmed_at=None)
    token = confirmation_token(user)
    assert services.confirm_email(token) is user
    first = user.email_confirmed_at
    assert first is not None
    services.confirm_email(token)
    assert user.email_confirmed_at == first


def test_confirmation_link_dies_when_the_address_changes(db_session):
    user = DoctorFactory(email_confirmed_at=None)
    token = confirmation_token(user)
    user.email = "elsewhere@example.org"
    with pytest.raises(InvalidToken, match="no longer valid"):
        services.confirm_email(token)
    assert user.email_confirmed_at is None


def test_confirmation_link_expires_after_seven_days(db_session):
    user = DoctorFactory(email_confirmed_at=None)
    token = confirmation_token(user)
    with time_machine.travel(timedelta(days=6, hours=23)):
        assert services.user_for_confirmation(token) is user
    with time_machine.travel(timedelta(days=7, minutes=1)), pytest.raises(InvalidToken, match="expired"):
        services.confirm_email(token)
    assert user.email_confirmed_at is None


@pytest.mark.parametrize(
    "make_bad_token",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: "not-a-token",
        lambda token: make_token(services.RESET_PASSWORD, {"u": 1, "e": "x"}),
        lambda token: make_token(services.CONFIRM_EMAIL, ["not", "a", "dict"]),
        lambda token: make_token(services.CONFIRM_EMAIL, {"u": 999999, "e": "x"}),
    ],
    ids=["tampered", "garbage", "other-purpose", "list-payload", "unknown-user"],
)
def test_bad_confirmation_links_are_refused(db_session, make_bad_token):
    user = DoctorFactory(email_confirmed_at=None)
    bad = make_bad_token(confirmation_token(user))
    with pytest.raises(InvalidToken):
        services.confirm_email(bad)
    assert user.email_confirmed_at is None


# --- sign-in ------------------------------------------------------------------------------------


def test_authenticate_accepts_the_right_password_in_any_address_case(db_session):
    user = DoctorFactory(email="miriam@example.org", last_login_at=None)
    assert services.authenticate("  Miriam@EXAMPLE.org ", PASSWORD) is user
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    ("address", "password"),
    [("miriam@example.org", PASSWORD + "x"), ("miriam@example.org", ""), ("nobody@example.org", PASSWORD)],
    ids=["wrong-password", "empty-password", "unknown-address"],
)
def test_authenticate_refuses_bad_credentials(db_session, address, password):
    user = DoctorFactory(email="miriam@example.org", last_login_at=None)
    assert services.authenticate(address, password) is None
    assert user.last_login_at is None


def test_authenticate_refuses_a_deactivated_account(db_session):
    user = DoctorFactory(is_deactivated=True)
    assert services.authenticate(user.email, PASSWORD) is None
    assert user.last_login_at is None


def test_authenticate_upgrades_an_outdated_hash(db_session):
    old_hash = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    user = DoctorFactory(password_hash=old_hash)
    assert services.authenticate(user.email, PASSWORD) is user
    assert user.password_hash != old_hash
    assert verify_password(user.password_hash, PASSWORD)


def test_sign_out_ends_every_session(db_session):
    user = DoctorFactory()
    old_id = user.get_id()
    services.sign_out(user)
    assert services.load_session_user(old_id) is None
    assert services.load_session_user(user.get_id()) is user


@pytest.mark.parametrize("session_id", ["", "abc", "1", "1:", ":1", "x:1", "1:x", "-1:1", "1:1:1"])
def test_load_session_user_refuses_malformed_ids(db_session, session_id):
    DoctorFactory()
    assert services.load_session_user(session_id) is None


def test_load_session_user_refuses_deactivated_and_unknown_users(db_session):
    user = DoctorFactory()
    session_id = user.get_id()
    assert services.load_session_user(session_id) is user
    user.is_deactivated = True
    assert services.load_session_user(session_id) is None
    assert services.load_session_user("999999:1") is None


# --- password reset -----------------------------------------------------------------------------


def reset_token(user: User) -> str:
    services.request_password_reset(user.email)
    return token_in(queued_mail(user.email)[-1], "/account/reset-password/")


def test_request_password_reset_mails_only_existing_active_accounts(db_session):
    active = DoctorFactory(email="active@example.org")
    DoctorFactory(email="gone@example.org", is_deactivated=True)
    for address in ("nobody@example.org", "gone@example.org", "ACTIVE@example.org"):
        services.request_password_reset(address)
    [mail] = queued_mail()
    assert mail["to"] == active.email
    assert mail["subject"] == "Reset your password"
    assert services.user_for_reset(token_in(mail, "/account/reset-password/")) is active


def test_reset_password_changes_the_password_ends_sessions_and_mails(db_session):
    user = DoctorFactory()
    old_session = user.get_id()
    token = reset_token(user)

    services.reset_password(token, NEW_PASSWORD)

    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert not verify_password(user.password_hash, PASSWORD)
    assert services.load_session_user(old_session) is None
    assert queued_mail(user.email)[-1]["subject"] == "Your password was changed"


def test_reset_link_works_once(db_session):
    user = DoctorFactory()
    token = reset_token(user)
    services.reset_password(token, NEW_PASSWORD)
    with pytest.raises(InvalidToken, match="already been used"):
        services.reset_password(token, "another fine passphrase here")
    assert verify_password(user.password_hash, NEW_PASSWORD)


def test_reset_link_expires_after_an_hour(db_session):
    user = DoctorFactory()
    token = reset_token(user)
    with time_machine.travel(timedelta(minutes=59)):
        assert services.user_for_reset(token) is user
    with time_machine.travel(timedelta(hours=1, minutes=1)), pytest.raises(InvalidToken, match="expired"):
        services.reset_password(token, NEW_PASSWORD)
    assert verify_password(user.password_hash, PASSWORD)


def test_reset_link_dies_when_the_account_is_deactivated(db_session):
    user = DoctorFactory()
    token = reset_token(user)
    user.is_deactivated = True
    with pytest.raises(InvalidToken):
        services.user_for_reset(token)


def test_confirmation_token_is_not_a_reset_token(db_session):
    user = DoctorFactory()
    with pytest.raises(InvalidToken):
        services.reset_password(confirmation_token(user), NEW_PASSWORD)
    assert verify_password(user.password_hash, PASSWORD)


def test_reset_refuses_a_weak_password_and_keeps_the_link_alive(db_session):
    user = DoctorFactory()
    version = user.session_version
    token = reset_token(user)
    with pytest.raises(services.WeakPassword):
        services.reset_password(token, "password123456")
    assert verify_password(user.password_hash, PASSWORD)
    assert user.session_version == version
    services.reset_password(token, NEW_PASSWORD)
    assert verify_password(user.password_hash, NEW_PASSWORD)


# --- password change ----------------------------------------------------------------------------


def test_change_password_needs_the_current_password(db_session):
    user = DoctorFactory()
    with pytest.raises(DomainError) as caught:
        services.change_password(user, "not my password", NEW_PASSWORD)
    assert caught.value.field == "current_password"
    assert verify_password(user.password_hash, PASSWORD)
    assert queued_mail() == []


def test_change_password_enforces_the_policy(db_session):
    user = DoctorFactory(full_name="Miriam Cohen")
    with pytest.raises(services.WeakPassword) as caught:
        services.change_password(user, PASSWORD, "miriam12345678")
    assert caught.value.field == "new_password"
    assert verify_password(user.password_hash, PASSWORD)


def test_change_password_ends_sessions_and_mails(db_session):
    user = DoctorFactory()
    old_session = user.get_id()
    services.change_password(user, PASSWORD, NEW_PASSWORD)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert services.load_session_user(old_session) is None
    [mail] = queued_mail(user.email)
    assert mail["subject"] == "Your password was changed"
    assert "http://jobboard.test/account/forgot-password" in mail["text"]


# --- e-mail change ------------------------------------------------------------------------------


def change_token(user: User, new_email: str) -> str:
    services.request_email_change(user, new_email, PASSWORD)
    return token_in(queued_mail(new_email.lower())[-1], "/account/email/confirm/")


def test_request_email_change_mails_the_new_address_only(db_session):
    user = DoctorFactory(email="old@example.org")
    services.request_email_change(user, "New@Example.org", PASSWORD)
    assert user.email == "old@example.org"
    [mail] = queued_mail()
    assert mail["to"] == "new@example.org"
    assert mail["subject"] == "Confirm your new e-mail address"
    assert services.pending_email_change(token_in(mail, "/account/email/confirm/")) == (user, "new@example.org")


@pytest.mark.parametrize(
    ("new_email", "password", "field"),
    [("new@example.org", "wrong password", "password"), ("OLD@example.org", PASSWORD, "new_email")],
    ids=["wrong-password", "same-address"],
)
def test_request_email_change_refuses(db_session, new_email, password, field):
    user = DoctorFactory(email="old@example.org")
    with pytest.raises(DomainError) as caught:
        services.request_email_change(user, new_email, password)
    assert caught.value.field == field
    assert queued_mail() == []


def test_request_email_change_to_a_taken_address_only_warns_its_owner(db_session):
    user = DoctorFactory(email="old@example.org")
    DoctorFactory(email="taken@example.org")
    services.request_email_change(user, "Taken@example.org", PASSWORD)
    assert user.email == "old@example.org"
    [mail] = queued_mail()
    assert mail["to"] == "taken@example.org"
    assert mail["subject"] == "Someone tried to move an account to your address"
    assert "/account/email/confirm/" not in mail["text"]


def test_confirm_email_change_switches_the_address_and_notifies_the_old_one(db_session):
    user = DoctorFactory(email="old@example.org", email_confirmed_at=None)
    token = change_token(user, "new@example.org")

    services.confirm_email_change(token)

    assert user.email == "new@example.org"
    assert user.is_confirmed
    assert services.find_user_by_email("old@example.org") is None
    [notice] = queued_mail("old@example.org")
    assert notice["subject"] == "Your e-mail address was changed"
    assert "new@example.org" in notice["text"]


def test_email_change_link_works_once(db_session):
    user = DoctorFactory(email="old@example.org")
    token = change_token(user, "new@example.org")
    services.confirm_email_change(token)
    with pytest.raises(InvalidToken):
        services.confirm_email_change(token)
    assert user.email == "new@example.org"


def test_email_change_link_expires_after_a_day(db_session):
    user = DoctorFactory(email="old@example.org")
    token = change_token(user, "new@example.org")
    with time_machine.travel(timedelta(hours=24, minutes=1)), pytest.raises(InvalidToken, match="expired"):
        services.confirm_email_change(token)
    assert user.email == "old@example.org"


def test_email_change_refused_when_the_address_was_taken_meanwhile(db_session):
    user = DoctorFactory(email="old@example.org")
    token = change_token(user, "new@example.org")
    StaffFactory(email="new@example.org")
    with pytest.raises(Conflict):
        services.confirm_email_change(token)
    assert user.email == "old@example.org"
