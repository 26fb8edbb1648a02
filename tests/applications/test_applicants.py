"""The applicants list across the organisation's postings: filters, sorting, tenancy, and a
constant number of SQL statements whatever the number of applications."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from jobboard.accounts.models import AccountKind, User
from jobboard.applications import applying
from jobboard.applications.models import Application, DoctorProfile, LicenceStatus, Stage
from jobboard.core.db import utcnow
from jobboard.extensions import db
from jobboard.licensing.milestones import MilestoneFields, save_milestones
from jobboard.vocab.models import HebrewLevel
from tests.applications.conftest import complete_profile, make_posting, stored_cv, text_of
from tests.factories import DoctorFactory
from tests.statements import recorded_statements


def names_in(response) -> list[str]:
    """The applicants' names in the order the list shows them."""
    results = response.get_data(as_text=True).split('id="applicant-results"', 1)[1]
    return [re.sub(r"<[^>]+>", "", link) for link in re.findall(r'/applications/\d+">(.*?)</a>', results)]


@pytest.fixture
def applicants(world):
    """Four applications to two postings of this organisation, one to the other organisation."""
    second = make_posting(world.org, world.site, title="Internist, night shifts")
    people = {
        "Avi Alpha": dict(
            specialty_slug="pediatrics",
            milestones=MilestoneFields(provisional_licence_on=date(2025, 11, 2)),
            hebrew_level=HebrewLevel.C1,
            move_month=date(2027, 1, 1),
        ),
        "Bella Beta": dict(
            specialty_slug="internal-medicine",
            milestones=MilestoneFields(),
            hebrew_level=HebrewLevel.A1,
            move_month=date(2027, 9, 1),
        ),
        "Carmi Gamma": dict(
            specialty_slug="pediatrics",
            milestones=MilestoneFields(exam_on=date(2027, 2, 1)),
            hebrew_level=HebrewLevel.B2,
            move_month=None,
        ),
        "Dana Delta": dict(
            specialty_slug="anesthesiology",
            milestones=MilestoneFields(provisional_licence_on=date(2025, 3, 4)),
            hebrew_level=HebrewLevel.NONE,
            move_month=date(2026, 12, 1),
        ),
    }
    plan = {  # posting, stage, rating, days ago
        "Avi Alpha": (world.posting, Stage.INTERVIEW, 5, 4),
        "Bella Beta": (second, Stage.APPLIED, None, 3),
        "Carmi Gamma": (world.posting, Stage.APPLIED, 2, 2),
        "Dana Delta": (second, Stage.REJECTED, 3, 1),
    }
    made = {}
    for name, profile in people.items():
        doctor = DoctorFactory(full_name=name)
        complete_profile(doctor)
        posting, stage, rating, days_ago = plan[name]
        application = applying.apply(doctor, posting, stored_cv(doctor), "")
        save_milestones(doctor, profile.pop("milestones"), date(2026, 1, 1))
        complete_profile(doctor, **profile)  # as the profile is now (it may have changed since applying)
        application.stage, application.rating = stage, rating
        application.created_at = utcnow() - timedelta(days=days_ago)
        made[name] = application
    outsider = applying.apply(world.other_doctor, world.other_posting, world.other_cv, "")
    db.session.commit()
    return type("Applicants", (), {"second": second, "by_name": made, "outsider": outsider})


def listing(client, world, **params):
    response = client.get(f"/org/{world.org.slug}/applicants", query_string=params)
    assert response.status_code == 200
    return response


def test_the_list_shows_every_application_of_the_organisation_only(client, world, login, applicants):
    login(world.viewer)
    response = listing(client, world)
    page = text_of(response)
    assert "4 applications" in page
    assert sorted(names_in(response)) == ["Avi Alpha", "Bella Beta", "Carmi Gamma", "Dana Delta"]
    assert "Ilan Otherdoc" not in page
    assert "Internist, night shifts" in page and world.posting.title in page
    assert "Provisional licence" in page and "Interview" in page and "Jan 2027" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"stage": "applied"}, {"Bella Beta", "Carmi Gamma"}),
        ({"stage": "rejected"}, {"Dana Delta"}),
        ({"specialty": "pediatrics"}, {"Avi Alpha", "Carmi Gamma"}),
        ({"licence": "provisional_licence"}, {"Avi Alpha", "Dana Delta"}),
        ({"hebrew": str(int(HebrewLevel.B2))}, {"Avi Alpha", "Carmi Gamma"}),
        ({"hebrew": "0"}, {"Avi Alpha", "Bella Beta", "Carmi Gamma", "Dana Delta"}),
        ({"move_before": "2027-01"}, {"Avi Alpha", "Dana Delta"}),
        ({"specialty": "pediatrics", "licence": "provisional_licence"}, {"Avi Alpha"}),
        ({"stage": "offer"}, set()),
    ],
)
def test_filters(client, world, login, applicants, params, expected):
    login(world.recruiter)
    assert set(names_in(listing(client, world, **params))) == expected


