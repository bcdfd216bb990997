"""Helpers of the API routes shared by every app."""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.http import HttpRequest
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
    route's one-line summary in the OpenAPI document; without a url name, the route's is
    ``url_prefix`` and the view's name. ``options`` go to django-ninja as they are
    (``auth``, ``description``); ``also`` adds answers besides ``status`` and the errors.
    """

    def __init__(
        self,
        router: Router,
        errors: Mapping[int, Any] = CASE_WORK_ERRORS,
        *,
        url_prefix: str = "",
        **defaults: Any,
    ) -> None:
        self.router = router
        self.errors = errors
        self.url_prefix = url_prefix
        self.defaults = defaults

    def having(self, **defaults: Any) -> "Routes":
        """The same routes with more options for each (``auth=`` for a group of routes)."""
        options = {**self.defaults, **defaults}
        return Routes(self.router, self.errors, url_prefix=self.url_prefix, **options)

    def __call__(
        self,
        method: str,
        path: str,
        out: Any,
        url_name: str = "",
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
                url_name=url_name or self.url_prefix + view.__name__,
                summary=" ".join((docstring or "").split()),
                **{**self.defaults, **options},
            )(view)
            view.__doc__ = docstring
            return view

        return register


def versioned_step(step: Callable[..., object], payload: Any, **objects: Any) -> None:
    """``step(**objects, expected_version=payload.version, ...)`` with the rest of the payload."""
    values = payload.model_dump(exclude={"version"})
    step(**objects, expected_version=payload.version, **values)


def payload_view(
    name: str,
    summary: str,
    handle: Callable[..., Any],
    *,
    module: str,
    public_id: Any,
    payload: type[BaseModel],
) -> Callable[..., Any]:
    """The view ``module.name`` taking an object's ``public_id`` and a ``payload``, answered by
    ``handle(request, public_id=, payload=)``: one for each row of a table of routes that differ
    only in data. Its name and module make the OpenAPI operation id, as a ``def`` would."""

    def view(request: HttpRequest, public_id: Any, payload: Any) -> Any:
        return handle(request, public_id=public_id, payload=payload)

    view.__name__ = view.__qualname__ = name
    view.__module__ = module
    view.__doc__ = summary
    view.__annotations__ = {**view.__annotations__, "public_id": public_id, "payload": payload}
    return view


__all__ = ["Routes", "api_field_names", "patch_changes", "payload_view", "versioned_step"]
