"""The grant eligibility rules (``jobboard.grants.eligibility``), case by case, without a database:
every grant program of the demo data with doctors who qualify and doctors who miss each condition,
the licence level a profile's status and seniority give, and the search filter's keys agreeing
with the verdicts for every combination."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from jobboard import create_app
from jobboard.applications.models import DoctorProfile, LicenceStatus
from jobboard.demo.postings import GRANTS_FILE
from jobboard.grants import eligibility as rules
from jobboard.grants.eligibility import (
    NO_KEY,
    DoctorFacts,
    GrantCriteria,
    PostingFacts,
    Term,
    Verdict,
    doctor_facts,
    doctor_grant_keys,
    eligibility,
    licence_level,
    posting_grant_keys,
)
from jobboard.jobs.models import GrantCriterion, LicenceLevel, Seniority
from jobboard.vocab.models import Profession, Specialty
from jobboard.vocab.seed import vocabulary_data
from tests.apps import config_for_testing

VOCABULARY = vocabulary_data()
NAMES = {
    kind: {term["slug"]: term["name"] for term in VOCABULARY[kind]}
    for kind in ("regions", "professions", "specialties")
}


@pytest.fixture(scope="module")
def flask_app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return create_app(config_for_testing("sqlite://", tmp_path_factory.mktemp("eligibility")))


@pytest.fixture(autouse=True)
def english(flask_app: Flask) -> Iterator[None]:
    """The reasons are written in the reader's language: English here."""
    with flask_app.test_request_context("/"):
        yield


def terms(kind: str, slugs: list[str]) -> tuple[Term, ...]:
    return tuple(Term(slug, NAMES[kind][slug]) for slug in slugs)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def demo_criteria() -> dict[str, GrantCriteria]:
    """The demo data's grant programs (jobboard/demo/grants.json) as the rules read them."""
    rows = json.loads(Path(GRANTS_FILE).read_text(encoding="utf-8"))["grant_programs"]
    return {
        row["name"]: GrantCriteria(
            slug=row["name"][:12].lower().replace(" ", "-"),
            regions=terms("regions", row["region_slugs"]),
            professions=terms("professions", row["profession_slugs"]),
            specialties=terms("specialties", row["specialty_slugs"]),
            licence=LicenceLevel(row["licence_level"]) if row["licence_level"] else None,
            aliyah_within_months=row["aliyah_within_months"],
            first_employment_in_area=row["first_employment_in_area"],
            valid_from=_day(row["valid_from"]),
            valid_to=_day(row["valid_to"]),
            verified=frozenset(GrantCriterion(c) for c in row["verified_criteria"]),
        )
        for row in rows
    }


GRANTS = demo_criteria()
TKUMA = GRANTS["Tkuma-area grant for immigrant doctors (Gaza envelope)"]
PERIPHERY = GRANTS["Periphery grant package for immigrant health professionals"]
MOH = GRANTS["Ministry of Health / Finance Ministry periphery and shortage-specialty incentives"]
IMAP = GRANTS["IMAP periphery grants (Ministry of the Negev, Galilee and National Resilience)"]
STIPENDS = GRANTS["Stipends for immigrant doctors (2023 cabinet decision, 195 doctors)"]
NORTH = GRANTS["'Doctors go North' pilot"]
EXAM_REFUND = GRANTS["Licensing-exam reimbursement for olim"]


def posting(region: str, site: int = 1) -> PostingFacts:
    return PostingFacts(region=terms("regions", [region])[0], site=Term(str(site), f"Campus {site}"))


NEGEV, GAZA, GALILEE, HAIFA, CENTER = (
    posting(r) for r in ("negev", "south-gaza-envelope", "galilee-north", "haifa", "center")
)


def doctor(**changes: object) -> DoctorFacts:
    return replace(PEDIATRICIAN, **changes)  # type: ignore[arg-type]


PHYSICIAN = terms("professions", ["physician"])[0]
PEDIATRICIAN = DoctorFacts(
    profession=PHYSICIAN,
    specialty=terms("specialties", ["pediatrics"])[0],
    licence=LicenceLevel.SPECIALIST,
    aliyah_on=date(2024, 1, 10),
    worked_regions=frozenset(),
)
RESIDENT = doctor(specialty=terms("specialties", ["family-medicine"])[0], licence=LicenceLevel.RESIDENCY)
NEWCOMER = doctor(licence=LicenceLevel.NONE, aliyah_on=date(2026, 9, 1))  # moving in September 2026
CARDIOLOGIST = doctor(specialty=terms("specialties", ["cardiology"])[0])
NURSE = DoctorFacts(
    profession=terms("professions", ["nurse"])[0],
    licence=LicenceLevel.FULL,
    aliyah_on=date(2025, 5, 1),
    worked_regions=frozenset(),
)
EMPTY = DoctorFacts()

