from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.applications.cv_files import MAX_BYTES, open_file
from jobboard.applications.queries import org_application
from jobboard.core.access import admin_required, doctor_required
from jobboard.core.db import utcnow
from jobboard.core.forms import filled
from jobboard.core.htmx import render_page
from jobboard.core.views import errors_on, form_page, or_404
from jobboard.core.web import private_download
from jobboard.extensions import limiter
from jobboard.licensing import catalogue, documents, milestones, queries, review, sharing
from jobboard.licensing.forms import (
    DocumentForm,
    KindEditForm,
    MilestonesForm,
    NewCopyForm,
    RequirementForm,
    TrackEditForm,
    TrackForm,
)
from jobboard.licensing.models import DocumentKind, LicenceDocument, LicenceTrack
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_org, member_required, register_tenant_blueprint

bp = Blueprint("licensing", __name__)
register_tenant_blueprint(bp)


def _today() -> date:
    return utcnow().date()


def _latest_day() -> date:
    """The doctor's today at the latest: east of UTC the day may already have begun."""
    return (utcnow() + timedelta(hours=14)).date()


@bp.app_context_processor
def _licence_helpers() -> dict[str, object]:
    """For the applications' pages (another feature's templates): the doctors' licence readiness
    and what each application shares."""
    return {
        "licence_readiness": lambda user_ids: queries.readiness(list(user_ids), _today()),
        "licence_shares": queries.shares_by_application,
    }


def _download(document: LicenceDocument) -> Response:
    try:
        stream = open_file(document.stored_name)
    except FileNotFoundError:
        abort(404, _("This file is no longer available."))
    return private_download(stream, document.content_type, document.original_name)


# --- the doctor's side -------------------------------------------------------------------------


def _file_page(
    track_form: TrackForm | None = None, milestones_form: MilestonesForm | None = None, status: int = 200
) -> Response:
    view = queries.file_view(current_user, _today())
    file = view.file
    return render_page(
        "licensing/file.html",
        file=file,
        items=view.items,
        others=view.others,
        today=_today(),
        track_form=track_form or TrackForm(formdata=None, data={"track_id": file.track_id if file else None}),
        milestones_form=milestones_form or MilestonesForm.of(milestones.MilestoneFields.of(file)),
        licence_status=milestones.derive_status(file),
        status=status,
    )


@bp.route("/me/licence")
@doctor_required
def file() -> Response:
    return _file_page()


@bp.route("/me/licence/track", methods=["POST"])
@doctor_required
def choose_track() -> Response:
    form = TrackForm()
    if not form.validate_on_submit():
        return _file_page(track_form=form, status=422)
    milestones.choose_track(current_user, or_404(queries.track(filled(form.track_id.data))))
    flash(_("Your track is saved. Here is its checklist."), "success")
    return redirect(url_for("licensing.file"))


@bp.route("/me/licence/milestones", methods=["POST"])
@doctor_required
def save_milestones() -> Response:
    form = MilestonesForm()
    if form.validate_on_submit():
        with errors_on(form):
            milestones.save_milestones(current_user, form.to_fields(), _latest_day())
            flash(_("Your milestones are saved."), "success")
            return redirect(url_for("licensing.file", _anchor="milestones"))
    return _file_page(milestones_form=form, status=422)


