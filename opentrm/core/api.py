"""Helpers of the API routes shared by every app."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.core.exceptions import ValidationError


@contextmanager
def api_field_names(names: Mapping[str, str] | None = None, *, field: str = "") -> Iterator[None]:
    """Re-raise a service's ValidationError with the names the API's caller sent.

    Services name model fields (``provider``); the API takes ids (``provider_id``): ``names``
    maps one to the other. ``field`` puts every message on one field of the request (for a
    service whose refusal is about the one value the route took). The global handler in
    ``config/api.py`` turns the error into the 422 answer.
    """
    try:
        yield
    except ValidationError as error:
        if field:
            raise ValidationError({field: error.messages}) from None
        if names is None or not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {names.get(name, name): messages for name, messages in error.message_dict.items()}
        ) from None


__all__ = ["api_field_names"]
