from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_login import current_user

from jobboard.accounts.forms import ConfirmForm
from jobboard.accounts.services import find_user_by_email
from jobboard.accounts.views import start_session
from jobboard.core.access import public
from jobboard.core.errors import DomainError
from jobboard.core.forms import add_form_error
from jobboard.core.htmx import render_page
from jobboard.extensions import limiter
from jobboard.orgs import queries, services
from jobboard.orgs.forms import InviteForm, NewAccountForm, OrgForm, OrgSignUpForm, ProfileForm, RoleForm, SiteForm
from jobboard.orgs.models import Membership, OrgKind, Role, Site
from jobboard.orgs.tenancy import current_membership, current_org, member_required, register_tenant_blueprint
from jobboard.vocab.queries import city_choices

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
        abort(403, "A doctor's account cannot register an employer. Sign up the employer with a work address.")
    form = OrgForm() if current_user.is_authenticated else OrgSignUpForm()
    if form.validate_on_submit():
        org_fields = {"name": form.name.data, "kind": OrgKind(form.kind.data), "website": form.website.data,
                      "description": form.description.data or ""}
        try:
            if current_user.is_authenticated:
                org = services.register_org(current_user, **org_fields)
            else:
                services.register_org_with_account(
                    email=form.email.data, full_name=form.full_name.data, password=form.password.data, **org_fields
                )
        except DomainError as error:
            add_form_error(form, error)
        else:
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.check_email", reason="employer"))
            flash("Your organisation is registered. An administrator will verify it shortly.", "success")
            return redirect(url_for("orgs.dashboard", org_slug=org.slug))
    return render_page("orgs/register.html", form=form, status=422 if form.errors or form.form_errors else 200)


@bp.route("/org/<org_slug>/")
@member_required(Role.VIEWER)
def dashboard() -> Response:
    return render_page("orgs/dashboard.html", org=current_org(), membership=current_membership())


@bp.route("/org/<org_slug>/profile", methods=["GET", "POST"])
@member_required(Role.OWNER)
def profile() -> Response:
    org = current_org()
    form = ProfileForm(obj=org)
    if form.validate_on_submit():
        services.update_profile(org, current_user, website=form.website.data, description=form.description.data or "")
        flash("The profile is saved.", "success")
        return redirect(url_for("orgs.dashboard"))
    return render_page(
        "orgs/profile.html", org=org, membership=current_membership(), form=form, status=422 if form.errors else 200
    )


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
        role_choices=RoleForm.role.kwargs["choices"],
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
        try:
            services.invite(current_org(), current_user, email=form.email.data, role=Role(form.role.data))
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash(f"Invitation sent to {form.email.data}.", "success")
            return redirect(url_for("orgs.members"))
    return _members_page(form, status=422)


def _member_or_404(membership_id: int) -> Membership:
    membership = queries.member(current_org(), membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/org/<org_slug>/members/<int:membership_id>/role", methods=["POST"])
@member_required(Role.OWNER)
def change_role(membership_id: int) -> Response:
    membership = _member_or_404(membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(422, "Choose one of the listed roles.")
    services.change_role(current_org(), current_user, membership, Role(form.role.data))
    flash(f"{membership.user.full_name} is now {form.role.data}.", "success")
    return redirect(url_for("orgs.members"))


@bp.route("/org/<org_slug>/members/<int:membership_id>/remove", methods=["POST"])
@member_required(Role.OWNER)
def remove_member(membership_id: int) -> Response:
    membership = _member_or_404(membership_id)
    services.remove_member(current_org(), current_user, membership)
    flash(f"{membership.user.full_name} no longer belongs to the organisation.", "success")
    return redirect(url_for("orgs.members"))


@bp.route("/org/<org_slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@member_required(Role.OWNER)
def revoke_invitation(invitation_id: int) -> Response:
    invitation = queries.invitation(current_org(), invitation_id)
    if invitation is None:
        abort(404)
    services.revoke_invitation(current_org(), current_user, invitation)
    flash(f"The invitation to {invitation.email} is withdrawn.", "success")
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
        abort(409, "An account with this address exists. Sign in to accept the invitation.")
    if form.validate_on_submit():
        try:
            if current_user.is_authenticated:
                services.accept_invitation(invitation, current_user)
            else:
                user = services.accept_invitation_with_new_account(
                    invitation, full_name=form.full_name.data, password=form.password.data
                )
                start_session(user)
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash(f"Welcome to {invitation.org.name}.", "success")
            return redirect(url_for("orgs.dashboard", org_slug=invitation.org.slug))
    return render_page(
        "orgs/accept_invitation.html",
        invitation=invitation,
        form=form,
        account_exists=account_exists,
        token=token,
        status=422 if form.errors or form.form_errors else 200,
    )


# --- sites ---------------------------------------------------------------------------------


def _site_form(**kwargs: object) -> SiteForm:
    form = SiteForm(**kwargs)
    form.city.choices = city_choices()
    return form


@bp.route("/org/<org_slug>/sites")
@member_required(Role.VIEWER)
def sites() -> Response:
    org = current_org()
    return render_page("orgs/sites.html", org=org, membership=current_membership(), sites=queries.sites(org))


@bp.route("/org/<org_slug>/sites/new", methods=["GET", "POST"])
@member_required(Role.OWNER)
def new_site() -> Response:
    form = _site_form()
    if form.validate_on_submit():
        try:
            services.add_site(
                current_org(), current_user, name=form.name.data, city_slug=form.city.data,
                address=form.address.data, lat=form.lat.data, lon=form.lon.data,
            )
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash("The site is added.", "success")
            return redirect(url_for("orgs.sites"))
    return render_page("orgs/site_form.html", org=current_org(), form=form, site=None, status=422 if form.errors else 200)


def _site_or_404(site_id: int) -> Site:
    site = queries.site(current_org(), site_id)
    if site is None:
        abort(404)
    return site


@bp.route("/org/<org_slug>/sites/<int:site_id>/edit", methods=["GET", "POST"])
@member_required(Role.OWNER)
def edit_site(site_id: int) -> Response:
    site = _site_or_404(site_id)
    form = _site_form(
        data={"name": site.name, "city": site.city_slug, "address": site.address, "lat": site.lat, "lon": site.lon}
    )
    if form.validate_on_submit():
        try:
            services.update_site(
                current_org(), current_user, site, name=form.name.data, city_slug=form.city.data,
                address=form.address.data, lat=form.lat.data, lon=form.lon.data,
            )
        except DomainError as error:
            add_form_error(form, error)
        else:
            flash("The site is saved.", "success")
            return redirect(url_for("orgs.sites"))
    return render_page("orgs/site_form.html", org=current_org(), form=form, site=site, status=422 if form.errors else 200)


@bp.route("/org/<org_slug>/sites/<int:site_id>/delete", methods=["POST"])
@member_required(Role.OWNER)
def delete_site(site_id: int) -> Response:
    site = _site_or_404(site_id)
    services.delete_site(current_org(), current_user, site)
    flash(f"{site.name} is removed.", "success")
    return redirect(url_for("orgs.sites"))
