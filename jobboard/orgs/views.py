from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from jobboard.accounts.forms import ConfirmForm
from jobboard.accounts.services import find_user_by_email
from jobboard.accounts.views import start_session
from jobboard.applications.queries import new_applicants
from jobboard.core.access import public
from jobboard.core.db import utcnow
from jobboard.core.forms import filled
from jobboard.core.htmx import render_page
from jobboard.core.views import errors_on, form_page, or_404
from jobboard.extensions import limiter
from jobboard.fairs.queries import upcoming_org_interviews
from jobboard.jobs.queries import expiring_postings
from jobboard.orgs import logos, queries, services
from jobboard.orgs.forms import (
    InviteForm,
    LogoForm,
    NewAccountForm,
    OrgForm,
    OrgSignUpForm,
    ProfileForm,
    RoleForm,
    SiteForm,
)
from jobboard.orgs.models import Role
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint

bp = Blueprint("orgs", __name__)
register_tenant_blueprint(bp)


@bp.app_context_processor
def _navigation() -> dict[str, object]:
    signed_in_staff = current_user.is_authenticated and not current_user.is_doctor
    return {"nav_memberships": queries.memberships_of(current_user) if signed_in_staff else []}


@bp.route("/employers/register", methods=["GET", "POST"])
@limiter.limit("5/hour", methods=["POST"])
@public
def register() -> Response:
    if current_user.is_authenticated and current_user.is_doctor:
        abort(403, _("A doctor's account cannot register an employer. Sign up the employer with a work address."))
    form = OrgForm() if current_user.is_authenticated else OrgSignUpForm()
    if form.validate_on_submit():
        with errors_on(form):
            if not current_user.is_authenticated:
                services.register_org_with_account(
                    email=form.email.data,
                    full_name=form.full_name.data,
                    password=form.password.data,
                    fields=form.to_fields(),
                )
                return redirect(url_for("accounts.check_email", reason="employer"))
            org = services.register_org(current_user, form.to_fields())
            flash(_("Your organisation is registered. An administrator will verify it shortly."), "success")
            return redirect(url_for("orgs.dashboard", org_slug=org.slug))
    return form_page("orgs/register.html", form)


# How far ahead the start page warns of postings coming off the board.
EXPIRING_WITHIN = timedelta(days=14)


@bp.route("/org/<org_slug>/")
@member_required(Role.VIEWER)
def dashboard() -> Response:
    """Where the organisation's staff land: the applicants no one has looked at yet, the fair
    interviews to come and the postings about to come off the board."""
    org = current_org()
    applicants, applicant_count = new_applicants(org)
    return render_page(
        "orgs/dashboard.html",
        org=org,
        membership=current_membership(),
        applicants=applicants,
        applicant_count=applicant_count,
        interviews=upcoming_org_interviews(org),
        expiring=expiring_postings(org, EXPIRING_WITHIN),
        expiring_days=EXPIRING_WITHIN.days,
        now=utcnow(),
    )


@bp.route("/org/<org_slug>/profile", methods=["GET", "POST"])
@member_required(Role.OWNER)
def profile() -> Response:
    org = current_org()
    form = ProfileForm(obj=org)
    if form.validate_on_submit():
        services.update_profile(org, current_user, website=form.website.data, description=form.description.data or "")
        flash(_("The profile is saved."), "success")
        return redirect(url_for("orgs.dashboard"))
    return form_page(
        "orgs/profile.html", form, org=org, membership=current_membership(), logo_form=LogoForm(formdata=None)
    )


@bp.route("/org/<org_slug>/logo", methods=["POST"])
@limiter.limit("20/hour", methods=["POST"])
@member_required(Role.OWNER)
def upload_logo() -> Response:
    org = current_org()
    logo_form = LogoForm()
    if logo_form.validate_on_submit():
        upload = logo_form.logo.data
        with errors_on(logo_form):
            logos.set_logo(org, current_user, upload.filename or "", upload.read(logos.MAX_BYTES + 1))
            flash(_("The logo is saved."), "success")
            return redirect(url_for("orgs.profile"))
    return render_page(
        "orgs/profile.html",
        form=ProfileForm(obj=org, formdata=None),
        org=org,
        membership=current_membership(),
        logo_form=logo_form,
        status=422,
    )


@bp.route("/org/<org_slug>/logo/delete", methods=["POST"])
@member_required(Role.OWNER)
def remove_logo() -> Response:
    logos.remove_logo(current_org(), current_user)
    flash(_("The logo is removed."), "success")
    return redirect(url_for("orgs.profile"))


# --- members -------------------------------------------------------------------------------


