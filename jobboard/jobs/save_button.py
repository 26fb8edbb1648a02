"""The Save / Saved toggle on posting cards and pages, written in Python so that the search
page's cards (``search.cards``) and the templates draw the one same control.

- A signed-in doctor gets a form that posts the state wanted (``saved=1`` or ``0``): htmx swaps
  the answer (the toggle in its new state) in place; without JavaScript the form posts and the
  page comes back. Sending it twice changes nothing.
- A visitor who is not signed in gets a link to sign in (or sign up from there) that comes back
  to the posting's page with ``?save=1``; there the doctor's toggle posts itself once the page
  has loaded, so the posting is saved without a second click.
- Staff and administrators get nothing: they keep no list.

The doctor's saved ids are read once per request (``flask.g``), however many cards a page has.
"""

from __future__ import annotations

from html import escape

from flask import g, has_request_context, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from jobboard.core.htmx import is_htmx
from jobboard.jobs.saved import saved_ids

SAVE_ARG = "save"  # on a posting's address: save it once the doctor is signed in


def _saved_ids() -> frozenset[int]:
    if "saved_posting_ids" not in g:
        g.saved_posting_ids = saved_ids(current_user)
    found: frozenset[int] = g.saved_posting_ids
    return found


def save_button(posting_id: int, detail_path: str, *, save_on_load: bool = False) -> Markup:
    """The toggle for one posting; ``detail_path``: the posting's page, where a visitor who signs
    in first comes back to; ``save_on_load``: the page was reached with ``?save=1``."""
    if not has_request_context():
        return Markup("")  # cards drawn outside a request (a test of the cards) have no reader
    if not current_user.is_authenticated:
        login = url_for("accounts.login", next=f"{detail_path}?{SAVE_ARG}=1")
        return Markup(  # noqa: S704 - escaped
            f'<a class="btn btn-sm btn-outline-primary save-toggle" href="{escape(login)}" rel="nofollow">'
            f"{escape(_('Save'))}</a>"
        )
    if not current_user.is_doctor:
        return Markup("")
    saved = posting_id in _saved_ids()
    action = escape(url_for("jobs.save", posting_id=posting_id))
    trigger = ' hx-trigger="submit, load"' if save_on_load and not saved else ""
    label = _("Saved") if saved else _("Save")
    hint = _("Remove from my saved postings") if saved else _("Save to my saved postings")
    css = "btn-primary" if saved else "btn-outline-primary"
    # Without JavaScript the form's answer leads back to the page it was on.
    back = request.script_root + request.full_path.removesuffix("?") if not is_htmx() else detail_path
    return Markup(  # noqa: S704 - escaped
        f'<form class="d-inline save-toggle" method="post" action="{action}" hx-post="{action}" hx-swap="outerHTML"'
        f' hx-disabled-elt="find button"{trigger}>'
        f'<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">'
        f'<input type="hidden" name="saved" value="{0 if saved else 1}">'
        f'<input type="hidden" name="next" value="{escape(back)}">'
        f'<button class="btn btn-sm {css}" type="submit" title="{escape(hint)}">'
        f"{escape(label)}</button></form>"
    )


def forget_saved_ids() -> None:
    """After a change in this request: the next toggle reads the list again."""
    g.pop("saved_posting_ids", None)
