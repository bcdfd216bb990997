"""Request-wide rules: the request id, the input rules before any view, no caching of pages.

See ``opentrm.core.input`` for the rules themselves.
"""

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from opentrm.core.input import (
    BIGINT_MAX,
    BIGINT_MIN,
    MAX_JSON_DEPTH,
    bad_text_in,
    integer_problem,
    json_too_deep,
    text_problem,
)
from opentrm.core.request_context import set_request_id

logger = logging.getLogger("opentrm")

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
API_PREFIX = "/api/"
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_MAX_REPORTED = 10


class RequestIdMiddleware:
    """Gives every request an id of our own, never the client's.

    The id lands in the audit trail, so a client must not choose it (it could forge a link
    between its request and another's, or plant text in the trail). A client's own
    ``X-Request-ID``, when it is well-formed (``[A-Za-z0-9-]{1,64}``), is written to the log
    next to ours so the two can be matched; anything else is dropped unread.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = set_request_id(None)
        request.request_id = request_id  # type: ignore[attr-defined]
        incoming = request.headers.get("X-Request-ID", "")
        if incoming and _SAFE_REQUEST_ID.match(incoming):
            logger.info("client request id %s", incoming)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


def api_error(
    status: int, code: str, message: str, errors: list[dict[str, str]] | None = None
) -> JsonResponse:
    """An answer in the API's error format (opentrm.config.api), before the API is reached."""
    return JsonResponse({"code": code, "message": message, "errors": errors or []}, status=status)


def too_large(request: HttpRequest) -> HttpResponse:
    """413: the body is larger than DATA_UPLOAD_MAX_MEMORY_SIZE (uploads have their own limit)."""
    message = _("The request is too large.")
    if request.path.startswith(API_PREFIX):
        return api_error(413, "too_large", message)
    return render(request, "errors/413.html", status=413)


def _beyond_64_bits(value: Any) -> bool:
    digits = value.removeprefix("-") if isinstance(value, str) else ""
    # ASCII digits only: "¹".isdigit() is true, and int("¹") raises.
    if digits.isascii() and digits.isdigit():
        value = int(value)
    return isinstance(value, int) and not BIGINT_MIN <= value <= BIGINT_MAX


class InputMiddleware:
    """The input rules every request passes before a view sees it.

    - any request: query parameters obey the text rule (400 page / 422 JSON); in the API,
      a number in a query fits 64 bits (422);
    - a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 (page / JSON);
    - API bodies: JSON nested deeper than MAX_JSON_DEPTH is refused before it is parsed
      (400 ``too_deep``); every string obeys the text rule and every integer fits 64 bits
      (422 naming the field); form fields of uploads obey the text rule;
    - numbers in the path (ids) beyond 64 bits, path values breaking the text rule: 404, as
      for any id that does not exist.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = request.path.startswith(API_PREFIX)
        for key, values in request.GET.lists():
            problem = next(filter(None, map(text_problem, (key, *values))), None)
            # The API's numbers in a query are ids and pages; a page's search may be digits.
            if problem is None and is_api and any(_beyond_64_bits(value) for value in values):
                problem = integer_problem("id", BIGINT_MAX + 1)
            if problem:
                if is_api:
                    field = "" if text_problem(key) else key
                    return api_error(
                        422,
                        "invalid",
                        _("The request is not valid."),
                        [{"field": field, "message": problem}],
                    )
                return render(request, "errors/400.html", status=400)
        if is_api and request.method in _BODY_METHODS:
            try:
                refused = self._check_api_body(request)
            except RequestDataTooBig:
                return too_large(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        for value in (*view_args, *view_kwargs.values()):
            # No object's id or code is beyond 64 bits or holds NUL / a lone surrogate.
            if _beyond_64_bits(value) or (isinstance(value, str) and text_problem(value)):
                if request.path.startswith(API_PREFIX):
                    return api_error(404, "not_found", _("No such object, or not visible to you."))
                return render(request, "errors/404.html", status=404)
        return None

    def _check_api_body(self, request: HttpRequest) -> HttpResponse | None:
        content_type = request.content_type or ""
        if content_type.startswith("multipart/") or content_type.endswith("x-www-form-urlencoded"):
            for key, values in request.POST.lists():
                for text in (key, *values):
                    if problem := text_problem(text):
                        return api_error(
                            422,
                            "invalid",
                            _("The request is not valid."),
                            [{"field": "" if text is key else key, "message": problem}],
                        )
            return None
        body = request.body
        if not body:
            return None
        if json_too_deep(body):
            return api_error(
                400,
                "too_deep",
                _("The JSON body is nested deeper than %(limit)s levels.")
                % {"limit": MAX_JSON_DEPTH},
            )
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None  # the API answers 400 for a body it cannot parse
        errors = [
            {"field": field, "message": message}
            for field, message in list(bad_text_in(data))[:_MAX_REPORTED]
        ]
        if errors:
            return api_error(422, "invalid", _("The request is not valid."), errors)
        return None


class NoStoreMiddleware:
    """``Cache-Control: no-store, private`` on every answer that does not set its own.

    Pages and API answers carry personal data, and a shared or browser cache must not keep
    them. Static files (WhiteNoise, before this) and the node document set their own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store, private"
        return response


SESSION_RENEWED_KEY = "_renewed_at"


class SessionRenewalMiddleware:
    """The session written only when it changed or when its idle period is running out.

    Saving it on every request (``SESSION_SAVE_EVERY_REQUEST``) cost two thirds of the bare
    stack (issue 18). A session is written when a view changed it, or when it was last written
    more than ``OPENTRM_SESSION_RENEW_SECONDS`` ago (default a tenth of the idle period): the
    idle time-out then ends a session between ``SESSION_COOKIE_AGE`` minus that and
    ``SESSION_COOKIE_AGE`` after the last request, never later. A session the request did not
    read (a public page, ``/healthz``) is left alone. Sits right below ``SessionMiddleware``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(time.time())
        renewed = session.get(SESSION_RENEWED_KEY)
        stale = not isinstance(renewed, int) or now - renewed >= settings.SESSION_RENEW_SECONDS
        if session.modified or stale:
            mark_session_written(session)  # marks it modified: SessionMiddleware saves it
        return response


def mark_session_written(session: SessionBase) -> None:
    """Note in ``session`` that it is being written now (at log-in, or renewed above)."""
    session[SESSION_RENEWED_KEY] = int(time.time())