def _members_page(invite_form: InviteForm | None = None, status: int = 200) -> Response:
    org = current_org()
    return render_page(
        "orgs/members.html",
        org=org,
        membership=current_membership(),
        members=queries.members(org),
        invitations=queries.open_invitations(org),
        invite_form=invite_form or InviteForm(formdata=None),
        invitation_problem=services.invitation_problem(org, current_user),
        role_choices=[(role.value, role.label) for role in reversed(Role)],
        status=status,
    )


@bp.route("/org/<org_slug>/members")
@member_required(Role.VIEWER)
def members() -> Response:
    return _members_page()


@bp.route("/org/<org_slug>/members/invite", methods=["POST"])
@limiter.limit("50/day", methods=["POST"])
@member_required(Role.OWNER)
def invite() -> Response:
    form = InviteForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.invite(current_org(), current_user, email=filled(form.email.data), role=Role(form.role.data))
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("orgs.members"))
    return _members_page(form, status=422)


@bp.route("/org/<org_slug>/members/<int:membership_id>/role", methods=["POST"])
@member_required(Role.OWNER)
def change_role(membership_id: int) -> Response:
    membership = or_404(queries.member(current_org(), membership_id))
    form = RoleForm()
    if not form.validate_on_submit():
        abort(422, _("Choose one of the listed roles."))
    services.change_role(current_org(), current_user, membership, Role(form.role.data))
    flash(_("%(name)s is now %(role)s.", name=membership.user.full_name, role=Role(form.role.data).label), "success")
    return redirect(url_for("orgs.members"))


@bp.route("/org/<org_slug>/members/<int:membership_id>/remove", methods=["POST"])
@member_required(Role.OWNER)
def remove_member(membership_id: int) -> Response:
    membership = or_404(queries.member(current_org(), membership_id))
    services.remove_member(current_org(), current_user, membership)
    flash(_("%(name)s no longer belongs to the organisation.", name=membership.user.full_name), "success")
    return redirect(url_for("orgs.members"))


@bp.route("/org/<org_slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@member_required(Role.OWNER)
def revoke_invitation(invitation_id: int) -> Response:
    invitation = or_404(queries.invitation(current_org(), invitation_id))
    services.revoke_invitation(current_org(), current_user, invitation)
    flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("orgs.members"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str) -> Response:
    """Signed in: accept with one click. Without an account for the address: create one here.
    With an account but signed out: the page asks to sign in first."""
    invitation = services.invitation_from_token(token)
    account_exists = find_user_by_email(invitation.email) is not None
    form = ConfirmForm() if current_user.is_authenticated else NewAccountForm()
    if request.method == "POST" and not current_user.is_authenticated and account_exists:
        abort(409, _("An account with this address exists. Sign in to accept the invitation."))
    if form.validate_on_submit():
        with errors_on(form):
            if current_user.is_authenticated:
                services.accept_invitation(invitation, current_user)
            else:
                user = services.accept_invitation_with_new_account(
                    invitation, full_name=filled(form.full_name.data), password=filled(form.password.data)
                )
                start_session(user)
            flash(_("Welcome to %(org)s.", org=invitation.org.name), "success")
            return redirect(url_for("orgs.dashboard", org_slug=invitation.org.slug))
    return form_page(
        "orgs/accept_invitation.html", form, invitation=invitation, account_exists=account_exists, token=token
    )


# --- sites ---------------------------------------------------------------------------------


@bp.route("/org/<org_slug>/sites")
@member_required(Role.VIEWER)
def sites() -> Response:
    org = current_org()
    return render_page("orgs/sites.html", org=org, membership=current_membership(), sites=queries.sites(org))


@bp.route("/org/<org_slug>/sites/new", methods=["GET", "POST"])
@member_required(Role.OWNER)
def new_site() -> Response:
    form = SiteForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.add_site(current_org(), current_user, form.to_fields())
            flash(_("The site is added."), "success")
            return redirect(url_for("orgs.sites"))
    return form_page("orgs/site_form.html", form, org=current_org(), site=None)


@bp.route("/org/<org_slug>/sites/<int:site_id>/edit", methods=["GET", "POST"])
@member_required(Role.OWNER)
def edit_site(site_id: int) -> Response:
    site = or_404(queries.site(current_org(), site_id))
    form = SiteForm.of(services.SiteFields.of(site))
    if form.validate_on_submit():
        with errors_on(form):
            services.update_site(current_org(), current_user, site, form.to_fields())
            flash(_("The site is saved."), "success")
            return redirect(url_for("orgs.sites"))
    return form_page("orgs/site_form.html", form, org=current_org(), site=site)


@bp.route("/org/<org_slug>/sites/<int:site_id>/delete", methods=["POST"])
@member_required(Role.OWNER)
def delete_site(site_id: int) -> Response:
    site = or_404(queries.site(current_org(), site_id))
    services.delete_site(current_org(), current_user, site)
    flash(_("%(site)s is removed.", site=site.name), "success")
    return redirect(url_for("orgs.sites"))
