from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from jobboard.accounts.models import User
from jobboard.core.access import admin_required
from jobboard.core.db import utcnow
from jobboard.core.errors import Conflict
from jobboard.core.forms import filled
from jobboard.core.htmx import render_page
from jobboard.core.views import errors_on, form_page, or_404
from jobboard.extensions import db
from jobboard.jobs import queries as job_queries
from jobboard.jobs import reviewing
from jobboard.jobs.forms import DecisionForm, GrantForm
from jobboard.jobs.grants import GrantFields, save_grant
from jobboard.jobs.models import GrantProgram, Posting
from jobboard.moderation import queries, services
from jobboard.moderation.diff import changes
from jobboard.moderation.events import detail_name, event_words, subject_kind
from jobboard.moderation.forms import FILTERS, AuditFilterForm, SuspendForm, VerifyForm
from jobboard.orgs import queries as org_queries
from jobboard.orgs.models import Organization, OrgStatus

bp = Blueprint("moderation", __name__, url_prefix="/admin")


@bp.context_processor
def _audit_words() -> dict[str, Callable[[str], str]]:
    """The audit log's codes in words, for its table (here and on an employer's page)."""
    return {"event_words": event_words, "subject_kind": subject_kind, "detail_name": detail_name}


def _page_number() -> int:
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


@bp.route("/")
@admin_required
def overview() -> Response:
    """The administrator's first screen: employers by status, the moderation queue and how long it
    has waited, the next fairs, and the outbox's health."""
    outbox_waiting, outbox_dead = queries.outbox_backlog()
    return render_page(
        "moderation/overview.html",
        counts=queries.org_counts(),
        review=queries.review_queue(),
        fairs=queries.next_fairs(utcnow().date()),
        outbox_waiting=outbox_waiting,
        outbox_dead=outbox_dead,
    )


@bp.route("/orgs")
@admin_required
def orgs() -> Response:
    status_arg = request.args.get("status")
    status = OrgStatus(status_arg) if status_arg in {s.value for s in OrgStatus} else None
    return render_page(
        "moderation/orgs.html", orgs=org_queries.organizations(status), selected=status, counts=queries.org_counts()
    )


def _org_page(
    org: Organization, verify_form: VerifyForm | None = None, suspend_form: SuspendForm | None = None, status: int = 200
) -> Response:
    history = queries.audit_page(1, queries.AuditFilter(org_id=org.id), per_page=20).items
    return render_page(
        "moderation/org_detail.html",
        org=org,
        members=org_queries.members(org),
        sites=org_queries.sites(org),
        history=history,
        names=queries.audit_names(history),
        verify_form=verify_form or VerifyForm(formdata=None),
        suspend_form=suspend_form or SuspendForm(formdata=None),
        status=status,
    )


@bp.route("/orgs/<int:org_id>")
@admin_required
def org_detail(org_id: int) -> Response:
    return _org_page(or_404(db.session.get(Organization, org_id)))


@bp.route("/orgs/<int:org_id>/verify", methods=["POST"])
@admin_required
def verify_org(org_id: int) -> Response:
    org = or_404(db.session.get(Organization, org_id))
    form = VerifyForm()
    if form.validate_on_submit():
        services.verify_org(current_user, org, form.reason.data or None)
        flash(_("%(employer)s is verified.", employer=org.name), "success")
        return redirect(url_for("moderation.org_detail", org_id=org.id))
    return _org_page(org, verify_form=form, status=422)


@bp.route("/orgs/<int:org_id>/suspend", methods=["POST"])
@admin_required
def suspend_org(org_id: int) -> Response:
    org = or_404(db.session.get(Organization, org_id))
    form = SuspendForm()
    if form.validate_on_submit():
        with errors_on(form, passing=(Conflict,)):
            services.suspend_org(current_user, org, filled(form.reason.data))
            flash(_("%(employer)s is suspended.", employer=org.name), "success")
            return redirect(url_for("moderation.org_detail", org_id=org.id))
    return _org_page(org, suspend_form=form, status=422)


@bp.route("/audit")
@admin_required
def audit_log() -> Response:
    """The log with people and things by name and events in words, narrowed by what happened,
    who, the subject and the days; the filters stay in the address, page after page."""
    # PostgreSQL refuses NUL in a bound text parameter (a 500); no filter's value holds one.
    args = MultiDict([(key, value.replace("\x00", "")) for key, value in request.args.items(multi=True)])
    form = AuditFilterForm(args)
    form.action.choices = [("", _("All actions")), *((a, event_words(a)) for a in queries.audit_actions())]
    if form.validate():
        chosen = form.to_filter()
        kept = {name: value for name in FILTERS if (value := args.get(name, ""))}
        notices: list[str] = []
    else:
        chosen, kept = queries.AuditFilter(), {}
        notices = [
            _("%(field)s: %(error)s", field=form[name].label.text, error=errors[0])
            for name, errors in form.errors.items()
        ]
    page = queries.audit_page(_page_number(), chosen)
    return render_page(
        "moderation/audit.html",
        form=form,
        page=page,
        names=queries.audit_names(page.items),
        kept=kept,
        notices=notices,
        block="entries",
        status=422 if notices else 200,
    )


