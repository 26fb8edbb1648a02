"""The doctor's profile: every field saved from the form, how complete it is and what is still
missing to apply; bad input refused with nothing saved."""

from __future__ import annotations

from datetime import date

import html5lib
import pytest

from jobboard.applications import cvs, profiles
from jobboard.applications.models import DoctorProfile, LicenceStatus
from jobboard.core.errors import NotPermitted
from jobboard.extensions import db
from jobboard.jobs.models import Seniority
from jobboard.vocab.models import HebrewLevel
from tests.applications.conftest import PROFILE_FORM, count, pdf_bytes, stored_cv, text_of
from tests.factories import StaffFactory


def test_every_field_is_saved(client, doctor):
    response = client.post("/me/profile", data={**PROFILE_FORM, "licence_status": "full_licence"})

    assert response.status_code == 302
    profile = profiles.profile_of(doctor)
    assert (profile.profession_slug, profile.specialty_slug, profile.seniority) == (
        "physician",
        "pediatrics",
        Seniority.SPECIALIST,
    )
    assert profile.years_experience == 12
    assert (profile.training_country, profile.residence_country) == ("UA", "DE")
    assert profile.licence_status == LicenceStatus.NOT_STARTED  # from the licence file's milestones, not the form
    assert profile.hebrew_level == HebrewLevel.B2
    assert sorted(lang.code for lang in profile.languages) == ["de", "ru", "uk"]
    assert profile.move_month == date(2027, 8, 1)
    assert sorted(r.slug for r in profile.preferred_regions) == ["galilee-north", "negev"]
    assert profile.open_to_periphery is True
    assert profile.summary == "Paediatric emergency physician." and profile.phone == "+49 151 2345 6789"
    # The form shows it back.
    page = client.get("/me/profile").get_data(as_text=True)
    assert 'value="2027-08"' in page and "Paediatric emergency physician." in page


def test_saving_again_updates_the_same_profile(client, doctor):
    client.post("/me/profile", data=PROFILE_FORM)
    client.post("/me/profile", data={**PROFILE_FORM, "open_to_periphery": "", "language_codes": [], "summary": ""})
    assert count(DoctorProfile, DoctorProfile.user_id == doctor.id) == 1
    profile = profiles.profile_of(doctor)
    db.session.refresh(profile)
    assert profile.open_to_periphery is False and profile.languages == [] and profile.summary == ""


def test_an_empty_profile_shows_what_is_missing(client, doctor):
    page = text_of(client.get("/me/profile"))
    assert "Profile 0% complete" in page and "Not ready to apply" in page
    for missing in (
        "your profession",
        "your specialty",
        "the country where you trained",
        "when you plan to move",
        "a CV",
    ):
        assert missing in page


def test_completeness_counts_required_and_optional_items(client, doctor):
    client.post(
        "/me/profile",
        data={
            "profession_slug": "physician",
            "specialty_slug": "pediatrics",
            "training_country": "UA",
            "move_month": "2027-08",
            "hebrew_level": "0",
        },
    )
    page = text_of(client.get("/me/profile"))
    assert "Profile 40% complete" in page and "Not ready to apply" in page
    assert "Still missing: a CV, your seniority" in page

    stored_cv(doctor)
    db.session.commit()
    page = text_of(client.get("/me/profile"))
    assert "Profile 50% complete" in page and "Ready to apply" in page

    client.post("/me/profile", data=PROFILE_FORM)
    page = text_of(client.get("/me/profile"))
    assert "Profile 100% complete" in page and "Still missing" not in page


def test_a_specialty_must_be_one_of_the_profession(client, doctor):
    response = client.post("/me/profile", data={**PROFILE_FORM, "profession_slug": "dentist"})
    assert response.status_code == 422 and "Pediatrics is not a specialty of the profession Dentist." in text_of(
        response
    )
    russian = client.post("/ru/me/profile", data={**PROFILE_FORM, "profession_slug": "dentist"})
    assert "«Педиатрия» не относится к специальностям профессии «Стоматолог»." in text_of(russian)
    assert profiles.profile_of(doctor) is None


