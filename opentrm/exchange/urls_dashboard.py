"""Routes of the exchange dashboard; mounted at ``exchange/dashboard/`` by the project's urls."""

from django.urls import path

from opentrm.exchange import views_dashboard

app_name = "exchange_dashboard"

urlpatterns = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("dead-letters/", views_dashboard.dead_letters, name="dead_letters"),
    path("dead-letters/retry/", views_dashboard.dead_letters_retry, name="dead_letters_retry"),
    path(
        "dead-letters/<uuid:message_id>/retry/",
        views_dashboard.dead_letter_retry,
        name="dead_letter_retry",
    ),
]
