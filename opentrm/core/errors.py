"""Errors raised by services; views and the API turn them into messages with stable codes."""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    """A refused action with a message for the user. Subclasses fix the stable code."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConflictError(DomainError):
    code = "conflict"


class NotFoundError(DomainError):
    code = "not_found"


__all__ = ["ConflictError", "DomainError", "NotFoundError", "ValidationError"]
