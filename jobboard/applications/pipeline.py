"""The employer's pipeline: moving applications along the board, private notes and ratings,
the rejection e-mail, and the record of every CV an employer downloads.

Every move, the doctor's withdrawal included, is an ``ApplicationEvent`` (who, from, to, a
note, the day). The last steps (an offer made, accepted, work started: ``Stage.is_dated``) carry
the day they happened as the recruiter gives it, which may be earlier than the day they record
it, but not before the doctor applied nor after today. The doctor hears of each move by e-mail,
except a rejection: that mail goes only when the recruiter chooses to send the organisation's
rejection text (its own, or the default below). Only the doctor withdraws, and a withdrawn
application or one whose doctor deleted their account moves no more. Notes and ratings are the
employer's alone. Every access to a CV by an employer is in the audit log.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from jobboard.accounts.models import User
from jobboard.applications.models import Application, ApplicationEvent, ApplicationNote, RejectionTemplate, Stage
from jobboard.core import audit
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError
from jobboard.core.events import Event, emit
from jobboard.core.outbox import OutboxMessage
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.i18n import LazyText, in_language
from jobboard.i18n import lazy_gettext as _l
from jobboard.mail import queue_mail
from jobboard.orgs.models import Organization

# The text an organisation starts from, in the language of whoever reads it: the recruiter on the
# form, the doctor in the mail. {name}, {title} and {employer} stay as they are in a translation.
DEFAULT_REJECTION_SUBJECT = _l("Your application for {title}")
DEFAULT_REJECTION_BODY = _l(
    "Dear {name},\n\n"
    "Thank you for applying for the position of {title} at {employer}, and for the time you gave us.\n\n"
    "After careful consideration we have decided not to take your application further. This is no judgement "
    "of your skills: we had to choose among many strong candidates for this particular position.\n\n"
    "We wish you every success with your move to Israel, and we hope to see you apply for our future openings.\n\n"
    "With kind regards,\nThe recruitment team of {employer}"
)


def record_move(
    application: Application, actor: User, stage: Stage, note: str | None, occurred_on: date | None = None
) -> None:
    day = occurred_on or utcnow().date()
    db.session.add(
        ApplicationEvent(
            application_id=application.id,
            actor_id=actor.id,
            from_stage=application.stage,
            to_stage=stage,
            note=(note or "").strip() or None,
            occurred_on=day,
        )
    )
    before = application.stage
    application.stage = stage
    application.note_reached(stage, day)
    stage_changed(application, before)


def stage_changed(application: Application, before: Stage) -> None:
    """Tell the employer's systems (``core.events``): ids, the employer's posting reference and
    stages only."""
    emit(
        Event.APPLICATION_STAGE_CHANGED,
        application.org_id,
        {
            "application_id": application.id,
            "posting_id": application.posting_id,
            "posting_reference": application.posting.reference,
            "from_stage": before.value,
            "to_stage": application.stage.value,
        },
    )


def _check_day(application: Application, day: date) -> None:
    # Today anywhere: a recruiter east of UTC may already be a day ahead of it.
    if day > (utcnow() + timedelta(hours=14)).date():
        raise DomainError(_("The day cannot be in the future."), field="occurred_on")
    if day < application.created_at.date():
        raise DomainError(_("The day cannot be before the doctor applied."), field="occurred_on")


def move(
    application: Application,
    actor: User,
    stage: Stage,
    *,
    note: str | None = None,
    send_rejection: bool = False,
    occurred_on: date | None = None,
    mail_not_before: datetime | None = None,
) -> OutboxMessage | None:
    """A recruiter moves an application along the board; the doctor hears of it by e-mail, sent
    no sooner than ``mail_not_before`` (the mail queued is returned). A dated stage happened on
    ``occurred_on`` (today when not given); other stages ignore it."""
    if stage == Stage.WITHDRAWN:
        raise DomainError(_("Only the doctor can withdraw an application."), field="stage")
    if application.stage == Stage.WITHDRAWN:
        raise Conflict(_("The doctor has withdrawn this application."))
    doctor = application.doctor
    if doctor is None:
        raise Conflict(_("The doctor has deleted their account; this application is kept only for statistics."))
    if stage == application.stage:
        return None
    day = occurred_on if stage.is_dated and occurred_on is not None else utcnow().date()
    if stage.is_dated:
        _check_day(application, day)
    record_move(application, actor, stage, note, day)
    posting = application.posting
    if stage == Stage.REJECTED:
        if send_rejection:
            with in_language(doctor.language):  # the default text, unless the organisation wrote its own
                template = rejection_template(posting.org)
            values = {"{name}": doctor.full_name, "{title}": posting.title, "{employer}": posting.org.name}
            return queue_mail(
                doctor.email,
                _fill(template.subject, values),
                "applications/rejection",
                language=doctor.language,
                not_before=mail_not_before,
                body=_fill(template.body, values),
            )
        return None
    return queue_mail(
        doctor.email,
        _l(
            "Your application to %(title)s at %(employer)s is now at the “%(stage)s” step",
            title=posting.title,
            employer=posting.org.name,
            stage=LazyText(lambda: stage.label),
        ),
        "applications/stage_changed",
        language=doctor.language,
        not_before=mail_not_before,
        user=doctor,
        posting=posting,
        stage=stage,
        occurred_on=day if stage.is_dated else None,
        applications_url=external_url("applications.mine"),
    )


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def rejection_template(org: Organization) -> RejectionTemplate:
    return db.session.get(RejectionTemplate, org.id) or RejectionTemplate(
        org_id=org.id, subject=str(DEFAULT_REJECTION_SUBJECT), body=str(DEFAULT_REJECTION_BODY)
    )


def save_rejection_template(org: Organization, actor: User, subject: str, body: str) -> None:
    template = db.session.get(RejectionTemplate, org.id) or RejectionTemplate(org_id=org.id)
    template.subject, template.body = subject, body
    db.session.add(template)
    audit.record(
        "rejection_template.saved", actor_id=actor.id, subject_type="organization", subject_id=org.id, org_id=org.id
    )


def add_note(application: Application, author: User, body: str) -> ApplicationNote:
    note = ApplicationNote(application_id=application.id, author_id=author.id, body=body.strip())
    db.session.add(note)
    return note


def rate(application: Application, rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError(_("A rating is from 1 to 5."), field="rating")
    application.rating = rating


def record_cv_download(application: Application, actor: User) -> None:
    audit.record(
        "cv.downloaded",
        actor_id=actor.id,
        subject_type="application",
        subject_id=application.id,
        org_id=application.org_id,
    )
