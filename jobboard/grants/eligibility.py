"""Who may get a grant program: one pure function of (doctor facts, posting, grant criteria, day).

Each criterion of a program is checked on its own and gives one of three outcomes: met, unmet
(with the reason in plain words: "Needs a specialist licence; you have: residency") or unknown
(with what the doctor's profile lacks). Any unmet criterion makes the doctor not eligible;
otherwise any unknown one means the board can't tell; otherwise the doctor is eligible.

The criteria fall into three kinds, and the search filter "grants I'm eligible for" depends on it
(``posting_grant_keys``, ``doctor_grant_keys``):

- the place (the posting's region and site): known when the posting is indexed;
- the doctor and the day (profession, specialty, licence, time since aliyah, dates in force):
  known when the doctor searches;
- both (a first employment as a doctor in the posting's area).

A posting's search document lists a key per program it carries whose place criteria it meets
(the program's slug, or ``slug@region`` for a program that needs a first employment in the
area); a doctor's search asks for the keys of the programs whose doctor criteria they meet
(``slug@region`` for each region of the program they have not worked in). A posting matches
exactly when the doctor is eligible for one of its programs on it.

Years of commitment and amounts are what the doctor takes on and gets, not conditions: the page
shows them beside the verdict.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from jobboard.i18n import when
from jobboard.jobs.models import GrantCriterion, GrantProgram, LicenceLevel, Seniority

if TYPE_CHECKING:
    from jobboard.applications.models import DoctorProfile
    from jobboard.orgs.models import Site


class Verdict(enum.StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            "eligible": _("Eligible"),
            "not_eligible": _("Not eligible"),
            "unknown": _("Can't tell yet"),
        }[self.value]


class Outcome(enum.StrEnum):
    MET = "met"
    UNMET = "unmet"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Term:
    """A vocabulary value (or a site): what is compared, and its name in the reader's language."""

    key: str
    name: str


@dataclass(frozen=True)
class DoctorFacts:
    """What the rules need to know of a doctor; None where the profile does not say."""

    profession: Term | None = None
    specialty: Term | None = None
    licence: LicenceLevel | None = None
    # The day of the aliyah; before it, the first day of the planned month of the move.
    aliyah_on: date | None = None
    # The regions where they have worked as a doctor in Israel.
    worked_regions: frozenset[str] | None = None


@dataclass(frozen=True)
class PostingFacts:
    region: Term
    site: Term


@dataclass(frozen=True)
class GrantCriteria:
    """A grant program's conditions (``GrantProgram``'s structured fields); empty: no condition."""

    slug: str
    regions: tuple[Term, ...] = ()
    sites: tuple[Term, ...] = ()
    professions: tuple[Term, ...] = ()
    specialties: tuple[Term, ...] = ()
    licence: LicenceLevel | None = None
    aliyah_within_months: int | None = None
    first_employment_in_area: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    verified: frozenset[GrantCriterion] = frozenset()


@dataclass(frozen=True)
class Check:
    """One criterion's outcome; ``text`` says why it is unmet, or what is missing to tell."""

    criterion: GrantCriterion
    outcome: Outcome
    verified: bool
    say: Callable[[], str] = field(default=lambda: "", compare=False, repr=False)

    @property
    def text(self) -> str:
        return self.say()


@dataclass(frozen=True)
class Eligibility:
    verdict: Verdict
    checks: tuple[Check, ...]

    @property
    def unmet(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == Outcome.UNMET]

    @property
    def missing(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == Outcome.UNKNOWN]

    @property
    def unverified(self) -> list[GrantCriterion]:
        """The criteria checked that the program's record does not have verified, each once."""
        return list(dict.fromkeys(c.criterion for c in self.checks if not c.verified))


# --- from the database's records to facts ------------------------------------------------

