from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, fresh_login_required, logout_user
from werkzeug.wrappers import Response

from jobboard.applications import applying, profiles, queries, undoing
from jobboard.applications import cvs as cv_service
from jobboard.applications import notifications as notification_service
from jobboard.applications import pipeline as pipeline_service
from jobboard.applications.cv_files import MAX_BYTES, open_file
from jobboard.applications.forms import (
    ApplicantFilterForm,
    CvUploadForm,
    DeleteAccountForm,
    MailModeForm,
    MoveForm,
    NoteForm,
    ProfileForm,
    RatingForm,
    RejectionTemplateForm,
    WithdrawForm,
    month_start,
)
from jobboard.applications.models import PIPELINE, Application, CvDocument, LicenceStatus, MailMode, Stage
from jobboard.applications.personal_data import delete_account as delete_doctor_account
from jobboard.core import personal_data
from jobboard.core.access import classify, doctor_required
from jobboard.core.errors import DomainError
from jobboard.core.forms import filled
from jobboard.core.htmx import is_htmx, render_page
from jobboard.core.views import errors_on, form_page, or_404
from jobboard.core.web import private_download
from jobboard.extensions import limiter
from jobboard.jobs.models import Posting
from jobboard.jobs.queries import org_posting, posting_with_details
from jobboard.licensing import queries as licence_queries
from jobboard.licensing import sharing
from jobboard.licensing.forms import ApplyWithSharesForm
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint
from jobboard.vocab.queries import specialty_choices

bp = Blueprint("applications", __name__)
register_tenant_blueprint(bp)


def _my_application_to(posting: Posting) -> Application | None:
    if not (current_user.is_authenticated and current_user.is_doctor):
        return None
    return applying.existing_application(current_user, posting)


@bp.app_context_processor
def _application_helpers() -> dict[str, object]:
    """For other features' templates: applications per posting (the employer's postings list),
    and the signed-in doctor's application to a posting (the posting's page)."""
    return {"application_counts": queries.application_counts, "my_application_to": _my_application_to}


def _download(stored_name: str, name: str) -> Response:
    """The stored file, streamed (from the file store to the browser without holding it whole)."""
    try:
        stream = open_file(stored_name)
    except FileNotFoundError:
        abort(404, _("This file is no longer available."))
    return private_download(stream, "application/pdf", name)


# --- the doctor's side ---------------------------------------------------------------------


@bp.route("/me/profile", methods=["GET", "POST"])
@doctor_required
def profile() -> Response:
    current = profiles.profile_of(current_user)
    form = ProfileForm.of(profiles.ProfileFields.of(current) if current else None)
    if form.validate_on_submit():
        with errors_on(form):
            profiles.save_profile(current_user, form.to_fields())
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("applications.profile"))
    return form_page(
        "applications/profile.html",
        form,
        completeness=profiles.completeness(current, len(cv_service.cvs_of(current_user))),
        licence_status=current.licence_status if current else LicenceStatus.NOT_STARTED,
    )


def _cvs_page(form: CvUploadForm | None = None, status: int = 200) -> Response:
    return render_page(
        "applications/cvs.html",
        cvs=cv_service.cvs_of(current_user),
        form=form or CvUploadForm(formdata=None),
        status=status,
    )


