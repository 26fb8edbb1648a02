"""Rules for doctors' profiles, CVs and applications, and for the employers' pipeline.

An employer sees a doctor only through an application to that employer; every access to a CV
by an employer is in the audit log. Files are written before the transaction commits; a failed
commit can leave an unreferenced file, which ``flask jobboard sweep-uploads`` removes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, update

from jobboard.accounts.models import User
from jobboard.accounts.passwords import verify_password
from jobboard.core import audit, personal_data
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict, DomainError, NotFound, NotPermitted
from jobboard.core.urls import external_url
from jobboard.extensions import db
from jobboard.jobs.models import Posting, Seniority
from jobboard.mail import queue_mail
from jobboard.orgs.models import Membership, Organization, OrgStatus, Role
from jobboard.applications.cv_files import (
    MAX_CVS,
    CleanPdf,
    InvalidCv,
    check_pdf,
    clean_pdf,
    file_path,
    remove_file,
    replace_file,
    upload_dir,
    write_file,
)
from jobboard.applications.models import (
    CLOSED_STAGES,
    Application,
    ApplicationEvent,
    ApplicationNote,
    CvDocument,
    DoctorProfile,
    LicenceStatus,
    MailMode,
    NotificationPreference,
    RejectionTemplate,
    Stage,
)
from jobboard.vocab.models import HebrewLevel, Language, Region
from jobboard.vocab.rules import check_profession_and_specialty

PHYSICIAN = "physician"
DEFAULT_REJECTION_SUBJECT = "Your application for {title}"
DEFAULT_REJECTION_BODY = (
    "Dear {name},\n\n"
    "Thank you for applying for the position of {title} at {employer}, and for the time you gave us.\n\n"
    "After careful consideration we have decided not to take your application further. This is no judgement "
    "of your skills: we had to choose among many strong candidates for this particular position.\n\n"
    "We wish you every success with your move to Israel, and we hope to see you apply for our future openings.\n\n"
    "With kind regards,\nThe recruitment team of {employer}"
)
PLACEHOLDERS = ("{name}", "{title}", "{employer}")


# --- profiles ------------------------------------------------------------------------------


@dataclass
class ProfileFields:
    profession_slug: str | None
    specialty_slug: str | None
    seniority: Seniority | None
    years_experience: int | None
    training_country: str | None
    residence_country: str | None
    licence_status: LicenceStatus
    hebrew_level: HebrewLevel
    move_month: date | None
    open_to_periphery: bool
    summary: str
    phone: str | None
    language_codes: list[str] = field(default_factory=list)
    region_slugs: list[str] = field(default_factory=list)


def profile_of(user: User) -> DoctorProfile | None:
    return db.session.scalar(select(DoctorProfile).where(DoctorProfile.user_id == user.id))


def save_profile(user: User, fields: ProfileFields) -> DoctorProfile:
    if not user.is_doctor:
        raise NotPermitted("Only doctors' accounts have a profile.")
    check_profession_and_specialty(fields.profession_slug, fields.specialty_slug)
    languages = list(db.session.scalars(select(Language).where(Language.code.in_(fields.language_codes))))
    if len(languages) != len(set(fields.language_codes)):
        raise DomainError("Choose languages from the list.", field="language_codes")
    regions = list(db.session.scalars(select(Region).where(Region.slug.in_(fields.region_slugs))))
    if len(regions) != len(set(fields.region_slugs)):
        raise DomainError("Choose regions from the list.", field="region_slugs")
    profile = profile_of(user) or DoctorProfile(user_id=user.id)
    for name in ("profession_slug", "specialty_slug", "seniority", "years_experience", "training_country",
                 "residence_country", "licence_status", "move_month", "open_to_periphery", "summary", "phone"):
        setattr(profile, name, getattr(fields, name))
    profile.hebrew_level = int(fields.hebrew_level)
    profile.languages = languages
    profile.preferred_regions = regions
    db.session.add(profile)
    db.session.flush()
    return profile


@dataclass(frozen=True)
class Completeness:
    percent: int
    missing: list[str]  # what is still needed, in words
    can_apply: bool


def completeness(profile: DoctorProfile | None, cv_count: int) -> Completeness:
    """How complete the profile is; applying needs a profession (and a specialty for
    physicians), the country of training, the licence status, the move date and a CV."""
    required = {
        "your profession": bool(profile and profile.profession_slug),
        "your specialty": bool(profile and (profile.specialty_slug or profile.profession_slug != PHYSICIAN)),
        "the country where you trained": bool(profile and profile.training_country),
        "when you plan to move": bool(profile and profile.move_month),
        "a CV": cv_count > 0,
    }
    optional = {
        "your seniority": bool(profile and profile.seniority),
        "years of experience": bool(profile and profile.years_experience is not None),
        "your country of residence": bool(profile and profile.residence_country),
        "the languages you speak": bool(profile and profile.languages),
        "a short summary": bool(profile and profile.summary),
    }
    done = sum(required.values()) + sum(optional.values())
    missing = [name for name, ok in {**required, **optional}.items() if not ok]
    return Completeness(
        percent=round(100 * done / (len(required) + len(optional))),
        missing=missing,
        can_apply=all(required.values()),
    )


# --- CVs -----------------------------------------------------------------------------------


def cvs_of(user: User) -> list[CvDocument]:
    return list(db.session.scalars(
        select(CvDocument).where(CvDocument.owner_id == user.id).order_by(CvDocument.uploaded_at.desc())
    ))


def upload_cv(user: User, filename: str, data: bytes) -> CvDocument:
    if not user.is_doctor:
        raise NotPermitted("Only doctors' accounts keep CVs.")
    count = db.session.scalar(select(func.count()).select_from(CvDocument).where(CvDocument.owner_id == user.id)) or 0
    if count >= MAX_CVS:
        raise DomainError(f"You can keep at most {MAX_CVS} CVs. Delete one first.", field="file")
    checked = check_pdf(filename, data)
    cv = CvDocument(
        owner_id=user.id, stored_name=write_file(checked.data), original_name=checked.display_name,
        size_bytes=len(checked.data), page_count=checked.pages, sha256=checked.sha256, is_default=count == 0,
    )
    db.session.add(cv)
    db.session.flush()
    return cv


def set_default_cv(user: User, cv: CvDocument) -> None:
    if cv.owner_id != user.id:
        raise NotFound("There is no such CV.")
    db.session.execute(update(CvDocument).where(CvDocument.owner_id == user.id).values(is_default=False))
    cv.is_default = True


def delete_cv(user: User, cv: CvDocument) -> None:
    """Applications keep their own copy, so deleting a CV changes nothing an employer received."""
    if cv.owner_id != user.id:
        raise NotFound("There is no such CV.")
    was_default = cv.is_default
    remove_file(cv.stored_name)
    db.session.delete(cv)
    db.session.flush()
    if was_default:
        newest = db.session.scalar(
            select(CvDocument).where(CvDocument.owner_id == user.id).order_by(CvDocument.uploaded_at.desc()).limit(1)
        )
        if newest is not None:
            newest.is_default = True


# --- applying ------------------------------------------------------------------------------


class AlreadyApplied(Conflict):
    def __init__(self, application: Application):
        super().__init__("You have already applied for this position.")
        self.application = application


def existing_application(doctor: User, posting: Posting) -> Application | None:
    return db.session.scalar(
        select(Application).where(Application.posting_id == posting.id, Application.doctor_id == doctor.id)
    )


def apply(doctor: User, posting: Posting, cv: CvDocument, cover_note: str) -> Application:
    if not doctor.is_doctor:
        raise NotPermitted("Only doctors' accounts can apply. Employer staff cannot apply with their work account.")
    if not doctor.is_confirmed:
        raise NotPermitted("Confirm your e-mail address before applying.")
    if not posting.is_listed:
        raise Conflict("This position is no longer open for applications.")
    previous = existing_application(doctor, posting)
    if previous is not None:
        raise AlreadyApplied(previous)
    if cv.owner_id != doctor.id:
        raise NotFound("There is no such CV.")
    if not completeness(profile_of(doctor), 1).can_apply:
        raise DomainError("Complete your profile before applying.", field="cv_id")
    source = file_path(cv.stored_name).read_bytes()
    application = Application(
        posting_id=posting.id, org_id=posting.org_id, doctor_id=doctor.id, cover_note=cover_note.strip(),
        cv_stored_name=write_file(source), cv_original_name=cv.original_name, cv_size_bytes=cv.size_bytes,
    )
    db.session.add(application)
    db.session.flush()
    db.session.add(ApplicationEvent(application_id=application.id, actor_id=doctor.id, to_stage=Stage.APPLIED))
    queue_mail(
        doctor.email, f"Application received: {posting.title}", "applications/received",
        user=doctor, posting=posting, applications_url=external_url("applications.mine"),
    )
    _notify_immediate(application)
    return application


def _notify_immediate(application: Application) -> None:
    members = db.session.execute(
        select(User, NotificationPreference.new_applications)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(NotificationPreference, NotificationPreference.membership_id == Membership.id)
        .where(Membership.org_id == application.org_id, Membership.role.in_([Role.RECRUITER, Role.OWNER]),
               User.is_deactivated.is_(False))
    ).all()
    for user, mode in members:
        if mode == MailMode.IMMEDIATE:
            queue_mail(
                user.email, f"New application: {application.posting.title}", "applications/new_for_staff",
                posting=application.posting,
                url=external_url("applications.detail", org_slug=application.posting.org.slug,
                                 application_id=application.id),
            )


def withdraw(doctor: User, application: Application, reason: str | None) -> None:
    if application.doctor_id != doctor.id:
        raise NotFound("There is no such application.")
    if application.stage in CLOSED_STAGES:
        raise Conflict(f"This application is already {application.stage.label.lower()}.")
    _record_move(application, doctor, Stage.WITHDRAWN, reason)
    application.withdrawal_reason = (reason or "").strip() or None


# --- the pipeline --------------------------------------------------------------------------


def _record_move(application: Application, actor: User, stage: Stage, note: str | None) -> None:
    db.session.add(ApplicationEvent(
        application_id=application.id, actor_id=actor.id, from_stage=application.stage, to_stage=stage,
        note=(note or "").strip() or None,
    ))
    application.stage = stage


def move(application: Application, actor: User, stage: Stage, *, note: str | None = None,
         send_rejection: bool = False) -> None:
    """A recruiter moves an application along the board; the doctor hears of it by e-mail."""
    if stage == Stage.WITHDRAWN:
        raise DomainError("Only the doctor can withdraw an application.", field="stage")
    if application.stage == Stage.WITHDRAWN:
        raise Conflict("The doctor has withdrawn this application.")
    if application.doctor_id is None:
        raise Conflict("The doctor has deleted their account; this application is kept only for statistics.")
    if stage == application.stage:
        return
    _record_move(application, actor, stage, note)
    doctor, posting = application.doctor, application.posting
    if stage == Stage.REJECTED:
        if send_rejection:
            template = rejection_template(posting.org)
            values = {"{name}": doctor.full_name, "{title}": posting.title, "{employer}": posting.org.name}
            queue_mail(doctor.email, _fill(template.subject, values), "applications/rejection",
                       body=_fill(template.body, values))
        return
    queue_mail(
        doctor.email, f"Your application for {posting.title}: {stage.label.lower()}", "applications/stage_changed",
        user=doctor, posting=posting, stage=stage, applications_url=external_url("applications.mine"),
    )


def _fill(text: str, values: dict[str, str]) -> str:
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    return text


def rejection_template(org: Organization) -> RejectionTemplate:
    return db.session.get(RejectionTemplate, org.id) or RejectionTemplate(
        org_id=org.id, subject=DEFAULT_REJECTION_SUBJECT, body=DEFAULT_REJECTION_BODY
    )


def save_rejection_template(org: Organization, actor: User, subject: str, body: str) -> None:
    template = db.session.get(RejectionTemplate, org.id) or RejectionTemplate(org_id=org.id)
    template.subject, template.body = subject, body
    db.session.add(template)
    audit.record("rejection_template.saved", actor_id=actor.id, subject_type="organization", subject_id=org.id,
                 org_id=org.id)


def add_note(application: Application, author: User, body: str) -> ApplicationNote:
    note = ApplicationNote(application_id=application.id, author_id=author.id, body=body.strip())
    db.session.add(note)
    return note


def rate(application: Application, rating: int | None) -> None:
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError("A rating is from 1 to 5.", field="rating")
    application.rating = rating


def record_cv_download(application: Application, actor: User) -> None:
    audit.record("cv.downloaded", actor_id=actor.id, subject_type="application", subject_id=application.id,
                 org_id=application.org_id)


def set_mail_mode(membership: Membership, mode: MailMode) -> None:
    preference = db.session.get(NotificationPreference, membership.id) or NotificationPreference(
        membership_id=membership.id)
    preference.new_applications = mode
    db.session.add(preference)


def mail_mode(membership: Membership) -> MailMode:
    preference = db.session.get(NotificationPreference, membership.id)
    return preference.new_applications if preference else MailMode.DAILY


def send_daily_digests(now: datetime | None = None) -> int:
    """One e-mail a day to each recruiter or owner on the daily setting (the default), listing
    the applications their organisation received since their last digest; none when there are none,
    and none while the organisation is suspended."""
    now = now or utcnow()
    sent = 0
    memberships = db.session.scalars(
        select(Membership).join(User).join(Organization).where(
            Membership.role.in_([Role.RECRUITER, Role.OWNER]), User.is_deactivated.is_(False),
            Organization.status != OrgStatus.SUSPENDED,
        )
    )
    for membership in memberships:
        preference = db.session.get(NotificationPreference, membership.id) or NotificationPreference(
            membership_id=membership.id, new_applications=MailMode.DAILY)
        if preference.new_applications != MailMode.DAILY:
            continue
        since = preference.last_digest_at or now - timedelta(days=1)
        if now - since < timedelta(hours=23):
            continue
        fresh = list(db.session.scalars(
            select(Application).where(Application.org_id == membership.org_id, Application.created_at > since,
                                      Application.created_at <= now).order_by(Application.created_at)
        ))
        preference.last_digest_at = now
        db.session.add(preference)
        if fresh:
            queue_mail(
                membership.user.email, f"{len(fresh)} new application{'s' if len(fresh) > 1 else ''} at {membership.org.name}",
                "applications/daily_digest", applications=fresh, org=membership.org,
                url=external_url("applications.applicants", org_slug=membership.org.slug),
            )
            sent += 1
    return sent


# --- privacy -------------------------------------------------------------------------------


def delete_account(user: User, password: str) -> None:
    """Erase a doctor's account: every feature erases its data of the doctor (the registered
    sections of ``core.personal_data``), then the account goes; the confirmation is erased
    from the outbox once it is delivered."""
    if not user.is_doctor:
        raise NotPermitted("Employer and administrator accounts are closed by an administrator.")
    if not verify_password(user.password_hash, password):
        raise DomainError("Your password is not correct.", field="password")
    email, user_id = user.email, user.id
    personal_data.erase(user)
    audit.record("account.deleted", actor_id=None, subject_type="user", subject_id=user_id)
    db.session.delete(user)
    db.session.flush()
    queue_mail(email, "Your account is deleted", "applications/account_deleted", erase_after_delivery=True)


def sweep_uploads(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored files no row refers to (left by a transaction that failed after writing)."""
    referenced = set(db.session.scalars(select(CvDocument.stored_name)))
    referenced |= {name for name in db.session.scalars(select(Application.cv_stored_name)) if name}
    cutoff = utcnow().timestamp() - older_than.total_seconds()
    removed = 0
    for path in upload_dir().iterdir():
        if path.is_file() and path.name not in referenced and path.stat().st_mtime < cutoff:
            path.unlink()
            removed += 1
    return removed