# A licence status → the level it proves. A status not listed here is one the rules do not know
# (the board's statuses may grow): the level is then unknown and the verdict "can't tell".
STATUS_LEVELS: dict[str, LicenceLevel] = {
    "not_started": LicenceLevel.NONE,
    "file_submitted": LicenceLevel.NONE,
    "exam_scheduled": LicenceLevel.NONE,
    "exam_exemption_granted": LicenceLevel.NONE,
    "exam_passed": LicenceLevel.NONE,
    "provisional_licence": LicenceLevel.PROVISIONAL,
    "full_licence": LicenceLevel.FULL,
    "specialist_recognised": LicenceLevel.SPECIALIST,
}
# What seniority adds to a full licence: a resident is in residency, a specialist holds the title.
SENIORITY_LEVELS: dict[str, LicenceLevel] = {
    Seniority.INTERN: LicenceLevel.FULL,
    Seniority.RESIDENT: LicenceLevel.RESIDENCY,
    Seniority.SPECIALIST: LicenceLevel.SPECIALIST,
    Seniority.SENIOR_SPECIALIST: LicenceLevel.SPECIALIST,
    Seniority.HEAD_OF_DEPARTMENT: LicenceLevel.SPECIALIST,
}


def licence_level(status: str | None, seniority: str | None) -> LicenceLevel | None:
    """The licence a doctor holds, from their licence status and seniority; None if unknown (an
    unknown status, or a full licence without the seniority that tells residency from specialist)."""
    level = STATUS_LEVELS.get(str(status)) if status is not None else None
    if level != LicenceLevel.FULL:
        return level
    return SENIORITY_LEVELS.get(str(seniority)) if seniority is not None else None


def doctor_facts(profile: DoctorProfile | None) -> DoctorFacts:
    if profile is None:
        return DoctorFacts()
    licence = licence_level(profile.licence_status, profile.seniority)
    return DoctorFacts(
        profession=Term(profile.profession.slug, profile.profession.local_name) if profile.profession else None,
        specialty=Term(profile.specialty.slug, profile.specialty.local_name) if profile.specialty else None,
        licence=licence,
        aliyah_on=profile.arrived_on or profile.move_month,
        # Nobody has worked as a doctor in Israel without an Israeli licence; the profile does
        # not record where a licensed doctor has worked.
        worked_regions=frozenset() if licence == LicenceLevel.NONE else None,
    )


def posting_facts(site: Site) -> PostingFacts:
    """Where a posting is, as the rules read it: its site and the site's region."""
    region = site.city.region
    return PostingFacts(region=Term(region.slug, region.local_name), site=Term(str(site.id), site.name))


def grant_criteria(grant: GrantProgram) -> GrantCriteria:
    return GrantCriteria(
        slug=grant.slug,
        regions=tuple(Term(r.slug, r.local_name) for r in grant.regions),
        sites=tuple(Term(str(s.id), s.name) for s in grant.sites),
        professions=tuple(Term(p.slug, p.local_name) for p in grant.professions),
        specialties=tuple(Term(s.slug, s.local_name) for s in grant.specialties),
        licence=grant.licence_level,
        aliyah_within_months=grant.aliyah_within_months,
        first_employment_in_area=grant.first_employment_in_area,
        valid_from=grant.valid_from,
        valid_to=grant.valid_to,
        verified=frozenset(c for c in GrantCriterion if grant.is_verified(c)),
    )


# --- the criteria --------------------------------------------------------------------------


def _names(terms: Iterable[Term]) -> str:
    return ", ".join(t.name for t in terms)


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


_NEEDS = {
    LicenceLevel.PROVISIONAL: lambda have: _("Needs an Israeli licence; you have: %(have)s.", have=have),
    LicenceLevel.FULL: lambda have: _("Needs a full licence; you have: %(have)s.", have=have),
    LicenceLevel.RESIDENCY: lambda have: _("Needs a residency or a specialist licence; you have: %(have)s.", have=have),
    LicenceLevel.SPECIALIST: lambda have: _("Needs a specialist licence; you have: %(have)s.", have=have),
}


