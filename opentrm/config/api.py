"""The versioned JSON API under /api/v1/, one NinjaAPI with a router per app."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from opentrm.accounts.api_auth import SessionAuth, TokenAuth
from opentrm.core.errors import DomainError

api = NinjaAPI(
    title="OpenTRM API",
    version="1",
    urls_namespace="api-1",
    auth=[TokenAuth(), SessionAuth()],
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: object) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Log in or send a valid, unexpired API token.")


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", "Your role does not allow this action.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "No such object, or not visible to you.")


@api.exception_handler(NinjaValidationError)
def on_invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [
        {"field": ".".join(str(part) for part in error.get("loc", [])[1:]), "message": error.get("msg", "")}
        for error in exc.errors
    ]
    return _error(request, 422, "invalid", "The request is not valid.", errors=fields)


@api.exception_handler(ValidationError)
def on_invalid_data(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = [
            {"field": name, "message": " ".join(str(m) for m in messages)}
            for name, messages in exc.message_dict.items()
        ]
    else:
        fields = [{"field": "", "message": str(m)} for m in exc.messages]
    return _error(request, 422, "invalid", "The data is not valid.", errors=fields)


@api.exception_handler(DomainError)
def on_refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = 409 if exc.code == "conflict" else 400
    return _error(request, status, exc.code, exc.message)


def _register_routers() -> None:
    from opentrm.directory.api import router as directory_router

    api.add_router("/directory/", directory_router)


_register_routers()