@bp.route("/outbox")
@admin_required
def outbox_messages() -> Response:
    return render_page("moderation/outbox.html", messages=queries.undelivered())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@admin_required
def retry_outbox_message(message_id: int) -> Response:
    services.retry_outbox_message(current_user, message_id)
    flash(_("The message is queued again."), "success")
    return redirect(url_for("moderation.outbox_messages"))


# --- postings ------------------------------------------------------------------------------


@bp.route("/postings")
@admin_required
def queue() -> Response:
    return render_page(
        "moderation/queue.html",
        postings=job_queries.moderation_queue(),
        reported=job_queries.open_report_counts(),
        now=utcnow(),
    )


def _review_page(posting: Posting, form: DecisionForm | None = None, status: int = 200) -> Response:
    baseline = reviewing.last_approved_version(posting)
    current = reviewing.snapshot(posting)
    return render_page(
        "moderation/review.html",
        posting=posting,
        live=posting.revision_of,
        content=current,
        diff=changes(baseline.content, current) if baseline else None,
        field_names=reviewing.SNAPSHOT_FIELDS,
        baseline=baseline,
        duplicate=db.session.get(Posting, posting.likely_duplicate_of_id) if posting.likely_duplicate_of_id else None,
        reports=job_queries.open_reports(posting),
        history=job_queries.transitions(posting),
        form=form or DecisionForm(formdata=None),
        status=status,
    )


@bp.route("/postings/<int:posting_id>")
@admin_required
def review(posting_id: int) -> Response:
    return _review_page(or_404(job_queries.posting_with_details(posting_id)))


@bp.route("/postings/<int:posting_id>/approve", methods=["POST"])
@admin_required
def approve(posting_id: int) -> Response:
    posting = or_404(job_queries.posting_with_details(posting_id))
    live = reviewing.approve(posting, current_user)
    flash(_("“%(title)s” is published.", title=live.title), "success")
    return redirect(url_for("moderation.queue"))


def _decide(posting_id: int, decide: Callable[[Posting, User, str], None], done: Callable[[str], str]) -> Response:
    posting = or_404(job_queries.posting_with_details(posting_id))
    form = DecisionForm()
    if form.validate_on_submit():
        with errors_on(form, passing=(Conflict,)):
            decide(posting, current_user, form.reason.data or "")
            flash(done(posting.title), "success")
            return redirect(url_for("moderation.queue"))
    return _review_page(posting, form, status=422)


@bp.route("/postings/<int:posting_id>/request-changes", methods=["POST"])
@admin_required
def request_changes(posting_id: int) -> Response:
    return _decide(
        posting_id, reviewing.request_changes, lambda title: _("Changes requested for “%(title)s”.", title=title)
    )


@bp.route("/postings/<int:posting_id>/reject", methods=["POST"])
@admin_required
def reject(posting_id: int) -> Response:
    return _decide(posting_id, reviewing.reject, lambda title: _("“%(title)s” is rejected.", title=title))


@bp.route("/postings/<int:posting_id>/unpublish", methods=["POST"])
@admin_required
def unpublish(posting_id: int) -> Response:
    return _decide(posting_id, reviewing.unpublish, lambda title: _("“%(title)s” is unpublished.", title=title))


@bp.route("/postings/<int:posting_id>/dismiss-reports", methods=["POST"])
@admin_required
def dismiss_reports(posting_id: int) -> Response:
    posting = or_404(job_queries.posting_with_details(posting_id))
    reviewing.dismiss_reports(posting, current_user)
    flash(_("The reports are dismissed."), "success")
    return redirect(url_for("moderation.queue"))


# --- grant programs ------------------------------------------------------------------------


@bp.route("/grants")
@admin_required
def grants() -> Response:
    return render_page("moderation/grants.html", grants=job_queries.grant_programs(), today=utcnow().date())


def _save_grant(form: GrantForm, grant: GrantProgram | None) -> Response:
    if form.validate_on_submit():
        with errors_on(form):
            saved = save_grant(current_user, form.to_fields(), grant)
            flash(_("“%(grant)s” is saved.", grant=saved.local_name), "success")
            return redirect(url_for("moderation.grants"))
    return form_page("moderation/grant_form.html", form, grant=grant)


@bp.route("/grants/new", methods=["GET", "POST"])
@admin_required
def new_grant() -> Response:
    return _save_grant(GrantForm(), None)


@bp.route("/grants/<int:grant_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_grant(grant_id: int) -> Response:
    grant = or_404(db.session.get(GrantProgram, grant_id))
    return _save_grant(GrantForm.of(GrantFields.of(grant)), grant)
