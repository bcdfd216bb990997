from django.urls import path

from opentrm.stats import views

app_name = "stats"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("htcds.csv", views.htcds_export, name="htcds_export"),
    path("annual-report.pdf", views.annual_report, name="annual_report"),
]