def _place_checks(posting: PostingFacts, grant: GrantCriteria) -> list[Check]:
    verified = GrantCriterion.PLACES in grant.verified
    checks = []
    if grant.regions:
        met = any(r.key == posting.region.key for r in grant.regions)
        checks.append(
            Check(
                GrantCriterion.PLACES,
                Outcome.MET if met else Outcome.UNMET,
                verified,
                lambda: _(
                    "Only for positions in %(regions)s; this one is in %(region)s.",
                    regions=_names(grant.regions),
                    region=posting.region.name,
                ),
            )
        )
    if grant.sites:
        met = any(s.key == posting.site.key for s in grant.sites)
        checks.append(
            Check(
                GrantCriterion.PLACES,
                Outcome.MET if met else Outcome.UNMET,
                verified,
                lambda: _("Only for positions at %(sites)s.", sites=_names(grant.sites)),
            )
        )
    return checks


def _term_check(
    criterion: GrantCriterion,
    allowed: tuple[Term, ...],
    have: Term | None,
    verified: bool,
    unmet: Callable[[], str],
    missing: Callable[[], str],
) -> Check:
    if have is None:
        return Check(criterion, Outcome.UNKNOWN, verified, missing)
    met = any(t.key == have.key for t in allowed)
    return Check(criterion, Outcome.MET if met else Outcome.UNMET, verified, unmet)


def _doctor_checks(doctor: DoctorFacts, grant: GrantCriteria, day: date) -> list[Check]:
    checks = []
    dates_verified = GrantCriterion.DATES in grant.verified
    if grant.valid_from is not None and day < grant.valid_from:
        start = grant.valid_from
        checks.append(
            Check(
                GrantCriterion.DATES,
                Outcome.UNMET,
                dates_verified,
                lambda: _("The program starts on %(date)s.", date=when(start, "d MMMM yyyy")),
            )
        )
    elif grant.valid_to is not None and day > grant.valid_to:
        end = grant.valid_to
        checks.append(
            Check(
                GrantCriterion.DATES,
                Outcome.UNMET,
                dates_verified,
                lambda: _("The program ended on %(date)s.", date=when(end, "d MMMM yyyy")),
            )
        )
    elif grant.valid_from is not None or grant.valid_to is not None:
        checks.append(Check(GrantCriterion.DATES, Outcome.MET, dates_verified))
    verified = GrantCriterion.PROFESSIONS in grant.verified
    if grant.professions:
        checks.append(
            _term_check(
                GrantCriterion.PROFESSIONS,
                grant.professions,
                doctor.profession,
                verified,
                lambda: _(
                    "Only for %(professions)s; your profession: %(yours)s.",
                    professions=_names(grant.professions),
                    yours=doctor.profession.name if doctor.profession else "",
                ),
                lambda: _("Your profession"),
            )
        )
    if grant.specialties:
        checks.append(
            _term_check(
                GrantCriterion.PROFESSIONS,
                grant.specialties,
                doctor.specialty,
                verified,
                lambda: _(
                    "Only in %(specialties)s; your specialty: %(yours)s.",
                    specialties=_names(grant.specialties),
                    yours=doctor.specialty.name if doctor.specialty else "",
                ),
                lambda: _("Your specialty"),
            )
        )
    if grant.licence is not None and grant.licence != LicenceLevel.NONE:
        needed, have = grant.licence, doctor.licence
        verified = GrantCriterion.LICENCE in grant.verified
        if have is None:
            checks.append(
                Check(GrantCriterion.LICENCE, Outcome.UNKNOWN, verified, lambda: _("Your licence status and seniority"))
            )
        else:
            outcome = Outcome.MET if have.rank >= needed.rank else Outcome.UNMET
            checks.append(Check(GrantCriterion.LICENCE, outcome, verified, lambda: _NEEDS[needed](have.label)))
    if grant.aliyah_within_months is not None:
        verified = GrantCriterion.ALIYAH in grant.verified
        aliyah_on = doctor.aliyah_on
        if aliyah_on is None:
            checks.append(
                Check(
                    GrantCriterion.ALIYAH,
                    Outcome.UNKNOWN,
                    verified,
                    lambda: _("The day of your aliyah, or the month you plan to move"),
                )
            )
        else:
            earliest = _months_before(day, grant.aliyah_within_months)
            checks.append(
                Check(
                    GrantCriterion.ALIYAH,
                    Outcome.MET if aliyah_on >= earliest else Outcome.UNMET,
                    verified,
                    lambda: _(
                        "Only for those who made aliyah on or after %(date)s; yours: %(yours)s.",
                        date=when(earliest, "d MMMM yyyy"),
                        yours=when(aliyah_on, "d MMMM yyyy"),
                    ),
                )
            )
    return checks


