from __future__ import annotations

from contextlib import suppress

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, fresh_login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from jobboard.accounts import services
from jobboard.accounts import two_factor as two_factor_service
from jobboard.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordConfirmForm,
    ResetPasswordForm,
    SignUpForm,
    TimeZoneForm,
    TwoFactorForm,
)
from jobboard.accounts.models import AccountKind, User
from jobboard.core.access import classify, login_required, public
from jobboard.core.forms import filled
from jobboard.core.htmx import render_page
from jobboard.core.text import clean_text
from jobboard.core.urls import safe_next
from jobboard.core.views import errors_on, form_page
from jobboard.extensions import db, limiter

bp = Blueprint("accounts", __name__, url_prefix="/account")


def _submitted_email() -> str:
    """The address as the form will read it (invisible characters dropped, normalised), so that
    spellings of one address (``a@x.org\u200b``, ``a@ｘ.org``) share one per-address limit."""
    address = clean_text(request.form.get("email") or "")[:254]
    with suppress(EmailNotValidError):
        address = validate_email(address, check_deliverability=False).normalized
    return address.lower()


def start_session(user: User, *, remember: bool = False) -> None:
    """A fresh session for every sign-in, so a cookie planted before it is worth nothing."""
    session.clear()
    login_user(user, remember=remember)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("5/hour", methods=["POST"])
@public
def signup() -> Response | str:
    form = SignUpForm()
    # Where the visitor was going (an application, a saved search): the confirmation link leads
    # back there.
    next_path = safe_next(request.args.get("next"), "") or None
    if form.validate_on_submit():
        with errors_on(form):
            services.sign_up(
                email=filled(form.email.data),
                full_name=filled(form.full_name.data),
                password=filled(form.password.data),
                kind=AccountKind.DOCTOR,
                next_path=next_path,
            )
            return redirect(url_for("accounts.check_email", reason="signup"))
    return form_page("accounts/signup.html", form, next_path=next_path)


