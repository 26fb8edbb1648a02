"""The shape every view follows, so a reader learns it once.

A view with a form::

    form = FairForm.of(fair)                       # an edit page fills the form from the service's fields
    if form.validate_on_submit():
        with errors_on(form):                       # a service's DomainError lands on the form
            fair = services.save_fair(current_user, form.to_fields(), fair)
            flash(...)
            return redirect(...)
    return form_page("fairs/admin_form.html", form, fair=fair)   # 422 while the form shows errors

- The form turns what was posted into the service's fields (``form.to_fields()``, a dataclass of
  the service) and an edit page fills a form from the same dataclass (``Form.of(...)``): no view
  copies fields one by one.
- ``errors_on`` shows a service's ``DomainError`` next to the field it names, or above the form;
  the error types named in ``passing`` go on to their own error page (acting on something that
  has changed meanwhile is a 409, not a remark on a form).
- ``or_404`` turns a lookup scoped to the visitor (the organisation of the URL, the doctor's own
  rows) that found nothing into a 404: another tenant's object does not exist for them.
- An action without a form (a button) calls its service and lets a ``DomainError`` become the
  error page with its status (``core.web``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import abort, request
from werkzeug.wrappers import Response

from jobboard.core.errors import DomainError
from jobboard.core.forms import add_form_error
from jobboard.core.htmx import render_page

T = TypeVar("T")


@contextmanager
def errors_on(form: Any, *, passing: tuple[type[DomainError], ...] = ()) -> Iterator[None]:
    try:
        yield
    except passing:
        raise
    except DomainError as error:
        add_form_error(form, error)


def form_page(template: str, form: Any, **context: Any) -> Response:
    """The page with the form, answered 422 while it shows errors."""
    return render_page(template, form=form, status=422 if form.errors else 200, **context)


def or_404(found: T | None) -> T:
    if found is None:
        abort(404)
    return found


def posted_id(name: str) -> int | None:
    """A row id posted without a form class, or None when missing or out of range (a huge number
    would overflow the database driver: a 500 instead of a 404 or 422)."""
    value = request.form.get(name, type=int)
    return value if value is not None and 0 < value < 2**31 else None