@bp.route("/me/cvs", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"], key_func=lambda: f"cv-upload:{current_user.get_id()}")
@doctor_required
def cvs() -> Response:
    form = CvUploadForm()
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            with errors_on(form):
                cv_service.upload_cv(current_user, upload.filename or "", upload.read(MAX_BYTES + 1))
                flash(_("The CV is uploaded."), "success")
                return redirect(url_for("applications.cvs"))
        return _cvs_page(form, status=422)
    return _cvs_page()


def _my_cv(cv_id: int) -> CvDocument:
    return or_404(queries.my_cv(current_user, cv_id))


@bp.route("/me/cvs/<int:cv_id>/default", methods=["POST"])
@doctor_required
def default_cv(cv_id: int) -> Response:
    cv_service.set_default_cv(current_user, _my_cv(cv_id))
    flash(_("This CV is now your default."), "success")
    return redirect(url_for("applications.cvs"))


@bp.route("/me/cvs/<int:cv_id>/delete", methods=["POST"])
@doctor_required
def delete_cv(cv_id: int) -> Response:
    cv_service.delete_cv(current_user, _my_cv(cv_id))
    flash(_("The CV is deleted. Applications you sent keep the CV they were sent with."), "success")
    return redirect(url_for("applications.cvs"))


@bp.route("/me/cvs/<int:cv_id>/download")
@doctor_required
def download_cv(cv_id: int) -> Response:
    cv = _my_cv(cv_id)
    return _download(cv.stored_name, cv.original_name)


@bp.route("/jobs/<int:posting_id>/apply", methods=["GET", "POST"])
@limiter.limit("20/day", methods=["POST"], key_func=lambda: f"apply:{current_user.get_id()}")
@doctor_required
def apply(posting_id: int) -> Response:
    posting = posting_with_details(posting_id)
    if posting is None or posting.is_revision or posting.first_published_at is None:
        abort(404)
    existing = applying.existing_application(current_user, posting)
    if existing is not None:
        flash(_("You have already applied for this position."), "info")
        return redirect(url_for("applications.mine", _anchor=f"application-{existing.id}"))
    if not posting.is_listed:
        abort(410, _("This position is no longer open for applications."))
    cvs = cv_service.cvs_of(current_user)
    form = ApplyWithSharesForm(data={"cv_id": next((cv.id for cv in cvs if cv.is_default), None)})
    form.cv_id.choices = [(cv.id, cv.original_name) for cv in cvs]
    licence_documents = licence_queries.my_documents(current_user)
    form.offer(licence_documents)
    completeness = profiles.completeness(profiles.profile_of(current_user), len(cvs))
    if form.validate_on_submit():
        try:
            with errors_on(form, passing=(applying.AlreadyApplied,)):
                cv = queries.my_cv(current_user, form.cv_id.data)
                if cv is None:
                    raise DomainError(_("Choose one of your CVs."), field="cv_id")
                application = applying.apply(current_user, posting, cv, form.cover_note.data or "")
                chosen = set(form.licence_document_ids.data or [])
                sharing.share(current_user, application, [d for d in licence_documents if d.id in chosen])
                flash(_("Your application is sent. You will get an e-mail when it moves on."), "success")
                return redirect(url_for("applications.mine", applied=application.id))
        except applying.AlreadyApplied:  # sent twice at once: the other request's application stands
            flash(_("You have already applied for this position."), "info")
            return redirect(url_for("applications.mine"))
    return form_page("applications/apply.html", form, posting=posting, completeness=completeness)


@bp.route("/me/applications")
@doctor_required
def mine() -> Response:
    applications = queries.my_applications(current_user)
    applied_id = request.args.get("applied", type=int)
    return render_page(
        "applications/mine.html",
        applications=applications,
        # Just sent (after applying): the fairs where its employer interviews are offered.
        applied=next((a for a in applications if a.id == applied_id), None),
        events=queries.events_by_application([a.id for a in applications]),
        withdraw_form=WithdrawForm(formdata=None),
    )


@bp.route("/me/applications/<int:application_id>/withdraw", methods=["POST"])
@doctor_required
def withdraw(application_id: int) -> Response:
    application = or_404(queries.my_application(current_user, application_id))
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(422, _("The reason is too long or contains control characters."))
    applying.withdraw(current_user, application, form.reason.data)
    flash(_("Your application is withdrawn."), "info")
    return redirect(url_for("applications.mine"))


def _privacy_page(form: DeleteAccountForm, status: int = 200) -> Response:
    return render_page("applications/privacy.html", form=form, sections=personal_data.sections(), status=status)


@bp.route("/me/privacy")
@doctor_required
def privacy() -> Response:
    return _privacy_page(DeleteAccountForm(formdata=None))


@bp.route("/me/privacy/export", methods=["POST"])
@fresh_login_required
def export() -> Response:
    if not current_user.is_doctor:
        abort(403)
    return private_download(personal_data.export_archive(current_user), "application/zip", "imap-jobboard-my-data.zip")


classify(export, "doctor")


@bp.route("/me/privacy/delete", methods=["POST"])
@fresh_login_required
def delete_account() -> Response:
    if not current_user.is_doctor:
        abort(403)
    form = DeleteAccountForm()
    if form.validate_on_submit():
        with errors_on(form):
            delete_doctor_account(current_user._get_current_object(), filled(form.password.data))
            logout_user()
            flash(_("Your account and your data are deleted. We sent a confirmation to your address."), "info")
            return redirect(url_for("pages.home"))
    return _privacy_page(form, status=422)


classify(delete_account, "doctor")


# --- the employer's side -------------------------------------------------------------------


def _application_or_404(application_id: int) -> Application:
    return or_404(queries.org_application(current_org(), application_id))


def _undo_offer(token: str | None, application_id: int | None = None) -> tuple[Application, str] | None:
    """The move the signed-in recruiter just made (its application, and the token that undoes it)
    while it can still be undone; on an application's page, only a move of that application."""
    move = undoing.undoable_move(token, current_user) if token else None
    if move is None or application_id not in (None, move.application_id):
        return None
    application = queries.org_application(current_org(), move.application_id)
    return (application, move.token) if application is not None else None


@bp.route("/org/<org_slug>/postings/<int:posting_id>/pipeline")
@member_required(Role.VIEWER)
def pipeline(posting_id: int, undo: tuple[Application, str] | None = None, notice: str | None = None) -> Response:
    """The board; after an htmx move, with the offer to undo it, or after an undo with ``notice``."""
    posting = or_404(org_posting(current_org(), posting_id))
    board = queries.pipeline(current_org(), posting)
    return render_page(
        "applications/pipeline.html",
        org=current_org(),
        membership=current_membership(),
        posting=posting,
        board=board,
        columns=PIPELINE,
        withdrawn=board[Stage.WITHDRAWN],
        undo=undo or _undo_offer(request.args.get("undo")),
        undo_seconds=undoing.UNDO_SECONDS,
        notice=notice,
        block="board",
    )


def _after_moving(application: Application, token: str | None) -> Response:
    """The board (htmx) or the page the move was made on, offering to undo it."""
    from_board = request.form.get("from") == "board"
    if from_board and is_htmx():
        return pipeline(application.posting_id, undo=(application, token) if token else None)
    if from_board:
        return redirect(url_for("applications.pipeline", posting_id=application.posting_id, undo=token))
    return redirect(url_for("applications.detail", application_id=application.id, undo=token))


@bp.route("/org/<org_slug>/applications/<int:application_id>/move", methods=["POST"])
@member_required(Role.RECRUITER)
def move(application_id: int) -> Response:
    application = _application_or_404(application_id)
    form = MoveForm()
    if not form.validate_on_submit():
        if form.occurred_on.errors:
            abort(422, _("Give the day as a date."))
        abort(422, _("Choose one of the pipeline's stages."))
    token = undoing.move_undoably(
        application,
        current_user,
        Stage(form.stage.data),
        note=form.note.data,
        send_rejection=form.send_rejection.data,
        occurred_on=form.occurred_on.data,
    )
    return _after_moving(application, token)


@bp.route("/org/<org_slug>/applications/<int:application_id>/undo-move", methods=["POST"])
@member_required(Role.RECRUITER)
def undo_move(application_id: int) -> Response:
    application = _application_or_404(application_id)
    stage = undoing.undo_move(application, current_user, request.form.get("token", ""))
    done = _("The move is undone: back in %(stage)s, and no e-mail was sent.", stage=stage.label.lower())
    if request.form.get("from") == "board" and is_htmx():
        return pipeline(application.posting_id, notice=done)
    flash(done, "info")
    if request.form.get("from") == "board":
        return redirect(url_for("applications.pipeline", posting_id=application.posting_id))
    return redirect(url_for("applications.detail", application_id=application.id))


@bp.route("/org/<org_slug>/applicants")
@member_required(Role.VIEWER)
def applicants() -> Response:
    org = current_org()
    form = ApplicantFilterForm(request.args)
    form.posting.choices = [
        ("", _("All postings")),
        *((str(i), t) for i, t in queries.org_postings_with_applications(org)),
    ]
    form.specialty.choices = [("", _("Any specialty")), *specialty_choices()]
    chosen = queries.ApplicantFilter()
    notices = []
    if form.validate():
        chosen = queries.ApplicantFilter(
            posting_id=form.posting.data,
            stage=Stage(form.stage.data) if form.stage.data else None,
            specialty=form.specialty.data or None,
            licence_status=LicenceStatus(form.licence.data) if form.licence.data else None,
            min_hebrew=form.hebrew.data,
            move_before=month_start(form.move_before.data),
            sort=form.sort.data or "newest",
        )
    else:
        notices = [
            _("%(field)s: %(error)s", field=form[name].label.text, error=errors[0])
            for name, errors in form.errors.items()
        ]
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    return render_page(
        "applications/applicants.html",
        org=org,
        membership=current_membership(),
        form=form,
        notices=notices,
        page=queries.applicants(org, chosen, page),
        specialty_names=dict(specialty_choices()),
        block="results",
    )


@bp.route("/org/<org_slug>/applications/<int:application_id>")
@member_required(Role.VIEWER)
def detail(application_id: int) -> Response:
    application = _application_or_404(application_id)
    return render_page(
        "applications/detail.html",
        org=current_org(),
        membership=current_membership(),
        application=application,
        profile=queries.profile_for(application),
        events=queries.events_by_application([application.id])[application.id],
        notes=queries.notes(application),
        move_form=MoveForm(formdata=None, data={"stage": application.stage.value}),
        undo=_undo_offer(request.args.get("undo"), application.id),
        undo_seconds=undoing.UNDO_SECONDS,
        note_form=NoteForm(formdata=None),
        rating_form=RatingForm(formdata=None, data={"rating": application.rating}),
    )


@bp.route("/org/<org_slug>/applications/<int:application_id>/cv")
@member_required(Role.VIEWER)
def application_cv(application_id: int) -> Response:
    application = _application_or_404(application_id)
    if not application.cv_stored_name:
        abort(404)
    pipeline_service.record_cv_download(application, current_user)
    return _download(application.cv_stored_name, application.cv_original_name or "cv.pdf")


@bp.route("/org/<org_slug>/applications/<int:application_id>/notes", methods=["POST"])
@member_required(Role.RECRUITER)
def add_note(application_id: int) -> Response:
    application = _application_or_404(application_id)
    form = NoteForm()
    if not form.validate_on_submit():
        abort(422, _("Write the note (at most 5,000 characters)."))
    pipeline_service.add_note(application, current_user, filled(form.body.data))
    flash(_("The note is saved."), "success")
    return redirect(url_for("applications.detail", application_id=application.id))


@bp.route("/org/<org_slug>/applications/<int:application_id>/rating", methods=["POST"])
@member_required(Role.RECRUITER)
def rate(application_id: int) -> Response:
    application = _application_or_404(application_id)
    form = RatingForm()
    if not form.validate_on_submit():
        abort(422, _("A rating is from 1 to 5."))
    pipeline_service.rate(application, form.rating.data)
    flash(_("The rating is saved."), "success")
    return redirect(url_for("applications.detail", application_id=application.id))


@bp.route("/org/<org_slug>/rejection-template", methods=["GET", "POST"])
@member_required(Role.RECRUITER)
def rejection_template() -> Response:
    template = pipeline_service.rejection_template(current_org())
    form = RejectionTemplateForm(data={"subject": template.subject, "body": template.body})
    if form.validate_on_submit():
        pipeline_service.save_rejection_template(
            current_org(), current_user, filled(form.subject.data), filled(form.body.data)
        )
        flash(_("The rejection e-mail is saved."), "success")
        return redirect(url_for("applications.rejection_template"))
    return form_page("applications/rejection_template.html", form, org=current_org(), membership=current_membership())


@bp.route("/org/<org_slug>/notifications", methods=["GET", "POST"])
@member_required(Role.VIEWER)
def notifications() -> Response:
    membership = current_membership()
    form = MailModeForm(data={"mode": notification_service.mail_mode(membership).value})
    if form.validate_on_submit():
        notification_service.set_mail_mode(membership, MailMode(form.mode.data))
        flash(_("Your e-mail setting is saved."), "success")
        return redirect(url_for("applications.notifications"))
    return form_page("applications/notifications.html", form, org=current_org(), membership=membership)
