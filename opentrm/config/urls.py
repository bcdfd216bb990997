from django.urls import include, path
from django.views.i18n import set_language

from opentrm.config.api import api
from opentrm.config.metrics import metrics
from opentrm.core import views as core_views
from opentrm.exchange import views_inbox as exchange_views

handler400 = "opentrm.core.views.bad_request"
handler403 = "opentrm.core.views.permission_denied"
handler404 = "opentrm.core.views.page_not_found"
handler500 = "opentrm.core.views.server_error"

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path(".well-known/opentrm-node.json", exchange_views.node_document, name="node_document"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("account/", include("opentrm.accounts.urls")),
    path("audit/case/", include("opentrm.cases.urls_audit")),
    path("audit/", include("opentrm.accounts.urls_audit")),
    path("data-protection/", include("opentrm.dataprotection.urls")),
    path("emergency/", include("opentrm.cases.urls_emergency")),
    path("cases/", include("opentrm.cases.urls")),
    path("matching/", include("opentrm.matching.urls")),
    path("agreements/", include("opentrm.agreements.urls")),
    path("referrals/", include("opentrm.referrals.urls")),
    path("exchange/dashboard/", include("opentrm.exchange.urls_dashboard")),
    path("exchange/", include("opentrm.exchange.urls")),
    path("portal/", include("opentrm.portal.urls")),
    path("training/", include("opentrm.training.urls")),
    path("meetings/", include("opentrm.meetings.urls")),
    path("monitoring/", include("opentrm.monitoring.urls")),
    path("feedback/", include("opentrm.monitoring.urls_public")),
    path("research/", include("opentrm.research.urls")),
    path("linkage/", include("opentrm.linkage.urls")),
    path("statistics/", include("opentrm.stats.urls")),
    path("api/v1/", api.urls),
    path("", include("opentrm.notifications.urls")),
    path("", include("opentrm.directory.urls")),
]
