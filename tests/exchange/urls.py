"""The project's routes plus the exchange dashboard, for tests until the project mounts it."""

from django.urls import include, path

from opentrm.config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("exchange/dashboard/", include("opentrm.exchange.urls_dashboard")),
    *project_urlpatterns,
]
