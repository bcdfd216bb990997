"""Typed requests for views (as healthchecks' ``AuthenticatedHttpRequest``).

``HtmxHttpRequest`` is what ``django_htmx.middleware.HtmxMiddleware`` makes of every request.
The request that also carries the acting ``Actor`` is ``AuthenticatedHttpRequest`` in
``opentrm.accounts.http``: ``core`` imports no domain app, and the actor is a type of ``accounts``.
"""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through ``HtmxMiddleware`` (every request does)."""

    htmx: HtmxDetails
