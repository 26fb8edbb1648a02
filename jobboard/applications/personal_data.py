"""The doctor's profile, CVs and applications as personal data, and deleting the account.

- The profile and the CVs are the doctor's: exported whole (the CV files in the zip), erased
  with their files (removed once the deletion commits).
- An application is exported as the doctor sent it (cover note, the CV as sent) and as they saw
  it move: each stage and whether they or the employer moved it, and their own note (a
  withdrawal's reason). The employer's notes, its rating and its staff's names are the
  employer's, never in the export.
- On deletion an application stays for the employer's statistics, anonymous: no doctor, cover
  note, CV or reason; the private notes about it are deleted and every note of its history
  emptied (staff notes too: they may name the doctor); who moved it when, from and to which
  stage, stays. The doctor's own acts in the history lose their author.

A doctor deletes their own account with their password: every feature's section erases its
part, then the account goes. Employer and administrator accounts are closed by an administrator.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask
from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from jobboard.accounts.models import User
from jobboard.accounts.passwords import verify_password
from jobboard.applications.cv_files import read_file, remove_file
from jobboard.applications.cvs import cvs_of
from jobboard.applications.models import Application, ApplicationEvent, ApplicationNote, CvDocument, DoctorProfile
from jobboard.applications.profiles import profile_of
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import DomainError, NotPermitted
from jobboard.core.personal_data import Exported, ExportedFile, erase, iso, register_attribution, register_section
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail
from jobboard.vocab.models import HebrewLevel


def _export_profile(user: User) -> Exported:
    profile = profile_of(user)
    if profile is None:
        return Exported(None)
    return Exported(
        {
            "profession": profile.profession_slug,
            "specialty": profile.specialty_slug,
            "seniority": profile.seniority.value if profile.seniority else None,
            "years_experience": profile.years_experience,
            "training_country": profile.training_country,
            "residence_country": profile.residence_country,
            "licence_status": profile.licence_status.value,
            "hebrew_level": HebrewLevel(profile.hebrew_level).name,
            "languages": [lang.code for lang in profile.languages],
            "move_month": profile.move_month.isoformat()[:7] if profile.move_month else None,
            "arrived_on": profile.arrived_on.isoformat() if profile.arrived_on else None,
            "complete_since": iso(profile.completed_at) if profile.completed_at else None,
            "preferred_regions": [r.slug for r in profile.preferred_regions],
            "open_to_periphery": profile.open_to_periphery,
            "summary": profile.summary,
            "phone": profile.phone,
        }
    )


def _erase_profile(user: User) -> None:
    profile = profile_of(user)
    if profile is not None:
        db.session.delete(profile)


def _cv_entry(cv: CvDocument) -> str:
    return f"cvs/{cv.id}-{cv.original_name}"


def _export_cvs(user: User) -> Exported:
    cvs = cvs_of(user)
    return Exported(
        [
            {
                "file": _cv_entry(cv),
                "uploaded_at": iso(cv.uploaded_at),
                "pages": cv.page_count,
                "default": cv.is_default,
            }
            for cv in cvs
        ],
        stored_files((_cv_entry(cv), cv.stored_name) for cv in cvs),
    )


def stored_files(named: Iterable[tuple[str, str]]) -> tuple[ExportedFile, ...]:
    """The stored files as they go in the archive (each under its entry's name); one already gone
    (swept) is left out."""
    found = []
    for entry, stored_name in named:
        try:
            found.append(ExportedFile(entry, read_file(stored_name)))
        except FileNotFoundError:
            continue
    return tuple(found)


def _erase_cvs(user: User) -> None:
    for cv in cvs_of(user):
        remove_file(cv.stored_name)
        db.session.delete(cv)


def _applications_of(user: User) -> list[Application]:
    return list(
        db.session.scalars(select(Application).where(Application.doctor_id == user.id).order_by(Application.created_at))
    )


def _sent_cv_entry(application: Application) -> str:
    return f"applications/{application.id}-{application.cv_original_name}"


def _application_data(application: Application, doctor_id: int) -> dict[str, object]:
    events = db.session.scalars(
        select(ApplicationEvent).where(ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.id)
    )
    return {
        "posting": {
            "id": application.posting_id,
            "title": application.posting.title,
            "employer": application.posting.org.name,
        },
        "applied_at": iso(application.created_at),
        "stage": application.stage.value,
        "cover_note": application.cover_note,
        "cv_sent": _sent_cv_entry(application) if application.cv_stored_name else None,
        "withdrawal_reason": application.withdrawal_reason,
        "history": [
            {
                "at": iso(e.created_at),
                "on": e.occurred_on.isoformat(),
                "from": e.from_stage.value if e.from_stage else None,
                "to": e.to_stage.value,
                "by": "you" if e.is_by(doctor_id) else "employer",
                "note": e.note_for_doctor(doctor_id),
            }
            for e in events
        ],
    }


def _export_applications(user: User) -> Exported:
    applications = _applications_of(user)
    return Exported(
        [_application_data(a, user.id) for a in applications],
        stored_files((_sent_cv_entry(a), a.cv_stored_name) for a in applications if a.cv_stored_name),
    )


def _erase_applications(user: User) -> None:
    for application in _applications_of(user):
        remove_file(application.cv_stored_name)
        application.cv_stored_name = application.cv_original_name = application.cv_size_bytes = None
        application.cover_note = ""
        application.withdrawal_reason = None
        application.anonymised_at = utcnow()
        application.doctor_id = None
        db.session.execute(delete(ApplicationNote).where(ApplicationNote.application_id == application.id))
        db.session.execute(
            update(ApplicationEvent).where(ApplicationEvent.application_id == application.id).values(note=None)
        )
    db.session.execute(update(ApplicationEvent).where(ApplicationEvent.actor_id == user.id).values(actor_id=None))


def delete_account(user: User, password: str) -> None:
    """Erase a doctor's account: every feature erases its data of the doctor (the registered
    sections of ``core.personal_data``), then the account goes; the confirmation is erased
    from the outbox once it is delivered."""
    if not user.is_doctor:
        raise NotPermitted(_("Employer and administrator accounts are closed by an administrator."))
    if not verify_password(user.password_hash, password):
        raise DomainError(_("Your password is not correct."), field="password")
    email, user_id, language = user.email, user.id, user.language
    erase(user)
    audit.record("account.deleted", actor_id=None, subject_type="user", subject_id=user_id)
    db.session.delete(user)
    db.session.flush()
    queue_mail(
        email,
        _l("Your account is deleted"),
        "applications/account_deleted",
        language=language,
        erase_after_delivery=True,
    )


def register(app: Flask) -> None:
    register_section(
        app,
        "profile",
        _l("Your profile."),
        covers=(DoctorProfile.user_id,),
        export=_export_profile,
        erase=_erase_profile,
    )
    register_section(
        app,
        "cvs",
        _l("Every CV you uploaded (the files are in the zip)."),
        covers=(CvDocument.owner_id,),
        export=_export_cvs,
        erase=_erase_cvs,
    )
    register_section(
        app,
        "applications",
        _l(
            "Your applications: your cover note, the CV you sent (in the zip), your reasons for "
            "withdrawing, and each stage they reached."
        ),
        covers=(Application.doctor_id, ApplicationEvent.actor_id),
        export=_export_applications,
        erase=_erase_applications,
    )
    register_attribution(
        app, "the staff member who wrote a private note about an application", ApplicationNote.author_id
    )
