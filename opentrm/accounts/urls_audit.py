from django.urls import path

from opentrm.accounts import views_audit as views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:alert_id>/", views.alert_close_view, name="alert_close"),
]
