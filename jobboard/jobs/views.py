from __future__ import annotations

from datetime import datetime
from typing import cast

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.core.access import doctor_required, public
from jobboard.core.db import utcnow
from jobboard.core.htmx import is_htmx, render_page
from jobboard.core.urls import safe_next
from jobboard.core.views import errors_on, form_page, or_404
from jobboard.extensions import limiter
from jobboard.i18n import current_language, when
from jobboard.jobs import lifecycle, queries, renewal, reviewing, saved, services, view_counts
from jobboard.jobs.forms import CloseForm, PostingForm, ReportForm, SubmitForm
from jobboard.jobs.lifecycle import Action, Actor
from jobboard.jobs.models import EDITABLE, CloseReason, Posting, ReportReason
from jobboard.jobs.save_button import SAVE_ARG, forget_saved_ids, save_button
from jobboard.jobs.services import MAX_DESCRIPTION_CHARS
from jobboard.jobs.structured_data import job_posting_json_ld
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint

bp = Blueprint("jobs", __name__)
register_tenant_blueprint(bp)


# --- the organisation's postings -----------------------------------------------------------


def _posting_or_404(posting_id: int) -> Posting:
    return or_404(queries.org_posting(current_org(), posting_id))


def _form_page(form: PostingForm, posting: Posting | None) -> Response:
    return form_page(
        "jobs/posting_form.html",
        form,
        org=current_org(),
        posting=posting,
        grants={g.id: g for g in queries.grant_programs()},
        has_sites=bool(form.site_id.choices),
        # Only a GET swaps the grant choices in: an htmx POST gets the whole form with its errors.
        block="grant_choices" if request.method == "GET" else None,
    )


@bp.route("/org/<org_slug>/postings")
@member_required(Role.VIEWER)
def index() -> Response:
    org = current_org()
    return render_page(
        "jobs/org_postings.html",
        org=org,
        membership=current_membership(),
        postings=queries.org_postings(org),
        revisions=queries.open_revisions_by_posting(org),
        views=queries.view_totals(org),
        now=utcnow(),
    )


@bp.route("/org/<org_slug>/postings/new", methods=["GET", "POST"])
@member_required(Role.RECRUITER)
def new() -> Response:
    form = PostingForm.for_org(current_org())
    if form.validate_on_submit():
        with errors_on(form):
            posting = services.create_posting(current_org(), current_user, form.to_fields())
            flash(_("The draft is saved. Check it, then submit it for review."), "success")
            return redirect(url_for("jobs.manage", posting_id=posting.id))
    return _form_page(form, None)


@bp.route("/org/<org_slug>/postings/grant-choices")
@member_required(Role.RECRUITER)
def grant_choices() -> Response:
    """The grant checkboxes for the chosen site's region (the form swaps them in when the site changes)."""
    form = PostingForm.for_org(current_org(), site_id=request.args.get("site_id", type=int), formdata=None)
    return render_page(
        "jobs/posting_form.html",
        org=current_org(),
        form=form,
        posting=None,
        grants={g.id: g for g in queries.grant_programs()},
        has_sites=True,
        block="grant_choices",
    )


@bp.route("/org/<org_slug>/postings/preview", methods=["POST"])
@member_required(Role.RECRUITER)
def preview() -> Response:
    """The description as doctors will read it, rendered as the posting's page renders it (the
    form asks for it with htmx as the recruiter types). Nothing is stored."""
    text = request.form.get("description_md", "")
    if len(text) > MAX_DESCRIPTION_CHARS:
        abort(422, _("The description is too long to show."))
    return render_page("jobs/_description_preview.html", text=text)


@bp.route("/org/<org_slug>/postings/<int:posting_id>")
@member_required(Role.VIEWER)
def manage(posting_id: int) -> Response:
    posting = _posting_or_404(posting_id)
    membership = current_membership()
    return render_page(
        "jobs/manage.html",
        org=current_org(),
        posting=posting,
        membership=membership,
        actions=lifecycle.allowed_actions(posting, Actor.EMPLOYER) if membership.can_act else set(),
        revision=queries.open_revision(posting),
        history=queries.transitions(posting),
        duplicate=services.find_likely_duplicate(posting) if posting.status in EDITABLE else None,
        submit_form=SubmitForm(formdata=None),
        close_form=CloseForm(formdata=None),
        Action=Action,
    )


