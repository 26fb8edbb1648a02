from __future__ import annotations

from flask_wtf import FlaskForm

from jobboard.api.models import Scope
from jobboard.api.services import MAX_NAME_CHARS
from jobboard.core.forms import text_field
from jobboard.i18n import lazy_gettext as _l
from jobboard.jobs.forms import CheckboxesField


def _scopes() -> list[tuple[str, str]]:
    return [(scope.value, scope.label) for scope in Scope]


class ApiKeyForm(FlaskForm):
    name = text_field(
        _l("Name"),
        max_length=MAX_NAME_CHARS,
        description=_l("Which system uses it, e.g. “Applicant tracking (production)”."),
    )
    scopes = CheckboxesField(_l("Permissions"), choices=_scopes)

    def chosen_scopes(self) -> list[Scope]:
        return [Scope(value) for value in self.scopes.data or []]
