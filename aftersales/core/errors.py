"""Domain errors. Views, endpoints and commands turn them into one message format.

`ApplicationError(message, field=..., extra=...)` carries a human message, optionally the field it is
about, so forms and the API can point at the exact input that was wrong.
"""

from typing import Any


class ApplicationError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = dict(extra or {})
        if field:
            self.extra.setdefault("field", field)


class NotAllowed(ApplicationError):
    """The actor may see the object but not do this to it."""

    status_code = 403


class IllegalTransition(ApplicationError):
    status_code = 409