TKUMA_OPEN = date(2024, 9, 1)
TODAY = date(2026, 3, 1)

# (grant, doctor, posting, day, verdict, the reasons or missing items shown, in order)
CASES = {
    # Tkuma (Gaza envelope): specialists in four specialties, within 6 years of aliyah, a first
    # position in the area, starting between 17 July and 1 November 2024.
    "tkuma: a pediatric specialist in the envelope in 2024": (TKUMA, PEDIATRICIAN, GAZA, TKUMA_OPEN, "eligible", []),
    "tkuma: a resident": (
        TKUMA,
        RESIDENT,
        GAZA,
        TKUMA_OPEN,
        "not_eligible",
        ["Needs a specialist licence; you have: residency."],
    ),
    "tkuma: after it ended": (
        TKUMA,
        PEDIATRICIAN,
        GAZA,
        TODAY,
        "not_eligible",
        ["The program ended on 1 November 2024."],
    ),
    "tkuma: a position in the Negev": (
        TKUMA,
        PEDIATRICIAN,
        NEGEV,
        TKUMA_OPEN,
        "not_eligible",
        ["Only for positions in South and Gaza envelope; this one is in Negev."],
    ),
    "tkuma: a cardiologist": (
        TKUMA,
        CARDIOLOGIST,
        GAZA,
        TKUMA_OPEN,
        "not_eligible",
        ["Only in Family Medicine, Obstetrics and Gynecology, Pediatrics, Psychiatry; your specialty: Cardiology."],
    ),
    "tkuma: worked in the envelope before": (
        TKUMA,
        doctor(worked_regions=frozenset({"south-gaza-envelope"})),
        GAZA,
        TKUMA_OPEN,
        "not_eligible",
        ["Only for a first position as a doctor in South and Gaza envelope."],
    ),
    "tkuma: worked elsewhere before": (
        TKUMA,
        doctor(worked_regions=frozenset({"negev"})),
        GAZA,
        TKUMA_OPEN,
        "eligible",
        [],
    ),
    "tkuma: where they worked is not known": (
        TKUMA,
        doctor(worked_regions=None),
        GAZA,
        TKUMA_OPEN,
        "unknown",
        ["Whether you have worked as a doctor in South and Gaza envelope before"],
    ),
    "tkuma: aliyah more than 6 years before": (
        TKUMA,
        doctor(aliyah_on=date(2017, 5, 1)),
        GAZA,
        TKUMA_OPEN,
        "not_eligible",
        ["Only for those who made aliyah on or after 1 September 2018; yours: 1 May 2017."],
    ),
    "tkuma: an empty profile": (
        TKUMA,
        EMPTY,
        GAZA,
        TKUMA_OPEN,
        "unknown",
        [
            "Your profession",
            "Your specialty",
            "Your licence status and seniority",
            "The day of your aliyah, or the month you plan to move",
            "Whether you have worked as a doctor in South and Gaza envelope before",
        ],
    ),
    "tkuma: a failed condition outweighs a missing one": (
        TKUMA,
        doctor(licence=LicenceLevel.RESIDENCY, worked_regions=None),
        GAZA,
        TKUMA_OPEN,
        "not_eligible",
        ["Needs a specialist licence; you have: residency."],
    ),
    # The 2022 periphery package: any Israeli licence, aliyah within 24 months, North or Negev.
    "periphery: within 24 months": (PERIPHERY, PEDIATRICIAN, NEGEV, date(2025, 6, 1), "eligible", []),
    "periphery: 25 months after aliyah": (
        PERIPHERY,
        PEDIATRICIAN,
        NEGEV,
        date(2026, 2, 11),
        "not_eligible",
        ["Only for those who made aliyah on or after 11 February 2024; yours: 10 January 2024."],
    ),
    "periphery: no licence yet": (
        PERIPHERY,
        NEWCOMER,
        GALILEE,
        TODAY,
        "not_eligible",
        ["Needs an Israeli licence; you have: no Israeli licence yet."],
    ),
    "periphery: a nurse (any health profession)": (PERIPHERY, NURSE, GALILEE, TODAY, "eligible", []),
    "periphery: a position in the Center": (
        PERIPHERY,
        NURSE,
        CENTER,
        TODAY,
        "not_eligible",
        ["Only for positions in Galilee and the North, Negev; this one is in Center."],
    ),
    # Ministry of Health / Finance incentives: physicians, residents and specialists, periphery.
    "moh: a resident in the Galilee": (MOH, RESIDENT, GALILEE, TODAY, "eligible", []),
    "moh: no licence yet": (
        MOH,
        NEWCOMER,
        NEGEV,
        TODAY,
        "not_eligible",
        ["Needs a residency or a specialist licence; you have: no Israeli licence yet."],
    ),
    "moh: a nurse (every unmet condition listed)": (
        MOH,
        NURSE,
        NEGEV,
        TODAY,
        "not_eligible",
        [
            "Only for Physician; your profession: Nurse.",
            "Needs a residency or a specialist licence; you have: a full licence.",
        ],
    ),
    "moh: seniority unknown": (
        MOH,
        doctor(licence=None),
        NEGEV,
        TODAY,
        "unknown",
        ["Your licence status and seniority"],
    ),
    # IMAP's periphery grants: physicians in the Negev and the Galilee, from 2024.
    "imap: a newcomer physician": (IMAP, NEWCOMER, NEGEV, TODAY, "eligible", []),
    "imap: before it began": (
        IMAP,
        NEWCOMER,
        NEGEV,
        date(2023, 6, 1),
        "not_eligible",
        ["The program starts on 1 January 2024."],
    ),
    "imap: no profession given": (IMAP, EMPTY, NEGEV, TODAY, "unknown", ["Your profession"]),
    # The 2023 stipends: physicians in Beersheba and Haifa.
    "stipends: Haifa": (STIPENDS, PEDIATRICIAN, HAIFA, TODAY, "eligible", []),
    "stipends: the Galilee": (
        STIPENDS,
        PEDIATRICIAN,
        GALILEE,
        TODAY,
        "not_eligible",
        ["Only for positions in Negev, Haifa and Hadera; this one is in Galilee and the North."],
    ),
    # "Doctors go North": physicians in the Galilee.
    "north: the Galilee": (NORTH, PEDIATRICIAN, GALILEE, TODAY, "eligible", []),
    "north: the Negev": (
        NORTH,
        PEDIATRICIAN,
        NEGEV,
        TODAY,
        "not_eligible",
        ["Only for positions in Galilee and the North; this one is in Negev."],
    ),
    "north: a nurse": (NORTH, NURSE, GALILEE, TODAY, "not_eligible", ["Only for Physician; your profession: Nurse."]),
    # The licensing-exam refund: anywhere, within 10 years of aliyah.
    "exam refund: in the Center": (EXAM_REFUND, PEDIATRICIAN, CENTER, TODAY, "eligible", []),
    "exam refund: before the move": (EXAM_REFUND, NEWCOMER, CENTER, TODAY, "eligible", []),
    "exam refund: 16 years after aliyah": (
        EXAM_REFUND,
        doctor(aliyah_on=date(2010, 3, 1)),
        CENTER,
        TODAY,
        "not_eligible",
        ["Only for those who made aliyah on or after 1 March 2016; yours: 1 March 2010."],
    ),
    "exam refund: no aliyah date": (
        EXAM_REFUND,
        EMPTY,
        CENTER,
        TODAY,
        "unknown",
        ["The day of your aliyah, or the month you plan to move"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_case(case):
    grant, facts, place, day, verdict, texts = CASES[case]

    result = eligibility(facts, place, grant, day)

    assert result.verdict == Verdict(verdict)
    shown = result.unmet if result.verdict == Verdict.NOT_ELIGIBLE else result.missing
    assert [check.text for check in shown] == texts


def test_every_demo_grant_has_an_eligible_case_and_a_case_against():
    covered = {(id(g), v) for g, _d, _p, _day, v, _t in CASES.values()}
    for name, grant in GRANTS.items():
        assert (id(grant), "eligible") in covered, name
        assert (id(grant), "not_eligible") in covered, name


def test_unverified_criteria_are_the_ones_checked_that_the_record_does_not_verify():
    assert eligibility(RESIDENT, GALILEE, MOH, TODAY).unverified == [
        GrantCriterion.PLACES,
        GrantCriterion.PROFESSIONS,
        GrantCriterion.LICENCE,
    ]
    # Tkuma's place (the region is wider than its 7 km zone) is the one part not verified.
    assert eligibility(PEDIATRICIAN, GAZA, TKUMA, TKUMA_OPEN).unverified == [GrantCriterion.PLACES]
    assert (
        eligibility(PEDIATRICIAN, GAZA, replace(TKUMA, verified=frozenset(GrantCriterion)), TKUMA_OPEN).unverified == []
    )


def test_a_grant_naming_sites_applies_at_those_sites_only():
    grant = replace(IMAP, sites=(Term("7", "Soroka"),))
    assert eligibility(PEDIATRICIAN, posting("negev", site=7), grant, TODAY).verdict == Verdict.ELIGIBLE
    other = eligibility(PEDIATRICIAN, posting("negev", site=8), grant, TODAY)
    assert other.verdict == Verdict.NOT_ELIGIBLE
    assert [c.text for c in other.unmet] == ["Only for positions at Soroka."]


# --- the licence level of a profile --------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "seniority", "level"),
    [
        ("not_started", None, LicenceLevel.NONE),
        ("file_submitted", "specialist", LicenceLevel.NONE),
        ("exam_scheduled", "resident", LicenceLevel.NONE),
        ("exam_exemption_granted", "specialist", LicenceLevel.NONE),
        ("full_licence", "intern", LicenceLevel.FULL),
        ("full_licence", "resident", LicenceLevel.RESIDENCY),
        ("full_licence", "specialist", LicenceLevel.SPECIALIST),
        ("full_licence", "senior_specialist", LicenceLevel.SPECIALIST),
        ("full_licence", "head_of_department", LicenceLevel.SPECIALIST),
        ("full_licence", None, None),  # a full licence, but residency or specialist? can't tell
        ("exam_passed", "resident", LicenceLevel.NONE),
        ("provisional_licence", "resident", LicenceLevel.PROVISIONAL),
        ("specialist_recognised", None, LicenceLevel.SPECIALIST),
        ("specialist_recognised", "resident", LicenceLevel.SPECIALIST),
        ("licensed", "resident", None),  # a status the rules do not know
        (None, None, None),
    ],
)
def test_the_licence_level_from_status_and_seniority(status, seniority, level):
    assert licence_level(status, seniority) == level


def test_every_licence_status_of_the_board_has_a_level():
    assert {status.value for status in LicenceStatus} <= set(rules.STATUS_LEVELS)


def test_a_new_licence_status_is_one_line_in_the_mapping(monkeypatch):
    monkeypatch.setitem(rules.STATUS_LEVELS, "specialist_recognised", LicenceLevel.SPECIALIST)
    assert licence_level("specialist_recognised", None) == LicenceLevel.SPECIALIST


def test_doctor_facts_from_a_profile():
    profile = DoctorProfile(
        profession=Profession(slug="physician", name="Physician", names={}),
        specialty=Specialty(slug="pediatrics", name="Pediatrics", names={}),
        seniority=Seniority.RESIDENT,
        licence_status=LicenceStatus.FULL_LICENCE,
        move_month=date(2025, 1, 1),
        arrived_on=date(2025, 2, 3),
    )
    facts = doctor_facts(profile)
    assert facts == DoctorFacts(
        profession=Term("physician", "Physician"),
        specialty=Term("pediatrics", "Pediatrics"),
        licence=LicenceLevel.RESIDENCY,
        aliyah_on=date(2025, 2, 3),
        worked_regions=None,  # licensed: the profile does not say where they worked
    )
    profile.arrived_on, profile.licence_status = None, LicenceStatus.FILE_SUBMITTED
    facts = doctor_facts(profile)
    assert facts.aliyah_on == date(2025, 1, 1)  # before arriving: the planned move
    assert facts.licence == LicenceLevel.NONE
    assert facts.worked_regions == frozenset()  # no Israeli licence: never worked as a doctor in Israel
    assert doctor_facts(None) == DoctorFacts()


# --- the search filter's keys --------------------------------------------------------------

DOCTORS = [
    PEDIATRICIAN,
    RESIDENT,
    NEWCOMER,
    CARDIOLOGIST,
    NURSE,
    EMPTY,
    doctor(worked_regions=frozenset({"south-gaza-envelope"})),
    doctor(worked_regions=None),
]
PLACES = [NEGEV, GAZA, GALILEE, HAIFA, CENTER, posting("negev", site=7)]
DAYS = [TKUMA_OPEN, TODAY, date(2023, 6, 1)]
ALL = [*GRANTS.values(), replace(IMAP, slug="imap-soroka", sites=(Term("7", "Soroka"),))]


def test_the_search_keys_match_a_posting_exactly_when_the_doctor_is_eligible_for_one_of_its_grants():
    carried = [[g] for g in ALL] + [list(pair) for pair in itertools.combinations(ALL, 2)] + [ALL, []]
    for facts, place, day in itertools.product(DOCTORS, PLACES, DAYS):
        wanted = set(doctor_grant_keys(facts, ALL, day))
        for grants in carried:
            eligible = any(eligibility(facts, place, g, day).verdict == Verdict.ELIGIBLE for g in grants)
            matched = bool(wanted & set(posting_grant_keys(place, grants)))
            assert matched == eligible, (facts, place, day, [g.slug for g in grants])


def test_a_doctor_eligible_for_nothing_asks_for_a_key_no_posting_has():
    assert doctor_grant_keys(EMPTY, [TKUMA, MOH], TODAY) == (NO_KEY,)
    assert NO_KEY not in posting_grant_keys(GAZA, ALL)
