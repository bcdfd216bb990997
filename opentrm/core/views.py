"""The form-view helper, the health check and plain error pages (never a traceback, never data)."""

import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext

from opentrm.core.errors import DomainError
from opentrm.core.forms import add_precheck_errors, add_service_errors

logger = logging.getLogger("opentrm")

T = TypeVar("T")


def form_view(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    save: Callable[[], T],
    done: str | Callable[[T], HttpResponse],
    template: str,
    context: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    success: str | Callable[[T], str] | None = None,
    formsets: Sequence["forms.BaseFormSet[Any]"] = (),
    refused_status: int = 200,
    submitted: bool | None = None,
    precheck: Callable[[], None] | None = None,
) -> HttpResponse:
    """The shape of every form page: GET shows the form; a valid POST calls ``save`` (a service).

    A ``ValidationError`` from ``save`` goes to the fields it names (the rest above the form), any
    other refusal (a ``DomainError``: a conflict, a blocked step) above the form, and the page is
    shown again with the form. On success the
    ``success`` message (a text, or a function of what ``save`` returned) is shown on the page
    ``done`` leads to: a URL, or a function of what ``save`` returned giving the response.
    ``context`` is the page's other context, or a function giving it when it costs queries.
    ``formsets`` must be valid too before ``save`` is called (the page shows them from
    ``context``). ``refused_status`` is the status of a POST whose form is shown again.
    ``submitted`` says whether the request submits the form (by default: it is a POST), for a
    page whose other buttons post it too. ``precheck`` runs the service's own checks when the
    form is invalid, so that their errors show with the form's (``add_precheck_errors``).
    """
    if submitted is None:
        submitted = request.method == "POST"
    valid = submitted and all([form.is_valid(), *(f.is_valid() for f in formsets)])
    if submitted and not valid and precheck is not None:
        add_precheck_errors(form, precheck)
    if valid:
        try:
            result = save()
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:  # a refusal with its message: a conflict, a blocked step
            form.add_error(None, error.message)
        else:
            if success is not None:
                messages.success(request, success(result) if callable(success) else success)
            return redirect(done) if isinstance(done, str) else done(result)
    if callable(context):  # worked out only when the page is shown
        context = context()
    status = refused_status if request.method == "POST" else 200
    return render(request, template, {"form": form, **(context or {})}, status=status)


def action_view(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    save: Callable[[], T],
    done: str,
    success: str | Callable[[T], str] | None = None,
    incomplete: str | None = None,
) -> HttpResponse:
    """The shape of a button's POST (no page of its own): call ``save`` (a service) when the
    form is valid, and go back to ``done`` (a URL) with the ``success`` message or every
    refusal's messages as errors. An invalid form (a stale page, a missing version) says
    ``incomplete``."""
    if not form.is_valid():
        messages.error(request, incomplete or gettext("Reload the page and try again."))
        return HttpResponseRedirect(done)
    try:
        result = save()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if success is not None:
            messages.success(request, success(result) if callable(success) else success)
    return HttpResponseRedirect(done)


def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok", "database": "ok"}``, or 503 naming the part that failed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any driver error means the database is not usable
        logger.warning("health check: database unavailable")
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        # A form body over DATA_UPLOAD_MAX_MEMORY_SIZE (Django raises it as a bad request).
        from opentrm.core.middleware import too_large

        return too_large(request)
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        # A path under the API that no route matches (an id holding a slash, say) is answered
        # like every other API error, in JSON: the OpenAPI document declares no HTML.
        return JsonResponse(
            {
                "code": "not_found",
                "message": gettext("No such object, or not visible to you."),
                "errors": [],
            },
            status=404,
        )
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without context processors' database work: the database may be the fault.
    unavailable = database_failed(sys.exc_info()[1])
    logger.error(
        "%s on %s %s",
        "database unavailable" if unavailable else "server error",
        request.method,
        request.resolver_match.view_name if request.resolver_match else "-",
    )
    if unavailable:
        # The database is away, restarting or over a time limit: 503 with Retry-After, which
        # load balancers and API clients understand as "try again" (docs/deployment.md, "Faults").
        return unavailable_response(request)
    return HttpResponse(
        render_plain_error(),
        status=500,
        content_type="text/html; charset=utf-8",
    )


def database_failed(failure: BaseException | None) -> bool:
    """Whether a request failed because of the database: its error, or any error once the
    connection has broken (a model check that swallowed the database's error, say)."""
    if isinstance(failure, (OperationalError, InterfaceError)):
        return True
    # psycopg marks a connection the server dropped as broken (no query needed to tell).
    return bool(getattr(connection.connection, "broken", False))


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503: the database cannot be reached now; JSON under /api/, a plain page otherwise."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "code": "unavailable",
                "message": gettext("The service is not available right now. Try again shortly."),
                "errors": [],
            },
            status=503,
        )
    else:
        from django.template.loader import get_template

        response = HttpResponse(
            get_template("errors/503.html").render({}),
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = "30"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


def render_plain_error() -> str:
    from django.template.loader import get_template

    return get_template("errors/500.html").render({})
