from django.urls import path

from opentrm.accounts import views_audit as views

app_name = "audit"

urlpatterns = [
    path("", views.event_list, name="event_list"),
]