@bp.route("/org/<org_slug>/postings/<int:posting_id>/edit", methods=["GET", "POST"])
@member_required(Role.RECRUITER)
def edit(posting_id: int) -> Response:
    posting = _posting_or_404(posting_id)
    source = queries.open_revision(posting) or posting
    form = PostingForm.of(services.PostingContent.of(source), current_org(), kept=tuple(source.grants))
    if form.validate_on_submit():
        with errors_on(form):
            saved = services.update_posting(posting, current_user, form.to_fields())
            if saved is not posting:
                flash(
                    _("Your changes are submitted for review. The published version stays up until they are approved."),
                    "info",
                )
            else:
                flash(_("The posting is saved."), "success")
            return redirect(url_for("jobs.manage", posting_id=posting.id))
    return _form_page(form, posting)


@bp.route("/org/<org_slug>/postings/<int:posting_id>/submit", methods=["POST"])
@member_required(Role.RECRUITER)
def submit(posting_id: int) -> Response:
    posting = _posting_or_404(posting_id)
    acknowledged = SubmitForm().acknowledge_duplicate.data
    services.submit(posting, current_user, acknowledge_duplicate=acknowledged)
    flash(_("Submitted for review. You will get an e-mail when it is decided."), "success")
    return redirect(url_for("jobs.manage", posting_id=posting.id))


@bp.route("/org/<org_slug>/postings/<int:posting_id>/withdraw", methods=["POST"])
@member_required(Role.RECRUITER)
def withdraw(posting_id: int) -> Response:
    posting = _posting_or_404(posting_id)
    target = queries.open_revision(posting) if posting.is_published else posting
    if target is None:
        abort(409, _("There is nothing waiting for review."))
    services.withdraw_submission(target, current_user)
    flash(_("Withdrawn from review; you can edit it again."), "info")
    return redirect(url_for("jobs.manage", posting_id=posting.id))


@bp.route("/org/<org_slug>/postings/<int:posting_id>/close", methods=["POST"])
@member_required(Role.RECRUITER)
def close(posting_id: int) -> Response:
    posting = _posting_or_404(posting_id)
    form = CloseForm()
    if not form.validate_on_submit():
        abort(422, _("Say whether the position is filled or withdrawn."))
    services.close_posting(posting, current_user, CloseReason(form.reason.data))
    flash(_("The posting is closed and no longer listed."), "success")
    return redirect(url_for("jobs.manage", posting_id=posting.id))


@bp.route("/org/<org_slug>/postings/<int:posting_id>/renew", methods=["POST"])
@member_required(Role.RECRUITER)
def renew(posting_id: int) -> Response:
    posting = _posting_or_404(posting_id)
    lifecycle.renew(posting, current_user)
    flash(_("Renewed until %(date)s.", date=when(cast(datetime, posting.expires_at), "dd MMMM yyyy")), "success")
    return redirect(url_for("jobs.manage", posting_id=posting.id))


@bp.route("/org/<org_slug>/postings/<int:posting_id>/duplicate", methods=["POST"])
@member_required(Role.RECRUITER)
def duplicate(posting_id: int) -> Response:
    copy = services.duplicate_posting(_posting_or_404(posting_id), current_user)
    flash(_("A new draft is made from this posting."), "success")
    return redirect(url_for("jobs.edit", posting_id=copy.id))


@bp.route("/org/<org_slug>/postings/<int:posting_id>/delete", methods=["POST"])
@member_required(Role.RECRUITER)
def delete(posting_id: int) -> Response:
    posting = _posting_or_404(posting_id)
    target = queries.open_revision(posting) or posting
    services.delete_posting(target, current_user)
    flash(_("The edit is discarded.") if target is not posting else _("The draft is deleted."), "success")
    if target is not posting:
        return redirect(url_for("jobs.manage", posting_id=posting.id))
    return redirect(url_for("jobs.index"))


