from __future__ import annotations

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, ValidationError
from wtforms.validators import Optional

from jobboard.core.forms import text_field, textarea_field
from jobboard.i18n import lazy_gettext as _l
from jobboard.moderation.events import SUBJECT_KINDS
from jobboard.moderation.queries import AuditFilter


class VerifyForm(FlaskForm):
    reason = textarea_field(_l("Note (optional, kept in the audit log)"), max_length=2000)


class SuspendForm(FlaskForm):
    reason = textarea_field(_l("Reason (the owners will read it)"), max_length=2000, required=True)


class AuditFilterForm(FlaskForm):
    """The audit log's filters (a GET form, kept in the address; no CSRF needed for reading)."""

    class Meta:
        csrf = False

    action = SelectField(_l("What happened"), validators=[Optional()])
    actor = text_field(_l("Who"), max_length=100, required=False)
    subject_type = SelectField(
        _l("Kind of subject"),
        choices=lambda: [("", _("Any kind")), *((kind, str(label)) for kind, label in SUBJECT_KINDS.items())],
        validators=[Optional()],
    )
    subject = text_field(_l("Subject"), max_length=200, required=False)
    since = DateField(_l("From"), validators=[Optional()], render_kw={"type": "date"})
    until = DateField(_l("Until"), validators=[Optional()], render_kw={"type": "date"})

    def validate_until(self, field: DateField) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_("The last day comes before the first."))

    def to_filter(self) -> AuditFilter:
        return AuditFilter(
            action=self.action.data or None,
            actor=self.actor.data or None,
            subject_type=self.subject_type.data or None,
            subject=self.subject.data or None,
            since=self.since.data,
            until=self.until.data,
        )


# The filters, as the address carries them.
FILTERS = ("action", "actor", "subject_type", "subject", "since", "until")