@dataclass
class SanitiseReport:
    rewritten: int = 0
    unchanged: int = 0
    failures: list[str] = field(default_factory=list)


def sanitise_stored_cvs() -> SanitiseReport:
    """Rewrite every stored CV, and every application's copy, in place as the clean copy an upload
    gets (files stored before the cleaning knew what it knows now may carry more). A clean copy
    cleans to the same bytes, so a second run rewrites nothing. A file that cannot be cleaned is
    kept as it is and reported, never deleted. Files are replaced before the commit: if the commit
    fails, the sizes stay out of date until the next run."""
    report = SanitiseReport()
    copies: dict[str, CleanPdf] = {}
    for cv in db.session.scalars(select(CvDocument).order_by(CvDocument.id)):
        clean = _sanitise_file(cv.stored_name, f"CV {cv.id}", report, copies)
        if clean is not None:
            cv.size_bytes, cv.page_count, cv.sha256 = len(clean.data), clean.pages, clean.sha256
    sent = select(Application).where(Application.cv_stored_name.is_not(None)).order_by(Application.id)
    for application in db.session.scalars(sent):
        label = f"the CV of application {application.id}"
        clean = _sanitise_file(application.cv_stored_name or "", label, report, copies)
        if clean is not None:
            application.cv_size_bytes = len(clean.data)
    db.session.flush()
    return report


def _sanitise_file(
    stored_name: str, label: str, report: SanitiseReport, copies: dict[str, CleanPdf]
) -> CleanPdf | None:
    """The file's clean copy, written over it when different; ``copies`` holds the copies made so
    far by the original's hash (an application's CV is usually a copy of a stored one)."""
    try:
        original = file_path(stored_name).read_bytes()
        digest = hashlib.sha256(original).hexdigest()
        clean = copies.get(digest) or clean_pdf(original)
    except FileNotFoundError:
        report.failures.append(f"{label} ({stored_name}): the file is missing")
        return None
    except InvalidCv as error:
        report.failures.append(f"{label} ({stored_name}): {error.message}")
        return None
    copies[digest] = clean
    if clean.data == original:
        report.unchanged += 1
    else:
        replace_file(stored_name, clean.data)
        report.rewritten += 1
    return clean
