from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from jobboard.accounts.passwords import MAX_LENGTH
from jobboard.core.forms import TimeZoneField, email_field, text_field
from jobboard.i18n import lazy_gettext as _l


def password_field(label: str, *, autocomplete: str = "new-password") -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": autocomplete},
    )


def full_name_field() -> StringField:
    return text_field(_l("Full name"), max_length=120, render_kw={"autocomplete": "name"})


class AccountFields(FlaskForm):
    full_name = full_name_field()
    email = email_field()
    password = password_field(_l("Password"))


class SignUpForm(AccountFields):
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and agree that my account data is processed to run my account."),
        validators=[DataRequired(_l("You need to accept the privacy notice to open an account."))],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = password_field(_l("Password"), autocomplete="current-password")
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[EqualTo("password", _l("The two passwords differ."))]
    )


class ChangePasswordForm(FlaskForm):
    current_password = password_field(_l("Current password"), autocomplete="current-password")
    new_password = password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"), validators=[EqualTo("new_password", _l("The two passwords differ."))]
    )


class ChangeEmailForm(FlaskForm):
    new_email = email_field(_l("New e-mail address"))
    password = password_field(_l("Your password"), autocomplete="current-password")


class TimeZoneForm(FlaskForm):
    time_zone = TimeZoneField(
        _l("Your time zone"),
        validators=[Optional()],
        description=_l("Fair times are shown in it beside the fair's own."),
        render_kw={"data-browser-zone": ""},
    )


class TwoFactorForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[InputRequired(), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class PasswordConfirmForm(FlaskForm):
    password = password_field(_l("Your password"), autocomplete="current-password")


class ConfirmForm(FlaskForm):
    """A button that carries only the CSRF token (e-mail confirmation, sign-out, resend)."""
