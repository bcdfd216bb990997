from django.urls import path

from opentrm.dataprotection import views, views_restriction

app_name = "dataprotection"

urlpatterns = [
    path(
        "cases/<uuid:public_id>/subject-access.pdf",
        views.subject_access_report,
        name="subject_access_report",
    ),
    path(
        "cases/<uuid:public_id>/restriction/",
        views_restriction.restriction_page,
        name="restriction",
    ),
    path(
        "cases/<uuid:public_id>/restriction/lift/",
        views_restriction.restriction_lift_view,
        name="restriction_lift",
    ),
    path("notice.pdf", views.survivor_notice, name="survivor_notice"),
    path("processing/", views.processing_records, name="processing_records"),
    path("breaches/", views.breach_list, name="breach_list"),
    path("breaches/<uuid:public_id>/", views.breach_detail, name="breach_detail"),
    path("breaches/<uuid:public_id>/notified/", views.breach_notified, name="breach_notified"),
]
