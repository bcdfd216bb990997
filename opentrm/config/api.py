"""The versioned JSON API under /api/v1/, one NinjaAPI with a router per app.

Every error is JSON ``{"code", "message", "errors": [{"field", "message"}]}``: ``code`` is stable
for programs, ``message`` is for people (in the request's language), ``errors`` names the fields.

The interactive docs (/api/v1/docs) need a logged-in member, like every other page; the
OpenAPI document (/api/v1/openapi.json) also accepts an API token, for machine clients.
The docs page is ninja's own Swagger UI page: its assets are served locally from ninja's static
directory and its settings travel in a JSON data block read by a static script, so it works
under the site's Content-Security-Policy without inline scripts or a CDN.
"""

import json
import logging
from collections.abc import Callable
from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.views import openapi_json
from ninja.operation import Operation
from ninja.params.models import QueryModel
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from opentrm.accounts.api_auth import (
    CsrfFailed,
    NoActingOrganisation,
    SessionAuth,
    TokenAuth,
)
from opentrm.accounts.decorators import actor_required
from opentrm.accounts.policy import Action
from opentrm.core.errors import DomainError
from opentrm.core.schemas import declare_bounded_json
from opentrm.core.views import database_failed, unavailable_response

logger = logging.getLogger("opentrm")

View = Callable[..., HttpResponse]


def _docs_gate(view: View) -> View:
    """Who may read the API's documentation: members (session), or a token for the schema."""

    if getattr(view, "func", None) is openapi_json:

        def api_schema(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            # Every member (the API also answers the browser session); a token only while its
            # role holds machine access (TokenAuth).
            for auth in (TokenAuth(Action.ACCOUNT_OWN), SessionAuth(Action.ACCOUNT_OWN)):
                try:
                    if auth(request):
                        return view(request, **kwargs)
                except PermissionDenied as error:
                    return api.on_exception(request, error)
            return api.on_exception(request, AuthenticationError())

        return api_schema

    def api_docs(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return view(request, **kwargs)

    return actor_required(Action.ACCOUNT_OWN)(api_docs)


# What core.middleware.InputMiddleware answers before a route (and its authentication) runs,
# so to anonymous callers too: 422 for a query breaking the text rule, on any operation; for a
# body, 400 (not JSON, or nested too deep), 413 (too large) and 422 (a string or an integer
# breaking the input rules).
_INPUT_ANSWERS = {
    400: "Bad Request",
    413: "Content Too Large",
    422: "Unprocessable Content",
}
_BODY_METHODS = {"post", "put", "patch", "delete"}


# The document costs about 2 s to build and depends only on the routes, the language and the
# day (date bounds move with today): built once per key, handed out as a fresh copy.
_DOCUMENTS: dict[tuple[str | None, str, str | None, date], str] = {}


class OpenTRMAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        today = timezone.localdate()
        params = json.dumps(path_params, sort_keys=True, cls=DjangoJSONEncoder)
        key = (path_prefix, params, translation.get_language(), today)
        text = _DOCUMENTS.get(key)
        if text is None:
            document = self._build_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            text = json.dumps(document, cls=DjangoJSONEncoder)
            for stale in [old for old in _DOCUMENTS if old[3] != today]:
                _DOCUMENTS.pop(stale, None)
            _DOCUMENTS[key] = text
        return json.loads(text)

    def _build_openapi_schema(
        self, *, path_prefix: str | None, path_params: dict[str, Any] | None
    ) -> Any:
        """ninja's document, plus what the input middleware adds to every operation."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        declare_bounded_json(schema)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in schema.get("paths", {}).values():
            for method, operation in operations.items():
                statuses = [400, 413, 422] if method in _BODY_METHODS else [422]
                responses = operation.setdefault("responses", {})
                for status in statuses:
                    responses.setdefault(
                        status, {"description": _INPUT_ANSWERS[status], "content": error}
                    )
        return schema


api = OpenTRMAPI(
    title="OpenTRM API",
    version="1",
    description=(
        "The TRM directory of this OpenTRM node. Authenticate with a personal API token "
        "(`Authorization: Bearer otrm_…`, made on your account page) or, from the browser, "
        "with your session (writes need the `X-CSRFToken` header). Errors are JSON: "
        '`{"code": …, "message": …, "errors": [{"field": …, "message": …}]}`.'
    ),
    urls_namespace="api-1",
    auth=[TokenAuth(), SessionAuth()],
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_decorator=_docs_gate,
)


class _QueryKeys(QueryModel):
    """The check that a query names only the parameters its operation declares: one more
    parameter model of the operation, so its 422 comes with the request's other errors (after
    authentication, as theirs). It declares no parameter itself."""

    __ninja_flatten_map__: ClassVar[dict[str, Any]] = {}
    __ninja_flatten_map_reverse__: ClassVar[dict[Any, Any]] = {}
    declared: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def get_request_data(
        cls, request: HttpRequest, api: Any, path_params: dict[str, Any]
    ) -> dict[str, Any]:
        return {}

    @classmethod
    def resolve(cls, request: HttpRequest, api: Any, path_params: dict[str, Any]) -> "_QueryKeys":
        undeclared = [
            InitErrorDetails(
                type=PydanticCustomError(
                    "extra_forbidden", str(_("This request does not take this parameter."))
                ),
                loc=(key,),
                input=request.GET.get(key),
            )
            for key in request.GET
            if key not in cls.declared
        ]
        if undeclared:
            raise PydanticValidationError.from_exception_data(cls.__name__, undeclared)
        return cls()


def _close_query(run: View) -> View:
    """Give each operation (``run`` is its bound method) the check of its query's keys."""
    operation = getattr(run, "__self__", None)
    if isinstance(operation, Operation):
        declared = frozenset(
            key
            for model in operation.models
            if model.__ninja_param_source__ == "query"
            for key in getattr(model, "__ninja_flatten_map__", {})
        )
        check = type("QueryKeys", (_QueryKeys,), {"declared": declared})
        operation.models = [*operation.models, check]
    return run


# One rule for every operation: a query parameter the operation does not declare is refused
# (422 naming it), as a body key a schema does not declare is (core.schemas.Schema).
api.add_decorator(_close_query, mode="view")


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    errors: list[dict[str, str]] | None = None,
) -> HttpResponse:
    body = {"code": code, "message": message, "errors": errors or []}
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, 401, "unauthenticated", _("Log in, or send a valid and unexpired API token.")
    )
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(CsrfFailed)
def on_csrf_failed(request: HttpRequest, exc: CsrfFailed) -> HttpResponse:
    return _error(
        request,
        403,
        "csrf_failed",
        _("Changes made with the browser session need the CSRF token (X-CSRFToken header)."),
    )