@bp.route("/postings/renew/<token>", methods=["GET", "POST"])
@public
def renew_from_mail(token: str) -> Response:
    """The one-click renewal in the reminder e-mail: the signed link is the authority, bound
    to the recruiter and to the current expiry, so it works once."""
    posting = renewal.renewal_for_token(token)
    if request.method == "POST":
        posting = renewal.renew_with_token(token)
        flash(
            _(
                "“%(title)s” is renewed until %(date)s.",
                title=posting.title,
                date=when(cast(datetime, posting.expires_at), "dd MMMM yyyy"),
            ),
            "success",
        )
        return redirect(url_for("jobs.detail", posting_id=posting.id))
    return render_page("jobs/renew.html", posting=posting)


# --- public pages --------------------------------------------------------------------------


def _can_preview(posting: Posting) -> bool:
    if not current_user.is_authenticated:
        return False
    return current_user.can_administer or org_queries.membership_in(current_user.id, posting.org.slug) is not None


@bp.route("/jobs/<int:posting_id>")
@bp.route("/jobs/<int:posting_id>-<slug>")
@public
def detail(posting_id: int, slug: str | None = None) -> Response:
    posting = queries.posting_with_details(posting_id)
    if posting is None or posting.is_revision:
        abort(404)
    if posting.is_listed:
        canonical = posting.slug
        if slug != canonical:
            return redirect(url_for("jobs.detail", posting_id=posting.id, slug=canonical), 301)
        view_counts.count_view(posting.id)
        return render_page(
            "jobs/detail.html",
            posting=posting,
            shown_text=posting.text_in(current_language()),
            json_ld=job_posting_json_ld(posting),
            report_form=ReportForm(formdata=None),
            save_on_load=request.args.get(SAVE_ARG) == "1",
        )
    if posting.is_gone and posting.first_published_at is not None:
        return render_page("jobs/gone.html", posting=posting, status=410)
    if _can_preview(posting):
        return render_page(
            "jobs/detail.html",
            posting=posting,
            shown_text=posting.text_in(current_language()),
            preview=True,
            json_ld=None,
            report_form=None,
        )
    abort(404)


# --- a doctor's saved postings ----------------------------------------------------------------


@bp.route("/jobs/<int:posting_id>/save", methods=["POST"])
@doctor_required
def save(posting_id: int) -> Response:
    """Save the posting (``saved=1``) or take it off the list (``saved=0``): htmx gets the
    toggle back in its new state, a plain form post goes back to the page it came from."""
    posting = queries.posting_with_details(posting_id)
    if posting is None or posting.is_revision:
        abort(404)
    wanted = request.form.get("saved")
    if wanted not in ("0", "1"):
        abort(422, _("Say whether to save the posting or remove it from your list."))
    if wanted == "1":
        saved.save(current_user, posting)
    else:
        saved.unsave(current_user, posting)
    forget_saved_ids()
    detail_path = url_for("jobs.detail", posting_id=posting.id, slug=posting.slug)
    if is_htmx():
        return Response(save_button(posting.id, detail_path), mimetype="text/html")
    flash(_("Saved to your list.") if wanted == "1" else _("Removed from your list."), "success")
    return redirect(safe_next(request.form.get("next"), detail_path))


@bp.route("/me/saved")
@doctor_required
def my_saved() -> Response:
    return render_page("jobs/saved.html", saved=saved.saved_postings(current_user))


@bp.route("/jobs/<int:posting_id>/report", methods=["POST"])
@limiter.limit("10/hour", methods=["POST"])
@public
def report(posting_id: int) -> Response:
    posting = queries.posting_with_details(posting_id)
    if posting is None or not posting.is_listed:
        abort(404)
    form = ReportForm()
    if not form.validate_on_submit():
        abort(422, _("Choose what is wrong with the posting."))
    reviewing.report_posting(
        posting, current_user if current_user.is_authenticated else None, ReportReason(form.reason.data), form.note.data
    )
    flash(_("Thank you. The program's administrators will look at this posting."), "success")
    return redirect(url_for("jobs.detail", posting_id=posting.id, slug=posting.slug))
