from django.urls import path

from opentrm.dataprotection import views

app_name = "dataprotection"

urlpatterns = [
    path(
        "cases/<uuid:public_id>/subject-access.pdf",
        views.subject_access_report,
        name="subject_access_report",
    ),
    path("notice.pdf", views.survivor_notice, name="survivor_notice"),
]