@bp.route("/check-email")
@public
def check_email() -> Response:
    return render_page("accounts/check_email.html", reason=request.args.get("reason", "signup"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str) -> Response:
    form = ConfirmForm()
    user = services.user_for_confirmation(token)
    next_path = safe_next(services.confirmation_next_path(token), "") or None
    if form.validate_on_submit():
        services.confirm_email(token)
        flash(_("Your e-mail address is confirmed."), "success")
        if current_user.is_authenticated:
            return redirect(next_path or url_for("pages.dashboard"))
        return redirect(url_for("accounts.login", next=next_path))
    return render_page("accounts/confirm_email.html", form=form, user=user, next_path=next_path)


@bp.route("/confirm/resend", methods=["POST"])
@limiter.limit("5/hour", methods=["POST"])
@login_required
def resend_confirmation() -> Response:
    if not current_user.is_confirmed:
        services.send_confirmation(current_user)
        flash(_("We sent you a new confirmation link."), "info")
    return redirect(url_for("accounts.settings"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30/minute", methods=["POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"], key_func=lambda: f"login:{_submitted_email()}")
@public
def login() -> Response:
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(filled(form.email.data), filled(form.password.data))
        if user is not None:
            target = safe_next(request.args.get("next"), url_for("pages.dashboard"))
            if user.has_two_factor:
                session.clear()
                session[PENDING_TWO_FACTOR] = {
                    "u": user.id,
                    "v": user.session_version,
                    "r": bool(form.remember.data),
                    "n": target,
                }
                return redirect(url_for("accounts.two_factor"))
            start_session(user, remember=form.remember.data)
            return redirect(target)
        form.form_errors.append(_("The e-mail address or the password is not correct."))
    return form_page("accounts/login.html", form, next_path=safe_next(request.args.get("next"), "") or None)


PENDING_TWO_FACTOR = "two_factor_pending"


def _pending_two_factor_user() -> tuple[User, dict[str, object]] | None:
    pending = session.get(PENDING_TWO_FACTOR)
    if not isinstance(pending, dict):
        return None
    user = db.session.get(User, pending.get("u"))
    if user is None or not user.is_active or user.session_version != pending.get("v"):
        return None
    return user, pending


def _two_factor_limit_key() -> str:
    """Per account and address: someone who has the password cannot lock its owner out by
    failing codes from elsewhere."""
    return f"2fa:{(session.get(PENDING_TWO_FACTOR) or {}).get('u')}:{get_remote_address()}"


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(
    "5/minute;30/hour",
    methods=["POST"],
    exempt_when=lambda: PENDING_TWO_FACTOR not in session,
    key_func=_two_factor_limit_key,
    deduct_when=lambda response: response.status_code >= 400,
)
@public
def two_factor() -> Response:
    """The second step of signing in, for accounts with two-factor sign-in."""
    found = _pending_two_factor_user()
    if found is None:
        return redirect(url_for("accounts.login"))
    user, pending = found
    form = TwoFactorForm()
    if form.validate_on_submit():
        if two_factor_service.verify(user, filled(form.code.data)):
            start_session(user, remember=bool(pending.get("r")))
            return redirect(safe_next(str(pending.get("n") or ""), url_for("pages.dashboard")))
        form.code.errors = [_("That code is not right (each code works once). Try the next one, or a recovery code.")]
    return form_page("accounts/two_factor.html", form)


SETUP_SECRET = "two_factor_setup_secret"  # noqa: S105 - the session key's name, not a secret


def _enrol() -> Response:
    """The QR code and the code that turns two-factor sign-in on; then the recovery codes."""
    secret = session.get(SETUP_SECRET) or two_factor_service.new_secret()
    session[SETUP_SECRET] = secret
    form = TwoFactorForm()
    if form.validate_on_submit():
        with errors_on(form):
            codes = two_factor_service.enable(current_user, secret, filled(form.code.data))
            start_session(current_user._get_current_object())  # a new session for the stronger sign-in
            return render_page("accounts/recovery_codes.html", codes=codes)
    uri = two_factor_service.provisioning_uri(current_user, secret)
    return form_page("accounts/two_factor_setup.html", form, secret=secret, qr=two_factor_service.qr_data_uri(uri))


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup() -> Response:
    if current_user.has_two_factor:
        return redirect(url_for("accounts.settings"))
    if current_user.is_admin:
        if request.method == "POST":
            abort(403, _("Administrators set up two-factor sign-in from the link mailed to them."))
        return render_page("accounts/admin_two_factor_link.html", form=ConfirmForm(formdata=None))
    return _enrol()


@bp.route("/two-factor/setup/link", methods=["POST"])
@limiter.limit("3/hour", methods=["POST"], key_func=lambda: f"admin-setup:{current_user.get_id()}")
@login_required
def admin_two_factor_link() -> Response:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    two_factor_service.send_admin_setup_link(current_user)
    flash(_("We sent the link to %(email)s. Open it in this browser.", email=current_user.email), "info")
    return redirect(url_for("accounts.two_factor_setup"))


@bp.route("/two-factor/setup/<token>", methods=["GET", "POST"])
@login_required
def admin_two_factor_setup(token: str) -> Response:
    """An administrator's enrolment: the mailed link and the signed-in session together."""
    two_factor_service.admin_for_setup(token, current_user)
    if current_user.has_two_factor:
        return redirect(url_for("accounts.settings"))
    response = _enrol()
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@fresh_login_required
def recovery_codes() -> Response:
    return render_page("accounts/recovery_codes.html", codes=two_factor_service.regenerate_recovery_codes(current_user))


classify(recovery_codes, "user")


@bp.route("/two-factor/disable", methods=["POST"])
@fresh_login_required
def two_factor_disable() -> Response:
    form = PasswordConfirmForm()
    if not form.validate_on_submit():
        abort(422, _("Give your password to turn two-factor sign-in off."))
    two_factor_service.disable(current_user, filled(form.password.data))
    start_session(current_user._get_current_object())
    flash(_("Two-factor sign-in is off."), "info")
    return redirect(url_for("accounts.settings"))


classify(two_factor_disable, "user")


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    services.sign_out(current_user)
    # Clear first: logout_user marks the remember cookie for deletion in the session.
    session.clear()
    logout_user()
    flash(_("You are signed out."), "info")
    response = redirect(url_for("pages.home"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
@limiter.limit("3/hour", methods=["POST"], key_func=lambda: f"reset:{_submitted_email()}")
@public
def forgot_password() -> Response:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(filled(form.email.data))
        return redirect(url_for("accounts.check_email", reason="reset"))
    return form_page("accounts/forgot_password.html", form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Response:
    services.user_for_reset(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.reset_password(token, filled(form.password.data))
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("accounts.login"))
    response = form_page("accounts/reset_password.html", form)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _settings_page(**posted: FlaskForm) -> Response:
    """The settings page; the one form that was posted is shown with its errors (422)."""
    forms = {
        "password_form": ChangePasswordForm(formdata=None),
        "email_form": ChangeEmailForm(formdata=None),
        "time_zone_form": TimeZoneForm(formdata=None, data={"time_zone": current_user.time_zone or ""}),
        "disable_form": PasswordConfirmForm(formdata=None),
        **posted,
    }
    recovery_left = two_factor_service.remaining_recovery_codes(current_user) if current_user.has_two_factor else 0
    return render_page("accounts/settings.html", recovery_left=recovery_left, status=422 if posted else 200, **forms)


@bp.route("/settings")
@login_required
def settings() -> Response:
    return _settings_page()


@bp.route("/settings/password", methods=["POST"])
@fresh_login_required
def change_password() -> Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.change_password(current_user, filled(form.current_password.data), filled(form.new_password.data))
            # The real User, not the current_user proxy: login_user stores what it is given as
            # the request's user, and a proxy that resolves to itself recurses forever.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
            start_session(current_user._get_current_object(), remember=remembered)
            flash(_("Your password is changed. Other devices are signed out."), "success")
            return redirect(url_for("accounts.settings"))
    return _settings_page(password_form=form)


classify(change_password, "user")


@bp.route("/settings/email", methods=["POST"])
@fresh_login_required
def change_email() -> Response:
    form = ChangeEmailForm()
    if form.validate_on_submit():
        with errors_on(form):
            services.request_email_change(current_user, filled(form.new_email.data), filled(form.password.data))
            flash(
                _("We sent a confirmation link to the new address. The change takes effect once you follow it."), "info"
            )
            return redirect(url_for("accounts.settings"))
    return _settings_page(email_form=form)


classify(change_email, "user")


@bp.route("/settings/time-zone", methods=["POST"])
@login_required
def change_time_zone() -> Response:
    form = TimeZoneForm()
    if not form.validate_on_submit():
        abort(422, _("Choose a time zone from the list."))
    services.set_time_zone(current_user, form.time_zone.data)
    flash(_("Your time zone is saved."), "success")
    return redirect(url_for("accounts.settings"))


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email_change(token: str) -> Response:
    form = ConfirmForm()
    _user, new_email = services.pending_email_change(token)
    if form.validate_on_submit():
        services.confirm_email_change(token)
        flash(_("Your e-mail address is changed."), "success")
        return redirect(url_for("pages.dashboard") if current_user.is_authenticated else url_for("accounts.login"))
    return render_page("accounts/confirm_email_change.html", form=form, new_email=new_email)
