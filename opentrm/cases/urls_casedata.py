from django.urls import path

from opentrm.cases import views_casedata

urlpatterns = [
    path("<uuid:public_id>/data/", views_casedata.case_data_edit, name="case_data_edit"),
    path(
        "<uuid:public_id>/status/<str:status>/",
        views_casedata.status_override,
        name="status_override",
    ),
    path(
        "<uuid:public_id>/status/<str:status>/derive/",
        views_casedata.status_override_end,
        name="status_override_end",
    ),
    path("<uuid:public_id>/close/", views_casedata.case_close, name="case_close"),
    path("<uuid:public_id>/reopen/", views_casedata.case_reopen, name="case_reopen"),
    path(
        "<uuid:public_id>/information/new/",
        views_casedata.information_create,
        name="information_create",
    ),
]