def _area_check(doctor: DoctorFacts, region: Term, grant: GrantCriteria) -> Check | None:
    if not grant.first_employment_in_area:
        return None
    verified = GrantCriterion.FIRST_EMPLOYMENT in grant.verified
    if doctor.worked_regions is None:
        return Check(
            GrantCriterion.FIRST_EMPLOYMENT,
            Outcome.UNKNOWN,
            verified,
            lambda: _("Whether you have worked as a doctor in %(region)s before", region=region.name),
        )
    met = region.key not in doctor.worked_regions
    return Check(
        GrantCriterion.FIRST_EMPLOYMENT,
        Outcome.MET if met else Outcome.UNMET,
        verified,
        lambda: _("Only for a first position as a doctor in %(region)s.", region=region.name),
    )


def _verdict(checks: Iterable[Check]) -> Verdict:
    outcomes = {c.outcome for c in checks}
    if Outcome.UNMET in outcomes:
        return Verdict.NOT_ELIGIBLE
    if Outcome.UNKNOWN in outcomes:
        return Verdict.UNKNOWN
    return Verdict.ELIGIBLE


def eligibility(doctor: DoctorFacts, posting: PostingFacts, grant: GrantCriteria, day: date) -> Eligibility:
    """Whether the doctor may get the program for this posting on ``day``, and why."""
    checks = [*_place_checks(posting, grant), *_doctor_checks(doctor, grant, day)]
    area = _area_check(doctor, posting.region, grant)
    if area is not None:
        checks.append(area)
    return Eligibility(_verdict(checks), tuple(checks))


# --- the search filter ---------------------------------------------------------------------

NO_KEY = "@"  # a key no program has: the filter of a doctor eligible for none of them


def _key(grant: GrantCriteria, region: str) -> str:
    return f"{grant.slug}@{region}" if grant.first_employment_in_area else grant.slug


def posting_grant_keys(posting: PostingFacts, grants: Iterable[GrantCriteria]) -> list[str]:
    """The keys of the posting's programs whose place criteria it meets (its search document's)."""
    return sorted(
        _key(grant, posting.region.key)
        for grant in grants
        if _verdict(_place_checks(posting, grant)) == Verdict.ELIGIBLE
    )


def doctor_grant_keys(doctor: DoctorFacts, grants: Iterable[GrantCriteria], day: date) -> tuple[str, ...]:
    """The keys a posting's document must hold one of for the doctor to be eligible for one of
    its programs on ``day``; never empty (``NO_KEY`` when there is none)."""
    keys: list[str] = []
    for grant in grants:
        if _verdict(_doctor_checks(doctor, grant, day)) != Verdict.ELIGIBLE:
            continue
        for region in grant.regions if grant.first_employment_in_area else (Term("", ""),):
            area = _area_check(doctor, region, grant)
            if area is None or area.outcome == Outcome.MET:
                keys.append(_key(grant, region.key))
    return tuple(sorted(keys)) or (NO_KEY,)