@bp.route("/me/licence/documents/<int:kind_id>/upload", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"], key_func=lambda: f"licence-upload:{current_user.get_id()}")
@doctor_required
def upload(kind_id: int) -> Response:
    kind = or_404(queries.kind(kind_id))
    existing = queries.my_document_of_kind(current_user, kind)
    form = DocumentForm()
    if form.validate_on_submit():
        with errors_on(form):
            sent = form.file.data
            documents.upload_document(
                current_user,
                kind,
                sent.filename or "",
                sent.read(MAX_BYTES + 1),
                issued_on=filled(form.issued_on.data),
                expires_on=form.expires_on.data,
                today=_latest_day(),
            )
            flash(_("The document is uploaded."), "success")
            return redirect(url_for("licensing.file"))
    return form_page("licensing/upload.html", form, kind=kind, existing=existing)


def _my_document(document_id: int) -> LicenceDocument:
    return or_404(queries.my_document(current_user, document_id))


@bp.route("/me/licence/documents/<int:document_id>")
@doctor_required
def download(document_id: int) -> Response:
    return _download(_my_document(document_id))


@bp.route("/me/licence/documents/<int:document_id>/delete", methods=["POST"])
@doctor_required
def delete(document_id: int) -> Response:
    documents.delete_document(current_user, _my_document(document_id))
    flash(_("The document is deleted; no employer can see it any more."), "success")
    return redirect(url_for("licensing.file"))


@bp.route("/me/applications/<int:application_id>/licence-documents/<int:document_id>/revoke", methods=["POST"])
@doctor_required
def revoke(application_id: int, document_id: int) -> Response:
    sharing.revoke(current_user, or_404(queries.my_share(current_user, application_id, document_id)))
    flash(_("The employer can no longer see this document."), "success")
    return redirect(url_for("applications.mine", _anchor=f"application-{application_id}"))


# --- the employer's side -----------------------------------------------------------------------


@bp.route("/org/<org_slug>/applications/<int:application_id>/licence-documents/<int:document_id>")
@member_required(Role.VIEWER)
def shared_document(application_id: int, document_id: int) -> Response:
    document = or_404(queries.org_shared_document(current_org(), application_id, document_id))
    sharing.record_download(document, current_user, or_404(org_application(current_org(), application_id)))
    return _download(document)


# --- the programme's staff ---------------------------------------------------------------------


@bp.route("/admin/licence/files")
@admin_required
def admin_files() -> Response:
    return render_page("licensing/admin_files.html", rows=queries.files_for_review())


def _admin_file_page(doctor_id: int, new_copy_form: NewCopyForm | None = None, status: int = 200) -> Response:
    doctor = or_404(queries.doctor(doctor_id))
    view = queries.file_view(doctor, _today())
    return render_page(
        "licensing/admin_file.html",
        doctor=doctor,
        file=view.file,
        items=view.items,
        others=view.others,
        today=_today(),
        milestones=milestones.MilestoneFields.of(view.file),
        new_copy_form=new_copy_form or NewCopyForm(formdata=None),
        status=status,
    )


@bp.route("/admin/licence/files/<int:doctor_id>")
@admin_required
def admin_file(doctor_id: int) -> Response:
    return _admin_file_page(doctor_id)


@bp.route("/admin/licence/documents/<int:document_id>")
@admin_required
def admin_download(document_id: int) -> Response:
    document = or_404(queries.document(document_id))
    sharing.record_download(document, current_user)
    return _download(document)


@bp.route("/admin/licence/documents/<int:document_id>/accept", methods=["POST"])
@admin_required
def accept(document_id: int) -> Response:
    document = or_404(queries.document(document_id))
    review.accept(current_user, document)
    flash(_("The document is accepted; the doctor is told."), "success")
    return redirect(url_for("licensing.admin_file", doctor_id=document.owner_id))


@bp.route("/admin/licence/documents/<int:document_id>/new-copy", methods=["POST"])
@admin_required
def request_new_copy(document_id: int) -> Response:
    document = or_404(queries.document(document_id))
    form = NewCopyForm()
    if form.validate_on_submit():
        with errors_on(form):
            review.request_new_copy(current_user, document, filled(form.reason.data))
            flash(_("A new copy is requested; the doctor is told why."), "success")
            return redirect(url_for("licensing.admin_file", doctor_id=document.owner_id))
    return _admin_file_page(document.owner_id, new_copy_form=form, status=422)


@bp.route("/admin/licence/tracks")
@admin_required
def admin_catalogue() -> Response:
    return render_page("licensing/admin_catalogue.html", tracks=queries.tracks(), kinds=queries.kinds())


def _track_page(
    track: LicenceTrack | None,
    track_form: TrackEditForm | None = None,
    requirement_form: RequirementForm | None = None,
) -> Response:
    track_form = track_form or TrackEditForm.of(track)
    requirement_form = requirement_form or RequirementForm(formdata=None)
    return render_page(
        "licensing/admin_track.html",
        track=track,
        track_form=track_form,
        requirement_form=requirement_form,
        status=422 if track_form.errors or requirement_form.errors else 200,
    )


def _edit_track(track: LicenceTrack | None) -> Response:
    form = TrackEditForm.of(track)
    if form.validate_on_submit():
        with errors_on(form):
            saved = catalogue.save_track(current_user, form.to_fields(), track)
            flash(_("“%(name)s” is saved.", name=saved.name), "success")
            return redirect(url_for("licensing.admin_track", track_id=saved.id))
    return _track_page(track, track_form=form)


@bp.route("/admin/licence/tracks/new", methods=["GET", "POST"])
@admin_required
def new_track() -> Response:
    return _edit_track(None)


@bp.route("/admin/licence/tracks/<int:track_id>", methods=["GET", "POST"])
@admin_required
def admin_track(track_id: int) -> Response:
    return _edit_track(or_404(queries.track(track_id)))


@bp.route("/admin/licence/tracks/<int:track_id>/requirements", methods=["POST"])
@admin_required
def add_requirement(track_id: int) -> Response:
    track = or_404(queries.track(track_id))
    form = RequirementForm()
    if form.validate_on_submit():
        with errors_on(form):
            kind = or_404(queries.kind(filled(form.kind_id.data)))
            catalogue.add_requirement(current_user, track, kind, form.source_url.data or "", form.is_confirmed.data)
            flash(_("The checklist item is added."), "success")
            return redirect(url_for("licensing.admin_track", track_id=track.id))
    return _track_page(track, requirement_form=form)


@bp.route("/admin/licence/requirements/<int:requirement_id>/delete", methods=["POST"])
@admin_required
def remove_requirement(requirement_id: int) -> Response:
    requirement = or_404(queries.requirement(requirement_id))
    track_id = requirement.track_id
    catalogue.remove_requirement(current_user, requirement)
    flash(_("The checklist item is removed."), "success")
    return redirect(url_for("licensing.admin_track", track_id=track_id))


def _kind_page(kind: DocumentKind | None) -> Response:
    form = KindEditForm.of(kind)
    if form.validate_on_submit():
        with errors_on(form):
            saved = catalogue.save_kind(current_user, form.to_fields(), kind)
            flash(_("“%(name)s” is saved.", name=saved.name), "success")
            return redirect(url_for("licensing.admin_catalogue"))
    return form_page("licensing/admin_kind.html", form, kind=kind)


@bp.route("/admin/licence/kinds/new", methods=["GET", "POST"])
@admin_required
def new_kind() -> Response:
    return _kind_page(None)


@bp.route("/admin/licence/kinds/<int:kind_id>", methods=["GET", "POST"])
@admin_required
def admin_kind(kind_id: int) -> Response:
    return _kind_page(or_404(queries.kind(kind_id)))
