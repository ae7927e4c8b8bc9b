"""The domain error tree: what can go wrong, in the domain's words. Pure: no web framework, no database.

Use cases and the domain raise these; the HTTP edge (app/api/errors.py) maps each to a status. Messages are
written for a person to act on and never carry a stack trace or SQL.
"""
from __future__ import annotations


class SetupError(Exception):
    """The machine or configuration is not ready; the message says exactly what to do."""


class FrontlineError(Exception):
    code = "error"

    def __init__(self, message: str, **detail):
        super().__init__(message)
        self.message = message
        self.detail = detail


class BadInput(FrontlineError):
    code = "bad_input"


class InvalidGeometry(BadInput):
    code = "invalid_geometry"


class NotFound(FrontlineError):
    code = "not_found"


class NotAuthenticated(FrontlineError):
    code = "not_authenticated"


class Forbidden(FrontlineError):
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf_failed"


class Conflict(FrontlineError):
    """A stale write: the editor's base revision is not the current one."""
    code = "conflict"


class NeedsConfirmation(Conflict):
    """A write the editor must confirm first (a change that changes nothing, a large flip); the detail says
    which flag confirms it."""
    code = "needs_confirmation"


class TooLarge(BadInput):
    code = "too_large"


class TooManyAttempts(FrontlineError):
    code = "too_many_attempts"


class Unavailable(FrontlineError):
    code = "unavailable"


def require_storable(value: str, field: str) -> str:
    """The one text rule (app.domain.text) for writers outside the API's schemas (the CLI, imports, services):
    `value` itself, or BadInput (422) naming the field, the character and its position."""
    from app.domain.text import UnstorableText, check_text

    try:
        return check_text(value, field)
    except UnstorableText as e:
        raise BadInput(str(e), field=field) from None
