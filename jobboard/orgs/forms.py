from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from jobboard.accounts.forms import AccountFields, full_name_field, password_field
from jobboard.core.forms import Finite, email_field, filled, text_field, textarea_field, url_field
from jobboard.i18n import lazy_gettext as _l
from jobboard.orgs.models import OrgKind, Role
from jobboard.orgs.services import OrgFields, SiteFields
from jobboard.vocab.queries import city_choices

ROLE_CHOICES = [
    (Role.OWNER.value, _l("Owner – manages members, sites and everything else")),
    (Role.RECRUITER.value, _l("Recruiter – postings, applicants and interview slots")),
    (Role.VIEWER.value, _l("Viewer – reads only")),
]


def kind_choices() -> list[tuple[str, str]]:
    """In the reader's language: each form built asks again."""
    return [(kind.value, kind.label) for kind in OrgKind]


class ProfileForm(FlaskForm):
    website = url_field(_l("Website"), max_length=300)
    description = textarea_field(_l("Short description"), max_length=2000)


class LogoForm(FlaskForm):
    logo = FileField(
        _l("Logo (PNG or SVG, at most 512 KB)"), validators=[FileRequired(_l("Choose a PNG or SVG file."))]
    )


class OrgForm(ProfileForm):
    name = text_field(_l("Organisation name"), max_length=160)
    kind = SelectField(_l("Kind"), choices=kind_choices, validators=[InputRequired()])

    def to_fields(self) -> OrgFields:
        return OrgFields(
            name=filled(self.name.data),
            kind=OrgKind(self.kind.data),
            website=self.website.data,
            description=self.description.data or "",
        )


class OrgSignUpForm(OrgForm, AccountFields):
    """For a visitor without an account: the person signing up becomes the owner."""


class InviteForm(FlaskForm):
    email = email_field(_l("Colleague's e-mail"))
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.RECRUITER.value, validators=[InputRequired()])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validators=[InputRequired()])


class SiteForm(FlaskForm):
    name = text_field(_l("Site name"), max_length=160)
    city = SelectField(_l("City"), validators=[InputRequired()])
    address = text_field(_l("Street address"), max_length=200, required=False)
    lat = FloatField(_l("Latitude"), validators=[Optional(), Finite(), NumberRange(-90, 90)])
    lon = FloatField(_l("Longitude"), validators=[Optional(), Finite(), NumberRange(-180, 180)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.city.choices = city_choices()

    @classmethod
    def of(cls, fields: SiteFields) -> SiteForm:
        return cls(
            data={
                "name": fields.name,
                "city": fields.city_slug,
                "address": fields.address,
                "lat": fields.lat,
                "lon": fields.lon,
            }
        )

    def to_fields(self) -> SiteFields:
        return SiteFields(
            name=filled(self.name.data),
            city_slug=self.city.data,
            address=self.address.data,
            lat=self.lat.data,
            lon=self.lon.data,
        )


class NewAccountForm(FlaskForm):
    full_name = full_name_field()
    password = password_field(_l("Choose a password"))