def choices(page, name: str) -> list[tuple[str, str]]:
    """(value, label) of a select's options or a group of checkboxes, in the page's order."""
    root = html5lib.parse(page.get_data(as_text=True), namespaceHTMLElements=False)
    select = root.find(f".//select[@name='{name}']")
    if select is not None:
        return [(option.get("value"), "".join(option.itertext())) for option in select.iter("option")]
    boxes = root.findall(f".//input[@name='{name}']")
    return [(box.get("value"), text_of_label(root, box.get("id"))) for box in boxes]


def text_of_label(root, field_id: str) -> str:
    return " ".join("".join(root.find(f".//label[@for='{field_id}']").itertext()).split())


def test_the_form_names_the_vocabularies_in_the_readers_language(client, doctor):
    page = client.get("/he/me/profile")
    professions = choices(page, "profession_slug")
    assert professions[1:3] == [("physician", "רופא/ה"), ("physician-assistant", "עוזר/ת רופא")]  # their own order
    specialties = [label for _value, label in choices(page, "specialty_slug")[1:]]
    assert ("pediatrics", "רפואת ילדים") in choices(page, "specialty_slug")
    # In the Hebrew alphabet: oncology (א), cardiology (ק), pediatrics (ר); in English the other way round.
    assert specialties.index("אונקולוגיה") < specialties.index("קרדיולוגיה") < specialties.index("רפואת ילדים")
    assert ("en", "אנגלית") in choices(page, "language_codes") and ("negev", "הנגב") in choices(page, "region_slugs")


def test_a_specialty_is_needed_only_for_physicians():
    nurse = DoctorProfile(profession_slug="nurse", training_country="PH", move_month=date(2027, 1, 1))
    assert profiles.completeness(nurse, 1).can_apply
    physician = DoctorProfile(profession_slug="physician", training_country="PH", move_month=date(2027, 1, 1))
    result = profiles.completeness(physician, 1)
    assert not result.can_apply and "your specialty" in result.missing
    assert not profiles.completeness(nurse, 0).can_apply


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "call me maybe"),
        ("years_experience", "71"),
        ("years_experience", "-1"),
        ("specialty_slug", "astrology"),
        ("profession_slug", "wizard"),
        ("training_country", "XX"),
        ("hebrew_level", "7"),
        ("move_month", "next spring"),
        ("language_codes", ["en", "klingon"]),
        ("region_slugs", ["atlantis"]),
        ("summary", "x" * 2001),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(client, doctor, field, value):
    response = client.post("/me/profile", data={**PROFILE_FORM, field: value})
    assert response.status_code == 422
    assert count(DoctorProfile, DoctorProfile.user_id == doctor.id) == 0


def test_the_service_keeps_no_profile_for_staff(db_session):
    staff = StaffFactory()
    db_session.commit()
    with pytest.raises(NotPermitted):
        profiles.save_profile(
            staff,
            profiles.ProfileFields(
                profession_slug=None,
                specialty_slug=None,
                seniority=None,
                years_experience=None,
                training_country=None,
                residence_country=None,
                hebrew_level=HebrewLevel.NONE,
                move_month=None,
                open_to_periphery=True,
                summary="",
                phone=None,
            ),
        )


def test_the_doctor_records_the_day_of_their_aliyah(client, doctor):
    response = client.post("/me/profile", data={**PROFILE_FORM, "arrived_on": "2026-09-14"})

    assert response.status_code == 302
    assert profiles.profile_of(doctor).arrived_on == date(2026, 9, 14)
    assert 'value="2026-09-14"' in client.get("/me/profile").get_data(as_text=True)


def test_an_arrival_in_the_future_is_refused(client, doctor):
    response = client.post("/me/profile", data={**PROFILE_FORM, "arrived_on": "2099-01-01"})
    assert response.status_code == 422 and "Give the day once you have arrived." in text_of(response)
    assert profiles.profile_of(doctor) is None


def test_the_first_moment_the_profile_is_complete_is_kept(client, doctor):
    """Complete once the profile and a CV are both there, whichever comes last; a later change
    that makes it incomplete again does not move the moment."""
    client.post("/me/profile", data=PROFILE_FORM)
    profile = profiles.profile_of(doctor)
    assert profile.completed_at is None  # no CV yet

    cvs.upload_cv(doctor, "cv.pdf", pdf_bytes())
    completed_at = profile.completed_at
    assert completed_at is not None

    client.post("/me/profile", data={**PROFILE_FORM, "training_country": ""})
    db.session.refresh(profile)
    assert profile.completed_at == completed_at
