"""``/metrics``: the node's Prometheus figures, for a monitoring server holding the token.

Off (404) unless ``OPENTRM_METRICS_TOKEN`` is set; then only a request with
``Authorization: Bearer <token>`` gets them (compared in constant time), anyone else a 404 too,
so the endpoint's existence is not advertised. No personal data: counts by route pattern and
status, latencies, and queue depths (docs/deployment.md, "Monitoring").
"""

import hmac
from collections.abc import Iterator

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from opentrm.core import metrics as core_metrics


class QueueCollector(Collector):
    """Queue depths, read when scraped: the exchange outbox by status, and the open tasks
    that are past their due date."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db.models import Count

        from opentrm.cases.models import Task
        from opentrm.exchange.models import OutboxMessage, OutboxStatus

        outbox = GaugeMetricFamily(
            "opentrm_exchange_outbox_messages",
            "Packages to other nodes not yet delivered, by status",
            labels=["status"],
        )
        counts = dict(
            OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED)
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        for status in (OutboxStatus.QUEUED, OutboxStatus.FAILED, OutboxStatus.DEAD):
            outbox.add_metric([str(status)], counts.get(status, 0))
        yield outbox
        overdue = Task.objects.filter(done_at__isnull=True, due_on__lt=timezone.localdate())
        yield GaugeMetricFamily(
            "opentrm_tasks_overdue", "Open case-work tasks past their due date", overdue.count()
        )


def _authorised(request: HttpRequest) -> bool:
    token: str = settings.OPENTRM_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        raise Http404
    summed = core_metrics.registry()
    scraped = CollectorRegistry()
    scraped.register(QueueCollector())
    body = generate_latest(summed or REGISTRY) + generate_latest(scraped)
    return HttpResponse(body, content_type="text/plain; version=0.0.4; charset=utf-8")
