from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length

from jobboard.core.events import Event
from jobboard.core.forms import NoControlCharacters, filled, text_field
from jobboard.core.text import clean_text
from jobboard.i18n import lazy_gettext as _l
from jobboard.webhooks.services import EndpointFields

EVENT_LABELS = {
    Event.APPLICATION_CREATED: _l("A doctor applied"),
    Event.APPLICATION_STAGE_CHANGED: _l("An application moved to another stage"),
    Event.BOOKING_CREATED: _l("An interview was booked at a fair"),
    Event.BOOKING_MOVED: _l("An interview was moved"),
    Event.BOOKING_CANCELLED: _l("An interview was cancelled"),
    Event.POSTING_PUBLISHED: _l("A posting was published"),
    Event.POSTING_CHANGES_REQUESTED: _l("A moderator asked for changes to a posting"),
    Event.POSTING_EXPIRED: _l("A posting expired"),
}


def _event_choices() -> list[tuple[str, str]]:
    return [(event.value, str(label)) for event, label in EVENT_LABELS.items()]


class EndpointForm(FlaskForm):
    url = StringField(
        _l("Address (URL)"),
        validators=[DataRequired(), Length(max=500), NoControlCharacters()],
        filters=[clean_text],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )
    description = text_field(_l("Description"), max_length=200, required=False)
    events = SelectMultipleField(
        _l("Events"),
        choices=_event_choices,
        validators=[DataRequired(_l("Choose at least one of the listed events."))],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    is_active = BooleanField(_l("Send messages to this endpoint"), default=True)

    def to_fields(self) -> EndpointFields:
        return EndpointFields(
            url=filled(self.url.data),
            description=self.description.data or "",
            events=list(self.events.data or []),
            is_active=bool(self.is_active.data),
        )
