"""Health check and plain error pages (never a traceback, never data)."""

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

logger = logging.getLogger("opentrm")


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
    logger.error(
        "server error on %s %s",
        request.method,
        request.resolver_match.view_name if request.resolver_match else "-",
    )
    return HttpResponse(
        render_plain_error(),
        status=500,
        content_type="text/html; charset=utf-8",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


def render_plain_error() -> str:
    from django.template.loader import get_template

    return get_template("errors/500.html").render({})