@api.exception_handler(NoActingOrganisation)
def on_no_organisation(request: HttpRequest, exc: NoActingOrganisation) -> HttpResponse:
    return _error(
        request,
        403,
        "no_organisation",
        _("You do not act for an organisation. Choose one in the web interface first."),
    )


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", _("Your role does not allow this action."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("No such object, or not visible to you."))


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    # ninja puts the source first ("body", "query", "path"), and for a body also the name of the
    # route's parameter: neither is a field the caller wrote.
    parts = list(location)
    if parts and parts[0] == "body":
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


@api.exception_handler(NinjaValidationError)
def on_invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = [
        {"field": _field_path(error.get("loc", ())), "message": str(error.get("msg", ""))}
        for error in exc.errors
    ]
    return _error(request, 422, "invalid", _("The request is not valid."), fields)


@api.exception_handler(ValidationError)
def on_invalid_data(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        fields = [
            {"field": "" if name == "__all__" else name, "message": " ".join(messages)}
            for name, messages in exc.message_dict.items()
        ]
    else:
        fields = [{"field": "", "message": message} for message in exc.messages]
    return _error(request, 422, "invalid", _("The data is not valid."), fields)


@api.exception_handler(DomainError)
def on_refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    status = {"conflict": 409, "not_found": 404, "held_elsewhere": 403}.get(exc.code, 400)
    return _error(request, status, exc.code, exc.message)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {400: "bad_request", 405: "method_not_allowed", 429: "throttled"}
    response = _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))
    wait = getattr(exc, "seconds", None)  # accounts.api_auth.TokenThrottledError
    if isinstance(wait, int):
        response["Retry-After"] = str(wait)
    return response


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # core.middleware.InputMiddleware answers most of these before the API; this is the rest.
    return _error(request, 413, "too_large", _("The request is too large."))


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if settings.DEBUG:
        raise exc
    if database_failed(exc):  # the database is away: try again
        return unavailable_response(request)
    # Ids only: an exception's text can carry the data that caused it.
    match = request.resolver_match
    logger.error(
        "API error %s on %s %s",
        type(exc).__name__,
        request.method,
        match.view_name if match else "-",
    )
    return _error(
        request,
        500,
        "server_error",
        _(
            "Something went wrong on the server. Try again later; if it persists, give your "
            "administrator the X-Request-ID of the response."
        ),
    )


def _register_routers() -> None:
    from opentrm.accounts.api import router as account_router
    from opentrm.agreements.api import router as agreements_router
    from opentrm.cases.api import router as cases_router
    from opentrm.cases.api_aftercare import labour_router
    from opentrm.cases.api_aftercare import router as aftercare_router
    from opentrm.cases.api_assessments import router as assessments_router
    from opentrm.cases.api_casedata import router as casedata_router
    from opentrm.cases.api_casework import router as casework_router
    from opentrm.cases.api_child import router as child_router
    from opentrm.cases.api_documents import router as documents_router
    from opentrm.cases.api_services import router as services_router
    from opentrm.cases.api_sharing import router as sharing_router
    from opentrm.directory.api import router as directory_router
    from opentrm.exchange.api import router as exchange_router
    from opentrm.linkage.api import router as linkage_router
    from opentrm.matching.api import router as matching_router
    from opentrm.meetings.api import router as meetings_router
    from opentrm.monitoring.api import router as monitoring_router
    from opentrm.referrals.api_import import router as referrals_import
    from opentrm.referrals.api_national import router as referrals_national
    from opentrm.referrals.api_request_kinds import router as referrals_kinds
    from opentrm.referrals.api_requests import router as referrals_requests
    from opentrm.referrals.api_template import router as referrals_template
    from opentrm.stats.api import router as stats_router
    from opentrm.training.api import router as training_router

    api.add_router("/directory/", directory_router)
    api.add_router("/account/", account_router)
    for part in (
        assessments_router,
        services_router,
        documents_router,
        sharing_router,
        casedata_router,
        casework_router,
        aftercare_router,
        child_router,
    ):
        cases_router.add_router("", part)
    api.add_router("/cases/", cases_router)
    api.add_router("/labour/", labour_router)
    api.add_router("/agreements/", agreements_router)
    referrals_router = Router(tags=["referrals"])
    for part in (
        referrals_national,
        referrals_template,
        referrals_requests,
        referrals_import,
        referrals_kinds,
    ):
        referrals_router.add_router("", part)
    api.add_router("/referrals/", referrals_router)
    api.add_router("/exchange/", exchange_router)
    api.add_router("/training/", training_router)
    api.add_router("/meetings/", meetings_router)
    api.add_router("/monitoring/", monitoring_router)
    api.add_router("/stats/", stats_router)
    api.add_router("/matching/", matching_router)
    api.add_router("/linkage/", linkage_router)


_register_routers()
