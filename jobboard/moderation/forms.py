from __future__ import annotations

from flask_wtf import FlaskForm

from jobboard.core.forms import textarea_field
from jobboard.i18n import lazy_gettext as _l


class VerifyForm(FlaskForm):
    reason = textarea_field(_l("Note (optional, kept in the audit log)"), max_length=2000)


class SuspendForm(FlaskForm):
    reason = textarea_field(_l("Reason (the owners will read it)"), max_length=2000, required=True)
