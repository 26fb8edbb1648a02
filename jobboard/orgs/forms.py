from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from jobboard.accounts.forms import AccountFields, password_field
from jobboard.core.forms import Finite, email_field, text_field, textarea_field, url_field
from jobboard.orgs.models import OrgKind, Role

ROLE_CHOICES = [
    (Role.OWNER.value, "Owner – manages members, sites and everything else"),
    (Role.RECRUITER.value, "Recruiter – postings, applicants and interview slots"),
    (Role.VIEWER.value, "Viewer – reads only"),
]


class ProfileForm(FlaskForm):
    website = url_field("Website", max_length=300)
    description = textarea_field("Short description", max_length=2000)


class OrgForm(ProfileForm):
    name = text_field("Organisation name", max_length=160)
    kind = SelectField("Kind", choices=[(k.value, k.label) for k in OrgKind], validators=[InputRequired()])


class OrgSignUpForm(OrgForm, AccountFields):
    """For a visitor without an account: the person signing up becomes the owner."""


class InviteForm(FlaskForm):
    email = email_field("Colleague's e-mail")
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.RECRUITER.value, validators=[InputRequired()])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired()])


class SiteForm(FlaskForm):
    name = text_field("Site name", max_length=160)
    city = SelectField("City", validators=[InputRequired()])
    address = text_field("Street address", max_length=200, required=False)
    lat = FloatField("Latitude", validators=[Optional(), Finite(), NumberRange(-90, 90)])
    lon = FloatField("Longitude", validators=[Optional(), Finite(), NumberRange(-180, 180)])


class NewAccountForm(FlaskForm):
    full_name = AccountFields.full_name
    password = password_field("Choose a password")
