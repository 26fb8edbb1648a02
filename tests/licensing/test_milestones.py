"""The milestones are the one source of the profile's licence status: derived, stored in the same
transaction as each change, never entered on the profile."""

from __future__ import annotations

from datetime import date

import pytest

from jobboard.applications import profiles
from jobboard.applications.models import LicenceStatus
from jobboard.core.errors import DomainError
from jobboard.extensions import db
from jobboard.licensing.milestones import MilestoneFields, derive_status, save_milestones, status_mismatches
from jobboard.licensing.models import ExamResult, LicenceFile
from tests.applications.conftest import text_of
from tests.factories import DoctorFactory

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("milestones", "status"),
    [
        ({}, LicenceStatus.NOT_STARTED),
        ({"provisional_expected": date(2027, 3, 1)}, LicenceStatus.NOT_STARTED),
        ({"file_opened_on": date(2026, 1, 5)}, LicenceStatus.FILE_SUBMITTED),
        ({"file_opened_on": date(2026, 1, 5), "exam_on": date(2026, 7, 1)}, LicenceStatus.EXAM_SCHEDULED),
        (
            {"file_opened_on": date(2026, 1, 5), "exam_on": date(2026, 5, 1), "exam_result": ExamResult.FAILED},
            LicenceStatus.FILE_SUBMITTED,
        ),
        ({"exam_on": date(2026, 5, 1), "exam_result": ExamResult.PASSED}, LicenceStatus.EXAM_PASSED),
        ({"exemption_granted_on": date(2026, 2, 1)}, LicenceStatus.EXAM_EXEMPTION_GRANTED),
        (
            {"exemption_granted_on": date(2026, 2, 1), "provisional_licence_on": date(2026, 4, 1)},
            LicenceStatus.PROVISIONAL_LICENCE,
        ),
        (
            {"provisional_licence_on": date(2025, 4, 1), "full_licence_on": date(2026, 4, 1)},
            LicenceStatus.FULL_LICENCE,
        ),
        (
            {"full_licence_on": date(2025, 4, 1), "specialty_recognised_on": date(2026, 4, 1)},
            LicenceStatus.SPECIALIST_RECOGNISED,
        ),
    ],
)
def test_the_status_is_the_furthest_milestone(milestones, status):
    assert derive_status(LicenceFile(**milestones)) == status


def test_no_file_is_not_started():
    assert derive_status(None) == LicenceStatus.NOT_STARTED


def test_saving_milestones_writes_the_profiles_status_in_the_same_transaction(world):
    save_milestones(world.doctor, MilestoneFields(file_opened_on=date(2026, 2, 1), exam_on=date(2026, 7, 1)), TODAY)
    assert profiles.profile_of(world.doctor).licence_status == LicenceStatus.EXAM_SCHEDULED
    save_milestones(world.doctor, MilestoneFields(provisional_licence_on=date(2026, 5, 1)), TODAY)
    db.session.commit()
    assert profiles.profile_of(world.doctor).licence_status == LicenceStatus.PROVISIONAL_LICENCE
    assert status_mismatches() == []


def test_a_doctor_without_a_profile_gets_one_holding_the_status(db_session):
    doctor = DoctorFactory()
    save_milestones(doctor, MilestoneFields(full_licence_on=date(2026, 1, 1)), TODAY)
    assert profiles.profile_of(doctor).licence_status == LicenceStatus.FULL_LICENCE


@pytest.mark.parametrize(
    ("milestones", "field"),
    [
        ({"file_opened_on": date(2026, 6, 2)}, "file_opened_on"),
        ({"provisional_licence_on": date(2027, 1, 1)}, "provisional_licence_on"),
        ({"exam_result": ExamResult.PASSED}, "exam_result"),
        ({"exam_on": date(2026, 6, 20), "exam_result": ExamResult.PASSED}, "exam_result"),
    ],
)
def test_a_milestone_ahead_or_a_result_without_an_exam_is_refused(world, milestones, field):
    with pytest.raises(DomainError) as refused:
        save_milestones(world.doctor, MilestoneFields(**milestones), TODAY)
    assert refused.value.field == field
    assert profiles.profile_of(world.doctor).licence_status == LicenceStatus.NOT_STARTED


def test_the_doctor_saves_milestones_on_their_page_and_the_profile_shows_the_status(client, world, login):
    login(world.doctor)
    response = client.post(
        "/me/licence/milestones",
        data={"file_opened_on": "2026-01-10", "exemption_granted_on": "2026-02-01", "provisional_expected": "2027-03"},
    )
    assert response.status_code == 302
    file = db.session.get(LicenceFile, world.doctor.id)
    assert file.provisional_expected == date(2027, 3, 1)
    assert profiles.profile_of(world.doctor).licence_status == LicenceStatus.EXAM_EXEMPTION_GRANTED
    assert "Exam exemption granted · from the milestones of your licence file" in text_of(client.get("/me/profile"))


def test_bad_milestones_come_back_on_the_form(client, world, login):
    login(world.doctor)
    response = client.post("/me/licence/milestones", data={"full_licence_on": "2999-01-01", "exam_result": "bribed"})
    assert response.status_code == 422
    assert db.session.get(LicenceFile, world.doctor.id) is None
