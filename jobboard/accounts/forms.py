from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from jobboard.accounts.passwords import MAX_LENGTH
from jobboard.core.forms import email_field, text_field, time_zone_choices


def password_field(label: str, *, autocomplete: str = "new-password") -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": autocomplete},
    )


def full_name_field() -> StringField:
    return text_field("Full name", max_length=120, render_kw={"autocomplete": "name"})


class AccountFields(FlaskForm):
    full_name = full_name_field()
    email = email_field()
    password = password_field("Password")


class SignUpForm(AccountFields):
    accept_privacy = BooleanField(
        "I have read the privacy notice and agree that my account data is processed to run my account.",
        validators=[DataRequired("You need to accept the privacy notice to open an account.")],
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = password_field("Password", autocomplete="current-password")
    remember = BooleanField("Keep me signed in on this device")


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = password_field("New password")
    confirm = PasswordField(
        "Repeat the new password", validators=[EqualTo("password", "The two passwords differ.")]
    )


class ChangePasswordForm(FlaskForm):
    current_password = password_field("Current password", autocomplete="current-password")
    new_password = password_field("New password")
    confirm = PasswordField(
        "Repeat the new password", validators=[EqualTo("new_password", "The two passwords differ.")]
    )


class ChangeEmailForm(FlaskForm):
    new_email = email_field("New e-mail address")
    password = password_field("Your password", autocomplete="current-password")


class TimeZoneForm(FlaskForm):
    time_zone = SelectField("Your time zone", choices=[("", "Not set"), *time_zone_choices()], validators=[Optional()],
                            description="Fair times are shown in it beside the fair's own.")


class TwoFactorForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class PasswordConfirmForm(FlaskForm):
    password = password_field("Your password", autocomplete="current-password")


class ConfirmForm(FlaskForm):
    """A button that carries only the CSRF token (e-mail confirmation, sign-out, resend)."""
