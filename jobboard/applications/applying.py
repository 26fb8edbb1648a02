"""A doctor applying for a posting, and withdrawing the application.

Only a confirmed doctor's account applies, once per posting, to a listed posting, with one of
their own CVs and a profile complete enough (``profiles.completeness``). The application keeps
its own copy of the CV, so the doctor may later change or delete theirs: the employer has what
was sent. The doctor gets a receipt; the organisation's staff hear of it as they chose
(``notifications``). A withdrawal is the doctor's move on the pipeline, with their reason.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from jobboard.accounts.models import User
from jobboard.applications.cv_files import read_file, write_file
from jobboard.applications.models import CLOSED_STAGES, Application, ApplicationEvent, CvDocument, Stage
from jobboard.applications.notifications import send_immediate_notices
from jobboard.applications.pipeline import record_move
from jobboard.applications.profiles import can_apply, profile_of
from jobboard.core.errors import Conflict, DomainError, NotFound, NotPermitted
from jobboard.core.events import Event, emit
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.models import Posting
from jobboard.mail import queue_mail


class AlreadyApplied(Conflict):
    def __init__(self, application: Application):
        super().__init__(_("You have already applied for this position."))
        self.application = application


def existing_application(doctor: User, posting: Posting) -> Application | None:
    return db.session.scalar(
        select(Application).where(Application.posting_id == posting.id, Application.doctor_id == doctor.id)
    )


def apply(doctor: User, posting: Posting, cv: CvDocument, cover_note: str) -> Application:
    if not doctor.is_doctor:
        raise NotPermitted(_("Only doctors' accounts can apply. Employer staff cannot apply with their work account."))
    if not doctor.is_confirmed:
        raise NotPermitted(_("Confirm your e-mail address before applying."))
    if not posting.is_listed:
        raise Conflict(_("This position is no longer open for applications."))
    previous = existing_application(doctor, posting)
    if previous is not None:
        raise AlreadyApplied(previous)
    if cv.owner_id != doctor.id:
        raise NotFound(_("There is no such CV."))
    if not can_apply(profile_of(doctor), 1):
        raise DomainError(_("Complete your profile before applying."), field="cv_id")
    source = read_file(cv.stored_name)
    application = Application(
        posting_id=posting.id,
        org_id=posting.org_id,
        doctor_id=doctor.id,
        cover_note=cover_note.strip(),
        cv_stored_name=write_file(source),
        cv_original_name=cv.original_name,
        cv_size_bytes=cv.size_bytes,
    )
    db.session.add(application)
    db.session.flush()
    db.session.add(ApplicationEvent(application_id=application.id, actor_id=doctor.id, to_stage=Stage.APPLIED))
    emit(
        Event.APPLICATION_CREATED,
        posting.org_id,
        {
            "application_id": application.id,
            "posting_id": posting.id,
            "posting_reference": posting.reference,
            "stage": application.stage.value,
        },
    )
    queue_mail(
        doctor.email,
        _l(
            "Your application to %(title)s at %(employer)s was received", title=posting.title, employer=posting.org.name
        ),
        "applications/received",
        language=doctor.language,
        user=doctor,
        posting=posting,
        applications_url=external_url("applications.mine"),
    )
    send_immediate_notices(application)
    return application


def withdraw(doctor: User, application: Application, reason: str | None) -> None:
    if application.doctor_id != doctor.id:
        raise NotFound(_("There is no such application."))
    if application.stage in CLOSED_STAGES:
        raise Conflict(_("This application is already %(stage)s.", stage=application.stage.label.lower()))
    record_move(application, doctor, Stage.WITHDRAWN, reason)
    application.withdrawal_reason = (reason or "").strip() or None
