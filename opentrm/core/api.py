"""Helpers of the API routes shared by every app."""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from ninja import Router
from pydantic import BaseModel

from opentrm.core.schemas import CASE_WORK_ERRORS

_View = TypeVar("_View", bound=Callable[..., Any])


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


def patch_changes(payload: BaseModel) -> tuple[int, dict[str, Any]]:
    """The version a PATCH expects and the fields it sent (the ones left out stay as they are)."""
    changes = payload.model_dump(exclude_unset=True)
    return changes.pop("version"), changes


class Routes:
    """Declares the routes of one router: each answers its own shape or the shared errors.

    ``@routes("PATCH", "/{id}", ThingOut, "things_update")`` on a view whose docstring is the
    route's one-line summary in the OpenAPI document. ``options`` go to django-ninja as they are
    (``auth``, ``description``); ``also`` adds answers besides ``status`` and the errors.
    """

    def __init__(self, router: Router, errors: Mapping[int, Any] = CASE_WORK_ERRORS) -> None:
        self.router = router
        self.errors = errors

    def __call__(
        self,
        method: str,
        path: str,
        out: Any,
        url_name: str,
        *,
        status: int = 200,
        also: Mapping[int, Any] | None = None,
        **options: Any,
    ) -> Callable[[_View], _View]:
        def register(view: _View) -> _View:
            docstring = view.__doc__
            # The docstring is the summary; django-ninja would repeat it as the description.
            view.__doc__ = None
            self.router.api_operation(
                [method],
                path,
                response={status: out, **(also or {}), **self.errors},
                url_name=url_name,
                summary=" ".join((docstring or "").split()),
                **options,
            )(view)
            view.__doc__ = docstring
            return view

        return register


__all__ = ["Routes", "api_field_names", "patch_changes"]
