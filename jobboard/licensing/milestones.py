"""The doctor's track and milestones, and the licence status derived from them.

``DoctorProfile.licence_status`` is stored (search and the applicant filters read it in SQL) but
never entered: ``derive_status`` computes it from the milestones, and every change of the
milestones writes it in the same transaction (``_note_status``). The milestones are the one
source of truth; the status is their summary.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications.models import DoctorProfile, LicenceStatus
from jobboard.applications.profiles import profile_of
from jobboard.core.errors import DomainError, NotPermitted
from jobboard.extensions import db
from jobboard.licensing.models import ExamResult, LicenceFile, LicenceTrack


@dataclass
class MilestoneFields:
    file_opened_on: date | None = None
    exam_on: date | None = None
    exam_result: ExamResult | None = None
    exemption_granted_on: date | None = None
    provisional_expected: date | None = None
    provisional_licence_on: date | None = None
    full_licence_on: date | None = None
    specialty_recognised_on: date | None = None

    @classmethod
    def of(cls, file: LicenceFile | None) -> MilestoneFields:
        if file is None:
            return cls()
        return cls(**{f.name: getattr(file, f.name) for f in fields(cls)})


# Milestones that are a day something happened: never after today.
HAPPENED = (
    "file_opened_on",
    "exemption_granted_on",
    "provisional_licence_on",
    "full_licence_on",
    "specialty_recognised_on",
)


def derive_status(file: LicenceFile | None) -> LicenceStatus:
    """The furthest step the milestones show."""
    if file is None:
        return LicenceStatus.NOT_STARTED
    steps = (
        (file.specialty_recognised_on, LicenceStatus.SPECIALIST_RECOGNISED),
        (file.full_licence_on, LicenceStatus.FULL_LICENCE),
        (file.provisional_licence_on, LicenceStatus.PROVISIONAL_LICENCE),
        (file.exam_result == ExamResult.PASSED, LicenceStatus.EXAM_PASSED),
        (file.exemption_granted_on, LicenceStatus.EXAM_EXEMPTION_GRANTED),
        (file.exam_on and file.exam_result != ExamResult.FAILED, LicenceStatus.EXAM_SCHEDULED),
        (file.file_opened_on, LicenceStatus.FILE_SUBMITTED),
    )
    return next((status for reached, status in steps if reached), LicenceStatus.NOT_STARTED)


def licence_file_of(user: User) -> LicenceFile | None:
    return db.session.get(LicenceFile, user.id)


def _open(user: User) -> LicenceFile:
    if not user.is_doctor:
        raise NotPermitted(_("Only doctors' accounts have a licence file."))
    file = licence_file_of(user)
    if file is None:
        file = LicenceFile(user_id=user.id)
        db.session.add(file)
    return file


def choose_track(user: User, track: LicenceTrack) -> LicenceFile:
    file = _open(user)
    file.track_id = track.id
    file.missing_reminded_for = None  # a new checklist: its missing items are new
    db.session.flush()
    return file


def save_milestones(user: User, milestones: MilestoneFields, today: date) -> LicenceFile:
    """``today``: the latest day a milestone may have happened (the doctor's today, which east of
    UTC may be tomorrow in UTC)."""
    for name in HAPPENED:
        day = getattr(milestones, name)
        if day is not None and day > today:
            raise DomainError(_("Give the day once it has happened."), field=name)
    if milestones.exam_result is not None and (milestones.exam_on is None or milestones.exam_on > today):
        raise DomainError(_("A result needs the day of an exam that has taken place."), field="exam_result")
    file = _open(user)
    if file.exam_on != milestones.exam_on:
        file.exam_reminded_for = None
    for f in fields(MilestoneFields):
        setattr(file, f.name, getattr(milestones, f.name))
    db.session.flush()
    _note_status(user, file)
    return file


def _note_status(user: User, file: LicenceFile) -> None:
    profile = profile_of(user)
    if profile is None:
        profile = DoctorProfile(user_id=user.id)
        db.session.add(profile)
    profile.licence_status = derive_status(file)
    db.session.flush()


def status_mismatches() -> list[int]:
    """Doctors whose stored status differs from their milestones (none, if every change went
    through ``save_milestones``); for tests and checks."""
    rows = db.session.execute(
        select(DoctorProfile, LicenceFile).outerjoin(LicenceFile, LicenceFile.user_id == DoctorProfile.user_id)
    )
    return [profile.user_id for profile, file in rows if profile.licence_status != derive_status(file)]
