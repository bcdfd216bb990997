from django.urls import path

from opentrm.cases import views_audit

app_name = "case_audit"

urlpatterns = [
    path("", views_audit.case_trail, name="trail"),
    path("export.csv", views_audit.case_trail_csv, name="trail_csv"),
]