def test_the_posting_filter(client, world, login, applicants):
    login(world.recruiter)
    assert set(names_in(listing(client, world, posting=str(applicants.second.id)))) == {"Bella Beta", "Dana Delta"}
    assert set(names_in(listing(client, world, posting=str(world.posting.id)))) == {"Avi Alpha", "Carmi Gamma"}


def test_another_organisations_posting_cannot_be_used_as_a_filter(client, world, login, applicants):
    login(world.recruiter)
    response = listing(client, world, posting=str(world.other_posting.id))
    assert "Ilan Otherdoc" not in text_of(response)
    assert "Ignored" in text_of(response)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Dana Delta", "Carmi Gamma", "Bella Beta", "Avi Alpha"]),
        ("oldest", ["Avi Alpha", "Bella Beta", "Carmi Gamma", "Dana Delta"]),
        ("rating", ["Avi Alpha", "Dana Delta", "Carmi Gamma", "Bella Beta"]),
        ("move", ["Dana Delta", "Avi Alpha", "Bella Beta", "Carmi Gamma"]),
        ("name", ["Avi Alpha", "Bella Beta", "Carmi Gamma", "Dana Delta"]),
    ],
)
def test_sorting(client, world, login, applicants, sort, expected):
    login(world.recruiter)
    assert names_in(listing(client, world, sort=sort)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "password_hash"},
        {"hebrew": "9"},
        {"stage": "x"},
        {"move_before": "soon"},
        {"page": "-5"},
        {"page": "abc"},
    ],
)
def test_nonsense_parameters_are_ignored_not_errors(client, world, login, applicants, params):
    login(world.recruiter)
    response = listing(client, world, **params)
    assert len(names_in(response)) == 4


def test_an_htmx_request_gets_only_the_results(client, world, login, applicants):
    login(world.recruiter)
    response = client.get(
        f"/org/{world.org.slug}/applicants", query_string={"stage": "applied"}, headers={"HX-Request": "true"}
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="applicant-results">')
    assert "<form" not in body and "Bella Beta" in body


# --- a constant number of queries ----------------------------------------------------------


def bulk_applications(world, start: int, stop: int) -> None:
    """Doctors ``start``..``stop - 1``, each with a profile and an application, inserted with Core."""
    now = utcnow()
    connection = db.session.connection()
    connection.execute(
        insert(User.__table__),
        [
            dict(
                email=f"bulk{n}@example.org",
                full_name=f"Bulk Doctor {n:05d}",
                password_hash="x",
                kind=AccountKind.DOCTOR.value,
                email_confirmed_at=now,
                is_admin=False,
                is_deactivated=False,
                session_version=1,
                created_at=now,
                updated_at=now,
            )
            for n in range(start, stop)
        ],
    )
    ids = dict(
        connection.execute(select(User.email, User.id).where(User.email.like("bulk%@example.org"))).tuples().all()
    )
    specialties = ["pediatrics", "internal-medicine", "anesthesiology", None]
    connection.execute(
        insert(DoctorProfile.__table__),
        [
            dict(
                user_id=ids[f"bulk{n}@example.org"],
                profession_slug="physician",
                specialty_slug=specialties[n % 4],
                licence_status=list(LicenceStatus)[n % 5].value,
                hebrew_level=n % 7,
                move_month=date(2027, 1 + n % 12, 1) if n % 3 else None,
                open_to_periphery=True,
                summary="",
                created_at=now,
                updated_at=now,
            )
            for n in range(start, stop)
        ],
    )
    postings = [world.posting.id, world.second_posting.id]
    connection.execute(
        insert(Application.__table__),
        [
            dict(
                posting_id=postings[n % 2],
                org_id=world.org.id,
                doctor_id=ids[f"bulk{n}@example.org"],
                stage=list(Stage)[n % 7].value,
                cover_note="",
                rating=(n % 5) + 1 if n % 2 else None,
                cv_stored_name=None,
                created_at=now - timedelta(minutes=n),
                updated_at=now,
            )
            for n in range(start, stop)
        ],
    )


def statements_for(client, url: str) -> int:
    client.get(url)  # warm-up (first-use caches, if any)
    with recorded_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("params", [{}, {"sort": "name", "specialty": "pediatrics"}, {"sort": "move", "page": "2"}])
def test_the_list_takes_the_same_number_of_queries_for_2_50_and_5000_applications(client, world, login, params):
    world.second_posting = make_posting(world.org, world.site, title="Internist, night shifts")
    db.session.commit()
    login(world.recruiter)
    url = f"/org/{world.org.slug}/applicants"
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""

    bulk_applications(world, 0, 2)
    db.session.commit()
    with_2 = statements_for(client, url + query)
    bulk_applications(world, 2, 50)
    db.session.commit()
    with_50 = statements_for(client, url + query)
    bulk_applications(world, 50, 5000)
    db.session.commit()
    with_5000 = statements_for(client, url + query)

    assert with_2 == with_50 == with_5000
    page = client.get(url)
    assert "5000 applications" in text_of(page)
    assert len(names_in(page)) == 50
    assert "Page 1 of 100" in text_of(page)
