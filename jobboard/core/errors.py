"""Domain errors raised by services, and how each maps to an HTTP status.

Services raise these; views may catch them to re-render a form, and anything uncaught is turned
into the friendly error page (or htmx fragment) with the error's message.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the business was broken; the message is shown to the user."""

    status_code = 422

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotPermitted(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class InvalidToken(DomainError):
    """A signed link that is malformed, expired, already used or meant for something else."""

    status_code = 400


class Gone(DomainError):
    status_code = 410
