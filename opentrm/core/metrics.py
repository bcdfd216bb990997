"""Prometheus metrics of the node: request rate, latency and errors per route (issue 18).

A request is labelled with its method, the *route pattern* that served it
(``cases/<uuid:public_id>/``, never the path: no identifier, no cardinality per case) and its
status class (``2xx`` ... ``5xx``); unmatched paths are ``unmatched``. Under ``opentrm serve``
each gunicorn worker writes its figures to ``PROMETHEUS_MULTIPROC_DIR`` and the endpoint sums
them (prometheus_client's multiprocess mode). Queue depths are read from the database when
the endpoint is scraped (``opentrm.config.metrics``).
"""

import os
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess

REQUESTS = Counter(
    "opentrm_http_requests_total",
    "HTTP requests answered, by method, route pattern and status class",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "opentrm_http_request_duration_seconds",
    "Time from the request entering the middleware stack to the answer, by route pattern",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0),
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return str(match.route) or "unmatched"


class MetricsMiddleware:
    """Counts and times every request; outermost but for the security middleware, so the
    figures include the whole stack (sessions, authentication, CSP)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        method = request.method if request.method in _METHODS else "OTHER"
        REQUESTS.labels(method, route, f"{response.status_code // 100}xx").inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)
        return response


def registry() -> CollectorRegistry | None:
    """The registry that sums every worker's figures under ``opentrm serve``; None when this
    process is the only one (the default registry then holds everything)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    summed = CollectorRegistry()
    multiprocess.MultiProcessCollector(summed)  # type: ignore[no-untyped-call]
    return summed
